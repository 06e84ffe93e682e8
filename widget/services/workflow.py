"""Staff actions on a request: registration, assignment, deadlines and the status machine.

Every action is one function that finds the request among those the staff member may see,
checks the version they saw (optimistic locking), checks the state and role, changes the
request, records a timeline event and an audit entry, and commits once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from widget.extensions import db
from widget.models import (AuditEntry, Event, EventKind, Handover, JournalCounter, PauseReason,
                           Request, RequestStatus as S, StaffUser, Unit)
from widget.models._types import as_utc, utcnow
from widget.notify.notices import queue_notices
from widget.services.access import Conflict, NotAllowed, find_for_staff
from widget.services.person_notes import check_person_note, clean_person_note, with_person_note
from widget.workdays import WorkCalendar

REASON_MAX_LENGTH = 2000

# From which statuses each status-changing action may start.
ALLOWED_FROM = {
    "register": {S.RECEIVED.value},
    "start": {S.REGISTERED.value},
    "pause": {S.REGISTERED.value, S.IN_PROGRESS.value},
    "resume": {S.PAUSED.value},
    "result_ready": {S.REGISTERED.value, S.IN_PROGRESS.value},
    "refuse": {S.RECEIVED.value, S.REGISTERED.value, S.IN_PROGRESS.value, S.PAUSED.value},
    "close": {S.RESULT_READY.value, S.REFUSED.value},
}
OPEN = {S.RECEIVED.value, S.REGISTERED.value, S.IN_PROGRESS.value, S.PAUSED.value}
_AUDITED = ("status", "unit_id", "executor_id", "due_at", "journal_number", "paused_at",
            "pause_reason", "handover", "refusal_reason", "closed_at", "fee_status", "fee_amount",
            "fee_receipt_number", "postal_item_number")


def _snapshot(request: Request) -> dict:
    values = {}
    for name in _AUDITED:
        value = getattr(request, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else (
            str(value) if value is not None and not isinstance(value, (int, str)) else value)
    return values


def apply_action(staff: StaffUser, request_id: int, expected_version: int | None, action: str,
                 change: Callable[[Request, datetime], Event | Iterable[Event]],
                 allowed_from: set[str] | None = None, heads_only: bool = False) -> Request:
    """Run one staff action on one request: scope, version, state and role checks, the change,
    its timeline event(s) and audit entry, one commit."""
    request = find_for_staff(staff, request_id)
    if heads_only and not staff.is_unit_head:
        raise NotAllowed(_l("Only a unit head or an administrator may do this."))
    if expected_version is not None and request.lock_version != expected_version:
        raise Conflict()
    if allowed_from is not None and request.status not in allowed_from:
        raise NotAllowed(_l("This cannot be done while the request is in its current status."))
    try:
        # Whoever else changed the request since it was read shows at the first flush that
        # writes it: an autoflush while the change loads what it needs, the notices' flush, or
        # the commit. Wherever that is, the race is lost: a Conflict, and nothing is kept.
        _change_and_commit(staff, request, action, change)
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None
    return request


def _change_and_commit(staff: StaffUser, request: Request, action: str,
                       change: Callable[[Request, datetime], Event | Iterable[Event]]) -> None:
    """The change, its timeline event(s), audit entry and notices, committed."""
    before = _snapshot(request)
    now = utcnow()
    produced = change(request, now)
    events = [produced] if isinstance(produced, Event) else list(produced)
    for event in events:
        event.created_at = now
        event.staff_user_id = staff.id
        event.actor = staff.name
        request.events.append(event)
    # Before the notices: they may write the request early (a webhook's payload needs its
    # ids), and a webhook tells the request as it is after this change, updated_at included.
    request.updated_at = now
    after = _snapshot(request)
    changed = [name for name in _AUDITED if before[name] != after[name]]
    db.session.add(AuditEntry(
        organization_id=request.organization_id, staff_user_id=staff.id, request_id=request.id,
        action=action, created_at=now,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed} | (
            {"note": events[0].note} if events and events[0].note else {}) | (
            # The version in the person's language (one language: the request's).
            {"person_note": next(iter(events[0].data["notes"].values()))}
            if events and "notes" in (events[0].data or {}) else {}) | (
            # A staff-only reason lives in the event's data, not its note the person reads.
            {"reason": events[0].data["reason"]}
            if events and events[0].kind == EventKind.TRANSFERRED.value else {})))
    queue_notices(request, events)
    db.session.commit()


def calendar_of(request: Request) -> WorkCalendar:
    return WorkCalendar.for_organization(request.organization)


def _clean_reason(text: str | None, required: bool = True) -> str:
    reason = (text or "").strip()
    if required and not reason:
        raise NotAllowed(_l("Please give a reason."))
    if len(reason) > REASON_MAX_LENGTH:
        raise NotAllowed(_l("Please shorten the reason to %(max)d characters.", max=REASON_MAX_LENGTH))
    return reason


# --- registration and assignment ------------------------------------------------------------

def next_journal_number(unit: Unit, year: int) -> str:
    """The unit's next journal number for the year, e.g. HN-2026-000123 (no gaps, no repeats)."""
    for _attempt in range(3):
        number = db.session.scalar(
            update(JournalCounter)
            .where(JournalCounter.unit_id == unit.id, JournalCounter.year == year)
            .values(last_number=JournalCounter.last_number + 1)
            .returning(JournalCounter.last_number))
        if number is not None:
            return f"{unit.code}-{year}-{number:06d}"
        try:
            with db.session.begin_nested():
                db.session.add(JournalCounter(unit_id=unit.id, year=year, last_number=1))
            return f"{unit.code}-{year}-{1:06d}"
        except IntegrityError:
            continue  # another registration created the counter first: increment it
    raise RuntimeError("could not allocate a journal number")


