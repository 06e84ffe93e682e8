"""Moving a request to another unit of the organisation: the staff of the unit that has it (or
an administrator) send it on with a reason; the other unit's staff are told from the
"transferred" event (widget.notify's staff notices read its kind and data)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.models import Event, EventKind, Request, StaffUser, Unit
from widget.services.access import NotAllowed
from widget.services.workflow import OPEN, _clean_reason, apply_action, calendar_of


def transfer_targets(staff: StaffUser, request: Request) -> list[Unit]:
    """The units the request may be moved to: the organisation's other active units, by code."""
    return list(db.session.scalars(select(Unit).where(
        Unit.organization_id == request.organization_id, Unit.is_active.is_(True),
        Unit.id != (request.unit_id or 0)).order_by(Unit.code)))


def may_transfer(staff: StaffUser, request: Request) -> bool:
    """Whether this staff member may send the request on: an administrator, or staff of the
    unit that has it (a connected system only within the units its key was given)."""
    if request.status not in OPEN:
        return False
    if staff.is_admin and not (staff.is_system and staff.units):
        return True
    return request.unit_id is not None and request.unit_id in {unit.id for unit in staff.units}


def transfer_request(staff: StaffUser, request_id: int, expected_version: int | None,
                     unit_id: int | None, reason: str) -> Request:
    """Move an open request to another active unit of its organisation, with a reason staff
    read. The deadline stays, or restarts from now when the form says so
    (Form.transfer_restarts_clock); an executor outside the new unit is taken off it."""
    reason = _clean_reason(reason)

    def change(request: Request, now: datetime) -> Event:
        if not may_transfer(staff, request):
            raise NotAllowed(_l("Only the staff of the request's unit or an administrator may "
                                "move it to another unit."))
        target = db.session.get(Unit, unit_id) if unit_id else None
        if (target is None or target.organization_id != request.organization_id
                or not target.is_active):
            raise NotAllowed(_l("Please choose an active unit of the organisation."))
        if target.id == request.unit_id:
            raise NotAllowed(_l("The request is already in this unit."))
        source = request.unit_id
        data = {"from_unit_id": source, "to_unit_id": target.id, "reason": reason}
        request.unit_id = target.id
        executor = request.executor
        if executor is not None and not any(unit.id == target.id for unit in executor.units):
            request.executor_id = None  # the new unit's head gives it to one of theirs
        form = request.form_version.form
        if form.transfer_restarts_clock:
            calendar = calendar_of(request)
            request.due_at = calendar.due_at(now, form.processing_days)
            if request.paused_at is not None:
                request.paused_at = now  # the new clock waits from now, not from the old pause
        # The reason is for staff: the person's timeline says only that the request moved.
        return Event(kind=EventKind.TRANSFERRED.value, data=data)
    return apply_action(staff, request_id, expected_version, "transfer", change, OPEN)
