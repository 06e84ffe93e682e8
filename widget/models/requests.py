"""A person's request, its timeline and its files."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from decimal import Decimal

from sqlalchemy import (DDL, JSON, BigInteger, Boolean, ForeignKey, Index, Numeric, String, Text,
                        event, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.accounts import Account
from widget.models.forms import FormVersion
from widget.models.org import Organization, Site, Unit
from widget.models.people import StaffUser


class RequestStatus(str, enum.Enum):
    DRAFT = "draft"
    RECEIVED = "received"          # sent, waiting for registration
    REGISTERED = "registered"      # has a journal number
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"              # the clock is stopped
    RESULT_READY = "result_ready"
    REFUSED = "refused"
    CLOSED = "closed"


# Statuses in which the deadline still runs or waits: a request in one of them can be overdue.
OPEN_STATUSES = (RequestStatus.RECEIVED.value, RequestStatus.REGISTERED.value,
                 RequestStatus.IN_PROGRESS.value, RequestStatus.PAUSED.value)


class Channel(str, enum.Enum):
    WEB = "web"
    DESK = "desk"
    POST = "post"


class PauseReason(str, enum.Enum):
    SUPPLEMENT = "supplement"        # waiting for the person to supplement documents
    THIRD_PARTY = "third_party"      # waiting for another authority
    INSPECTION = "inspection"        # site inspection
    PERSON_REQUEST = "person_request"  # the person asked for the pause


class Handover(str, enum.Enum):
    DESK = "desk"
    POST = "post"
    ONLINE = "online"


class FeeStatus(str, enum.Enum):
    NONE = "none"
    REQUESTED = "requested"
    PAID = "paid"
    WAIVED = "waived"


class EventKind(str, enum.Enum):
    DRAFT_SAVED = "draft_saved"
    RECEIVED = "received"
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    STARTED = "started"
    DEADLINE_CHANGED = "deadline_changed"
    PAUSED = "paused"
    RESUMED = "resumed"
    RESULT_READY = "result_ready"
    REFUSED = "refused"
    CLOSED = "closed"
    LETTER_ISSUED = "letter_issued"
    STAFF_MESSAGE = "staff_message"
    CITIZEN_MESSAGE = "citizen_message"
    NOTE = "note"                    # internal: never shown to the person
    FEE_REQUESTED = "fee_requested"
    FEE_PAID = "fee_paid"
    FEE_WAIVED = "fee_waived"
    POST_SENT = "post_sent"
    POST_RECEIVED = "post_received"
    # Moved to another unit: data {"from_unit_id", "to_unit_id", "reason"}.
    TRANSFERRED = "transferred"


def new_open311_id() -> str:
    """A request's Open311 id: 80 random bits as 20 hex digits. Random, so it tells nothing of
    the tracking code (a bearer secret) nor of how many requests there are; its length is no
    code's, so a lookup never takes one for the other."""
    return secrets.token_hex(10)


class StatusReading:
    """What a request's status says of it, for the Request and for the status page's frozen
    reading of one (services/status_page.StatusRequest): anything with a `status`."""

    status: str

    @property
    def is_draft(self) -> bool:
        """True until the person sends the request."""
        return self.status == RequestStatus.DRAFT.value

    @property
    def is_open(self) -> bool:
        """True while the organisation still owes an answer."""
        return self.status in OPEN_STATUSES


