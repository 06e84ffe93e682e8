"""What the back office tells its staff: notices per person, their switches, and what each
person has seen of each request."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.requests import Event, Request


class StaffNoticeKind(str, enum.Enum):
    NEW_IN_UNIT = "new_in_unit"   # a request arrived in (or was transferred into) my unit
    ASSIGNED = "assigned"         # a request was assigned to me
    REPLIED = "replied"           # the person wrote on a request of mine
    DEADLINE = "deadline"         # a deadline of mine is 3 working hours / 1 working day away
    RETURNED = "returned"         # a paused request of mine runs again: it is back on my desk
    MENTIONED = "mentioned"       # a colleague named me (@name, @e-mail) in an internal note


class StaffNoticeChannel(str, enum.Enum):
    BACK_OFFICE = "back_office"   # the "for me" list and the count in the header
    EMAIL = "email"


class PendingStaffNotice(db.Model):
    """An event staff may have to be told of, written with the event; the worker works out who
    and composes, so that no submission waits for it."""

    __tablename__ = "pending_staff_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()


class StaffNotice(db.Model):
    """One notice in a staff member's "for me" list."""

    __tablename__ = "staff_notices"
    __table_args__ = (Index("ix_staff_notices_unread", "staff_user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    # What the wording needs beyond the request: the deadline's window, the note's author.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    request: Mapped[Request] = relationship()


class StaffNoticeSwitch(db.Model):
    """A staff member's choice for one kind of notice on one channel (no row: on)."""

    __tablename__ = "staff_notice_switches"

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class RequestLook(db.Model):
    """When a staff member last looked at a request: what came after is unread for them."""

    __tablename__ = "request_looks"

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True, index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
