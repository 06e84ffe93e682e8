"""The audit log: how a change is recorded, and the log as administrators read it (the
organisation's entries, newest first, in pages, filtered by who acted, what they did and when,
days in the organisation's time zone)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from widget.extensions import db
from widget.models import AuditEntry, Organization, Request, StaffUser
from widget.services.access import require_admin

PAGE_SIZE = 50


def record_change(staff: StaffUser, action: str, before: dict, after: dict) -> None:
    """Add an entry to the organisation's audit log for a change a staff member made (the
    caller commits it with the change)."""
    db.session.add(AuditEntry(organization_id=staff.organization_id, staff_user_id=staff.id,
                              action=action, before=before, after=after))


@dataclass(frozen=True)
class AuditFilters:
    staff_id: int | None = None
    action: str = ""
    day_from: date | None = None     # the organisation's local days, both included
    day_to: date | None = None

    def params(self) -> dict:
        """The filters as query values, for links to other pages."""
        values = {"staff": self.staff_id, "action": self.action or None,
                  "from": self.day_from.isoformat() if self.day_from else None,
                  "to": self.day_to.isoformat() if self.day_to else None}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    actors: dict[int, StaffUser]        # every staff member (systems too) of the organisation
    actions: list[str]                  # every action the log holds, for the filter
    request_codes: dict[int, str]       # request id -> its tracking code (or "" before one)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    # Stored moments are naive UTC.
    return datetime.combine(day, time(), zone).astimezone(timezone.utc).replace(tzinfo=None)


def audit_log(staff: StaffUser, filters: AuditFilters, page: int) -> AuditPage:
    """One page of the organisation's audit entries, newest first, filtered."""
    require_admin(staff)
    organization = db.session.get(Organization, staff.organization_id)
    zone = ZoneInfo(organization.timezone or "UTC")
    statement = select(AuditEntry).where(AuditEntry.organization_id == staff.organization_id)
    if filters.staff_id is not None:
        statement = statement.where(AuditEntry.staff_user_id == filters.staff_id)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.day_from:
        statement = statement.where(AuditEntry.created_at >= _start_of(filters.day_from, zone))
    if filters.day_to:
        statement = statement.where(
            AuditEntry.created_at < _start_of(filters.day_to + timedelta(days=1), zone))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    entries = list(db.session.scalars(statement.order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)))
    actors = {member.id: member for member in db.session.scalars(select(StaffUser).where(
        StaffUser.organization_id == staff.organization_id).order_by(StaffUser.name))}
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.organization_id == staff.organization_id).distinct().order_by(AuditEntry.action)))
    request_ids = {entry.request_id for entry in entries if entry.request_id}
    codes = dict(db.session.execute(select(Request.id, Request.code).where(
        Request.id.in_(request_ids or [0]))).all())
    return AuditPage(entries, total, page, pages, actors, actions,
                     {rid: code or "" for rid, code in codes.items()})
