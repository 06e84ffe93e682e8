"""Staff accounts: signing in and creating people."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Organization, Role, StaffUser, Unit
from widget.models._types import utcnow
from widget.passwords import MIN_PASSWORD_LENGTH, hash_password, password_matches
from widget.services.access import NotAllowed


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials, or None (same time either way)."""
    staff = db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == (email or "").strip().lower()))
    # A connected system's account has no usable password, and is refused here all the same.
    active = staff is not None and staff.is_active and not staff.is_system
    if not password_matches(staff.password_hash if active else None, password):
        return None
    staff.last_login_at = utcnow()
    db.session.commit()
    return staff


def load_session_user(session_id: str) -> StaffUser | None:
    """Flask-Login's loader: "id:epoch"; a changed password or deactivation ends old sessions."""
    staff_id, _, epoch = (session_id or "").partition(":")
    if not staff_id.isdigit() or not epoch.isdigit():
        return None
    staff = db.session.get(StaffUser, int(staff_id))
    if staff is None or not staff.is_active or staff.session_epoch != int(epoch):
        return None
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
