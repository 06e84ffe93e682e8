"""What staff are told (seed 004: "the executor gets a task"): who is told of which event, on
which of their switched-on channels, in their own language.

A submission or a staff action only adds a small PendingStaffNotice row next to each event that
may concern staff (a flush hook, so that every way of recording an event is covered, and none
waits for the lookups); the worker then works out who may be told, writes their "for me" notices
and queues their e-mails through the outbox, all in one transaction: nothing is lost and nothing
told twice. Deadlines are time's doing: the worker's schedule gives each once per deadline.

Nobody is ever told of a request they may not see (widget.services.access.visible_to decides),
nor of what they did themselves.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask import current_app, render_template
from flask_babel import get_locale, gettext as _
from sqlalchemy import event as orm_event, exists, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.extensions import db
from widget.i18n import format_due, format_moment, reading_as, text_direction
from widget.models import (Event, EventKind, Organization, OutboxChannel, PendingStaffNotice, Request,
                           ScheduledNotice, StaffNotice, StaffNoticeChannel, StaffNoticeKind,
                           StaffNoticeSwitch, StaffUser, Unit)
from widget.models.people import Role, staff_units
from widget.models._types import as_utc, utcnow
from widget.notify.compose import theme_colour
from widget.notify.outbox import enqueue
from widget.notify.schedule import RUNNING
from widget.services.access import visible_to
from widget.workdays import WorkCalendar

K = StaffNoticeKind
# The events that may concern staff; a note only when it names someone.
WATCHED = frozenset({EventKind.RECEIVED.value, EventKind.TRANSFERRED.value,
                     EventKind.ASSIGNED.value, EventKind.CITIZEN_MESSAGE.value,
                     EventKind.RESUMED.value, EventKind.NOTE.value})
THREE_HOURS, ONE_DAY = "3h", "1d"
# The ScheduledNotice kinds that make each deadline notice fire once per deadline.
DEADLINE_MARKS = {THREE_HOURS: "staff_deadline_3h", ONE_DAY: "staff_deadline_1d"}


# --- written with the event ---------------------------------------------------------------------

# An @ that starts a word: "@Lan", "(@lan@hn.vn"; not the @ inside an address written out.
MENTION = re.compile(r"(?:^|[\s(\[,;:])@\w", re.UNICODE)


# An event written as having happened this long before its writing is history brought in (the
# demo's seeded past, a request imported or migrated with its old events), not news: telling
# staff of it now ("a new request arrived") would be false and would bury what is new. Every
# change made here stamps its event with the moment it is written; and as this is judged when
# the event is written, not when the worker composes, a worker that was down for days still
# tells everything that happened meanwhile.
HISTORY = timedelta(hours=1)


def _is_news(event: Event) -> bool:
    return event.created_at is None or as_utc(event.created_at) > utcnow() - HISTORY


def may_concern_staff(event: Event) -> bool:
    """Whether a new event leaves a pending row for the worker (when events are watched)."""
    return (event.kind in WATCHED and _is_news(event)
            and (event.kind != EventKind.NOTE.value or MENTION.search(event.note or "") is not None))


def _note_pending(session: Session, _context, _instances) -> None:
    for obj in list(session.new):
        if isinstance(obj, Event) and may_concern_staff(obj):
            session.add(PendingStaffNotice(event=obj))


def watch_events() -> None:
    """Write a pending row with every event staff may have to be told of (once per process)."""
    if not orm_event.contains(Session, "before_flush", _note_pending):
        orm_event.listen(Session, "before_flush", _note_pending)


def events_watched() -> bool:
    """Whether this process writes those pending rows (watch_events was called)."""
    return orm_event.contains(Session, "before_flush", _note_pending)


# --- who is told --------------------------------------------------------------------------------

def _can_see(staff: StaffUser, request: Request) -> bool:
    return db.session.scalar(select(Request.id).where(Request.id == request.id,
                                                      visible_to(staff))) is not None


def _unit_staff(request: Request, unit_id: int | None) -> list[StaffUser]:
    """The people of a unit; for a request of no unit, the administrators (who alone see it)."""
    statement = select(StaffUser).where(StaffUser.organization_id == request.organization_id)
    if unit_id is None:
        statement = statement.where(StaffUser.role == Role.ADMIN.value)
    else:
        statement = statement.where(StaffUser.id.in_(
            select(staff_units.c.staff_user_id).where(staff_units.c.unit_id == unit_id)))
    return list(db.session.scalars(statement.order_by(StaffUser.id)))


def _can_act(staff: StaffUser, request: Request) -> bool:
    """A person (not a connected system) still at work who may see the request."""
    return (staff.is_active and not staff.is_system
            and staff.organization_id == request.organization_id and _can_see(staff, request))


def _unit_or_administrators(request: Request, unit_id: int | None) -> list[StaffUser]:
    """The people of a unit who can act on the request; when none can (everyone there
    deactivated, or only a connected system), the administrators: new work nobody hears of
    waits unseen until its deadline has passed."""
    people = [staff for staff in _unit_staff(request, unit_id) if _can_act(staff, request)]
    return people or [staff for staff in _unit_staff(request, None) if _can_act(staff, request)]


def _executor_or_unit(request: Request) -> tuple[list[StaffUser], dict]:
    """The executor; else, when there is none or they can no longer act on it (deactivated,
    moved to another unit), the unit (or its fallback, the administrators), with the executor's
    name in the notice's data so that it asks them to give the request to someone else."""
    executor = request.executor
    if executor is None:
        return _unit_or_administrators(request, request.unit_id), {}
    if _can_act(executor, request):
        return [executor], {}
    return _unit_or_administrators(request, request.unit_id), {"executor_gone": executor.name}


