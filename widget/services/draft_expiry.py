"""Unsent drafts past their time: deleted with their files (run by the worker).

A draft can be resumed for FRONTDESK_DRAFT_MAX_AGE_DAYS after its last save, and its author is
told before it goes (notify/schedule.py). After that nobody can reach it, so keeping what the
person typed and attached would only keep personal data without a purpose.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from widget.extensions import db
from widget.file_stores import FileStore, delete_quietly
from widget.models import (Attachment, AuditEntry, Event, InboxItem, Letter, Message, NoticePromise,
                           OneTimeCode, OutboxItem, Request, RequestStatus, ScheduledNotice)
from widget.models._types import utcnow

BATCH = 200  # drafts per transaction: a backlog is worked off a batch a minute, without long locks


def forget_expired_drafts(max_age_days: int, store: FileStore, now: datetime | None = None) -> int:
    """Delete up to BATCH drafts last saved more than `max_age_days` ago, their rows and their
    stored files; return how many went. Commits. Messages already sent about a draft (its
    expiry notice) stay in the outbox's history, no longer pointing at it."""
    saved_before = (now or utcnow()) - timedelta(days=max_age_days)
    ids = db.session.scalars(select(Request.id).where(
        Request.status == RequestStatus.DRAFT.value, Request.updated_at < saved_before)
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
