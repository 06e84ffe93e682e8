"""Notices that time, not a person, sets off; the worker runs them every minute. Each fires once
(a ScheduledNotice row, unique per request, kind and moment, is written with its outbox rows), so
several workers, or a restart, never send one twice; a deadline that moves warns again."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError

from widget import codes
from widget.extensions import db
from widget.models import Form, FormReminder, Organization, Request, RequestStatus, ScheduledNotice
from widget.models._types import as_utc, utcnow
from widget.notify.notices import queue_notice

# Paused requests are left out: their clock stands still and their deadline will move.
RUNNING = (RequestStatus.RECEIVED.value, RequestStatus.REGISTERED.value,
           RequestStatus.IN_PROGRESS.value)
DUE_SOON, REMINDER, DRAFT_EXPIRING = "due_soon", "reminder", "draft_expiring"
# Local hours a form reminder may go out in (from 09:00, before 20:00): not at night, and
# after the morning's queue has settled.
REMINDER_HOURS = (time(9), time(20))


def queue_due_soon_warnings(hours: float, now: datetime | None = None) -> int:
    """Warn the person whose answer is due within `hours` and not ready (seed 000: three hours
    before the appointment); return how many requests were warned."""
    now = now or utcnow()
    already = exists().where(ScheduledNotice.request_id == Request.id,
                             ScheduledNotice.kind == DUE_SOON,
                             ScheduledNotice.moment == Request.due_at)
    ids = list(db.session.scalars(select(Request.id).where(
        Request.status.in_(RUNNING), Request.due_at > now,
        Request.due_at <= now + timedelta(hours=hours), ~already)))
    return sum(_give_once(request_id, DUE_SOON, lambda request: (request.due_at, {}))
               for request_id in ids)


def queue_date_reminders(today: date | None = None) -> int:
    """Remind people of a date their request holds (seed 001: a card's expiry), the set number of
    days before it; return how many were reminded."""
    today = today or utcnow().date()
    forms = db.session.scalars(select(Form).where(Form.reminder_field.is_not(None),
                                                  Form.reminder_days.is_not(None))).all()
    given = 0
    for form in forms:
        due = [(request.id, day) for request in _sent_requests_of(form)
               if (day := _reminder_day(request, form, today)) is not None]
        for request_id, day in due:
            moment = datetime.combine(day, time(), timezone.utc)
            if _given(request_id, REMINDER, moment):
                continue
            given += _give_once(request_id, REMINDER, lambda request, form=form, day=day, moment=moment: (
                moment, {"field": _field_label(request, form.reminder_field), "date": day}))
    return given


def queue_form_reminders(now: datetime | None = None) -> int:
    """The reminders administrators set on forms (FormReminder): each request is reminded once
    per reminder and date, in the reminder's own channels and wording, and only at a sensible
    hour of the organisation's day (a reminder found at 3 a.m. waits for the morning); return
    how many requests were reminded."""
    now = as_utc(now or utcnow())
    given = 0
    for reminder in db.session.scalars(select(FormReminder).order_by(FormReminder.id)).all():
        form = db.session.get(Form, reminder.form_id)
        local = now.astimezone(ZoneInfo(form_zone(form)))
        if not REMINDER_HOURS[0] <= local.time() < REMINDER_HOURS[1]:
            continue
        kind = f"{REMINDER}.{reminder.id}"
        window = timedelta(days=reminder.days_before)
        due = []
        for request in _sent_requests_of(form):
            day = _answered_day(request, reminder.date_field)
            if day is not None and day - window <= local.date() <= day:
                due.append((request.id, day))
        for request_id, day in due:
            moment = datetime.combine(day, time(), timezone.utc)
            if _given(request_id, kind, moment):
                continue
            values = {"field": "", "date": day, "reminder_id": str(reminder.id)}
            given += _give_once(request_id, kind, lambda request, values=values, moment=moment: (
                moment, values | {"field": _field_label(request, reminder.date_field)}),
                key=REMINDER, only=set(reminder.channels))
    return given


def form_zone(form: Form) -> str:
    """The time zone a form's reminders keep hours in: its organisation's."""
    return db.session.get(Organization, form.organization_id).timezone or "UTC"


def queue_draft_expiry_notices(max_age_days: int, days_before: int,
                               now: datetime | None = None) -> int:
    """Tell the person whose unsent draft will be deleted in `days_before` days, with the code
    that continues it; return how many were told."""
    now = now or utcnow()
    saved_after = now - timedelta(days=max_age_days)
    saved_before = now - timedelta(days=max_age_days - days_before)
    drafts = db.session.execute(select(Request.id, Request.updated_at).where(
        Request.status == RequestStatus.DRAFT.value, Request.resume_code.is_not(None),
        Request.updated_at > saved_after, Request.updated_at <= saved_before)).all()
    told = 0
    for request_id, saved in drafts:
        # The moment it expires: saving the draft again later gives a new one, and a new notice.
        expires = saved + timedelta(days=max_age_days)
        if not _given(request_id, DRAFT_EXPIRING, expires):
            told += _give_once(request_id, DRAFT_EXPIRING, lambda request, expires=expires: (
                expires, {"date": as_utc(expires), "resume_code": codes.display(request.resume_code)}))
    return told


def run_schedule(due_soon_hours: float, draft_max_age_days: int, draft_warning_days: int) -> int:
    """Everything time has set off by now."""
    return (queue_due_soon_warnings(due_soon_hours) + queue_date_reminders()
            + queue_form_reminders()
            + queue_draft_expiry_notices(draft_max_age_days, draft_warning_days))


def _give_once(request_id: int, kind: str, what, key: str | None = None,
               only: set[str] | None = None) -> bool:
    """Queue one notice (`key`, by default the kind) and its ScheduledNotice together; a second
    worker's copy fails on the unique constraint and is rolled back."""
    request = db.session.get(Request, request_id)
    moment, values = what(request)
    db.session.add(ScheduledNotice(request_id=request.id, kind=kind, moment=moment))
    queue_notice(request, key or kind, values, only=only)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _sent_requests_of(form: Form):
    version_ids = [version.id for version in form.versions]
    return db.session.scalars(select(Request).where(
        Request.form_version_id.in_(version_ids), Request.code.is_not(None),
        and_(Request.status != RequestStatus.DRAFT.value,
             Request.status != RequestStatus.REFUSED.value)).execution_options(yield_per=500))


def _reminder_day(request: Request, form: Form, today: date) -> date | None:
    """The date to remind of, when today is within the reminder's window and not past it (a
    new date, say a renewed card's, is reminded of again)."""
    day = _answered_day(request, form.reminder_field)
    if day is None:
        return None
    return day if day - timedelta(days=form.reminder_days) <= today <= day else None


def _answered_day(request: Request, key: str) -> date | None:
    try:
        return date.fromisoformat(str((request.answers or {}).get(key) or ""))
    except ValueError:
        return None


def _given(request_id: int, kind: str, moment: datetime) -> bool:
    return db.session.scalar(select(ScheduledNotice.id).where(
        ScheduledNotice.request_id == request_id, ScheduledNotice.kind == kind,
        ScheduledNotice.moment == moment)) is not None


def _field_label(request: Request, key: str) -> str:
    field = next((f for f in request.form_version.fields if f.key == key), None)
    return field.label(request.language) if field is not None else key
