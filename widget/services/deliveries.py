"""What became of the notifications: a request's messages with their delivery history, and the
organisation's dead letters, which an administrator may send again."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, func, select, update
from sqlalchemy.orm import selectinload

from widget.extensions import db
from widget.models import AuditEntry, DeliveryAttempt, OutboxItem, OutboxStatus, Request, StaffUser
from widget.models._types import utcnow
from widget.services.access import NotAllowed, find_for_staff, require_admin

PAGE_SIZE = 25


@dataclass(frozen=True)
class DeadLetter:
    item: OutboxItem
    request: Request | None  # None for a message about no request (an account's e-mail...)
    failed_at: datetime      # when it was given up: its last attempt, else when it was queued


@dataclass(frozen=True)
class DeadLetterPage:
    letters: list[DeadLetter]
    total: int
    page: int
    pages: int


def deliveries_of(staff: StaffUser, request_id: int) -> list[OutboxItem]:
    """A request's notifications with their delivery history, newest first (NotFound if the
    request is not this staff member's to see)."""
    request = find_for_staff(staff, request_id)
    return list(db.session.scalars(
        select(OutboxItem)
        .where(OutboxItem.request_id == request.id,
               OutboxItem.organization_id == request.organization_id)
        .order_by(OutboxItem.created_at.desc(), OutboxItem.id.desc())
        .options(selectinload(OutboxItem.history))))


def dead_letters(staff: StaffUser, page: int = 1) -> DeadLetterPage:
    """One page of the organisation's dead letters, the most recently given up first."""
    require_admin(staff)
    last_attempt = (select(func.max(DeliveryAttempt.finished_at))
                    .where(DeliveryAttempt.outbox_id == OutboxItem.id)
                    .correlate(OutboxItem).scalar_subquery())
    failed_at = func.coalesce(last_attempt, OutboxItem.created_at, type_=DateTime)
    mine = (OutboxItem.organization_id == staff.organization_id,
            OutboxItem.status == OutboxStatus.DEAD.value)
    total = db.session.scalar(select(func.count()).select_from(OutboxItem).where(*mine))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        select(OutboxItem, Request, failed_at)
        .outerjoin(Request, (Request.id == OutboxItem.request_id)
                   & (Request.organization_id == OutboxItem.organization_id))
        .where(*mine).order_by(failed_at.desc(), OutboxItem.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return DeadLetterPage([DeadLetter(*row) for row in rows], total, page, pages)


def retry_dead_letter(staff: StaffUser, item_id: int) -> OutboxItem:
    """Queue one of the organisation's dead letters again with fresh attempts, audited."""
    require_admin(staff)
    refused = NotAllowed(_l("This message is not a dead letter any more: someone may have sent "
                            "it again already."))
    item = db.session.scalar(select(OutboxItem).where(
        OutboxItem.id == item_id, OutboxItem.organization_id == staff.organization_id))
    if item is None or item.status != OutboxStatus.DEAD.value:
        raise refused  # another organisation's item gets the same answer as a missing one
    before = {"outbox_id": item.id, "status": item.status, "attempts": item.attempts}
    now = utcnow()
    # The requeue and its audit entry commit together or not at all; the status condition
    # makes a second administrator's click (or a race) change nothing.
    changed = db.session.execute(
        update(OutboxItem).where(OutboxItem.id == item.id,
                                 OutboxItem.organization_id == staff.organization_id,
                                 OutboxItem.status == OutboxStatus.DEAD.value)
        .values(status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=now,
                claimed_by=None, lease_until=None)).rowcount == 1
    if not changed:
        db.session.rollback()
        raise refused
    db.session.add(AuditEntry(
        organization_id=staff.organization_id, staff_user_id=staff.id,
        request_id=item.request_id, action="retry_dead_letter", created_at=now, before=before,
        after={"outbox_id": item.id, "status": OutboxStatus.QUEUED.value, "attempts": 0}))
    db.session.commit()
    return item
