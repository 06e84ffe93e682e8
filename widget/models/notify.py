"""The notification outbox: one row per message to send, and the history of its attempts."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.requests import Event, Request


class OutboxChannel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"  # an event POSTed to a connected back-office system


class OutboxStatus(str, enum.Enum):
    QUEUED = "queued"      # waiting for its next attempt (first, or a retry after a failure)
    SENDING = "sending"    # claimed by a worker until lease_until
    SENT = "sent"
    DEAD = "dead"          # refused for good, or out of attempts: an administrator may retry it


class AttemptOutcome(str, enum.Enum):
    SENT = "sent"
    TEMPORARY = "temporary"        # will be retried
    PERMANENT = "permanent"        # dead-lettered
    LEASE_EXPIRED = "lease_expired"  # the worker vanished mid-send; another one took it over


def new_reference() -> str:
    return uuid.uuid4().hex


class OutboxItem(db.Model):
    """A message written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    # The worker's claim query: due rows by status and time.
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),
                      # The delivery report: an organisation's notices of a kind over a period.
                      Index("ix_outbox_org_notice_created", "organization_id", "notice",
                            "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    # For a webhook: the system it goes to (its URL is the recipient, its secret signs it).
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(20))
    # The notice it carries (a catalog key: "registered", "reminder"...), for "who was notified";
    # None for webhooks, account messages and rows older than the column.
    notice: Mapped[str | None] = mapped_column(String(64))
    # An e-mail address, a phone number, or a webhook's URL (up to 500, as ApiClient.webhook_url).
    recipient: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Stable across retries: the e-mail's Message-ID, the SMS gateway's idempotency key.
    reference: Mapped[str] = mapped_column(String(64), unique=True, default=new_reference)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    request: Mapped[Request | None] = relationship()
    event: Mapped[Event | None] = relationship()
    history: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="item", order_by="DeliveryAttempt.id", cascade="all, delete-orphan")


class NoticePromise(db.Model):
    """The notices a change owes the person, written in the change's own transaction: the
    delivery worker composes them (outbox rows, the account's box) and deletes this row in one
    transaction, so they exist exactly once, however often a worker dies on the way."""

    __tablename__ = "notice_promises"
    __table_args__ = (Index("ix_notice_promises_due", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    notice_key: Mapped[str] = mapped_column(String(64))
    # The notice's own placeholder values, and the request's changing parts as they were at
    # the change (its deadline, number, fee): a later change must not reword this notice.
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    # The channels a form reminder chose ("sms", "email", "inbox"); None: the organisation's rules.
    only_channels: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A composition that failed (a bug, a wording gone bad) is tried again later, never dropped.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))

    request: Mapped[Request] = relationship()
    event: Mapped[Event | None] = relationship()


class DeliveryAttempt(db.Model):
    """One try at sending an outbox row, as staff read it in the delivery history."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    worker: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(500), default="")

    item: Mapped[OutboxItem] = relationship(back_populates="history")


class NotificationRule(db.Model):
    """An organisation's choice for one event and channel, over the built-in default."""

    __tablename__ = "notification_rules"
    __table_args__ = (UniqueConstraint("organization_id", "event_key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    event_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool]


class NotificationTemplate(db.Model):
    """An organisation's own wording of one message, over the built-in translated default."""

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("organization_id", "event_key", "channel", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    event_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduledNotice(db.Model):
    """A time-based notice (overdue warning, date reminder) already given: each fires once."""

    __tablename__ = "scheduled_notices"
    __table_args__ = (UniqueConstraint("request_id", "kind", "moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What it was about (the deadline or the date it reminded of): a moved deadline warns again.
    moment: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeRecovery(db.Model):
    """A person asked for their tracking codes by e-mail address or phone number. The worker
    looks the contact up and sends what it finds, so asking costs the same whether the contact
    is known or not; afterwards only a keyed hash of the contact is kept, for the limits."""

    __tablename__ = "code_recoveries"
    __table_args__ = (Index("ix_code_recoveries_contact", "organization_id", "contact_hash",
                            "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(254))  # emptied once handled
    contact_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
