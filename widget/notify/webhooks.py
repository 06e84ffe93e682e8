"""Webhooks: a request's new timeline events as signed JSON POSTs to the connected systems that
asked for them, queued in the outbox in the transaction that records the events.

The payload says what happened and to which request, never what the person wrote: a system
that may read the answers fetches the request through the API with its key.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from widget import codes
from widget.config_cache import read_in_transaction
from widget.extensions import db
from widget.models import ApiClient, Event, OutboxChannel, OutboxItem, Request, Unit
from widget.models._types import as_utc, utcnow
from widget.models.notify import new_reference
from widget.notify.channels import PermanentFailure
from widget.notify.outbox import enqueue

# Kinds whose note the person is told too (the {note}/{reason} of their notice): only those
# notes go out. Others (a waived fee's reason, an internal note) stay among staff.
NOTE_KINDS = frozenset({"deadline_changed", "paused", "result_ready", "refused"})


def _moment(value: datetime | None) -> str | None:
    # The same form as the REST API's moments, so an integrator parses one format.
    return as_utc(value).isoformat() if value is not None else None


def subscribers(request: Request) -> list[ApiClient]:
    """The organisation's active systems with a webhook that may see this request."""
    configuration = read_in_transaction(db.session, request.organization_id)
    if configuration is not None and not configuration.webhook_client_ids:
        # The configuration this transaction was checked with has no system listening (a
        # system connected since commits a new config_version: the next request reads it).
        return []
    clients = db.session.scalars(select(ApiClient).where(
        ApiClient.organization_id == request.organization_id, ApiClient.revoked_at.is_(None),
        ApiClient.webhook_url.is_not(None)).order_by(ApiClient.id))
    return [client for client in clients if client.staff_user.is_active and may_see(client, request)]


def may_see(client: ApiClient, request: Request) -> bool:
    """The back office's scope rule (services.access.visible_to) for the system's account: an
    administrator sees every unit, anyone else only their units' requests."""
    staff = client.staff_user
    return staff.is_admin or request.unit_id in {unit.id for unit in staff.units}


def payload(reference: str, request: Request, event: Event) -> str:
    """The webhook's JSON body: compact with sorted keys, so it is the same bytes every time."""
    unit = db.session.get(Unit, request.unit_id) if request.unit_id else None
    occurred = _moment(event.created_at or utcnow())
    described = {"id": event.id, "kind": event.kind, "created_at": occurred}
    if event.kind in NOTE_KINDS:
        described["note"] = event.note or None
    document = {
        "id": reference,
        "type": f"request.{event.kind}",
        "created_at": occurred,
        "organization": request.organization.slug,
        "data": {
            "request": {
                "id": request.id, "code": codes.display(request.code), "status": request.status,
                "form": request.form_version.form.slug, "unit": unit.code if unit else None,
                "due_at": _moment(request.due_at), "journal_number": request.journal_number,
                "updated_at": _moment(request.updated_at),
                # The version this change gave it, as the API shows it (expected_version).
                "version": request.lock_version,
            },
            "event": described,
        },
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def queue_webhooks(request: Request, events: Iterable[Event]) -> list[OutboxItem]:
    """One outbox row per new public event and subscribed system, in the caller's transaction."""
    events = [event for event in events if event.public is not False]
    if not events or not request.code:  # drafts are nobody's business yet
        return []
    wanted = [(event, client) for client in subscribers(request) for event in events
              if event.kind in (client.webhook_events or ())]
    if not wanted:
        return []
    # The payload names the request and event by id: a new request or event has one only once
    # written. The caller commits this same transaction, so flushing early changes nothing else.
    db.session.add(request)
    db.session.flush()
    items = []
    for event, client in wanted:
        # Known before the row is written: it is the payload's id and the Frontdesk-Webhook-Id.
        reference = new_reference()
        items.append(enqueue(
            request.organization_id, OutboxChannel.WEBHOOK, client.webhook_url,
            payload(reference, request, event), request_id=request.id, event_id=event.id,
            subject=f"request.{event.kind}", api_client_id=client.id, reference=reference))
    return items


def signing_secret(item: OutboxItem) -> str:
    """The secret a webhook row is signed with, read when it is sent: a key revoked (or a webhook
    switched off) since the event was queued stops it for good. Empty for other channels."""
    if item.channel != OutboxChannel.WEBHOOK.value:
        return ""
    client = db.session.get(ApiClient, item.api_client_id) if item.api_client_id else None
    if client is None or client.revoked_at is not None or not client.staff_user.is_active:
        raise PermanentFailure("the system's key was revoked")
    if not client.webhook_url or not client.webhook_secret:
        raise PermanentFailure("the system's webhook was switched off")
    return client.webhook_secret
