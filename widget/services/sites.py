"""The websites that embed the widget, as administrators register them: a name, the origins
allowed to frame the widget (they become its frame-ancestors and the only parents it talks to),
a default language, a theme, and which forms the site shows.

The site key is made here, once, and never edited: it is in every host page's snippet. Another
organisation's site is "not found", exactly like one that does not exist.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Form, Request, Site, StaffUser
from widget.models.branding import Theme
from widget.models.notify import CodeRecovery
from widget.security import is_origin
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls

NAME_MAX = 200      # Site.name
MAX_ORIGINS = 20    # a longer frame-ancestors header is a smell, and browsers cap header sizes
KEY_BYTES = 12      # 16 URL-safe characters: unguessable, short enough to read in a snippet


class SiteNotFound(NotFound):
    """No such site in this administrator's organisation."""

    def __init__(self):
        # Not NotFound's own words, which are about a request.
        ActionError.__init__(self, _l("This site does not exist."))


class SiteRefused(NotAllowed):
    """Input that cannot be saved; `field` names the input the message is about."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SiteSettings:
    """What an administrator types for a site (the key is never among it)."""

    name: str
    origins: str            # one per line, as typed
    default_language: str
    theme_id: int | None    # None: the organisation's default theme


@dataclass(frozen=True)
class SiteRow:
    site: Site
    requests: int           # sent from it: a site with requests cannot be removed


def _state(site: Site) -> dict:
    return {"site_id": site.id, "key": site.key, "name": site.name,
            "allowed_origins": list(site.allowed_origins), "default_language": site.default_language,
            "theme_id": site.theme_id}


def parse_origins(text: str) -> list[str]:
    """The origins typed one per line, lower-cased, without repeats; SiteRefused names the first
    one that is not a plain scheme://host[:port]."""
    origins: list[str] = []
    for line in (text or "").splitlines():
        origin = strip_controls(line).strip().lower()
        # A trailing slash is what copying from the address bar adds: the origin is the same.
        origin = origin[:-1] if origin.endswith("/") and origin.count("/") == 3 else origin
        if not origin:
            continue
        if not is_origin(origin) or not _port_fits(origin):
            raise SiteRefused("origins", _l(
                "%(origin)s is not a web origin. Write only the scheme and the host, and the port "
                "if there is one: no path, no wildcard.", origin=origin[:100]))
        if origin not in origins:
            origins.append(origin)
    if not origins:
        raise SiteRefused("origins", _l("Please enter the origin of at least one website."))
    if len(origins) > MAX_ORIGINS:
        raise SiteRefused("origins", _l("A site may have at most %(num)d origins.",
                                        num=MAX_ORIGINS))
    return origins


def _port_fits(origin: str) -> bool:
    try:
        return urlsplit(origin).port != 0  # None (no port) fits; 0 does not
    except ValueError:  # above 65535
        return False


def _apply(staff: StaffUser, site: Site, settings: SiteSettings, languages: list[str]) -> None:
    """Check every input, then change the site (nothing changes when one is refused)."""
    name = " ".join(strip_controls(settings.name or "").split())
    if not name:
        raise SiteRefused("name", _l("Please name the site, for example \"City website\"."))
    if len(name) > NAME_MAX:
        raise SiteRefused("name", _l("The name may have at most %(num)d characters.",
                                     num=NAME_MAX))
    origins = parse_origins(settings.origins)
    if settings.default_language not in languages:
        raise SiteRefused("default_language", _l("Please choose one of the languages offered."))
    if settings.theme_id is not None and db.session.scalar(select(Theme.id).where(
            Theme.id == settings.theme_id, Theme.organization_id == staff.organization_id)) is None:
        raise SiteRefused("theme", _l("Please choose one of your organisation's themes."))
    site.name, site.allowed_origins = name, origins
    site.default_language, site.theme_id = settings.default_language, settings.theme_id


def _new_key() -> str:
    while True:
        key = secrets.token_urlsafe(KEY_BYTES)
        if db.session.scalar(select(Site.id).where(Site.key == key)) is None:
            return key


