"""One-time codes: six digits to type (and in e-mail a link) that prove a person holds a contact.

From `secrets`, single use, valid for ten minutes, five wrong tries. Only keyed hashes are kept.
Limits against pumping messages: a few codes per contact a day, and a daily SMS budget per
organisation shared with lost-code recovery. A code refused by a limit is still recorded, and one
for an unknown contact too (it can never be used): the caller's page looks the same either way.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import delete, func, select, update

from widget.contacts import Contact, contact_hash
from widget.extensions import db
from widget.models import Account, CodeRecovery, OneTimeCode, Organization
from widget.models._types import as_utc, utcnow
from widget.notify.catalog import SMS

LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5
# Kept past their ten minutes only to count the daily limits: two days is enough.
KEEP_FOR = timedelta(days=2)


@dataclass(frozen=True)
class Limits:
    per_contact_per_day: int
    sms_daily_budget: int


@dataclass(frozen=True)
class Issued:
    row: OneTimeCode
    code: str          # the six digits
    link_token: str    # for an e-mail link; "" for SMS
    may_send: bool     # False: over a limit, or no one to send to


def _digest(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def issue(organization: Organization, purpose: str, contact: Contact, secret_key: str,
          limits: Limits, account: Account | None, deliverable: bool,
          request_id: int | None = None, now: datetime | None = None) -> Issued:
    """Record a new code for this contact (in the caller's transaction) and say whether a message
    may go to it: `deliverable` (the caller has something to send) and within the limits. A code
    without an account can never be used."""
    now = now or utcnow()
    target = contact_hash(secret_key, contact)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    link_token = secrets.token_urlsafe(32) if contact.channel != SMS else ""
    row = OneTimeCode(
        organization_id=organization.id, account_id=account.id if account else None,
        request_id=request_id, purpose=purpose, channel=contact.channel, target_hash=target,
        code_hash=_digest(secret_key, f"code:{target}:{code}"),
        link_hash=_digest(secret_key, f"link:{link_token}") if link_token else None,
        created_at=now, expires_at=now + LIFETIME)
    row.sent = deliverable and (
        _sent_today(organization.id, target, now) < limits.per_contact_per_day
        and (contact.channel != SMS or sms_spent_today(organization.id, now) < limits.sms_daily_budget))
    db.session.add(row)
    return Issued(row, code, link_token, row.sent)


def check_code(row: OneTimeCode | None, purpose: str, typed: str, secret_key: str,
               now: datetime | None = None) -> bool:
    """Use the code if `typed` is right and it is still valid; count a wrong try. Commits."""
    now = now or utcnow()
    if row is None or not _usable(row, purpose, now):
        return False
    digits = "".join(ch for ch in (typed or "") if ch.isdigit())[:6]
    # The counter goes up in the database, not in Python: two tries at once both count.
    db.session.execute(update(OneTimeCode).where(OneTimeCode.id == row.id)
                       .values(attempts=OneTimeCode.attempts + 1))
    db.session.commit()
    db.session.refresh(row)
    right = hmac.compare_digest(row.code_hash, _digest(secret_key, f"code:{row.target_hash}:{digits}"))
    return right and row.attempts <= MAX_TRIES and _spend(row, now)


def by_link(link_token: str, purpose: str, secret_key: str,
            now: datetime | None = None) -> OneTimeCode | None:
    """The still valid code an e-mail link carries, or None; does not use it."""
    now = now or utcnow()
    row = db.session.scalar(select(OneTimeCode).where(
        OneTimeCode.link_hash == _digest(secret_key, f"link:{link_token or ''}")))
    return row if row is not None and _usable(row, purpose, now) else None


def spend_link(row: OneTimeCode, now: datetime | None = None) -> bool:
    """Use a code reached by its link; False when someone used it first. Commits."""
    return _spend(row, now or utcnow())


def _usable(row: OneTimeCode, purpose: str, now: datetime) -> bool:
    return (row.purpose == purpose and row.account_id is not None and row.sent
            and row.used_at is None
            and as_utc(row.expires_at) > now and row.attempts < MAX_TRIES)


def _spend(row: OneTimeCode, now: datetime) -> bool:
    # A conditional UPDATE: of two uses at the same moment exactly one succeeds.
    spent = db.session.execute(update(OneTimeCode).where(
        OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None)).values(used_at=now)).rowcount
    db.session.commit()
    return spent == 1


def _sent_today(organization_id: int, target: str, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.organization_id == organization_id, OneTimeCode.target_hash == target,
        OneTimeCode.sent.is_(True), OneTimeCode.created_at > now - timedelta(days=1)))


def sms_spent_today(organization_id: int, now: datetime) -> int:
    """SMS spent today on what anyone can ask for without signing in: codes and lost codes."""
    midnight = datetime.combine(now.date(), time(), timezone.utc)
    codes = db.session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.organization_id == organization_id, OneTimeCode.channel == SMS,
        OneTimeCode.sent.is_(True), OneTimeCode.created_at >= midnight))
    recoveries = db.session.scalar(select(func.count()).select_from(CodeRecovery).where(
        CodeRecovery.organization_id == organization_id, CodeRecovery.channel == SMS,
        CodeRecovery.status == "sent", CodeRecovery.handled_at >= midnight))
    return codes + recoveries


def forget_old(now: datetime | None = None) -> int:
    """Delete codes no limit counts any more (run by the worker). Commits."""
    removed = db.session.execute(delete(OneTimeCode).where(
        OneTimeCode.created_at < (now or utcnow()) - KEEP_FOR)).rowcount
    db.session.commit()
    return removed
