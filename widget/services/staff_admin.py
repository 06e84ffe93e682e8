"""Staff members managed by administrators: adding them, their role and units, deactivating and
reactivating them, and temporary passwords.

A temporary password is returned once, to be shown on the page that made it; only its hash is
stored. Deactivating and a new password end the person's sessions (staff_sessions); a new
password and unlocking lift a lock from wrong passwords (signin_lock).
The organisation always keeps an active administrator: nobody can demote or deactivate
themself, nor the last one. Connected systems' identities (is_system) are never listed here.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Role, StaffUser, Unit
from widget.models._types import as_utc, utcnow
from widget.passwords import hash_password
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.audit_log import record_change
from widget.services.signin_lock import is_locked, unlock
from widget.services.staff_sessions import end_all_sessions
from widget.textnorm import strip_controls

NAME_MAX = 200
EMAIL_MAX = 254
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# No 0/O, 1/l/I: the password is read off a screen and typed once.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 16  # about 94 bits


class StaffNotFound(NotFound):
    """No such staff member in this administrator's organisation."""

    def __init__(self):
        ActionError.__init__(self, _l("This staff member does not exist or is not yours to see."))


class StaffRefused(NotAllowed):
    """A change that cannot be made; `field` names the input it is about."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


def temporary_password() -> str:
    """A strong random password to give a person once, to sign in and then change."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def list_staff(staff: StaffUser) -> list[StaffUser]:
    """The organisation's staff members (never connected systems), active first, by name."""
    require_admin(staff)
    return list(db.session.scalars(select(StaffUser).where(
        StaffUser.organization_id == staff.organization_id, StaffUser.is_system.is_(False))
        .order_by(StaffUser.is_active.desc(), StaffUser.name, StaffUser.id)))


def staff_member(staff: StaffUser, staff_id: int) -> StaffUser:
    """One of the organisation's staff members, for an administrator, or StaffNotFound."""
    return organisation_row(staff, StaffUser, staff_id, StaffNotFound, StaffUser.is_system.is_(False))


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise StaffRefused("role", _l("Please choose a role.")) from None


def _units(staff: StaffUser, unit_ids: list[int], kept: list[Unit] = ()) -> list[Unit]:
    """The organisation's units by id; a closed unit only if the person is already in it."""
    wanted = set(unit_ids or ())
    units = list(db.session.scalars(select(Unit).where(
        Unit.organization_id == staff.organization_id, Unit.id.in_(wanted or [0]))
        .order_by(Unit.id)))
    if len(units) != len(wanted):
        raise StaffRefused("units", _l("Please choose units of this organisation."))
    kept_ids = {unit.id for unit in kept}
    if any(not unit.is_active and unit.id not in kept_ids for unit in units):
        raise StaffRefused("units", _l("A closed unit takes no new staff."))
    return units


def _active_admins(staff: StaffUser) -> int:
    return db.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.organization_id == staff.organization_id, StaffUser.is_active,
        StaffUser.is_system.is_(False), StaffUser.role == Role.ADMIN.value))


def _keep_an_administrator(staff: StaffUser, member: StaffUser, field: str, message) -> None:
    """Refuse taking away an administrator who is the acting one or the last active one."""
    if not member.is_admin or not member.is_active:
        return
    if member.id == staff.id:
        raise StaffRefused(field, message)
    if _active_admins(staff) <= 1:
        raise StaffRefused(field, _l("This is the last active administrator: make someone "
                                     "else an administrator first."))


