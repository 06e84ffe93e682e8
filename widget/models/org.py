"""The organisation, its units and the sites that embed its widget."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.extensions import db
from widget.models._types import localized


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
    sms_without_diacritics: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Longer SMS are cut to this many segments: each segment is paid for.
    sms_max_segments: Mapped[int] = mapped_column(default=3, server_default="3")
    # The organisation's colour in its e-mails (a #rrggbb hex; branding the widget is the admin's).
    theme_color: Mapped[str] = mapped_column(String(7), default="#0b5cad", server_default="#0b5cad")

    units: Mapped[list[Unit]] = relationship(back_populates="organization")
    sites: Mapped[list[Site]] = relationship(back_populates="organization")

    def name(self, language: str) -> str:
        """The organisation's name in a language."""
        return localized(self.names, language)


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    names: Mapped[dict] = mapped_column(JSON, default=dict)

    organization: Mapped[Organization] = relationship(back_populates="units")

    def name(self, language: str) -> str:
        """The unit's name in a language."""
        return localized(self.names, language)


class Site(db.Model):
    """A website that embeds the widget: its public key and the origins allowed to frame it."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    default_language: Mapped[str] = mapped_column(String(8), default="en")

    organization: Mapped[Organization] = relationship(back_populates="sites")
