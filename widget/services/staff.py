"""Staff accounts: signing in and creating people."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Organization, Role, StaffUser, Unit
from widget.models._types import utcnow
from widget.passwords import MIN_PASSWORD_LENGTH, hash_password, password_matches
from widget.services.access import NotAllowed
from widget.services.signin_lock import count_failure, is_locked, unlock
from widget.services.staff_sessions import start_session


def sign_in(email: str, password: str, session_hours: float,
            now: datetime | None = None) -> StaffUser | None:
    """The active staff member with these credentials, in a new session of `session_hours`, or
    None: the same answer after the same work for an unknown address, a wrong password and a
    locked account. Wrong passwords count towards the lock whatever the client address.
    Commits."""
    now = now or utcnow()
    staff = db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == (email or "").strip().lower()))
    # A connected system's account has no usable password, and is refused here all the same.
    active = staff is not None and staff.is_active and not staff.is_system
    if not password_matches(staff.password_hash if active else None, password):
        if active:
            count_failure(staff, now)
            db.session.commit()
        return None
    if is_locked(staff, now):
        return None  # even the right password waits out the lock
    unlock(staff)
    staff.last_login_at = now
    start_session(staff, session_hours, now)
    db.session.commit()
    return staff


def create_staff(organization: Organization, email: str, name: str, password: str, role: Role,
                 units: list[Unit] = ()) -> StaffUser:
    """Add a staff member (the CLI's create-admin, the demo, later the admin area)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise NotAllowed(_l("The password must have at least %(min)d characters.", min=MIN_PASSWORD_LENGTH))
    email = (email or "").strip().lower()
    if "@" not in email:
        raise NotAllowed(_l("Please enter a valid e-mail address, for example name@example.com."))
    if db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email)):
        raise NotAllowed(_l("Someone with this e-mail address already exists."))
    staff = StaffUser(organization_id=organization.id, email=email, name=name.strip() or email,
                      password_hash=hash_password(password), role=role.value, units=list(units))
    db.session.add(staff)
    db.session.commit()
    return staff
