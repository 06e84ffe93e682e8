"""Themes: how the widget looks on a site. Administrators make them; the widget serves the chosen
one as its own stylesheet (skin, colours, filtered custom CSS), with a logo and a header.

Everything is checked here and stored already safe: colours as #rrggbb, the header through
widget.sanitize, the CSS through widget.css_filter, the logo by its bytes (PNG, JPEG, WebP:
never SVG, which can carry script)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from widget.css_filter import filter_css
from widget.extensions import db
from widget.file_stores import StoreUnavailable, delete_quietly
from widget.services.audit_log import record_change
from widget.services.catalogue import CatalogueSection, list_catalogue
from widget.services.help_pages import published_help
from widget.models import AuditEntry, Site, Skin, StaffUser, Theme
from widget.models._types import utcnow
from widget.sanitize import clean_header_html
from widget.services.access import NotAllowed, organisation_row, require_admin
from widget.textnorm import strip_controls
from widget.uploads import ALLOWED_TYPES, configured_store, content_problem, detect_content_type

COLOR_NAMES = ("primary", "background", "text", "accent")
DEFAULT_COLORS = {"primary": "#0b5cad", "background": "#ffffff", "text": "#1b1b1b",
                  "accent": "#f4f6f8"}
HEX_COLOR = re.compile(r"#[0-9a-f]{6}\Z")
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")
LOGO_MAX_BYTES = 512 * 1024
HEADER_MAX = 2000
NAME_MAX = 120
AA_CONTRAST = 4.5
SKINS_DIR = Path(__file__).resolve().parent.parent / "static" / "css" / "skins"


class NoSuchTheme(NotAllowed):
    """No theme of this organisation has that id (answered as "page not found")."""

    def __init__(self):
        super().__init__(_l("There is no such theme."))


class ThemeRefused(NotAllowed):
    """Bad input for a theme; `field` names the form field it is about."""

    def __init__(self, message, field_name: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class ThemeInput:
    """What an administrator typed for a theme; `logo` holds uploaded bytes, if any."""

    name: str = ""
    skin: str = Skin.CLASSIC.value
    colors: dict = field(default_factory=dict)
    header_html: dict = field(default_factory=dict)
    custom_css: str = ""
    logo: bytes | None = None
    remove_logo: bool = False


@dataclass
class SavedTheme:
    """A saved theme, what the CSS filter left out, and warnings (saved anyway)."""

    theme: Theme
    dropped: list
    warnings: list


def themes(admin: StaffUser) -> list[Theme]:
    """The organisation's themes, by name."""
    require_admin(admin)
    return list(db.session.scalars(select(Theme).where(
        Theme.organization_id == admin.organization_id).order_by(Theme.name, Theme.id)))


def theme_of(admin: StaffUser, theme_id: int) -> Theme:
    """One of the organisation's themes, or NoSuchTheme."""
    return organisation_row(admin, Theme, theme_id, NoSuchTheme)


def save_theme(admin: StaffUser, theme_id: int | None, typed: ThemeInput) -> SavedTheme:
    """Create (theme_id None) or change a theme; refuses bad colours, skins and logos. Commits."""
    theme = theme_of(admin, theme_id) if theme_id is not None else Theme(
        organization_id=admin.organization_id, colors={}, header_html={}, custom_css="")
    before = _summary(theme) if theme_id is not None else {}
    checked = _checked(typed)
    logo_type = _checked_logo(typed.logo) if typed.logo else None
    store = configured_store()
    old_logo = theme.logo_key if (typed.logo or typed.remove_logo) else None
    try:
        new_logo = store.save(typed.logo) if typed.logo else None
    except StoreUnavailable:
        raise ThemeRefused(_l("The logo could not be stored just now, so nothing was saved. "
                              "Please try again in a few minutes."), "logo") from None
    try:
        if new_logo:
            theme.logo_key, theme.logo_type = new_logo, logo_type
        elif typed.remove_logo:
            theme.logo_key = theme.logo_type = None
        theme.name, theme.skin, theme.colors = checked.name, checked.skin, checked.colors
        theme.header_html, theme.custom_css = checked.header_html, checked.custom_css
        theme.updated_at = utcnow()  # the stylesheet's version, even when only the logo changed
        db.session.add(theme)
        db.session.flush()
        record_change(admin, "theme_changed" if before else "theme_created", before,
                      _summary(theme))
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_quietly(store, [new_logo] if new_logo else [])  # no committed row names it
        raise
    if old_logo:
        # After the commit: a failed save keeps the old logo usable. A store that does not
        # answer now leaves an orphan object, not a theme change reported as failed.
        delete_quietly(store, [old_logo])
    return SavedTheme(theme, checked.dropped, contrast_warnings(checked.colors))