class Request(StatusReading, db.Model):
    """A draft (no tracking code yet) or a sent request."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_org_status", "organization_id", "status"),
                      Index("ix_requests_org_change_position", "organization_id", "change_position"),
                      # PostgreSQL: a trigram index, which serves LIKE '%words%' (pg_trgm).
                      Index("ix_requests_search_text", "search_text", postgresql_using="gin",
                            postgresql_ops={"search_text": "gin_trgm_ops"}))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    # The unit whose staff handle it (the form's unit when sent); None: administrators only.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.DRAFT.value)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Normalised codes (see widget.codes); the tracking code exists once the request is sent.
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    resume_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    # Open311's service_request_id: what integrators' lists name a request by, never the code.
    open311_id: Mapped[str] = mapped_column(String(20), unique=True, index=True,
                                            default=new_open311_id)
    # Nonce of the last form token that wrote this row: a replay of that token finds it again.
    submit_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Sent: cleaned values by field key. Draft: what was typed, {key: [text, ...]}, unchecked.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    # The deadline: a moment, since pauses move it by working hours, not whole days.
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # Back office
    journal_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    registered_at: Mapped[datetime | None]
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(30))
    handover: Mapped[str | None] = mapped_column(String(20))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    fee_status: Mapped[str] = mapped_column(String(20), default=FeeStatus.NONE.value,
                                            server_default=FeeStatus.NONE.value)
    fee_receipt_number: Mapped[str | None] = mapped_column(String(60))
    postal_item_number: Mapped[str | None] = mapped_column(String(60))
    # The account whose cabinet shows it (sent signed in, or claimed later), and the agent who
    # sent it on the person's behalf.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # What the inbox search looks in: answers, code and journal number folded (no case, no
    # diacritics, phone numbers also as digits); kept by widget.search_text on every change.
    search_text: Mapped[str | None] = mapped_column(Text)
    # Optimistic lock: an UPDATE that lost a race raises StaleDataError instead of overwriting.
    lock_version: Mapped[int] = mapped_column(default=1)

    # Its place in the API's change feed, given as a change commits (see widget.models.changes);
    # none while a draft.
    change_position: Mapped[int | None] = mapped_column(BigInteger)

    __mapper_args__ = {"version_id_col": lock_version}

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    executor: Mapped[StaffUser | None] = relationship()
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])
    agent: Mapped[Account | None] = relationship(foreign_keys=[agent_id])
    form_version: Mapped[FormVersion] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="Event.id", cascade="all, delete-orphan"
    )
    # The files sent with the request itself; messages and letters hold their own.
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id", cascade="all, delete-orphan",
        primaryjoin="and_(Attachment.request_id == Request.id, Attachment.message_id.is_(None), "
                    "Attachment.letter_id.is_(None))",
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="request", order_by="Message.id", cascade="all, delete-orphan"
    )
    letters: Mapped[list[Letter]] = relationship(
        back_populates="request", order_by="Letter.id", cascade="all, delete-orphan"
    )

    def contact(self, field_type: str) -> str | None:
        """The first answer of a field type (e-mail, phone) the person gave, for notices."""
        for field in self.form_version.fields:
            if field.type == field_type and isinstance(self.answers.get(field.key), str):
                return self.answers[field.key] or None
        return None


# The trigram operators the search index uses (a trusted extension since PostgreSQL 13).
event.listen(Request.__table__, "before_create", DDL(
    "CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class Event(db.Model):
    """One entry of a request's timeline."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # False for what only staff may see (internal notes); the person's timeline skips those.
    public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    request: Mapped[Request] = relationship(back_populates="events")


class Message(db.Model):
    """A message between the person and the organisation about one request."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    from_staff: Mapped[bool] = mapped_column(Boolean)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    request: Mapped[Request] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan")


# The field_key of the Attachment that holds a letter's rendered document.
LETTER_DOCUMENT = "letter_document"


class Letter(db.Model):
    """The organisation's answer: an uploaded PDF, or a text written from a template."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The PDF document rendered at issue (its Attachment's field_key is LETTER_DOCUMENT): what
    # the public verification page, opened by this random code, vouches for. Letters issued
    # before documents existed have none of these.
    verification_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    # The issuer as printed on the document, kept even if the request moves to another unit.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    journal_number: Mapped[str | None] = mapped_column(String(40))

    request: Mapped[Request] = relationship(back_populates="letters")
    unit: Mapped[Unit | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="letter", order_by="Attachment.id", cascade="all, delete-orphan")

    @property
    def document(self) -> Attachment | None:
        """The PDF rendered when the letter was issued, if it was."""
        return next((a for a in self.attachments if a.field_key == LETTER_DOCUMENT), None)


class JournalCounter(db.Model):
    """The last journal number given per unit and year."""

    __tablename__ = "journal_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Attachment(db.Model):
    """A file attached to a request, one of its messages or its letter; reached only through
    its request."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    field_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Where the bytes live in the upload store: never derived from the person's file name.
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(foreign_keys=[request_id], overlaps="attachments")
    message: Mapped[Message | None] = relationship(back_populates="attachments")
    letter: Mapped[Letter | None] = relationship(back_populates="attachments")