def mentioned_in(note: str, candidates: list[StaffUser]) -> list[StaffUser]:
    """The colleagues a note names: @ and their e-mail address or their name, in any case,
    starting a word and ending one."""
    text = note.casefold()
    return [staff for staff in candidates if any(
        re.search(rf"(?:^|[\s(\[,;:])@{re.escape(name.casefold())}(?![\w@.-]*\w)", text)
        for name in (staff.email, staff.name))]


def recipients(event: Event) -> list[tuple[StaffUser, str, dict]]:
    """Who an event tells, of what, with what: everyone it concerns who may see the request,
    is active and a person (not a connected system), and did not do it themselves."""
    request, data = event.request, event.data or {}
    kind = event.kind
    told: list[tuple[StaffUser, str, dict]] = []
    if kind == EventKind.RECEIVED.value:
        told = [(staff, K.NEW_IN_UNIT.value, {})
                for staff in _unit_or_administrators(request, request.unit_id)]
    elif kind == EventKind.TRANSFERRED.value:
        moved = {"from_unit_id": data.get("from_unit_id"), "reason": data.get("reason") or ""}
        told = [(staff, K.NEW_IN_UNIT.value, moved) for staff in
                _unit_or_administrators(request, data.get("to_unit_id", request.unit_id))]
    elif kind == EventKind.ASSIGNED.value:
        executor = db.session.get(StaffUser, data.get("executor_id") or 0)
        told = [(executor, K.ASSIGNED.value, {})] \
            if executor is not None and _can_act(executor, request) else []
    elif kind == EventKind.CITIZEN_MESSAGE.value:
        people, gone = _executor_or_unit(request)
        told = [(staff, K.REPLIED.value, gone) for staff in people]
    elif kind == EventKind.RESUMED.value:  # unassigned: the unit, whose clock runs again
        people, gone = _executor_or_unit(request)
        told = [(staff, K.RETURNED.value, gone) for staff in people]
    elif kind == EventKind.NOTE.value:
        colleagues = list(db.session.scalars(select(StaffUser).where(
            StaffUser.organization_id == request.organization_id)))
        told = [(staff, K.MENTIONED.value, {})
                for staff in mentioned_in(event.note or "", colleagues) if _can_act(staff, request)]
    # Everyone above can act on the request (the helpers choose only such people).
    return [(staff, what, values) for staff, what, values in told
            if staff.id != event.staff_user_id]


def switched_on(staff: StaffUser, kind: str) -> set[str]:
    """The channels a staff member gets a kind of notice on (every one unless switched off)."""
    channels = {channel.value for channel in StaffNoticeChannel}
    for switch in db.session.scalars(select(StaffNoticeSwitch).where(
            StaffNoticeSwitch.staff_user_id == staff.id, StaffNoticeSwitch.kind == kind)):
        (channels.add if switch.enabled else channels.discard)(switch.channel)
    return channels


