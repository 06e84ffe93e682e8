"""What a connected system reads: its organisation's forms, the requests it may see that changed
since a cursor, one request, one of its files. Scoped exactly like its system staff account in the back office."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, or_, select

from widget.extensions import db
from widget.models import Attachment, Form, Request, StaffUser, Unit
from widget.services.access import NotFound, find_for_staff, visible_to
from widget.untrusted import MAX_ID

MAX_PAGE = 200
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A change position (widget.models.changes): "p" and up to 18 digits.
CURSOR = re.compile(r"^p([0-9]{1,18})$")
# The cursors given out before positions: microseconds since 1970 and a request id.
TIME_CURSOR = re.compile(r"^([0-9]{1,16})\.([0-9]{1,10})$")


class BadCursor(ValueError):
    """A cursor this API did not give out."""


def encode_cursor(request: Request) -> str:
    """A cursor after this request's last change: "p<change position>". Opaque to systems."""
    return f"p{request.change_position}"


def decode_cursor(staff: StaffUser, cursor: str) -> int:
    """The change position a cursor stands for; raises BadCursor."""
    match = CURSOR.match(cursor)
    if match is not None:
        return int(match[1])
    match = TIME_CURSOR.match(cursor)
    if match is None:
        raise BadCursor(cursor)
    # Ids are 32-bit: past the largest, "a later id" can only mean a later time.
    moment = EPOCH + timedelta(microseconds=int(match[1]))
    return _position_after(staff, moment, min(int(match[2]), MAX_ID))


def _position_after(staff: StaffUser, moment: datetime, last_id: int) -> int:
    """An old time cursor goes on from just before the first change the time order put after it
    (the same requests an old cursor would have given, and every later position)."""
    # SQLite keeps naive UTC: compare like with like.
    moment = moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment
    later = or_(Request.updated_at > moment, and_(Request.updated_at == moment, Request.id > last_id))
    first = db.session.scalar(select(func.min(Request.change_position)).where(
        visible_to(staff), later))
    if first is not None:
        return first - 1
    return db.session.scalar(select(func.max(Request.change_position)).where(visible_to(staff))) or 0


def changed_requests(staff: StaffUser, cursor: str | None, limit: int
                     ) -> tuple[list[Request], str | None, bool]:
    """The visible requests changed after the cursor (all, without one), in the order their
    changes committed (widget.models.changes); the cursor to ask with next time (kept even on
    the last page: polling goes on from it); and whether more pages wait now. Raises BadCursor."""
    after = decode_cursor(staff, cursor) if cursor else 0
    limit = max(1, min(limit, MAX_PAGE))
    rows = db.session.scalars(select(Request).where(
        visible_to(staff), Request.change_position > after)
        .order_by(Request.change_position).limit(limit + 1)).all()
    page = rows[:limit]
    if page:
        cursor = encode_cursor(page[-1])
    elif cursor:
        cursor = f"p{after}"  # an old time cursor comes back as the position it stood for
    return page, cursor, len(rows) > limit


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
