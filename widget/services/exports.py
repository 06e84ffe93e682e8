"""Exporting the organisation's requests for administrators: the inbox's filters, every
matching row, read from the database in batches so that the file is written as rows arrive."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.answer_text import answer_text
from widget.contacts import name_in_answers
from widget.extensions import db
from widget.models import (OPEN_STATUSES, Field, FieldType, Form, FormVersion, Request, StaffUser,
                           Unit)
from widget.models._types import as_utc, localized, utcnow
from widget.services.access import NotAllowed, require_unit_head, visible_to
from widget.services.audit_log import record_change
from widget.services.inbox import InboxQuery, filtered_requests

FORMATS = ("csv", "xlsx")
BATCH = 500  # rows fetched from the database at a time

# What a row needs, and nothing else: no ORM objects, so nothing piles up in the session.
COLUMNS = (Request.code, Request.journal_number, Request.form_version_id, Request.unit_id,
           Request.status, Request.channel, Request.submitted_at, Request.registered_at,
           Request.due_at, Request.closed_at, Request.executor_id, Request.answers)


@dataclass
class ExportRow:
    code: str | None
    journal_number: str | None
    form: str
    unit: str
    status: str            # a RequestStatus value
    channel: str           # a Channel value
    received: datetime | None   # this and the other moments: the organisation's local time
    registered: datetime | None
    due: datetime | None
    closed: datetime | None
    executor: str
    person: str
    email: str
    phone: str
    overdue: bool
    answers: list[str]     # the chosen form's fields, in RequestExport.fields order


@dataclass
class RequestExport:
    count: int             # rows the file has (counted before it is written)
    day: date              # today in the organisation's time zone, for the file name
    rows: Iterator[ExportRow]
    fields: list[str]      # labels of the chosen form's fields (a column each); none without a form


def export_requests(staff: StaffUser, query: InboxQuery, file_format: str, language: str,
                    now: datetime | None = None) -> RequestExport:
    """Every request the staff member may see (administrators: the organisation's; unit heads:
    their units') matching the query, to be written as they are read; with a form chosen, a
    column per field of it. The export is audited (filters, format, row count) before the first
    row. Commits."""
    require_unit_head(staff)
    now = now or utcnow()
    columns = answer_columns(staff, query.form_id) if query.form_id else []
    return _export(staff, filtered_requests(staff, query, now), {"filters": _filters(query)},
                   file_format, language, now, columns)


def export_selection(staff: StaffUser, request_ids: list[int], file_format: str, language: str,
                     now: datetime | None = None) -> RequestExport:
    """The requests a unit head chose in the inbox, those of them they may see, in the same file
    as the inbox's export; audited (the ids, format, row count). Commits."""
    if not staff.is_unit_head or staff.is_system:
        raise NotAllowed(_l("Only a unit head or an administrator may do this."))
    now = now or utcnow()
    statement = select(Request).where(visible_to(staff), Request.id.in_(request_ids))
    return _export(staff, statement, {"selected": sorted(request_ids)}, file_format, language,
                   now, [])


def _export(staff: StaffUser, statement, what: dict, file_format: str, language: str,
            now: datetime, columns: list[tuple[str, dict]]) -> RequestExport:
    if file_format not in FORMATS:
        raise NotAllowed(_l("Please choose CSV or Excel."))
    count = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    record_change(staff, "requests_exported", {},
                  what | {"format": file_format, "rows": count})
    db.session.commit()
    zone = ZoneInfo(staff.organization.timezone)
    rows = statement.with_only_columns(*COLUMNS).order_by(Request.id)
    return RequestExport(count, now.astimezone(zone).date(),
                         _rows(staff, rows, language, zone, now, [key for key, _ in columns]),
                         [localized(labels, language) or key for key, labels in columns])


def answer_columns(staff: StaffUser, form_id: int) -> list[tuple[str, dict]]:
    """(key, labels) of every field a form's versions have had, files left out: the newest
    version's order first, then keys only older versions had (their requests still hold them)."""
    fields = db.session.execute(
        select(Field.key, Field.labels, Field.type).join(FormVersion).join(Form)
        .where(Form.id == form_id, Form.organization_id == staff.organization_id,
               FormVersion.published_at.is_not(None))  # a draft's fields hold no answer yet
        .order_by(FormVersion.number.desc(), Field.position)).all()
    columns: dict[str, dict] = {}
    for key, labels, kind in fields:
        if kind != FieldType.FILE.value and key not in columns:
            columns[key] = labels or {}
    return list(columns.items())


def _filters(query: InboxQuery) -> dict:
    filters = {"view": query.view.value, "q": query.text, "form": query.form_id,
               "unit": query.unit_id, "status": query.status,
               "from": query.sent_from.isoformat() if query.sent_from else None,
               "to": query.sent_to.isoformat() if query.sent_to else None}
    return {key: value for key, value in filters.items() if value}


def _rows(staff: StaffUser, statement, language: str, zone: ZoneInfo,
          now: datetime, answer_keys: list[str]) -> Iterator[ExportRow]:
    # The few things rows point at (forms, units, staff) are read once, up front.
    org = staff.organization_id
    versions = {vid: localized(titles, language) for vid, titles in db.session.execute(
        select(FormVersion.id, Form.titles).join(Form).where(Form.organization_id == org))}
    fields: dict[int, list[Field]] = {}
    for field in db.session.scalars(select(Field).where(Field.version_id.in_(
            select(FormVersion.id).join(Form).where(Form.organization_id == org)))):
        fields.setdefault(field.version_id, []).append(field)
    units = {uid: localized(names, language) for uid, names in db.session.execute(
        select(Unit.id, Unit.names).where(Unit.organization_id == org))}
    people = dict(db.session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.organization_id == org)).all())

    def local(moment: datetime | None) -> datetime | None:
        return as_utc(moment).astimezone(zone).replace(tzinfo=None) if moment else None

    # yield_per: a server-side cursor on PostgreSQL, batches of BATCH rows on both databases.
    for row in db.session.execute(statement.execution_options(yield_per=BATCH)):
        answers = row.answers or {}
        own_fields = fields.get(row.form_version_id, [])
        yield ExportRow(
            code=row.code, journal_number=row.journal_number,
            form=versions.get(row.form_version_id, ""), unit=units.get(row.unit_id, ""),
            status=row.status, channel=row.channel, received=local(row.submitted_at),
            registered=local(row.registered_at), due=local(row.due_at),
            closed=local(row.closed_at), executor=people.get(row.executor_id, ""),
            person=name_in_answers(own_fields, answers),
            email=_first_answer(own_fields, answers, FieldType.EMAIL.value),
            phone=_first_answer(own_fields, answers, FieldType.PHONE.value),
            overdue=bool(row.status in OPEN_STATUSES and row.due_at
                         and as_utc(row.due_at) < now),
            answers=_answers(own_fields, answers, answer_keys, language))


def _answers(fields: list[Field], answers: dict, keys: list[str], language: str) -> list[str]:
    by_key = {field.key: field for field in fields}
    return [answer_text(by_key[key], answers.get(key), language) if key in by_key else ""
            for key in keys]


def _first_answer(fields: list[Field], answers: dict, field_type: str) -> str:
    for field in fields:
        if field.type == field_type and isinstance(answers.get(field.key), str):
            return answers[field.key]
    return ""