def tell(staff: StaffUser, kind: str, request: Request, event: Event | None, data: dict) -> None:
    """One notice to one staff member, on the channels they keep on, in the caller's transaction."""
    channels = switched_on(staff, kind)
    values = data | ({"actor": event.actor or ""} if event is not None else {})
    # When it happened, not when the worker got round to it (as the person's notices): the
    # list and the e-mail tell the event's moment; a deadline's notice is of now.
    happened = event.created_at if event is not None else None
    if StaffNoticeChannel.BACK_OFFICE.value in channels:
        db.session.add(StaffNotice(staff_user_id=staff.id, request_id=request.id,
                                   event_id=event.id if event is not None else None,
                                   kind=kind, data=values, created_at=happened or utcnow()))
    if StaffNoticeChannel.EMAIL.value in channels:
        language = reader_language(staff)
        with reading_as(language, request.organization.timezone):
            subject, body = wording(kind, request, values)
            if happened is not None:
                body += "\n" + _("When it happened: %(when)s", when=format_moment(happened))
            text, html = _email(request, language, subject, body)
        item = enqueue(request.organization_id, OutboxChannel.EMAIL, staff.email, text,
                       language=language, subject=subject, html_body=html)
        if happened is not None:
            # As the person's notices: the delivery report's moment, and due since then.
            item.created_at = item.next_attempt_at = happened


def reader_language(staff: StaffUser) -> str:
    """The language a staff member reads their notices in (theirs, if this server offers it)."""
    languages = current_app.config["FRONTDESK_LANGUAGES"]
    return staff.language if staff.language in languages else \
        current_app.config["FRONTDESK_DEFAULT_LANGUAGE"]


def compose_pending(limit: int = 200) -> int:
    """Tell staff of the events recorded since the last call; return how many events."""
    if db.engine.dialect.name == "sqlite":
        # As the outbox's claim: take SQLite's write lock first, so that two workers never
        # work on the same pending rows (PostgreSQL skips the rows another worker locked).
        db.session.execute(text("UPDATE pending_staff_notices SET id = id WHERE 0"))
    pending = db.session.scalars(select(PendingStaffNotice).order_by(PendingStaffNotice.id)
                                 .limit(limit).with_for_update(skip_locked=True)).all()
    for row in pending:
        event = row.event
        # Gone with its request (a database without enforced foreign keys keeps the row).
        for staff, kind, data in recipients(event) if event is not None else ():
            tell(staff, kind, event.request, event, data)
        db.session.delete(row)
    db.session.commit()
    return len(pending)


# --- deadlines ----------------------------------------------------------------------------------

def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _working_day_seconds(calendar: WorkCalendar) -> int:
    any_day = datetime(2000, 1, 1)
    return int((datetime.combine(any_day, calendar.day_end)
                - datetime.combine(any_day, calendar.day_start)).total_seconds())


def queue_deadline_notices(now: datetime | None = None) -> int:
    """Tell the executor (or, unassigned, the unit) of a running request whose deadline is one
    working day, then again when it is 3 working hours away, once per deadline; a request
    already within 3 hours when first seen gets only the 3-hour notice. Returns how many."""
    now = now or utcnow()
    organisation_ids = db.session.scalars(select(Request.organization_id).where(
        Request.status.in_(RUNNING), Request.due_at > _naive(now)).distinct()).all()
    told = 0
    for organization_id in organisation_ids:
        calendar = WorkCalendar.for_organization(db.session.get(Organization, organization_id))
        for window, seconds in ((THREE_HOURS, 3 * 3600), (ONE_DAY, _working_day_seconds(calendar))):
            cutoff = calendar.add_working_seconds(now, seconds)
            ids = db.session.scalars(select(Request.id).where(
                Request.organization_id == organization_id, Request.status.in_(RUNNING),
                Request.due_at > _naive(now), Request.due_at <= _naive(cutoff),
                ~_marked(window)).order_by(Request.id)).all()
            told += sum(_deadline_once(request_id, window) for request_id in ids)
    return told


def _marked(window: str):
    return exists().where(ScheduledNotice.request_id == Request.id,
                          ScheduledNotice.kind == DEADLINE_MARKS[window],
                          ScheduledNotice.moment == Request.due_at)