@dataclass(frozen=True)
class CheckedTheme:
    name: str
    skin: str
    colors: dict
    header_html: dict
    custom_css: str
    dropped: list


def _checked(typed: ThemeInput) -> CheckedTheme:
    """The typed theme made safe (header HTML sanitised, CSS filtered), or ThemeRefused."""
    name = " ".join(strip_controls(typed.name or "").split())[:NAME_MAX]
    if not name:
        raise ThemeRefused(_l("Please name the theme, for example \"City portal\"."), "name")
    if typed.skin not in {skin.value for skin in Skin}:
        raise ThemeRefused(_l("Please choose one of the skins."), "skin")
    colors = {}
    for key in COLOR_NAMES:
        value = (typed.colors.get(key) or DEFAULT_COLORS[key]).strip().lower()
        if not HEX_COLOR.match(value):
            raise ThemeRefused(_l("Please give each colour as # and six hexadecimal digits, "
                                  "for example #0b5cad."), f"color-{key}")
        colors[key] = value
    filtered = filter_css(strip_controls(typed.custom_css or ""))
    header_html = {lang: clean_header_html(text[:HEADER_MAX])
                   for lang, text in (typed.header_html or {}).items() if (text or "").strip()}
    return CheckedTheme(name, typed.skin, colors, header_html, filtered.css, filtered.dropped)


