"""Letter templates: an organisation's own wording of each kind of answer letter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from widget.extensions import db
from widget.models._types import utcnow


class LetterTemplate(db.Model):
    """An organisation's title and text of one kind of letter in one language, over the
    built-in translated default; `{placeholders}` are filled for each request."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
