"""What a request's status page shows, read in two statements.

The request with what it points to comes in one joined statement: for a code lookup, the row's
values with its handler's name and its unit's names, read with Core into a StatusRequest (the
ORM's loading of a Request and two related rows cost more than the statement); for the pages
reached with a status token, the ORM Request with STATUS_PAGE_LOADS. Its timeline, messages,
letters and files come in a second one, a UNION ALL read into plain values. The page used to
load each of these on first use from the template: seven round trips more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Integer, String, Text, bindparam, cast, literal, null, select,
                        union_all)
from sqlalchemy.orm import joinedload

from widget.extensions import db
from widget.models import (OPEN_STATUSES, Attachment, Event, FormVersion, Letter, Message,
                           Organization, Request, StaffUser, Unit)
from widget.models._types import localized
from widget.models.requests import StatusReading

# Loaded with the request in its one statement: what the page names beside the request. The
# fields are the one collection joined (one row each); the others come with status_page().
STATUS_PAGE_LOADS = (joinedload(Request.organization),
                     joinedload(Request.form_version).joinedload(FormVersion.form),
                     joinedload(Request.form_version).joinedload(FormVersion.fields),
                     joinedload(Request.executor), joinedload(Request.unit))


@dataclass(frozen=True)
class Handler:
    """The staff member handling a request, as the page names them."""

    name: str


@dataclass(frozen=True)
class HandlingUnit:
    """The unit handling a request, as the page names it."""

    names: dict

    def name(self, language: str) -> str:
        """The unit's name in a language (as Unit.name)."""
        return localized(self.names, language)


@dataclass(frozen=True)
class StatusRequest(StatusReading):
    """A request as its status page reads it: the Request's values under the same names, with
    its handler and unit. What the page reads only when the configuration cache lacks it (an old
    form version, the organisation) is loaded then, as the Request's relationships would be."""

    id: int
    organization_id: int
    form_version_id: int
    status: str
    code: str | None
    journal_number: str | None
    answers: dict
    due_at: datetime | None
    handover: str | None
    paused_at: datetime | None
    pause_reason: str | None
    refusal_reason: str | None
    fee_status: str
    fee_amount: Decimal | None
    fee_receipt_number: str | None
    postal_item_number: str | None
    executor: Handler | None
    unit: HandlingUnit | None

    @property
    def form_version(self) -> FormVersion:
        """The form version it was sent with (the cache's, where the page finds it)."""
        return db.session.get(FormVersion, self.form_version_id)

    @property
    def organization(self) -> Organization:
        """Its organisation (the site's, from the cache, where the page has it)."""
        return db.session.get(Organization, self.organization_id)


_PAGE_COLUMNS = [Request.__table__.c[name] for name in StatusRequest.__dataclass_fields__
                 if name not in ("executor", "unit")]
# Built once, as CHILDREN below: by code within an organisation, with the handler's name and
# the unit's names (outer joins: many requests have neither yet).
BY_CODE = (select(*_PAGE_COLUMNS, StaffUser.id.label("executor_row"),
                  StaffUser.name.label("executor_name"), Unit.id.label("unit_row"),
                  Unit.names.label("unit_names"))
           .outerjoin(StaffUser, StaffUser.id == Request.executor_id)
           .outerjoin(Unit, Unit.id == Request.unit_id)
           .where(Request.code == bindparam("code"),
                  Request.organization_id == bindparam("organization_id")))


def status_request(organization_id: int, code: str) -> StatusRequest | None:
    """The request of this organisation with this (normal form) tracking code, draft or not,
    as its status page reads it; None when there is none."""
    row = db.session.connection().execute(
        BY_CODE, {"code": code, "organization_id": organization_id}).first()
    if row is None:
        return None
    values = row._asdict()
    executor_row, executor_name = values.pop("executor_row"), values.pop("executor_name")
    unit_row, unit_names = values.pop("unit_row"), values.pop("unit_names")
    return StatusRequest(
        **values, executor=Handler(executor_name) if executor_row is not None else None,
        unit=HandlingUnit(unit_names) if unit_row is not None else None)


# Kinds whose note staff write for the person (the pause note, the deadline's reason, the
# refusal, the result note); other notes (a waived fee's reason) stay among staff.
PUBLIC_NOTE_KINDS = frozenset({"paused", "deadline_changed", "refused", "result_ready"})


@dataclass(frozen=True)
class FileLink:
    id: int
    filename: str
    field_key: str = ""


@dataclass(frozen=True)
class TimelineEvent:
    id: int
    kind: str
    created_at: datetime
    data: dict
    note: str | None
    public: bool = True  # only public events are read


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    from_staff: bool
    body: str
    created_at: datetime
    attachments: tuple[FileLink, ...] = ()


@dataclass(frozen=True)
class AnswerLetter:
    id: int
    title: str
    body: str | None
    created_at: datetime
    attachments: tuple[FileLink, ...] = ()


@dataclass
class StatusPage:
    """A request's page: the request row and its children as plain values, oldest first."""

    request: Request
    events: list[TimelineEvent] = field(default_factory=list)
    messages: list[ThreadMessage] = field(default_factory=list)
    letters: list[AnswerLetter] = field(default_factory=list)
    files: list[FileLink] = field(default_factory=list)  # sent with the request itself

    def current_note(self, language: str) -> str:
        """What staff wrote for the person about where the request stands now."""
        return current_note(self.request.status, self.events, language)


