"""Unsent drafts past their time: deleted with their files (run by the worker).

A draft can be resumed for FRONTDESK_DRAFT_MAX_AGE_DAYS after its last save, and its author is
told before it goes (notify/schedule.py). After that nobody can reach it, so keeping what the
person typed and attached would only keep personal data without a purpose. The files held for a
form page that came back with errors (a draft row without a resume code, services/held_files.py) can
be sent only with that page's token, so they go once the token has expired.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from widget.extensions import db
from widget.file_stores import FileStore, delete_quietly
from widget.models import (Attachment, AuditEntry, Event, InboxItem, Letter, Message, NoticePromise,
                           OneTimeCode, OutboxItem, Request, RequestStatus, ScheduledNotice)
from widget.models._types import utcnow

BATCH = 200  # drafts per transaction: a backlog is worked off a batch a minute, without long locks


def forget_expired_drafts(max_age_days: int, store: FileStore, now: datetime | None = None,
                          held_max_age_seconds: int | None = None) -> int:
    """Delete up to BATCH drafts last saved more than `max_age_days` ago (rows that only hold a
    returned page's files: `held_max_age_seconds` ago), their rows and their stored files;
    return how many went. Commits. Messages already sent about a draft (its expiry notice) stay
    in the outbox's history, no longer pointing at it."""
    now = now or utcnow()
    expired = Request.updated_at < now - timedelta(days=max_age_days)
    if held_max_age_seconds is not None:
        expired = or_(expired, and_(
            Request.resume_code.is_(None),
            Request.updated_at < now - timedelta(seconds=held_max_age_seconds)))
    ids = db.session.scalars(select(Request.id).where(
        Request.status == RequestStatus.DRAFT.value, expired)
        .order_by(Request.id).limit(BATCH)).all()
    if not ids:
        return 0
    keys = db.session.scalars(select(Attachment.storage_key).where(
        Attachment.request_id.in_(ids))).all()
    for model in (OutboxItem, InboxItem, OneTimeCode, AuditEntry):
        db.session.execute(update(model).where(model.request_id.in_(ids)).values(request_id=None))
    event_ids = select(Event.id).where(Event.request_id.in_(ids))
    db.session.execute(update(OutboxItem).where(OutboxItem.event_id.in_(event_ids))
                       .values(event_id=None))
    # A notice not composed yet about a deleted draft (its expiry warning) has nobody to tell.
    for model in (NoticePromise, Attachment, ScheduledNotice, Event, Message, Letter):
        db.session.execute(delete(model).where(model.request_id.in_(ids)))
    db.session.execute(delete(Request).where(Request.id.in_(ids)))
    db.session.commit()
    delete_quietly(store, keys)  # only now: a failed commit must leave the drafts whole
    return len(ids)
