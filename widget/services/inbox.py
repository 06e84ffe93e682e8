"""The staff inbox: which requests to show, filtered, searched, sorted and paged."""
from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, true

from widget import codes
from widget.extensions import db
from widget.models import (OPEN_STATUSES, Form, FormVersion, Message, PauseReason, Request,
                           RequestStatus, StaffUser)
from widget.models._types import utcnow
from widget.search_text import digit_forms
from widget.services.access import visible_to
from widget.textnorm import fold_digits, fold_for_search
from widget.workdays import WorkCalendar

PAGE_SIZE = 25
# What staff type for a phone number: digits with spaces, dashes, dots, brackets, a leading +.
PHONE_LIKE = re.compile(r"^\s*\+?[\d\s().\-]+$")
DUE_SOON_HOURS = 24  # working hours


class View(str, enum.Enum):
    NEW = "new"            # received, waiting for registration
    MINE = "mine"          # assigned to me, waiting for me: open, or its result ready
    WAITING_FOR_US = "waiting_for_us"          # open, and the next move is ours
    WAITING_FOR_PERSON = "waiting_for_person"  # paused for the person, who has not written since
    OVERDUE = "overdue"    # open and past the deadline
    DUE_SOON = "due_soon"  # open, due within DUE_SOON_HOURS working hours
    PAUSED = "paused"
    ALL = "all"


class Sort(str, enum.Enum):
    DUE = "due"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass
class InboxQuery:
    view: View = View.NEW
    text: str = ""               # a tracking code, a journal number, or words in the answers
    form_id: int | None = None
    unit_id: int | None = None
    status: str | None = None
    sent_from: date | None = None
    sent_to: date | None = None
    sort: Sort = Sort.DUE
    page: int = 1


@dataclass
class InboxPage:
    requests: list[Request]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


# Paused for what only the person can give: documents, or the pause they asked for.
PERSON_PAUSES = (PauseReason.SUPPLEMENT.value, PauseReason.PERSON_REQUEST.value)


def _person_wrote_last():
    """The person's latest message is newer than the organisation's latest (unanswered)."""
    theirs = select(func.max(Message.created_at)).where(
        Message.request_id == Request.id, Message.from_staff.is_(False)).scalar_subquery()
    ours = select(func.max(Message.created_at)).where(
        Message.request_id == Request.id, Message.from_staff.is_(True)).scalar_subquery()
    return theirs.is_not(None) & (ours.is_(None) | (theirs > ours))


def _view_condition(view: View, staff: StaffUser, now: datetime, calendar: WorkCalendar):
    open_ = Request.status.in_(OPEN_STATUSES)
    paused = Request.status == RequestStatus.PAUSED.value
    waiting_for_person = paused & Request.pause_reason.in_(PERSON_PAUSES) & ~_person_wrote_last()
    return {
        View.NEW: Request.status == RequestStatus.RECEIVED.value,
        View.MINE: Request.status.in_(OPEN_STATUSES + (RequestStatus.RESULT_READY.value,))
        & (Request.executor_id == staff.id),
        View.WAITING_FOR_US: open_ & (~paused | _person_wrote_last()),
        View.WAITING_FOR_PERSON: waiting_for_person,
        View.OVERDUE: open_ & (Request.due_at < now),
        View.DUE_SOON: open_ & (Request.due_at >= now) & (
            Request.due_at <= calendar.add_working_seconds(now, DUE_SOON_HOURS * 3600)),
        View.PAUSED: Request.status == RequestStatus.PAUSED.value,
        View.ALL: Request.id.isnot(None),
    }[view]


def _text_condition(text: str, region: str):
    text = text.strip()[:100]
    # Every word, folded as the stored search text is (widget.search_text), somewhere in it:
    # "tran thi hoa" finds Trần Thị Hoa, in any order, on both databases alike.
    words = fold_for_search(text).split()
    found = and_(true(), *(Request.search_text.contains(word, autoescape=True) for word in words))
    # A phone number in any format finds the number however it was typed ("0912 345 678",
    # +84912345678): both are kept as digits.
    numbers = digit_forms(text, region) if PHONE_LIKE.match(fold_digits(text)) else []
    if numbers:
        found = or_(found, Request.search_text.contains(numbers[-1], autoescape=True))
    code = codes.parse(text)
    return or_(Request.code == code, found) if code else found


def filtered_requests(staff: StaffUser, query: InboxQuery, now: datetime | None = None,
                      calendar: WorkCalendar | None = None) -> Select:
    """The requests this staff member may see that match the query's view and filters,
    unordered (the inbox pages them; the export streams them)."""
    now = now or utcnow()
    calendar = calendar or WorkCalendar.for_organization(staff.organization)
    statement: Select = select(Request).where(
        visible_to(staff), _view_condition(query.view, staff, now, calendar))
    if query.text.strip():
        statement = statement.where(_text_condition(query.text, staff.organization.country))
    if query.form_id:
        statement = statement.where(Request.form_version_id.in_(
            select(FormVersion.id).where(FormVersion.form_id == query.form_id)))
    if query.unit_id:
        statement = statement.where(Request.unit_id == query.unit_id)
    if query.status:
        statement = statement.where(Request.status == query.status)
    # The dates staff pick are the organisation's days, not UTC's: in Hanoi "from the 24th"
    # starts at 17:00 UTC on the 23rd.
    if query.sent_from:
        statement = statement.where(Request.submitted_at >= _stored(calendar.start_of_day(
            query.sent_from)))
    if query.sent_to:
        statement = statement.where(Request.submitted_at < _stored(calendar.start_of_day(
            query.sent_to + timedelta(days=1))))
    return statement


def _stored(moment: datetime) -> datetime:
    # Moments are kept as naive UTC (SQLite has no time zones; the columns are without one).
    return moment.replace(tzinfo=None)


def list_inbox(staff: StaffUser, query: InboxQuery, now: datetime | None = None) -> InboxPage:
    """One page of the requests this staff member may see, with counts for every view."""
    now = now or utcnow()
    calendar = WorkCalendar.for_organization(staff.organization)
    base = select(Request).where(visible_to(staff))
    counts = {view.value: db.session.scalar(
        select(func.count()).select_from(base.where(_view_condition(view, staff, now, calendar)).subquery()))
        for view in View}
    statement = filtered_requests(staff, query, now, calendar)
    order = {Sort.DUE: (Request.due_at.is_(None), Request.due_at, Request.id),
             Sort.NEWEST: (Request.submitted_at.desc(), Request.id.desc()),
             Sort.OLDEST: (Request.submitted_at, Request.id)}[query.sort]
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, query.page), pages)
    rows = db.session.scalars(statement.order_by(*order).limit(PAGE_SIZE)
                              .offset((page - 1) * PAGE_SIZE)).all()
    return InboxPage(list(rows), total, page, pages, counts)


def forms_of(staff: StaffUser) -> list[Form]:
    """The organisation's forms, for the inbox filter."""
    return list(db.session.scalars(
        select(Form).where(Form.organization_id == staff.organization_id).order_by(Form.position)))
