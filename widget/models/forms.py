"""Forms people fill: groups, forms, immutable versions and their fields."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, Column, ForeignKey, Numeric, String, Table, UniqueConstraint,
                        false, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import localized, utcnow

if TYPE_CHECKING:
    from widget.models.accounts import Account, AccountGroup


class FieldType(str, enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    EMAIL = "email"
    PHONE = "phone"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    CHECKBOX = "checkbox"
    FILE = "file"


class FormAccess(str, enum.Enum):
    """Who may open and send a form."""

    EVERYONE = "everyone"
    SIGNED_IN = "signed_in"      # anyone signed in to an account
    NAMED = "named"              # the accounts and account groups the form names
    AGENTS = "agents"            # agents only (Account.is_agent)


# Who may use a form whose access is NAMED: single accounts, and whole account groups.
form_allowed_accounts = Table(
    "form_allowed_accounts", db.metadata,
    Column("form_id", ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)
form_allowed_groups = Table(
    "form_allowed_groups", db.metadata,
    Column("form_id", ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("account_groups.id", ondelete="CASCADE"), primary_key=True),
)

# What a field may be filled in with from a signed-in person's profile (see Field.prefill).
PROFILE_KEYS = ("name", "email", "phone", "address", "birth_date", "document_number")


class FormGroup(db.Model):
    __tablename__ = "form_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)

    forms: Mapped[list[Form]] = relationship(back_populates="group", order_by="Form.position")

    def title(self, language: str) -> str:
        """The group's title in a language."""
        return localized(self.titles, language)


class Form(db.Model):
    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("form_groups.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    # Working days the organisation has to answer, counted from the day after sending.
    processing_days: Mapped[int] = mapped_column(default=10)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether the person is told of events by SMS (e-mail always goes).
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Procedures settled on the spot (a certified copy...) send no SMS at all.
    same_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A request moved to another unit keeps its deadline (False), or the new unit gets the
    # form's whole processing time again from the day of the move (True).
    transfer_restarts_clock: Mapped[bool] = mapped_column(Boolean, default=False,
                                                          server_default=false())
    # A reminder N days before the date a field holds (a card's expiry), when both are set.
    reminder_field: Mapped[str | None] = mapped_column(String(64))
    reminder_days: Mapped[int | None]
    access: Mapped[str] = mapped_column(String(20), default=FormAccess.EVERYONE.value,
                                        server_default=FormAccess.EVERYONE.value)
    # Narrows the organisation's upload limits for this form (same keys as
    # Organization.upload_limits); an empty mapping keeps the organisation's.
    upload_limits: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # The fee the procedure costs, shown before sending; None: free (or decided later by staff).
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # How the result may reach the person (Handover values): one is said, several are a choice
    # the person makes on the form, none leaves it to the staff.
    handovers: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    group: Mapped[FormGroup | None] = relationship(back_populates="forms")
    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form", order_by="FormVersion.number"
    )
    allowed_accounts: Mapped[list[Account]] = relationship(secondary=form_allowed_accounts)
    allowed_groups: Mapped[list[AccountGroup]] = relationship(secondary=form_allowed_groups)

    def title(self, language: str) -> str:
        """The form's title in a language."""
        return localized(self.titles, language)

    def description(self, language: str) -> str:
        """The form's description in a language (trusted admin HTML, sanitised on save)."""
        return localized(self.descriptions, language)

    @property
    def sends_sms(self) -> bool:
        """Whether the person may be told of events by SMS: SMS on and not settled the same day
        (the organisation's notice rules may still send fewer)."""
        return bool(self.sms_enabled) and not self.same_day

    @property
    def current_version(self) -> FormVersion | None:
        """The newest published version: the one a new request is filled on."""
        published = [version for version in self.versions if version.published_at is not None]
        return published[-1] if published else None

    @property
    def draft_version(self) -> FormVersion | None:
        """The version being edited in the form builder, not yet published, if any."""
        if self.versions and self.versions[-1].published_at is None:
            return self.versions[-1]
        return None


class FormVersion(db.Model):
    """A frozen set of fields; a request keeps the version it was filled on."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it became the version people fill; None while the form builder edits it. Published
    # versions are frozen: requests keep the labels they were sent with.
    published_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship(back_populates="versions")
    fields: Mapped[list[Field]] = relationship(
        back_populates="version", order_by="Field.position", cascade="all, delete-orphan"
    )


class FieldTexts:
    """What a field says in a language: shared by the stored Field and the cached FieldConfig
    (widget/config_values.py), which both have labels, helps and choices."""

    __slots__ = ()

    def label(self, language: str) -> str:
        """The field's label in a language."""
        return localized(self.labels, language)

    def help(self, language: str) -> str:
        """The field's help text in a language."""
        return localized(self.helps, language)

    def choice_label(self, value: str, language: str) -> str:
        """The label of one choice value, or the value itself when it is unknown."""
        for choice in self.choices:
            if choice["value"] == value:
                return localized(choice.get("labels"), language) or value
        return value


class Field(FieldTexts, db.Model):
    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))  # a FieldType value
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    helps: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_length: Mapped[int | None]
    max_length: Mapped[int | None]
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    # Filled in from the signed-in person's profile: one of PROFILE_KEYS, or None.
    prefill: Mapped[str | None] = mapped_column(String(20))
    # For choice fields: [{"value": "a", "labels": {"en": "...", ...}}, ...]
    choices: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[FormVersion] = relationship(back_populates="fields")

    @property
    def form_sends_sms(self) -> bool:
        """Whether the form this field is on sends SMS (Form.sends_sms): its phone fields are
        then SMS destinations."""
        version = self.version
        return version is not None and version.form is not None and version.form.sends_sms
