"""A person's notices written: promised by a change, in its transaction (queue_notices,
queue_notice: one small row each, nothing read), then written by the delivery worker from the
promise (write_notices: the outbox for e-mail and SMS, the account's box), worded by
widget.notify.compose."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from widget.extensions import db
from widget.models import Event, NoticePromise, OutboxChannel, OutboxItem, Request
from widget.notify.catalog import INBOX, notice_key
from widget.notify.compose import channels_for, compose, contacts, event_values
from widget.notify.inbox import to_inbox
from widget.notify.outbox import enqueue
from widget.notify.request_state import RequestState, stored_values
from widget.notify.webhooks import queue_webhooks


def queue_notices(request: Request, events: Iterable[Event]) -> list[OutboxItem]:
    """Promise the person the notices of these new events, and queue the webhooks of the
    systems that asked for them, in the caller's (uncommitted) transaction; return the
    webhooks' outbox rows (the notices are composed by the delivery worker)."""
    events = list(events)
    for event in events:
        notice = event_notice(request, event)
        if notice is not None:
            queue_notice(request, *notice, event)
    return queue_webhooks(request, events)


def event_notice(request: Request, event: Event) -> tuple[str, dict] | None:
    """The notice a new event promises the person (its key and own values), or None."""
    key = notice_key(event.kind, event.data or {}, request.channel, request.status)
    if key is None or event.public is False:  # None: not flushed yet, public by default
        return None
    return key, event_values(request, event)


def queue_notice(request: Request, key: str, extra: dict, event: Event | None = None,
                 only: set[str] | None = None, reach: dict[str, str] | None = None
                 ) -> NoticePromise:
    """Promise one notice to the person, in the caller's transaction: one small row, from
    which the delivery worker composes it on every channel its rules allow (or `only` those, a
    form reminder's own) and the person can be reached on (write_notices; `reach` those
    addresses, as they are now, instead of the request's when composed). Nothing is read from
    the database here."""
    # A new request has its organisation's id only once flushed; a stored one without loading it.
    organization_id = request.organization_id or request.organization.id
    promise = NoticePromise(**promise_columns(organization_id, request, key, extra, only, reach))
    promise.request, promise.event = request, event  # objects: both may not have an id yet
    db.session.add(promise)
    return promise


def promise_columns(organization_id: int, request: Request, key: str, extra: dict,
                    only: set[str] | None = None, reach: dict[str, str] | None = None) -> dict:
    """A promise's own columns (queue_notice's arguments), without its request's and event's."""
    return {"organization_id": organization_id, "notice_key": key, "values": stored_values(extra),
            "state": RequestState.of(request, reach).stored(),
            "only_channels": sorted(only) if only is not None else None}


def write_notices(request: Request, key: str, extra: dict, state: RequestState,
                  event_id: int | None = None, created_at: datetime | None = None,
                  only: set[str] | None = None) -> list[OutboxItem]:
    """One notice to the person on every channel its rules allow (or `only` those) and they can
    be reached on: the outbox for e-mail and SMS, the notification box of their account; in the
    caller's transaction (the worker's, which keeps the promise in the same one)."""
    reachable = contacts(request) if state.reach is None else state.reach
    channels = channels_for(request, key, only)
    if INBOX in channels and request.account is not None:
        to_inbox(request, key, extra, state, created_at)
    items = []
    for channel in sorted(channels & reachable.keys()):
        subject, text, html = compose(request, key, channel, extra, state)
        item = enqueue(request.organization.id, OutboxChannel(channel), reachable[channel], text,
                       request_id=request.id, event_id=event_id, language=request.language,
                       subject=subject, html_body=html)
        item.notice = key  # for the delivery report: who was told what
        if created_at is not None:
            # When the change was made, as the history shows it; and due since then, so that
            # it goes out before messages caused later (a worker claims the oldest due first).
            item.created_at = item.next_attempt_at = created_at
        items.append(item)
    return items