def _deadline_once(request_id: int, window: str) -> bool:
    request = db.session.get(Request, request_id)
    marks = [window] + ([ONE_DAY] if window == THREE_HOURS else [])
    for mark in marks:
        if mark == window or db.session.scalar(select(ScheduledNotice.id).where(
                ScheduledNotice.request_id == request.id, ScheduledNotice.kind == DEADLINE_MARKS[mark],
                ScheduledNotice.moment == request.due_at)) is None:
            db.session.add(ScheduledNotice(request_id=request.id, kind=DEADLINE_MARKS[mark],
                                           moment=request.due_at))
    people, gone = _executor_or_unit(request)  # each one able to act on it
    for staff in people:
        tell(staff, K.DEADLINE.value, request, None, {"window": window} | gone)
    try:
        db.session.commit()
    except IntegrityError:  # another worker gave it meanwhile
        db.session.rollback()
        return False
    return True


# --- wording ------------------------------------------------------------------------------------

def reference(request: Request) -> str:
    """How staff name a request in a notice: its journal number, else its number in the back
    office (never the tracking code, the person's key to their request)."""
    return request.journal_number or f"#{request.id}"


def _unit_name(unit_id, language: str) -> str:
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    return unit.name(language) if unit is not None else "—"


def wording(kind: str, request: Request, data: dict) -> tuple[str, str]:
    """(subject, body) of a staff notice; call it reading as the staff member."""
    subject, body = _kind_wording(kind, request, data)
    if data.get("executor_gone"):
        body += " " + _("%(executor)s, who handles it, can no longer act on it: please give it "
                        "to someone else.", executor=data["executor_gone"])
    return subject, body


def _kind_wording(kind: str, request: Request, data: dict) -> tuple[str, str]:
    language = str(get_locale())
    values = {"number": reference(request), "form": request.form_version.form.title(language),
              "due": format_due(request.due_at) if request.due_at else "—",
              "unit": _unit_name(request.unit_id, language), "actor": data.get("actor") or "—"}
    if kind == K.NEW_IN_UNIT.value and "from_unit_id" in data:
        return (_("Request %(number)s transferred to %(unit)s", **values),
                _("Request %(number)s (%(form)s) was transferred to %(unit)s from %(from_unit)s. "
                  "Reason: %(reason)s", **values,
                  from_unit=_unit_name(data.get("from_unit_id"), language),
                  reason=data.get("reason") or "—"))
    if kind == K.NEW_IN_UNIT.value:
        return (_("New request %(number)s in %(unit)s", **values),
                _("A new request %(number)s (%(form)s) arrived in %(unit)s. The answer is due by "
                  "%(due)s.", **values))
    if kind == K.ASSIGNED.value:
        return (_("Request %(number)s is assigned to you", **values),
                _("%(actor)s assigned request %(number)s (%(form)s) to you. The answer is due by "
                  "%(due)s.", **values))
    if kind == K.REPLIED.value:
        return (_("Request %(number)s: the person replied", **values),
                _("The person wrote a message on request %(number)s (%(form)s).", **values))
    if kind == K.DEADLINE.value and data.get("window") == THREE_HOURS:
        return (_("Request %(number)s is due in 3 working hours", **values),
                _("The answer to request %(number)s (%(form)s) is due by %(due)s: 3 working "
                  "hours or less from now.", **values))
    if kind == K.DEADLINE.value:
        return (_("Request %(number)s is due in one working day", **values),
                _("The answer to request %(number)s (%(form)s) is due by %(due)s: one working "
                  "day or less from now.", **values))
    if kind == K.RETURNED.value:
        return (_("Request %(number)s is back with you", **values),
                _("Request %(number)s (%(form)s) runs again after its pause. The answer is due "
                  "by %(due)s.", **values))
    return (_("%(actor)s mentioned you on request %(number)s", **values),
            _("%(actor)s mentioned you in an internal note on request %(number)s (%(form)s).",
              **values))


def back_office_link(request: Request) -> str:
    """The request's page in the back office at the public address; empty without one."""
    base = current_app.config["FRONTDESK_PUBLIC_URL"].rstrip("/")
    return f"{base}/admin/requests/{request.id}" if base else ""


def _email(request: Request, language: str, subject: str, body: str) -> tuple[str, str]:
    link = back_office_link(request)
    follow = _("Open the request in the back office:")
    automatic = _("The back office sent this message automatically. Choose which notices you "
                  "get, and how, on its page \"My notices\".")
    organisation = request.organization.name(language)
    text = "\n\n".join(part for part in (body, f"{follow}\n{link}" if link else "", automatic)
                       if part)
    html = render_template("email/notice.html", lang=language, dir=text_direction(language),
                           organisation=organisation, subject=subject, body=body, follow=follow,
                           link=link, automatic=automatic, colour=theme_colour(request.organization))
    return text, html
