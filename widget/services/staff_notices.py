"""A staff member's own side of the back office: their "for me" notices (read, mark read),
which notices they get how, their language, and what they have not seen of each request."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from widget.extensions import db
from widget.models import (Event, EventKind, Request, RequestLook, StaffNotice, StaffNoticeChannel,
                           StaffNoticeKind, StaffNoticeSwitch, StaffUser)
from widget.models._types import utcnow
from widget.services.access import NotAllowed, visible_to

PAGE_SIZE = 25
KINDS = [kind.value for kind in StaffNoticeKind]
CHANNELS = [channel.value for channel in StaffNoticeChannel]


def _mine(staff: StaffUser):
    # Only notices about requests the staff member may still see: a person moved to another
    # unit no longer reads about their old unit's requests.
    return select(StaffNotice).join(Request, StaffNotice.request_id == Request.id).where(
        StaffNotice.staff_user_id == staff.id, visible_to(staff))


def unread_count(staff: StaffUser) -> int:
    """How many of the staff member's notices are unread (the count in the header)."""
    return db.session.scalar(select(func.count()).select_from(
        _mine(staff).where(StaffNotice.read_at.is_(None)).subquery()))


@dataclass
class NoticePage:
    notices: list[StaffNotice]
    total: int
    unread: int
    page: int
    pages: int


def notices_for(staff: StaffUser, page: int = 1, unread_only: bool = False) -> NoticePage:
    """One page of the staff member's notices, newest first."""
    statement = _mine(staff)
    if unread_only:
        statement = statement.where(StaffNotice.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = db.session.scalars(statement.order_by(StaffNotice.created_at.desc(),
                                                 StaffNotice.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return NoticePage(list(rows), total, unread_count(staff), page, pages)


def mark_read(staff: StaffUser, notice_ids: list[int] | None = None) -> int:
    """Mark some of the staff member's notices read (None: all of them); return how many."""
    condition = and_(StaffNotice.staff_user_id == staff.id, StaffNotice.read_at.is_(None))
    if notice_ids is not None:
        condition = and_(condition, StaffNotice.id.in_(notice_ids))
    marked = db.session.execute(update(StaffNotice).where(condition).values(read_at=utcnow())
                                .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return marked


def switches_of(staff: StaffUser) -> dict[str, set[str]]:
    """For each kind of notice, the channels the staff member gets it on."""
    chosen = {kind: set(CHANNELS) for kind in KINDS}
    for switch in db.session.scalars(select(StaffNoticeSwitch).where(
            StaffNoticeSwitch.staff_user_id == staff.id)):
        if switch.kind in chosen:
            (chosen[switch.kind].add if switch.enabled else chosen[switch.kind].discard)(switch.channel)
    return chosen


def save_switches(staff: StaffUser, chosen: set[tuple[str, str]]) -> None:
    """Keep exactly the (kind, channel) pairs given switched on; unknown pairs are refused."""
    unknown = {pair for pair in chosen if pair[0] not in KINDS or pair[1] not in CHANNELS}
    if unknown:
        raise NotAllowed(_l("Please choose among the notices shown."))
    existing = {(switch.kind, switch.channel): switch for switch in db.session.scalars(
        select(StaffNoticeSwitch).where(StaffNoticeSwitch.staff_user_id == staff.id))}
    for kind in KINDS:
        for channel in CHANNELS:
            enabled = (kind, channel) in chosen
            switch = existing.get((kind, channel))
            if switch is None:
                db.session.add(StaffNoticeSwitch(staff_user_id=staff.id, kind=kind,
                                                 channel=channel, enabled=enabled))
            else:
                switch.enabled = enabled
    db.session.commit()


def set_language(staff: StaffUser, language: str, languages: list[str]) -> None:
    """The staff member's language: of the back office's pages and of their notices."""
    if language not in languages:
        raise NotAllowed(_l("Please choose one of the languages offered."))
    staff.language, staff.language_chosen = language, True
    db.session.commit()


def note_look(staff: StaffUser, request: Request) -> None:
    """The staff member looks at a request now: what it holds is no longer unread for them,
    and their notices about it are read."""
    now = utcnow()
    look = db.session.get(RequestLook, (staff.id, request.id))
    if look is None:
        db.session.add(RequestLook(staff_user_id=staff.id, request_id=request.id, seen_at=now))
    else:
        look.seen_at = now
    db.session.execute(update(StaffNotice).where(
        StaffNotice.staff_user_id == staff.id, StaffNotice.request_id == request.id,
        StaffNotice.read_at.is_(None)).values(read_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()


@dataclass(frozen=True)
class Unread:
    """What a staff member has not seen of a request since their last look."""

    replies: int = 0        # messages from the person
    events: int = 0         # other entries of the timeline, by others

    def __bool__(self) -> bool:
        return bool(self.replies or self.events)


def unread_of(staff: StaffUser, request_ids: list[int]) -> dict[int, Unread]:
    """For each of these requests, what came since the staff member last looked at it (by
    anyone but themselves); a request never opened: all of it."""
    if not request_ids:
        return {}
    seen = (select(RequestLook.seen_at).where(RequestLook.staff_user_id == staff.id,
                                              RequestLook.request_id == Event.request_id)
            .scalar_subquery())
    is_reply = Event.kind == EventKind.CITIZEN_MESSAGE.value
    rows = db.session.execute(
        select(Event.request_id, is_reply, func.count())
        .where(Event.request_id.in_(request_ids),
               or_(Event.staff_user_id.is_(None), Event.staff_user_id != staff.id),
               Event.kind != EventKind.DRAFT_SAVED.value,
               or_(seen.is_(None), Event.created_at > seen))
        .group_by(Event.request_id, is_reply)).all()
    found: dict[int, dict[str, int]] = {}
    for request_id, reply, count in rows:
        found.setdefault(request_id, {})["replies" if reply else "events"] = count
    return {request_id: Unread(**counts) for request_id, counts in found.items()}
