"""A person's request, its timeline and its files."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.forms import FormVersion
from widget.models.org import Organization, Site


class RequestStatus(str, enum.Enum):
    DRAFT = "draft"
    RECEIVED = "received"


class EventKind(str, enum.Enum):
    DRAFT_SAVED = "draft_saved"
    RECEIVED = "received"


class Request(db.Model):
    """A draft (no tracking code yet) or a sent request."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_org_status", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.DRAFT.value)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Normalised codes (see widget.codes); the tracking code exists once the request is sent.
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    resume_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    # Nonce of the last form token that wrote this row: a replay of that token finds it again.
    submit_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Sent: cleaned values by field key. Draft: what was typed, {key: [text, ...]}, unchecked.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    due_date: Mapped[date | None]
    # Optimistic lock: an UPDATE that lost a race raises StaleDataError instead of overwriting.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site | None] = relationship()
    form_version: Mapped[FormVersion] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="Event.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="request", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        """True until the person sends the request."""
        return self.status == RequestStatus.DRAFT.value


class Event(db.Model):
    """One entry of a request's timeline."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    request: Mapped[Request] = relationship(back_populates="events")


class Attachment(db.Model):
    """A file a person attached; reached only through its request."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    field_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Where the bytes live in the upload store: never derived from the person's file name.
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="attachments")
