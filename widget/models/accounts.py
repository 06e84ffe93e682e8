"""People with an account in the widget: the account, its sessions, its one-time codes, its
notification box and its asks to change registered details."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, Column, Date, ForeignKey, Index, String, Table, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import utcnow
from widget.models.org import Organization

if TYPE_CHECKING:
    from widget.models.requests import Request

# Details an organisation keeps on record: the person sets them once (at sign-up, or while they
# are empty); changing them afterwards is an ask that staff approve or refuse.
REGISTERED_DETAILS = ("name", "birth_date", "document_number")


account_group_members = Table(
    "account_group_members", db.metadata,
    Column("group_id", ForeignKey("account_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)


class AccountGroup(db.Model):
    """People an administrator names together, e.g. to open a form to them (FormAccess.NAMED)."""

    __tablename__ = "account_groups"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_account_groups_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    members: Mapped[list[Account]] = relationship(secondary=account_group_members,
                                                  order_by="Account.name")


class Account(db.Model):
    """A person signed up with one organisation, by e-mail address and/or mobile number."""

    __tablename__ = "accounts"
    # Named: the naming convention would give both the name of their first column.
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_accounts_email"),
                      UniqueConstraint("organization_id", "phone", name="uq_accounts_phone"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))  # lower case
    email_verified_at: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(String(20))   # E.164
    phone_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    address: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column(Date)
    document_number: Mapped[str | None] = mapped_column(String(60))
    # Collection agents and service counters send forms on behalf of other people.
    is_agent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_signins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signin_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()

    @property
    def is_confirmed(self) -> bool:
        """True once the person proved they hold one of the contacts: only then may they sign in."""
        return self.email_verified_at is not None or self.phone_verified_at is not None


class AccountSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its hash is stored, so a
    leaked table opens no session, and signing out or changing the password ends it at once."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    account: Mapped[Account] = relationship()


class CodePurpose(str, enum.Enum):
    SIGNUP = "signup"      # confirm the contact of a new account
    RESET = "reset"        # set a new password
    CLAIM = "claim"        # add a request sent before signing up to the cabinet
    CONTACT = "contact"    # add or change the account's e-mail address or mobile number


class OneTimeCode(db.Model):
    """A short-lived secret sent to a contact: six digits to type, and in an e-mail also a link
    with a long token. Only keyed hashes are stored; each is used once, expires in minutes, and
    allows a few wrong tries."""

    __tablename__ = "one_time_codes"
    __table_args__ = (Index("ix_one_time_codes_target", "organization_id", "target_hash",
                            "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # None when the contact is unknown: the code is recorded alike and can never be used.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                                   index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    # The contact it went to (a keyed hash: for the per-contact daily limit).
    target_hash: Mapped[str] = mapped_column(String(64))
    # The six digits a person types (SMS and e-mail), and the e-mail's link token.
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Whether a message went out: codes over a limit, or for unknown contacts, are only recorded.
    sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    account: Mapped[Account | None] = relationship()


class InboxItem(db.Model):
    """A notice in a person's notification box in the widget."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_account_read", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    # As first written (the account's language then): what is shown once the request is gone.
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The notice (notify.catalog key) and its own values: the box words it again in the
    # language of the page that shows it.
    notice_key: Mapped[str | None] = mapped_column(String(60))
    notice_values: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    request: Mapped[Request | None] = relationship("Request")


class ChangeStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class DetailChange(db.Model):
    """A person asks the organisation to change a registered detail; staff approve or refuse."""

    __tablename__ = "detail_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    field: Mapped[str] = mapped_column(String(30))  # one of REGISTERED_DETAILS
    old_value: Mapped[str] = mapped_column(String(200), default="")
    new_value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ChangeStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    account: Mapped[Account] = relationship()
