"""The worker's half of the notices: keeping the promises the changes wrote.

A change (a submission, a status change, a staff message, a letter, a time-based reminder)
writes one NoticePromise row in its own transaction (notices.queue_notice). A delivery worker
takes due promises, composes their notices (outbox rows for e-mail and SMS, the account's box)
and deletes the promises, all in one transaction: if the worker dies or a composition raises,
the transaction is rolled back and the promise stays, to be composed again, never twice.

Two workers never take one promise: on PostgreSQL the rows are locked with FOR UPDATE SKIP
LOCKED until the commit (a dead worker's connection ends and its locks with it, so no lease is
needed: composing is quick and sends nothing); on SQLite the transaction first takes the
database's single write lock, so workers take turns. The DELETE is checked besides: a promise
another worker already kept rolls the whole composition back.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select, text, update

from widget.db_outage import is_database_outage
from widget.extensions import db
from widget.models import NoticePromise
from widget.models._types import utcnow
from widget.notify.notices import write_notices
from widget.notify.outbox import RetryPolicy
from widget.notify.request_state import RequestState, read_values

log = logging.getLogger("frontdesk.worker")


class PromiseTakenOver(RuntimeError):
    """Another worker kept this promise meanwhile: this composition must not be written."""


def keep_promises(limit: int = 50, policy: RetryPolicy = RetryPolicy(),
                  now: datetime | None = None) -> int:
    """Compose the notices of up to `limit` due promises and delete the promises, in one
    transaction; return how many were kept. A promise whose composition raises is rolled back
    with the rest of the batch and tried again after a delay (the others at once)."""
    now = now or utcnow()
    if db.engine.dialect.name == "sqlite":
        # An empty write takes SQLite's write lock now (see outbox.claim).
        db.session.execute(text("UPDATE notice_promises SET id = id WHERE 0"))
    promises = db.session.scalars(
        select(NoticePromise).where(NoticePromise.next_attempt_at <= now)
        .order_by(NoticePromise.next_attempt_at, NoticePromise.id).limit(limit)
        .with_for_update(skip_locked=True, of=NoticePromise)
        .execution_options(populate_existing=True)).all()
    current = None  # the promise being kept: the one to blame when the batch fails
    try:
        for promise in promises:
            current = promise.id
            keep(promise)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if is_database_outage(error) or current is None:
            raise
        _put_off(current, error, policy)
        return 0
    return len(promises)


def keep(promise: NoticePromise) -> None:
    """Write the notices one promise stands for and delete it, in the caller's transaction."""
    only = set(promise.only_channels) if promise.only_channels is not None else None
    write_notices(promise.request, promise.notice_key, read_values(promise.values),
                  RequestState.from_stored(promise.state), promise.event_id, promise.created_at,
                  only)
    deleted = db.session.execute(delete(NoticePromise).where(NoticePromise.id == promise.id)
                                 .execution_options(synchronize_session=False)).rowcount
    if deleted != 1:
        raise PromiseTakenOver(f"notice promise {promise.id} was kept by another worker")


def _put_off(promise_id: int, error: Exception, policy: RetryPolicy) -> None:
    """Note a failed composition on its promise and try it again later (never give it up: the
    promise is the only record that the person is owed a notice)."""
    if isinstance(error, PromiseTakenOver):
        log.info("%s", error)
        return
    log.exception("notice promise %s could not be composed; it is tried again later", promise_id)
    attempts = db.session.scalar(select(NoticePromise.attempts)
                                 .where(NoticePromise.id == promise_id))
    if attempts is not None:
        db.session.execute(
            update(NoticePromise).where(NoticePromise.id == promise_id)
            .values(attempts=attempts + 1, next_attempt_at=utcnow() + policy.delay(attempts + 1),
                    last_error=f"{type(error).__name__}: {error}"[:500])
            .execution_options(synchronize_session=False))
    db.session.commit()
