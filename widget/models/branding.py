"""How the widget looks and what it explains: themes (per organisation and per site) and help
pages."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from widget.extensions import db
from widget.models._types import localized, utcnow


class Skin(str, enum.Enum):
    """The built-in looks a theme starts from (widget/static/css/skins/<value>.css)."""

    CLASSIC = "classic"
    SOFT = "soft"
    CONTRAST = "contrast"    # high contrast, large targets
    COMPACT = "compact"


class Theme(db.Model):
    """A look for the widget: a skin, colours, a logo, a header and custom CSS. Header HTML and
    CSS are stored already sanitised (widget.sanitize, widget.css_filter)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    skin: Mapped[str] = mapped_column(String(20), default=Skin.CLASSIC.value)
    # {"primary": "#0b5cad", "background": "#ffffff", "text": "#1a1a1a", "accent": "#..."}
    colors: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per language: {"en": "<p>...</p>", ...}
    header_html: Mapped[dict] = mapped_column(JSON, default=dict)
    custom_css: Mapped[str] = mapped_column(Text, default="")
    # The logo in the file store (an image checked on content), None: no logo.
    logo_key: Mapped[str | None] = mapped_column(String(64))
    logo_type: Mapped[str | None] = mapped_column(String(40))
    # Sites that name no theme use the organisation's default (one at most).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def header(self, language: str) -> str:
        """The header HTML in a language (sanitised when saved)."""
        return localized(self.header_html, language)


class HelpPage(db.Model):
    """A help text administrators write: on the widget's home, and beside a form or a group."""

    __tablename__ = "help_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per language, sanitised HTML (widget.sanitize.clean_html) saved as such.
    bodies: Mapped[dict] = mapped_column(JSON, default=dict)
    show_on_home: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Also shown beside this form's page and/or this group's section in the catalogue.
    form_id: Mapped[int | None] = mapped_column(ForeignKey("forms.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("form_groups.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def title(self, language: str) -> str:
        """The title in a language."""
        return localized(self.titles, language)

    def body(self, language: str) -> str:
        """The sanitised body in a language."""
        return localized(self.bodies, language)
