"""People who work in the back office."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.org import Organization, Unit


class Role(str, enum.Enum):
    OPERATOR = "operator"        # processes the requests of their units
    UNIT_HEAD = "unit_head"      # also registers and assigns within their units
    ADMIN = "admin"              # everything in the organisation


staff_units = Table(
    "staff_units", db.metadata,
    Column("staff_user_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # What the person sees as the handler: a name, or only the role (an organisation setting).
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.OPERATOR.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language of their notices, and of the back office once they pick it there
    # (language_chosen); until then the back office follows the browser.
    language: Mapped[str] = mapped_column(String(8), default="en")
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # A connected back-office system's identity (ApiClient): never signs in, never an executor.
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Wrong passwords in a row, and the lock they started (widget.services.signin_lock).
    failed_signins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=staff_units, order_by="Unit.id")

    # The token of the browser session this object was loaded for (not a column): what
    # Flask-Login keeps in the session cookie instead of the id (its "alternative token").
    session_token = ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_unit_head(self) -> bool:
        return self.role in (Role.UNIT_HEAD.value, Role.ADMIN.value)

    # Flask-Login's protocol, written out so the model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token


class StaffSession(db.Model):
    """One signed-in browser of a staff member. The session cookie carries a random token and
    the database only its hash, so signing out deletes the row and a copied cookie opens
    nothing. The end is fixed at sign-in: using the session does not move it."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                               index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    staff_user: Mapped[StaffUser] = relationship()
