"""Back-office systems connected through the API: their keys, webhooks, remembered POSTs and the
form definitions they push for approval."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.org import Organization
from widget.models.people import StaffUser


class ApiClient(db.Model):
    """A connected back-office system (a CRM, a document system). It acts through its own system
    staff account, so the back office's rules, scopes, audit and notices apply unchanged."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The key is "fd_<prefix>_<secret>": the prefix finds the row, only the key's SHA-256 is kept.
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Webhooks: where events are POSTed, which events, and the HMAC secret that signs them.
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    webhook_events: Mapped[list] = mapped_column(JSON, default=list)

    organization: Mapped[Organization] = relationship()
    staff_user: Mapped[StaffUser] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(db.Model):
    """The answer to a POST sent with an Idempotency-Key: the same key and body get it again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_client_id", "key", name="uq_idempotency_client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    # What was asked (method, path and body), hashed: another body under the same key is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class FormProposal(db.Model):
    """A form definition a back-office system pushed; an administrator approves (it becomes a
    published form or a new version of one) or rejects it with a reason."""

    __tablename__ = "form_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    slug: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.PENDING.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    form_id: Mapped[int | None] = mapped_column(ForeignKey("forms.id"))

    api_client: Mapped[ApiClient] = relationship()
