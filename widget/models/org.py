"""The organisation, its units and the sites that embed its widget."""
from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Numeric, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import localized

if TYPE_CHECKING:
    from widget.models.branding import Theme
    from widget.models.forms import Form


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    # ISO 3166 country whose public holidays the working-day calendar skips.
    country: Mapped[str] = mapped_column(String(2), default="VN")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Extra closed days (ISO dates) an administrator adds on top of the national holidays.
    closed_days: Mapped[list] = mapped_column(JSON, default=list)
    # Opening hours, local time "HH:MM": deadlines count working hours inside them.
    day_start: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    day_end: Mapped[str] = mapped_column(String(5), default="17:00", server_default="17:00")
    # Whether the person sees the handler's name, or only their role.
    show_executor_name: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # SMS written without Vietnamese diacritics fit 160 characters a segment instead of 70.
    # None: not chosen, so the country decides (see sms_drops_diacritics).
    sms_without_diacritics: Mapped[bool | None] = mapped_column(Boolean)
    # The name SMS sign with (a letter counts; "UBND P.1"); empty: the organisation's name.
    sms_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # What one SMS part costs, for the editor's "per 1,000 messages"; None: not shown.
    sms_part_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    # Longer SMS are cut to this many segments: each segment is paid for.
    sms_max_segments: Mapped[int] = mapped_column(default=3, server_default="3")
    # The organisation's colour in its e-mails (a #rrggbb hex; branding the widget is the admin's).
    theme_color: Mapped[str] = mapped_column(String(7), default="#0b5cad", server_default="#0b5cad")
    # The organisation's upload limits; a form may narrow them (see widget.uploads.UploadPolicy).
    # {"max_file_mb": 10, "max_total_mb": 25, "max_files": 5, "types": ["pdf", "jpg", ...]};
    # a missing key means the deployment's default.
    upload_limits: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Moves with every change of the organisation's configuration, in the same transaction
    # (widget.models.config_version): what each process's cache checks once per request.
    config_version: Mapped[int] = mapped_column(default=0, server_default="0")

    units: Mapped[list[Unit]] = relationship(back_populates="organization")
    sites: Mapped[list[Site]] = relationship(back_populates="organization")

    def name(self, language: str) -> str:
        """The organisation's name in a language."""
        return localized(self.names, language)

    @property
    def sms_drops_diacritics(self) -> bool:
        """Whether its SMS lose their diacritics: as chosen, else by default in Vietnam, where
        people expect SMS without them (seed 001) and they cost 160 characters a part, not 70."""
        return sms_drops_diacritics(self.sms_without_diacritics, self.country)


def sms_drops_diacritics(chosen: bool | None, country: str) -> bool:
    """An organisation's SMS lose their diacritics as it chose, else by default in Vietnam."""
    return country == "VN" if chosen is None else chosen


class UnitKind(str, enum.Enum):
    SUBSIDIARY = "subsidiary"    # a company or office of its own under the organisation
    DEPARTMENT = "department"    # a part of the organisation or of a subsidiary


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20), default=UnitKind.DEPARTMENT.value,
                                      server_default=UnitKind.DEPARTMENT.value)
    # A department of a subsidiary names the subsidiary; top-level units name nothing.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # A closed unit keeps its requests but takes no new forms or staff.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    organization: Mapped[Organization] = relationship(back_populates="units")

    def name(self, language: str) -> str:
        """The unit's name in a language."""
        return localized(self.names, language)


# The forms a site shows when it does not show them all (Site.shows_all_forms).
site_forms = Table(
    "site_forms", db.metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("form_id", ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
)


class Site(db.Model):
    """A website that embeds the widget: its public key and the origins allowed to frame it."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    # The site's look; None: the organisation's default theme (Theme.is_default), else the plain one.
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    # Every published form of the organisation, or only those in site_forms.
    shows_all_forms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    organization: Mapped[Organization] = relationship(back_populates="sites")
    theme: Mapped[Theme | None] = relationship()
    forms: Mapped[list[Form]] = relationship(secondary=site_forms)
