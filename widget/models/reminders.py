"""Reminders an administrator sets on a form: a date the request holds, a number of days
before it, the channels and the organisation's own wording per language."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from widget.extensions import db
from widget.models._types import utcnow


class FormReminder(db.Model):
    """Remind the person `days_before` days before the date their answer to `date_field` holds
    (seed 001: a health insurance card's expiry), once per request and reminder."""

    __tablename__ = "form_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), index=True)
    # The key of a date field of the form (checked when saved; a later version may drop it,
    # and then requests on that version are simply not reminded).
    date_field: Mapped[str] = mapped_column(String(64))
    days_before: Mapped[int]
    # Channel names: "email", "sms", "inbox" (the notification box of an account).
    channels: Mapped[list] = mapped_column(JSON, default=list)
    # {language: wording}; `{placeholders}` are the notice's and the form's field keys.
    wordings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