def _checked_logo(data: bytes) -> str:
    if len(data) > LOGO_MAX_BYTES:
        raise ThemeRefused(_l("The logo is larger than %(size)d KB: please make it smaller.",
                              size=LOGO_MAX_BYTES // 1024), "logo")
    kind = detect_content_type(data)
    if kind not in LOGO_TYPES:
        raise ThemeRefused(_l("The logo must be a PNG, JPEG or WebP image (SVG is not "
                              "accepted: it can carry script)."), "logo")
    # The attachments' check: a few bytes declaring 50000 x 50000 pixels would make every
    # citizen's browser hold gigabytes to draw the logo.
    problem = content_problem(data, ALLOWED_TYPES[kind])
    if problem is not None:
        raise ThemeRefused(_l("The logo cannot be used: %(problem)s", problem=problem), "logo")
    return kind


def delete_theme(admin: StaffUser, theme_id: int) -> None:
    """Delete a theme; its sites go back to the default theme. Commits."""
    theme = theme_of(admin, theme_id)
    before = _summary(theme)
    # Done here, not only by ON DELETE SET NULL: SQLite enforces no foreign keys by default.
    db.session.execute(update(Site).where(Site.theme_id == theme.id).values(theme_id=None))
    logo = theme.logo_key
    db.session.delete(theme)
    record_change(admin, "theme_deleted", before, {})
    db.session.commit()
    if logo:
        delete_quietly(configured_store(), [logo])  # committed: an orphan at worst, never an error


def make_default(admin: StaffUser, theme_id: int) -> Theme:
    """Make a theme the organisation's default (the one other default stops being it). Commits."""
    theme = theme_of(admin, theme_id)
    previous = db.session.scalar(select(Theme).where(
        Theme.organization_id == admin.organization_id, Theme.is_default.is_(True)))
    if previous is not theme:
        if previous is not None:
            previous.is_default = False
        theme.is_default = True
        db.session.add(AuditEntry(
            organization_id=admin.organization_id, staff_user_id=admin.id,
            action="theme_default", before={"default_theme_id": previous and previous.id},
            after={"default_theme_id": theme.id}))
        db.session.commit()
    return theme


def sites_using(admin: StaffUser, theme: Theme) -> list[Site]:
    """The sites that show a theme (named by them, or as the default for those naming none)."""
    require_admin(admin)
    condition = Site.theme_id == theme.id
    if theme.is_default:
        condition = condition | Site.theme_id.is_(None)
    return list(db.session.scalars(select(Site).where(
        Site.organization_id == admin.organization_id, condition).order_by(Site.name)))


def organisation_sites(admin: StaffUser) -> list[Site]:
    """The organisation's sites (for the preview's choice)."""
    require_admin(admin)
    return list(db.session.scalars(select(Site).where(
        Site.organization_id == admin.organization_id).order_by(Site.name, Site.id)))


@dataclass
class ThemePreview:
    """What the preview frame shows: a site's catalogue wearing a theme."""

    theme: Theme
    site: Site
    sections: list[CatalogueSection]
    help_pages: list


def theme_preview(admin: StaffUser, theme_id: int, site_id: int) -> ThemePreview:
    """A site's catalogue and help pages with a theme of the organisation, for the preview."""
    theme = theme_of(admin, theme_id)
    site = organisation_row(admin, Site, site_id, NoSuchTheme)
    return ThemePreview(theme, site, list_catalogue(site), published_help(site))


def preview_changes(admin: StaffUser, theme_id: int | None, typed: ThemeInput,
                    site_id: int) -> ThemePreview:
    """A site's catalogue wearing a theme as typed, before it is saved (nothing is stored; the
    logo is the saved one). Raises ThemeRefused for what saving would refuse."""
    saved = theme_of(admin, theme_id) if theme_id is not None else None
    site = organisation_row(admin, Site, site_id, NoSuchTheme)
    checked = _checked(typed)
    # Never added to the session: it lives for this one page.
    theme = Theme(organization_id=admin.organization_id, name=checked.name, skin=checked.skin,
                  colors=checked.colors, header_html=checked.header_html,
                  custom_css=checked.custom_css, logo_key=saved.logo_key if saved else None,
                  logo_type=saved.logo_type if saved else None)
    return ThemePreview(theme, site, list_catalogue(site), published_help(site))


def inline_stylesheet(theme: Theme) -> str:
    """The theme's stylesheet for a <style> element: no "</" can close the element (the CSS was
    filtered, so this only guards against a filter mistake)."""
    return theme_stylesheet(theme).replace("</", "<\\/")


def theme_for_site(site: Site) -> Theme | None:
    """The theme a site shows: its own, else its organisation's default, else none."""
    if site.theme is not None:
        return site.theme
    return db.session.scalar(select(Theme).where(
        Theme.organization_id == site.organization_id, Theme.is_default.is_(True)))


def theme_stylesheet(theme: Theme) -> str:
    """The theme's stylesheet: its skin, its colours as the widget's custom properties, its CSS."""
    skin = theme.skin if theme.skin in {s.value for s in Skin} else Skin.CLASSIC.value
    colors = {**DEFAULT_COLORS, **{k: v for k, v in (theme.colors or {}).items()
                                   if k in COLOR_NAMES and HEX_COLOR.match(v or "")}}
    on_primary = ("#ffffff" if contrast_ratio(colors["primary"], "#ffffff")
                  >= contrast_ratio(colors["primary"], "#000000") else "#000000")
    properties = (f":root {{\n  --fd-accent: {colors['primary']};\n  --fd-accent-text: {on_primary};"
                  f"\n  --fd-background: {colors['background']};\n  --fd-text: {colors['text']};"
                  f"\n  --fd-surface: {colors['accent']};\n}}")
    # The stored CSS was filtered when saved; filtering again costs little and protects rows
    # written before a rule was tightened.
    return "\n".join(part for part in (
        f"/* {skin} */", (SKINS_DIR / f"{skin}.css").read_text(encoding="utf-8"), properties,
        filter_css(theme.custom_css or "").css) if part) + "\n"


def theme_logo(theme: Theme) -> bytes:
    """The logo's bytes (the theme has one)."""
    return configured_store().read(theme.logo_key)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_warnings(colors: dict) -> list:
    """Warnings about colours people would find hard to read (saved anyway)."""
    ratio = contrast_ratio(colors.get("text", DEFAULT_COLORS["text"]),
                           colors.get("background", DEFAULT_COLORS["background"]))
    if ratio >= AA_CONTRAST:
        return []
    return [_l("The text and background colours have a contrast of %(ratio)s:1, below the "
               "4.5:1 that WCAG AA asks for: many people will find the text hard to read.",
               ratio=f"{ratio:.1f}")]


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _summary(theme: Theme) -> dict:
    return {"theme_id": theme.id, "name": theme.name, "skin": theme.skin,
            "colors": dict(theme.colors or {}), "header_languages": sorted(theme.header_html or {}),
            "custom_css_length": len(theme.custom_css or ""), "logo": bool(theme.logo_key),
            "is_default": bool(theme.is_default)}
