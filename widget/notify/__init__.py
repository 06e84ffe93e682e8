"""The notification engine: domain events -> notice promises -> rules -> templates -> outbox rows
-> channels.

A change writes one promise row per notice in its own transaction; the delivery worker
(`flask --app widget worker`) composes the notices from it into outbox rows (and the account's
box) and delivers them later. Nothing is composed or sent inside a web request.
"""