def list_sites(staff: StaffUser) -> list[SiteRow]:
    """The organisation's sites by name, with how many requests each has sent."""
    require_admin(staff)
    sites = db.session.scalars(select(Site).where(
        Site.organization_id == staff.organization_id).order_by(Site.name, Site.id)).all()
    counts = dict(db.session.execute(
        select(Request.site_id, func.count(Request.id))
        .where(Request.site_id.in_([site.id for site in sites] or [0]))
        .group_by(Request.site_id)).all())
    return [SiteRow(site, counts.get(site.id, 0)) for site in sites]


def site_of(staff: StaffUser, site_id: int) -> Site:
    """One of the organisation's sites, for an administrator, or SiteNotFound."""
    return organisation_row(staff, Site, site_id, SiteNotFound)


def themes_of(staff: StaffUser) -> list[Theme]:
    """The organisation's themes a site may use, by name."""
    require_admin(staff)
    return list(db.session.scalars(select(Theme).where(
        Theme.organization_id == staff.organization_id).order_by(Theme.name, Theme.id)))


def forms_of(staff: StaffUser) -> list[Form]:
    """The organisation's forms a site may show, in the catalogue's order."""
    require_admin(staff)
    return list(db.session.scalars(select(Form).where(
        Form.organization_id == staff.organization_id).order_by(Form.position, Form.id)))


def create_site(staff: StaffUser, settings: SiteSettings, languages: list[str]) -> Site:
    """Register a site with a new key; it shows every published form. Commits."""
    require_admin(staff)
    site = Site(organization_id=staff.organization_id, key=_new_key(), shows_all_forms=True)
    _apply(staff, site, settings, languages)
    db.session.add(site)
    db.session.flush()
    record_change(staff, "site_created", {}, _state(site))
    db.session.commit()
    return site


def update_site(staff: StaffUser, site_id: int, settings: SiteSettings,
                languages: list[str]) -> Site:
    """Change a site's name, origins, default language and theme (never its key). Commits."""
    site = site_of(staff, site_id)
    before = _state(site)
    _apply(staff, site, settings, languages)
    if _state(site) != before:
        record_change(staff, "site_updated", before, _state(site))
    db.session.commit()
    return site


def set_site_forms(staff: StaffUser, site_id: int, shows_all: bool, form_ids: list[int]) -> Site:
    """Show every published form on the site, or only the chosen ones. Commits."""
    site = site_of(staff, site_id)
    before = {"site_id": site.id, "shows_all_forms": site.shows_all_forms,
              "forms": sorted(form.slug for form in site.forms)}
    chosen = set(form_ids)
    forms = list(db.session.scalars(select(Form).where(
        Form.organization_id == staff.organization_id, Form.id.in_(chosen or {0}))))
    if len(forms) != len(chosen):
        raise SiteRefused("forms", _l("Please choose forms of this organisation."))
    if not shows_all and not forms:
        raise SiteRefused("forms", _l("Please choose at least one form, or show every published "
                                      "form."))
    site.shows_all_forms = shows_all
    # Kept while the site shows them all, so switching back restores the administrator's list.
    site.forms = sorted(forms, key=lambda form: form.id)
    after = {"site_id": site.id, "shows_all_forms": shows_all,
             "forms": sorted(form.slug for form in site.forms)}
    if after != before:
        record_change(staff, "site_forms_changed", before, after)
    db.session.commit()
    return site


def delete_site(staff: StaffUser, site_id: int) -> None:
    """Remove a site nobody has used yet; one that requests came from stays. Commits."""
    site = site_of(staff, site_id)
    used = db.session.scalar(select(func.count(Request.id)).where(Request.site_id == site.id))
    used += db.session.scalar(select(func.count(CodeRecovery.id)).where(
        CodeRecovery.site_id == site.id))
    if used:
        raise SiteRefused("delete", _l(
            "This site cannot be removed: people have sent requests from it (or asked for their "
            "codes there), and those keep the site they came from. To stop it being framed, "
            "change its origins."))
    record_change(staff, "site_deleted", _state(site), {})
    db.session.delete(site)
    db.session.commit()
