"""Staff members' browser sessions, kept on the server.

Flask's session cookie is signed, not stored: signing out only asks the browser to forget it,
and a copy taken before keeps working. So the cookie carries a random token (Flask-Login's
"alternative token", StaffUser.get_id) and each session is a StaffSession row holding the
token's SHA-256, as people's account sessions do (account_sessions). Signing out deletes the
row; signing out everywhere, a new password and deactivating delete all the person's rows. A
session ends at a moment fixed when it starts, however busy it is.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from widget.extensions import db
from widget.models import StaffSession, StaffUser
from widget.models._types import as_utc, utcnow
from widget.services.account_sessions import token_hash

TOKEN_MAX = 100  # what a cookie may claim to be before it is looked up at all


def start_session(staff: StaffUser, hours: float, now: datetime | None = None) -> str:
    """Add a session ending `hours` from now to the caller's transaction; its token is returned
    and also set on `staff`, for Flask-Login to put in the cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(staff_user_id=staff.id, token_hash=token_hash(token),
                                created_at=now, expires_at=now + timedelta(hours=hours)))
    staff.session_token = token
    return token


def staff_for_session(token: str, now: datetime | None = None) -> StaffUser | None:
    """Flask-Login's user loader: the active staff member whose live session this token is."""
    if not token or len(token) > TOKEN_MAX:
        return None
    session = db.session.scalar(select(StaffSession).where(
        StaffSession.token_hash == token_hash(token)))
    if session is None or as_utc(session.expires_at) <= (now or utcnow()):
        return None
    staff = session.staff_user
    if not staff.is_active or staff.is_system:
        return None
    staff.session_token = token
    return staff


def end_session(token: str) -> None:
    """End this browser's session (signing out). Commits."""
    db.session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token or "")))
    db.session.commit()


def end_all_sessions(staff: StaffUser) -> None:
    """End every session of the staff member, in the caller's transaction."""
    db.session.execute(delete(StaffSession).where(StaffSession.staff_user_id == staff.id))


def sign_out_everywhere(staff: StaffUser) -> None:
    """End every session of the staff member, this browser's too. Commits."""
    end_all_sessions(staff)
    db.session.commit()


def forget_expired(now: datetime | None = None) -> int:
    """Delete sessions past their end (run by the worker). Commits."""
    removed = db.session.execute(delete(StaffSession).where(
        StaffSession.expires_at < (now or utcnow()))).rowcount
    db.session.commit()
    return removed