def create_staff_member(staff: StaffUser, name: str, email: str, role: str,
                        unit_ids: list[int]) -> tuple[StaffUser, str]:
    """Add a staff member; returns them and their temporary password (shown once). Commits."""
    require_admin(staff)
    name = " ".join(strip_controls(name or "").split())[:NAME_MAX]
    if not name:
        raise StaffRefused("name", _l("Please enter the person's name."))
    email = strip_controls(email or "").strip().lower()
    if len(email) > EMAIL_MAX or not EMAIL.fullmatch(email):
        raise StaffRefused("email", _l("Please enter a valid e-mail address, for example "
                                       "name@example.com."))
    # E-mail addresses are unique across organisations: they are what people sign in with.
    if db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise StaffRefused("email", _l("Someone with this e-mail address already exists."))
    chosen = _role(role)
    units = _units(staff, unit_ids)
    password = temporary_password()
    member = StaffUser(organization_id=staff.organization_id, name=name, email=email,
                       role=chosen.value, units=units, password_hash=hash_password(password),
                       is_active=True)
    db.session.add(member)
    db.session.flush()
    record_change(staff, "staff_created", {}, {"staff_user_id": member.id, "name": name, "email": email,
                  "role": chosen.value,
                  "units": [unit.code for unit in units]})
    db.session.commit()
    return member, password


def update_staff_member(staff: StaffUser, staff_id: int, role: str, unit_ids: list[int]) -> bool:
    """Change a staff member's role and units; False if nothing changed. Commits."""
    member = staff_member(staff, staff_id)
    chosen = _role(role)
    units = _units(staff, unit_ids, kept=member.units)
    changed = False
    if chosen.value != member.role:
        if chosen is not Role.ADMIN:
            _keep_an_administrator(staff, member, "role", _l(
                "You cannot take away your own administrator role: ask another administrator."))
        record_change(staff, "staff_role_changed", {"staff_user_id": member.id, "role": member.role},
                      {"staff_user_id": member.id, "role": chosen.value})
        # No session ends: the role is read afresh on each request.
        member.role = chosen.value
        changed = True
    if [unit.id for unit in units] != [unit.id for unit in member.units]:
        record_change(staff, "staff_units_changed",
                      {"staff_user_id": member.id, "units": [unit.code for unit in member.units]},
                      {"staff_user_id": member.id, "units": [unit.code for unit in units]})
        member.units = units
        changed = True
    if changed:
        db.session.commit()
    return changed


def set_staff_active(staff: StaffUser, staff_id: int, active: bool) -> StaffUser:
    """Deactivate a staff member (their sessions end at once) or reactivate them. Commits."""
    member = staff_member(staff, staff_id)
    if member.is_active == active:
        return member
    if not active:
        _keep_an_administrator(staff, member, "active", _l(
            "You cannot deactivate yourself: ask another administrator."))
        end_all_sessions(member)
    member.is_active = active
    record_change(staff, "staff_reactivated" if active else "staff_deactivated",
                  {"staff_user_id": member.id, "is_active": not active},
                  {"staff_user_id": member.id, "is_active": active})
    db.session.commit()
    return member


def reset_staff_password(staff: StaffUser, staff_id: int) -> tuple[StaffUser, str]:
    """Give a staff member a new temporary password (returned once; their sessions end). Commits."""
    member = staff_member(staff, staff_id)
    password = temporary_password()
    member.password_hash = hash_password(password)
    end_all_sessions(member)
    unlock(member)  # the person is to sign in with it now
    # Neither the password nor its hash: the log is read by every administrator.
    record_change(staff, "staff_password_reset", {"staff_user_id": member.id},
                  {"staff_user_id": member.id, "sessions_ended": True})
    db.session.commit()
    return member, password


def lock_end(member: StaffUser, now: datetime | None = None) -> datetime | None:
    """When the lock from wrong passwords on a staff member ends; None when there is none."""
    return as_utc(member.locked_until) if is_locked(member, now or utcnow()) else None


def unlock_staff_member(staff: StaffUser, staff_id: int) -> StaffUser:
    """Lift a lock from wrong passwords before it ends. Commits."""
    member = staff_member(staff, staff_id)
    if lock_end(member) is None:
        return member
    record_change(staff, "staff_unlocked", {"staff_user_id": member.id, "locked_until":
                                            as_utc(member.locked_until).isoformat()},
                  {"staff_user_id": member.id, "locked_until": None})
    unlock(member)
    db.session.commit()
    return member
