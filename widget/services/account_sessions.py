"""Signing people in and out of their account in the widget.

A session is a random token in a cookie (CHIPS-partitioned, so that it lives inside a cross-site
iframe whose third-party cookies are blocked); the database keeps only its SHA-256. Sign-in
failures look alike and take the same time whether the contact is unknown, unconfirmed or the
password is wrong; repeated failures lock the account (widget.services.signin_lock).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from widget.contacts import parse_contact
from widget.extensions import db
from widget.models import Account, AccountSession, Organization
from widget.models._types import as_utc, utcnow
from widget.passwords import password_matches
from widget.services.signin_lock import count_failure, is_locked, unlock
# A session's last_seen_at is written at most this often: not one UPDATE per page view.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class NewSession:
    token: str        # for the cookie; never stored
    expires_at: datetime


def token_hash(token: str) -> str:
    """What the database keeps of a session cookie's token (staff sessions use it too)."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_account(organization: Organization, typed_contact: str) -> Account | None:
    """The organisation's account with this e-mail address or phone number, confirmed or not."""
    contact = parse_contact(typed_contact, organization.country)
    if contact is None:
        return None
    column = Account.email if contact.channel == "email" else Account.phone
    return db.session.scalar(select(Account).where(Account.organization_id == organization.id,
                                                   column == contact.value))


def sign_in(organization: Organization, typed_contact: str, password: str, session_days: int,
            now: datetime | None = None) -> tuple[Account, NewSession] | None:
    """A new session for the confirmed account with these credentials, or None. Commits."""
    now = now or utcnow()
    account = find_account(organization, typed_contact)
    confirmed = account is not None and account.is_confirmed
    if not password_matches(account.password_hash if confirmed else None, password):
        if confirmed:
            count_failure(account, now)
            db.session.commit()
        return None
    if is_locked(account, now):
        return None  # even the right password waits out the lock

    unlock(account)
    account.last_signin_at = now
    session = start_session(account, session_days, now)
    db.session.commit()
    return account, session


def start_session(account: Account, session_days: int, now: datetime | None = None) -> NewSession:
    """Add a session for the account to the caller's transaction."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=session_days)
    db.session.add(AccountSession(account_id=account.id, token_hash=token_hash(token),
                                  created_at=now, last_seen_at=now, expires_at=expires))
    return NewSession(token, expires)


def account_for_session(organization: Organization, token: str,
                        now: datetime | None = None) -> Account | None:
    """The account a session cookie belongs to, if the session is alive and of this
    organisation."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    session = db.session.scalar(select(AccountSession).where(
        AccountSession.token_hash == token_hash(token)))
    if session is None or as_utc(session.expires_at) <= now:
        return None
    account = session.account
    if account.organization_id != organization.id:
        return None
    if now - as_utc(session.last_seen_at) > TOUCH_EVERY:
        session.last_seen_at = now
        db.session.commit()
    return account


def sign_out(token: str) -> None:
    """End this browser's session. Commits."""
    db.session.execute(delete(AccountSession).where(AccountSession.token_hash == token_hash(token or "")))
    db.session.commit()


def end_other_sessions(account: Account, keep_token: str = "") -> None:
    """End every session of the account but this one (after a password change), in the caller's
    transaction."""
    db.session.execute(delete(AccountSession).where(
        AccountSession.account_id == account.id,
        AccountSession.token_hash != token_hash(keep_token)))


def forget_expired(now: datetime | None = None) -> int:
    """Delete sessions past their end (run by the worker). Commits."""
    removed = db.session.execute(delete(AccountSession).where(
        AccountSession.expires_at < (now or utcnow()))).rowcount
    db.session.commit()
    return removed
