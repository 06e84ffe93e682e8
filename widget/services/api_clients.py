"""Connected back-office systems: created and revoked by administrators, recognised by their
API key, told of events by webhook.

A key is shown once, when it is made ("fd_<prefix>_<secret>"); the database keeps the prefix
(to find the row) and the SHA-256 of the whole key. Each system acts through its own system staff
account, scoped to the units it was given (none: every unit), so an API call goes through the
same services, checks, audit and notices as the back office.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from widget.config import setting
from widget.extensions import db
from widget.models import ApiClient, Role, StaffUser, Unit
from widget.models._types import as_utc, utcnow
from widget.notify.channels.address_guard import literal_refused, parse_networks
from widget.passwords import hash_password
from widget.services.access import NotAllowed, require_admin
from widget.services.audit_log import record_change
from widget.services.page_replays import made_since
from widget.textnorm import strip_controls

# What a webhook may announce: the timeline events of a request, by kind.
WEBHOOK_EVENTS = ("received", "registered", "assigned", "started", "deadline_changed", "paused",
                  "resumed", "result_ready", "refused", "closed", "letter_issued",
                  "staff_message", "citizen_message", "fee_requested", "fee_paid", "fee_waived",
                  "post_sent", "post_received")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_client(admin: StaffUser, name: str, unit_ids: list[int],
                      webhook_url: str = "", webhook_events: list[str] = (),
                      page_served_at: float | None = None) -> tuple[ApiClient, str]:
    """A new connected system and its key (returned once, never stored). Commits.

    The same system posted again from the page it was connected on (`page_served_at`: when that
    page was served), as a reload of the page showing the key does, is the system already made:
    it comes back with an empty key, which cannot be shown twice."""
    require_admin(admin)
    name = " ".join(strip_controls(name or "").split())[:120]
    if not name:
        raise NotAllowed(_l("Please name the system, for example \"CRM\"."))
    units = list(db.session.scalars(select(Unit).where(
        Unit.organization_id == admin.organization_id, Unit.id.in_(unit_ids or [0]))))
    if len(units) != len(set(unit_ids or [])):
        raise NotAllowed(_l("Please choose units of this organisation."))
    earlier = _connected_from_page(admin, name, units, webhook_url, page_served_at)
    if earlier is not None:
        return earlier, ""
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = f"fd_{prefix}_{secret}"
    identity = StaffUser(organization_id=admin.organization_id, is_system=True,
                         email=f"system-{prefix}@api.invalid", name=name,
                         password_hash=hash_password(secrets.token_urlsafe(32)),
                         role=(Role.UNIT_HEAD if units else Role.ADMIN).value, units=units)
    client = ApiClient(organization_id=admin.organization_id, name=name, key_prefix=prefix,
                       key_hash=_digest(key), staff_user=identity)
    _set_webhook(client, webhook_url, webhook_events)
    db.session.add(client)
    db.session.flush()
    record_change(admin, "api_client_created", {}, {
        "api_client_id": client.id, "name": name, "units": [unit.code for unit in units]})
    db.session.commit()
    return client, key


def _connected_from_page(admin: StaffUser, name: str, units: list[Unit], webhook_url: str,
                         page_served_at: float | None) -> ApiClient | None:
    """The organisation's system with this name, units and webhook connected since the page was
    served."""
    if page_served_at is None:
        return None
    same_name = db.session.scalars(select(ApiClient).where(
        ApiClient.organization_id == admin.organization_id, ApiClient.name == name))
    return next((client for client in made_since(same_name, page_served_at)
                 if {unit.id for unit in client.staff_user.units} == {unit.id for unit in units}
                 and (client.webhook_url or "") == (webhook_url or "").strip()[:500]), None)


def _set_webhook(client: ApiClient, url: str, events) -> None:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # brackets around an IPv4 address or no closing bracket
        parts = None
    # http stays allowed: a system on a private network the operator lists, a test's receiver.
    if url and (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
                or parts.username or parts.password or any(ch.isspace() for ch in url)):
        raise NotAllowed(_l("Please enter the webhook's full address, starting with https://."))
    # Plain cases are refused here; a name is checked again whenever the worker connects.
    if url and literal_refused(parts.hostname, parse_networks(setting("WEBHOOK_PRIVATE_NETWORKS"))):
        raise NotAllowed(_l("Webhooks go to public internet addresses only; this address is on "
                            "a private network not listed in the server setting "
                            "FRONTDESK_WEBHOOK_PRIVATE_NETWORKS."))
    unknown = set(events or ()) - set(WEBHOOK_EVENTS)
    if unknown:
        raise NotAllowed(_l("There is no such event."))
    client.webhook_url = url[:500] or None
    client.webhook_events = sorted(set(events or ())) if url else []
    if url and not client.webhook_secret:
        client.webhook_secret = secrets.token_hex(32)


def set_webhook(admin: StaffUser, client_id: int, url: str, events: list[str]) -> ApiClient:
    """Where and which events a system is told of (a signing secret is made once). Commits."""
    client = client_of(admin, client_id)
    _set_webhook(client, url, events)
    db.session.commit()
    return client


def revoke_api_client(admin: StaffUser, client_id: int) -> ApiClient:
    """Stop a key for good; its system account is deactivated too. Commits."""
    client = client_of(admin, client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        client.staff_user.is_active = False
        record_change(admin, "api_client_revoked", {"api_client_id": client.id},
                      {"api_client_id": client.id, "revoked": True})
        db.session.commit()
    return client


def client_of(admin: StaffUser, client_id: int) -> ApiClient:
    """One of the organisation's systems, for an administrator."""
    require_admin(admin)
    client = db.session.scalar(select(ApiClient).where(
        ApiClient.id == client_id, ApiClient.organization_id == admin.organization_id))
    if client is None:
        raise NotAllowed(_l("There is no such system."))
    return client


def api_clients(admin: StaffUser) -> list[ApiClient]:
    """The organisation's connected systems, newest first."""
    require_admin(admin)
    return list(db.session.scalars(select(ApiClient).where(
        ApiClient.organization_id == admin.organization_id).order_by(ApiClient.id.desc())))


def authenticate_key(key: str) -> ApiClient | None:
    """The active system a key belongs to, or None; notes when it was last used (commits)."""
    parts = (key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "fd" or len(parts[1]) != 12:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_prefix == parts[1]))
    if client is None or not hmac.compare_digest(client.key_hash, _digest(key.strip())):
        return None
    if client.revoked_at is not None or not client.staff_user.is_active:
        return None
    now = utcnow()
    # At most one write a minute per key: enough to show "last used" to administrators.
    if client.last_used_at is None or now - as_utc(client.last_used_at) > timedelta(minutes=1):
        # On the connection, not the unit of work: api_clients is configuration (it tells the
        # widget whether anyone listens to webhooks), but when a key was last used is not, and
        # must not empty every process's configuration cache once a minute.
        table = ApiClient.__table__
        db.session.connection().execute(
            update(table).where(table.c.id == client.id).values(last_used_at=now))
        set_committed_value(client, "last_used_at", now)
        db.session.commit()
    return client