def register_request(staff: StaffUser, request_id: int, expected_version: int | None,
                     unit_id: int | None = None) -> Request:
    """Register a received request: it gets its unit's next journal number."""
    def change(request: Request, now: datetime) -> Event:
        if unit_id is not None and unit_id != request.unit_id:
            if not staff.is_admin:
                raise NotAllowed(_l("Only an administrator may move a request to another unit."))
            unit = db.session.get(Unit, unit_id)
            if unit is None or unit.organization_id != request.organization_id:
                raise NotAllowed(_l("Please choose a unit of this organisation."))
            request.unit_id = unit.id
        if request.unit is None and request.unit_id is None:
            raise NotAllowed(_l("Please choose the unit that will handle this request."))
        unit = request.unit or db.session.get(Unit, request.unit_id)
        local_year = calendar_of(request).local_date(now).year
        request.journal_number = next_journal_number(unit, local_year)
        request.registered_at = now
        request.status = S.REGISTERED.value
        return Event(kind=EventKind.REGISTERED.value, data={"journal_number": request.journal_number})
    return apply_action(staff, request_id, expected_version, "register", change,
                        ALLOWED_FROM["register"])


def assign_request(staff: StaffUser, request_id: int, expected_version: int | None,
                   executor_id: int) -> Request:
    """Give the request to an executor of its unit (a unit head's or administrator's call)."""
    def change(request: Request, now: datetime) -> Event:
        executor = db.session.get(StaffUser, executor_id)
        in_unit = executor is not None and (
            executor.is_admin or any(unit.id == request.unit_id for unit in executor.units))
        if (executor is None or not executor.is_active or not in_unit
                or executor.organization_id != request.organization_id):
            raise NotAllowed(_l("Please choose an active colleague of the request's unit."))
        if executor.id == request.executor_id:
            raise NotAllowed(_l("The request is already assigned to this person."))
        request.executor_id = executor.id
        return Event(kind=EventKind.ASSIGNED.value, data={"executor_id": executor.id})
    return apply_action(staff, request_id, expected_version, "assign", change, OPEN - {S.RECEIVED.value},
                        heads_only=True)


def change_deadline(staff: StaffUser, request_id: int, expected_version: int | None,
                    new_day: date, reason: str, person_note: str = "") -> Request:
    """Set or extend the deadline to the end of a working day, with a reason the person reads
    (and a version of it in the person's language, if staff wrote one)."""
    reason, person_note = _clean_reason(reason), clean_person_note(person_note)

    def change(request: Request, now: datetime) -> Event:
        calendar = calendar_of(request)
        if not calendar.is_working_day(new_day):
            raise NotAllowed(_l("The organisation is closed on that day: please choose a working day."))
        due = calendar.end_of_working_day(new_day)
        if due <= now:
            raise NotAllowed(_l("The new deadline must be in the future."))
        old = request.due_at and as_utc(request.due_at).isoformat()
        request.due_at = due
        return Event(kind=EventKind.DEADLINE_CHANGED.value, note=reason, data=with_person_note(
            {"from": old, "to": due.isoformat()}, request, person_note))
    return apply_action(staff, request_id, expected_version, "change_deadline", change, OPEN,
                        heads_only=True)


