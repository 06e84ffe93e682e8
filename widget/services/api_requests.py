"""What a connected system reads: its organisation's forms, the requests it may see that changed
since a cursor, one request, one of its files. Scoped exactly like its system staff account in the back office."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, or_, select

from widget.extensions import db
from widget.models import Attachment, Form, Request, StaffUser, Unit
from widget.models._types import as_utc
from widget.services.access import NotFound, find_for_staff, visible_to

MAX_PAGE = 200
MAX_ID = 2**31 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Microseconds since 1970 up to the year 2286, and a request id.
CURSOR = re.compile(r"^([0-9]{1,16})\.([0-9]{1,10})$")


class BadCursor(ValueError):
    """A cursor this API did not give out."""


def encode_cursor(request: Request) -> str:
    """A cursor after this request: its change time in microseconds and its id ("<us>.<id>"),
    so that ties in time are broken by id."""
    moment = as_utc(request.updated_at)
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{request.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (change time, id) a cursor stands for; raises BadCursor."""
    match = CURSOR.match(cursor or "")
    if match is None:
        raise BadCursor(cursor)
    # Ids are 32-bit: past the largest, "a later id" can only mean a later time.
    return EPOCH + timedelta(microseconds=int(match[1])), min(int(match[2]), MAX_ID)


def changed_requests(staff: StaffUser, cursor: str | None, limit: int
                     ) -> tuple[list[Request], str | None, bool]:
    """The visible requests changed after the cursor (all, without one), oldest change first;
    the cursor to ask with next time (kept even on the last page: polling goes on from it); and
    whether more pages wait now. Raises BadCursor."""
    query = select(Request).where(visible_to(staff))
    if cursor:
        moment, last_id = decode_cursor(cursor)
        # SQLite keeps naive UTC: compare like with like.
        moment = moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment
        query = query.where(or_(Request.updated_at > moment,
                                and_(Request.updated_at == moment, Request.id > last_id)))
    limit = max(1, min(limit, MAX_PAGE))
    rows = db.session.scalars(query.order_by(Request.updated_at, Request.id).limit(limit + 1)).all()
    page = rows[:limit]
    return page, encode_cursor(page[-1]) if page else cursor, len(rows) > limit


def forms_of(staff: StaffUser) -> list[Form]:
    """The forms of the system's organisation, in catalogue order."""
    return list(db.session.scalars(select(Form).where(
        Form.organization_id == staff.organization_id).order_by(Form.position, Form.id)))


def units_of(staff: StaffUser) -> list[Unit]:
    """The units a system may see: those its key was limited to, else all the organisation's;
    by code."""
    if staff.units:
        return sorted(staff.units, key=lambda unit: unit.code)
    return list(db.session.scalars(select(Unit).where(
        Unit.organization_id == staff.organization_id).order_by(Unit.code)))


def request_for_system(staff: StaffUser, request_id: int) -> Request:
    """One request the system may see, or NotFound."""
    return find_for_staff(staff, request_id)


def file_for_system(staff: StaffUser, request_id: int, attachment_id: int) -> Attachment:
    """A file of a request the system may see, or NotFound."""
    request = find_for_staff(staff, request_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.request_id != request.id:
        raise NotFound()
    return attachment
