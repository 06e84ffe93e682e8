"""The transactional outbox: rows are added in the caller's transaction, claimed by workers
under a lease, and settled with the outcome of each attempt.

Claims are safe with several workers on several machines: on PostgreSQL the due rows are locked
with FOR UPDATE SKIP LOCKED, so two workers never take the same row; on SQLite a claim first takes
the database's single write lock, so claims run one after another. A claim is committed before
any network call, and a row whose worker vanished mid-send (lease expired) is claimed again.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, text, update

from widget.extensions import db
from widget.models import (AttemptOutcome, DeliveryAttempt, OutboxChannel, OutboxItem,
                           OutboxStatus)
from widget.models._types import as_utc, utcnow


@dataclass(frozen=True)
class Claimed:
    """What settling a claimed row reads of it, kept by a worker when its session is gone."""

    id: int
    attempts: int


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing message is tried again."""

    max_attempts: int = 8
    first_delay: float = 30.0    # seconds before the first retry; doubled each time
    longest_delay: float = 3600.0
    lease_seconds: int = 120     # a claimed row is taken over when its worker is silent so long

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter, so that retries after an outage do not arrive at once."""
        ceiling = min(self.longest_delay, self.first_delay * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def enqueue(organization_id: int, channel: OutboxChannel, recipient: str, text_body: str, *,
            request_id: int | None = None, event_id: int | None = None, language: str = "en",
            subject: str = "", html_body: str = "", api_client_id: int | None = None,
            reference: str | None = None) -> OutboxItem:
    """Add a message to the caller's transaction: it exists exactly when the change commits."""
    item = OutboxItem(organization_id=organization_id, request_id=request_id, event_id=event_id,
                      channel=channel.value, recipient=recipient, language=language,
                      subject=subject, body_text=text_body, body_html=html_body,
                      api_client_id=api_client_id)
    if reference is not None:  # a webhook's body names its own reference, so it is made first
        item.reference = reference
    db.session.add(item)
    return item


def _due(now: datetime):
    return or_(and_(OutboxItem.status == OutboxStatus.QUEUED.value, OutboxItem.next_attempt_at <= now),
               and_(OutboxItem.status == OutboxStatus.SENDING.value, OutboxItem.lease_until < now))


@dataclass(frozen=True)
class Backlog:
    """What waits for a worker now: when it grows and ages, no worker is delivering."""

    due: int
    oldest_due_seconds: int  # how long the longest-waiting due message has waited (0: none)


def backlog(now: datetime | None = None) -> Backlog:
    """The messages due now (a worker would claim them) and the longest wait among them."""
    now = now or utcnow()
    due, oldest = db.session.execute(
        select(func.count(OutboxItem.id), func.min(OutboxItem.next_attempt_at))
        .where(_due(now))).one()
    waited = (now - as_utc(oldest)).total_seconds() if oldest is not None else 0
    return Backlog(due, max(0, int(waited)))


def claim(worker: str, limit: int, policy: RetryPolicy, now: datetime | None = None) -> list[OutboxItem]:
    """Take up to `limit` due rows for this worker and commit the claim."""
    now = now or utcnow()
    if db.engine.dialect.name == "sqlite":
        # An empty write takes SQLite's write lock now, so no other worker claims between the
        # SELECT and the UPDATE below (busy_timeout makes the others wait their turn).
        db.session.execute(text("UPDATE outbox SET id = id WHERE 0"))
    rows = db.session.execute(
        select(OutboxItem.id, OutboxItem.status, OutboxItem.claimed_by, OutboxItem.attempts)
        .where(_due(now)).order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    for row in rows:
        if row.status == OutboxStatus.SENDING.value:  # its worker died between claim and result
            db.session.add(DeliveryAttempt(
                outbox_id=row.id, worker=row.claimed_by or "?", started_at=now, finished_at=now,
                outcome=AttemptOutcome.LEASE_EXPIRED.value,
                detail=f"no result from worker {row.claimed_by} before its lease ended"))
    if rows:
        db.session.execute(
            update(OutboxItem).where(OutboxItem.id.in_([row.id for row in rows]))
            .values(status=OutboxStatus.SENDING.value, claimed_by=worker,
                    lease_until=now + timedelta(seconds=policy.lease_seconds),
                    attempts=OutboxItem.attempts + 1)
            .execution_options(synchronize_session=False))
    db.session.commit()
    if not rows:
        return []
    return list(db.session.scalars(
        select(OutboxItem).where(OutboxItem.id.in_([row.id for row in rows]))
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .execution_options(populate_existing=True)))


def settle(item: OutboxItem | Claimed, worker: str, started_at: datetime, outcome: AttemptOutcome,
           detail: str = "", provider_id: str | None = None, policy: RetryPolicy = RetryPolicy()
           ) -> bool:
    """Record one attempt's outcome, unless another worker has taken the row over meanwhile
    (its lease ran out): then this result is dropped and False returned. Only the row's id and
    the attempt count it was claimed with are read from `item`."""
    now = utcnow()
    values: dict = {"lease_until": None, "last_error": detail[:500] or None}
    if outcome is AttemptOutcome.SENT:
        values.update(status=OutboxStatus.SENT.value, sent_at=now, provider_id=provider_id,
                      last_error=None)
    elif outcome is AttemptOutcome.TEMPORARY and item.attempts < policy.max_attempts:
        values.update(status=OutboxStatus.QUEUED.value,
                      next_attempt_at=now + policy.delay(item.attempts))
    else:
        if outcome is AttemptOutcome.TEMPORARY:
            detail = f"{detail} (gave up after {item.attempts} attempts)"
            values["last_error"] = detail[:500]
        outcome, values["status"] = AttemptOutcome.PERMANENT, OutboxStatus.DEAD.value
    still_ours = db.session.execute(
        update(OutboxItem).where(OutboxItem.id == item.id, OutboxItem.claimed_by == worker,
                                 OutboxItem.status == OutboxStatus.SENDING.value,
                                 OutboxItem.attempts == item.attempts)
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    if still_ours:
        # A plain INSERT: one row per attempt, written as fast as the worker sends.
        db.session.execute(insert(DeliveryAttempt).values(
            outbox_id=item.id, worker=worker, started_at=started_at, finished_at=now,
            outcome=outcome.value, detail=detail[:500]))
    db.session.commit()
    return still_ours


def release(items: list[Claimed], worker: str) -> None:
    """Hand claimed rows this worker never tried back to the queue, due now, with their attempt
    count as before the claim (unless another worker has taken them over meanwhile)."""
    db.session.execute(
        update(OutboxItem).where(OutboxItem.id.in_([item.id for item in items]),
                                 OutboxItem.claimed_by == worker,
                                 OutboxItem.status == OutboxStatus.SENDING.value)
        .values(status=OutboxStatus.QUEUED.value, lease_until=None, next_attempt_at=utcnow(),
                attempts=OutboxItem.attempts - 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