# --- the status machine ---------------------------------------------------------------------

def start_work(staff: StaffUser, request_id: int, expected_version: int | None) -> Request:
    """The executor starts working on a registered request."""
    def change(request: Request, now: datetime) -> Event:
        request.status = S.IN_PROGRESS.value
        return Event(kind=EventKind.STARTED.value)
    return apply_action(staff, request_id, expected_version, "start", change, ALLOWED_FROM["start"])


def pause_request(staff: StaffUser, request_id: int, expected_version: int | None,
                  reason: str, note: str = "", person_note: str = "") -> Request:
    """Stop the clock, saying what the request waits for."""
    if reason not in {item.value for item in PauseReason}:
        raise NotAllowed(_l("Please choose why the request waits."))
    note, person_note = _clean_reason(note, required=False), clean_person_note(person_note)
    check_person_note(note, person_note)

    def change(request: Request, now: datetime) -> Event:
        request.status = S.PAUSED.value
        request.paused_at = now
        request.pause_reason = reason
        return Event(kind=EventKind.PAUSED.value, note=note or None,
                     data=with_person_note({"reason": reason}, request, person_note))
    return apply_action(staff, request_id, expected_version, "pause", change, ALLOWED_FROM["pause"])


def resume_request(staff: StaffUser, request_id: int, expected_version: int | None) -> Request:
    """Restart the clock; the deadline moves by the working time the request waited."""
    def change(request: Request, now: datetime) -> Event:
        calendar = calendar_of(request)
        waited = calendar.working_seconds_between(as_utc(request.paused_at), now)
        if request.due_at is not None:
            request.due_at = calendar.add_working_seconds(as_utc(request.due_at), waited)
        request.status = S.IN_PROGRESS.value
        request.paused_at = None
        request.pause_reason = None
        return Event(kind=EventKind.RESUMED.value, data={"waited_seconds": waited})
    return apply_action(staff, request_id, expected_version, "resume", change, ALLOWED_FROM["resume"])


def mark_result_ready(staff: StaffUser, request_id: int, expected_version: int | None,
                      handover: str, note: str = "", person_note: str = "") -> Request:
    """The result is ready, to be handed over at the desk, by post or online."""
    if handover not in {item.value for item in Handover}:
        raise NotAllowed(_l("Please choose how the result is handed over."))
    note, person_note = _clean_reason(note, required=False), clean_person_note(person_note)
    check_person_note(note, person_note)

    def change(request: Request, now: datetime) -> Event:
        request.status = S.RESULT_READY.value
        request.handover = handover
        return Event(kind=EventKind.RESULT_READY.value, note=note or None,
                     data=with_person_note({"handover": handover}, request, person_note))
    return apply_action(staff, request_id, expected_version, "result_ready", change,
                        ALLOWED_FROM["result_ready"])


def refuse_request(staff: StaffUser, request_id: int, expected_version: int | None,
                   reason: str, person_note: str = "") -> Request:
    """Refuse, with a reason written for the person (and in the person's language, if staff
    wrote it so too)."""
    reason, person_note = _clean_reason(reason), clean_person_note(person_note)

    def change(request: Request, now: datetime) -> Event:
        request.status = S.REFUSED.value
        request.refusal_reason = reason
        request.paused_at = None
        return Event(kind=EventKind.REFUSED.value, note=reason,
                     data=with_person_note(None, request, person_note))
    return apply_action(staff, request_id, expected_version, "refuse", change, ALLOWED_FROM["refuse"])


def close_request(staff: StaffUser, request_id: int, expected_version: int | None) -> Request:
    """Close a request whose result was handed over or that was refused."""
    def change(request: Request, now: datetime) -> Event:
        request.status = S.CLOSED.value
        request.closed_at = now
        return Event(kind=EventKind.CLOSED.value)
    return apply_action(staff, request_id, expected_version, "close", change, ALLOWED_FROM["close"])


def executors_for(request: Request) -> list[StaffUser]:
    """Active colleagues who may be given the request: its unit's staff."""
    people = db.session.scalars(
        select(StaffUser).where(StaffUser.organization_id == request.organization_id,
                                StaffUser.is_active.is_(True), StaffUser.is_system.is_(False))
        .order_by(StaffUser.name)).all()
    return [person for person in people if any(unit.id == request.unit_id for unit in person.units)]