def public_note(event: TimelineEvent | Event, language: str) -> str:
    """What staff wrote for the person with this event, in the person's language where staff
    wrote one ({language: text} in the event's data under "notes"), else as written; empty for
    events whose note stays among staff."""
    if event.kind not in PUBLIC_NOTE_KINDS or event.public is False:
        return ""
    # Not localized(): a version in another language than the person's is no better than the
    # note as staff wrote it.
    written = (event.data or {}).get("notes")
    return (written.get(language) if isinstance(written, dict) else None) or (event.note or "")


# Which event's note explains each status; any other open status: the deadline's last change.
_NOTE_OF_STATUS = {"paused": "paused", "refused": "refused", "result_ready": "result_ready"}


def current_note(status: str, events, language: str) -> str:
    """The note of the latest event that explains the status (events oldest first): why it
    waits, why it was refused, how to get the result, or why the deadline moved."""
    if status in _NOTE_OF_STATUS:
        kind = _NOTE_OF_STATUS[status]
    elif status in OPEN_STATUSES:
        kind = "deadline_changed"
    else:
        return ""
    latest = next((event for event in reversed(events) if event.kind == kind), None)
    return public_note(latest, language) if latest is not None else ""


def note_events(request_ids: list[int]) -> dict[int, list[TimelineEvent]]:
    """For a list of requests (a cabinet), in one statement: each one's events that carry a
    note for the person, oldest first."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        select(Event.request_id, Event.id, Event.kind, Event.created_at, Event.data, Event.note)
        .where(Event.request_id.in_(request_ids), Event.kind.in_(PUBLIC_NOTE_KINDS),
               Event.public.is_(True)).order_by(Event.id))
    found: dict[int, list[TimelineEvent]] = {}
    for row in rows:
        found.setdefault(row.request_id, []).append(
            TimelineEvent(row.id, row.kind, row.created_at, row.data or {}, row.note))
    return found


def _children_statement():
    """The request's public events, messages, letters and files in one statement, as rows of
    (source, id, created_at, label, body, flag, data, message_id, letter_id), by source and id."""
    request_id = bindparam("request_id", type_=Integer)
    no_text, no_id, no_flag = cast(null(), Text), cast(null(), Integer), cast(null(), Boolean)
    events = select(literal("event", String).label("source"), Event.id, Event.created_at,
                    cast(Event.kind, Text).label("label"), Event.note.label("body"),
                    no_flag.label("flag"), Event.data.label("data"),
                    no_id.label("message_id"), no_id.label("letter_id")
                    ).where(Event.request_id == request_id, Event.public.is_(True))
    messages = select(literal("message", String), Message.id, Message.created_at, no_text,
                      Message.body, Message.from_staff, cast(null(), JSON), no_id, no_id
                      ).where(Message.request_id == request_id)
    letters = select(literal("letter", String), Letter.id, Letter.created_at,
                     cast(Letter.title, Text), Letter.body, no_flag, cast(null(), JSON), no_id, no_id
                     ).where(Letter.request_id == request_id)
    files = select(literal("file", String), Attachment.id, Attachment.created_at,
                   cast(Attachment.filename, Text), cast(Attachment.field_key, Text), no_flag,
                   cast(null(), JSON), Attachment.message_id, Attachment.letter_id
                   ).where(Attachment.request_id == request_id)
    both = union_all(events, messages, letters, files).subquery()
    return select(both).order_by(both.c.source, both.c.id)


# Built once: building four SELECTs and their cache key on every page cost more than running it.
CHILDREN = _children_statement()


def _children(request_id: int):
    # Core, on the session's connection: plain rows, no ORM step between.
    return db.session.connection().execute(CHILDREN, {"request_id": request_id})


def status_page(request: Request) -> StatusPage:
    """The request's page: its loaded row, and its children read in one statement."""
    events, message_rows, letter_rows, files = [], [], [], []
    for row in _children(request.id):
        if row.source == "event":
            events.append(TimelineEvent(row.id, row.label, row.created_at, row.data or {}, row.body))
        elif row.source == "message":
            message_rows.append(row)
        elif row.source == "letter":
            letter_rows.append(row)
        else:
            files.append(row)
    by_message: dict[int, list[FileLink]] = {}
    by_letter: dict[int, list[FileLink]] = {}
    own = []
    for row in files:
        link = FileLink(row.id, row.label, row.body or "")
        if row.message_id is not None:
            by_message.setdefault(row.message_id, []).append(link)
        elif row.letter_id is not None:
            by_letter.setdefault(row.letter_id, []).append(link)
        else:
            own.append(link)
    return StatusPage(
        request=request, events=events, files=own,
        messages=[ThreadMessage(row.id, bool(row.flag), row.body, row.created_at,
                                tuple(by_message.get(row.id, ()))) for row in message_rows],
        letters=[AnswerLetter(row.id, row.label, row.body, row.created_at,
                              tuple(by_letter.get(row.id, ()))) for row in letter_rows])
