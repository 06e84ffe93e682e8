"""The notification engine: domain events -> rules -> templates -> outbox rows -> channels.

Rows are written in the same transaction as the change that caused them (a transactional
outbox) and delivered later by `flask --app widget worker`; nothing is sent inside a web request.
"""
