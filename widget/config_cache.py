"""The per-process cache of organisations' configuration, as frozen values (widget.config_values),
checked against the organisation's config_version once per request.

Why it is right: every configuration change moves Organization.config_version in its own
transaction (widget.models.config_version). A request reads the version with the site, in one
statement; when the snapshot this process holds was built at that version, nothing it holds can
be older than what the request would read itself. Otherwise the snapshot is rebuilt, reading the
version first and everything else after it, so a snapshot is never labelled newer than it is (it
may be newer than its label: that only costs one more rebuild).

Why it is safe under threads (gunicorn --threads) as well as in sync workers: a snapshot is never
changed, only replaced, by one assignment that readers see whole or not at all; a lock is held
around the rebuild only, so that one thread rebuilds while the others wait for it rather than
all rebuild at once. Readers take no lock.

One cache per application (app.extensions), so a test's new app never sees an earlier one's.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from widget.extensions import db
from widget.config_values import (EMPTY, FieldConfig, FormConfig, GroupConfig, HelpPageConfig,
                                  NoticeWording, OrganizationConfig, SiteConfig, ThemeConfig,
                                  VersionConfig, freeze)
from widget.models import (ApiClient, Field, Form, FormGroup, FormVersion, HelpPage,
                           NotificationRule, NotificationTemplate, Organization, Site, Theme)
from widget.models.accounts import account_group_members
from widget.models.forms import form_allowed_accounts, form_allowed_groups
from widget.models.org import site_forms


@dataclass(frozen=True, slots=True)
class Section:
    """A section of the catalogue: a group (None: forms in no group) and its forms."""

    group: GroupConfig | None
    forms: tuple[FormConfig, ...]


@dataclass(frozen=True, slots=True)
class Configuration:
    """One organisation's configuration at one config_version."""

    version: int
    organization: OrganizationConfig
    sites: Mapping[str, SiteConfig]                  # by key
    forms: tuple[FormConfig, ...]                    # every form, in the catalogue's order
    groups: tuple[GroupConfig, ...]                  # in the catalogue's order
    themes: Mapping[int, ThemeConfig]
    default_theme_id: int | None
    help_pages: tuple[HelpPageConfig, ...]           # the published ones, in order
    notice_rules: Mapping[tuple[str, str], bool]     # (event key, channel) -> enabled
    notice_wordings: Mapping[tuple[str, str, str], NoticeWording]  # (key, channel, language)
    # The connected systems with a webhook and a key not revoked: when none, a new request's
    # webhooks need no look for subscribers (widget.notify.webhooks).
    webhook_client_ids: frozenset[int] = frozenset()

    def shown_forms(self, site: SiteConfig) -> tuple[FormConfig, ...]:
        """The published forms the site shows (as catalogue._shown_on), with a version to fill."""
        return tuple(form for form in self.forms
                     if form.is_published and form.unit_id is not None and form.versions
                     and (site.shows_all_forms or form.id in site.form_ids))

    def published_form(self, site: SiteConfig, slug: str) -> FormConfig | None:
        """A published form the site shows, by its slug."""
        return next((form for form in self.shown_forms(site) if form.slug == slug), None)

    def catalogue(self, site: SiteConfig) -> list[Section]:
        """The site's published forms grouped and ordered for display (as list_catalogue)."""
        forms = self.shown_forms(site)
        sections = [Section(group, grouped) for group in self.groups
                    if (grouped := tuple(form for form in forms if form.group_id == group.id))]
        loose = tuple(form for form in forms if form.group_id is None)
        return sections + ([Section(None, loose)] if loose else [])

    def theme_for(self, site: SiteConfig) -> ThemeConfig | None:
        """The theme a site shows: its own, else the organisation's default, else none."""
        if site.theme_id is not None and site.theme_id in self.themes:
            return self.themes[site.theme_id]
        return self.themes.get(self.default_theme_id) if self.default_theme_id else None

    def form_version(self, version_id: int) -> VersionConfig | None:
        """A published version of any of the organisation's forms, by id."""
        return next((version for form in self.forms for version in form.versions
                     if version.id == version_id), None)


# Each statement of a rebuild sees what is committed when it runs (autocommit reads on SQLite,
# READ COMMITTED on PostgreSQL): a change committed between two of them would tear the snapshot,
# half before and half after. The version is read again at the end, and the snapshot kept only
# when it did not move meanwhile (a sequence lock); it is read again when it did.
REBUILD_ATTEMPTS = 200
MAX_PAUSE = 0.02  # seconds: about four seconds in all before giving up
# The configurations a session's current transaction was handed (checked against the version it
# read), by organisation id: what a hook of the same transaction may read instead of the tables.
_READ = "frontdesk.configurations_read"


def _version(session: Session, organization_id: int) -> int | None:
    return session.scalar(select(Organization.config_version)
                          .where(Organization.id == organization_id))


class ConfigurationChanging(ServiceUnavailable):
    """The configuration changed under every attempt to read it whole, for seconds on end: the
    request is answered 503 (try again), never served from a torn snapshot."""


class ConfigCache:
    """The snapshots of one process, by organisation id."""

    def __init__(self):
        self._snapshots: dict[int, Configuration] = {}
        self._rebuilding = threading.Lock()

    def current(self, session: Session, organization_id: int, version: int) -> Configuration:
        """The organisation's configuration as of `version`, the config_version just read."""
        snapshot = self._snapshots.get(organization_id)
        if snapshot is None or snapshot.version != version:
            snapshot = self._rebuilt(session, organization_id, version)
        session.info.setdefault(_READ, {})[organization_id] = snapshot
        return snapshot

    def _rebuilt(self, session: Session, organization_id: int, version: int) -> Configuration:
        with self._rebuilding:
            snapshot = self._snapshots.get(organization_id)
            if snapshot is not None and snapshot.version == version:
                return snapshot  # another thread rebuilt it while this one waited
            for attempt in range(REBUILD_ATTEMPTS):
                snapshot = load_configuration(session, organization_id)
                if _version(session, organization_id) == snapshot.version:
                    # Nothing was committed while it was read: not torn, and kept.
                    self._snapshots[organization_id] = snapshot
                    return snapshot
                # A change was committed meanwhile (each statement may see a newer commit): a
                # torn snapshot is never used, so read again, after a pause that grows, so that
                # a run of changes (an import, a script) gets through first.
                time.sleep(min(MAX_PAUSE, 0.001 * attempt))
            raise ConfigurationChanging(organization_id)

    def forget(self) -> None:
        """Drop every snapshot (tests; a database restored under a running process)."""
        with self._rebuilding:
            self._snapshots = {}


def read_in_transaction(session: Session, organization_id: int) -> Configuration | None:
    """The organisation's configuration as this session's transaction was handed it (by
    site_and_configuration, configuration_of), or None: nothing more read for it."""
    return session.info.get(_READ, {}).get(organization_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_read(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed or rolled back: the next one checks again
        session.info.pop(_READ, None)


def process_cache() -> ConfigCache:
    """The running application's cache (made on first use)."""
    return current_app.extensions.setdefault("frontdesk.config_cache", ConfigCache())


# Built once (every widget request runs it): building a statement and its cache key costs more
# than running it from the compiled cache.
_SITE_VERSION = (select(Organization.id, Organization.config_version)
                 .join(Site, Site.organization_id == Organization.id)
                 .where(Site.key == bindparam("key")))


def site_and_configuration(key: str, session: Session | None = None
                           ) -> tuple[SiteConfig, Configuration] | tuple[None, None]:
    """The site a widget URL names and its organisation's current configuration, for one
    statement when the cache is current: (None, None) when there is no such site."""
    session = session or db.session
    # Core, on the session's connection (its transaction): a plain row, without the ORM's
    # statement handling, which cost twice the query.
    row = session.connection().execute(_SITE_VERSION, {"key": key}).first()
    if row is None:
        return None, None
    configuration = process_cache().current(session, row.id, row.config_version)
    site = configuration.sites.get(key)
    # Gone in a change committed between the two reads: not found, as it now is.
    return (site, configuration) if site is not None else (None, None)


def configuration_of(organization_id: int, session: Session | None = None
                     ) -> Configuration | None:
    """An organisation's current configuration, checked with one statement (for callers that
    have no site: the notice worker, the API)."""
    session = session or db.session
    version = _version(session, organization_id)
    if version is None:
        return None
    return process_cache().current(session, organization_id, version)


def notice_rules(organization_id: int, session: Session | None = None
                 ) -> Mapping[tuple[str, str], bool]:
    """The organisation's notice rules: (event key, channel) -> enabled, over the defaults
    (one statement when the cache is current)."""
    configuration = configuration_of(organization_id, session)
    return configuration.notice_rules if configuration is not None else EMPTY


def notice_wordings(organization_id: int, session: Session | None = None
                    ) -> Mapping[tuple[str, str, str], NoticeWording]:
    """The organisation's own wordings: (event key, channel, language) -> NoticeWording (one
    statement when the cache is current)."""
    configuration = configuration_of(organization_id, session)
    return configuration.notice_wordings if configuration is not None else EMPTY


# Building a snapshot: plain rows (no ORM objects enter the session), the version read first.

def _organization(row) -> OrganizationConfig:
    return OrganizationConfig(
        id=row.id, slug=row.slug, names=freeze(row.names or {}), country=row.country,
        timezone=row.timezone, closed_days=freeze(row.closed_days or []), day_start=row.day_start,
        day_end=row.day_end, show_executor_name=row.show_executor_name,
        sms_without_diacritics=row.sms_without_diacritics, sms_max_segments=row.sms_max_segments,
        sms_name=row.sms_name,
        theme_color=row.theme_color, upload_limits=freeze(row.upload_limits or {}))


def _rows(session: Session, statement):
    return session.execute(statement).all()


def _versions(session: Session, form_ids: list[int], sends_sms: dict[int, bool]
              ) -> dict[int, list[VersionConfig]]:
    versions = _rows(session, select(FormVersion.__table__).where(
        FormVersion.form_id.in_(form_ids), FormVersion.published_at.is_not(None))
        .order_by(FormVersion.number))
    version_form = {version.id: version.form_id for version in versions}
    fields: dict[int, list[FieldConfig]] = {}
    for row in _rows(session, select(Field.__table__).where(
            Field.version_id.in_(list(version_form))).order_by(Field.position, Field.id)):
        fields.setdefault(row.version_id, []).append(FieldConfig(
            id=row.id, version_id=row.version_id, position=row.position, key=row.key,
            type=row.type, labels=freeze(row.labels or {}), helps=freeze(row.helps or {}),
            required=row.required, min_length=row.min_length, max_length=row.max_length,
            min_value=row.min_value, max_value=row.max_value, prefill=row.prefill,
            choices=freeze(row.choices or []),
            form_sends_sms=sends_sms[version_form[row.version_id]]))
    by_form: dict[int, list[VersionConfig]] = {}
    for row in versions:
        by_form.setdefault(row.form_id, []).append(VersionConfig(
            id=row.id, form_id=row.form_id, number=row.number, published_at=row.published_at,
            fields=tuple(fields.get(row.id, ()))))
    return by_form


def _forms(session: Session, organization_id: int) -> tuple[FormConfig, ...]:
    rows = _rows(session, select(Form.__table__).where(Form.organization_id == organization_id)
                 .order_by(Form.position, Form.id))
    ids = [row.id for row in rows]
    sends_sms = {row.id: bool(row.sms_enabled) and not row.same_day for row in rows}
    versions = _versions(session, ids, sends_sms)
    named: dict[int, set[int]] = {}
    for row in _rows(session, select(form_allowed_accounts).where(
            form_allowed_accounts.c.form_id.in_(ids))):
        named.setdefault(row.form_id, set()).add(row.account_id)
    groups: dict[int, set[int]] = {}
    for row in _rows(session, select(form_allowed_groups).where(
            form_allowed_groups.c.form_id.in_(ids))):
        groups.setdefault(row.form_id, set()).add(row.group_id)
    members: dict[int, set[int]] = {}
    for row in _rows(session, select(account_group_members).where(
            account_group_members.c.group_id.in_({g for ids_ in groups.values() for g in ids_}))):
        members.setdefault(row.group_id, set()).add(row.account_id)
    return tuple(FormConfig(
        id=row.id, organization_id=row.organization_id, group_id=row.group_id,
        unit_id=row.unit_id, slug=row.slug, position=row.position, titles=freeze(row.titles or {}),
        descriptions=freeze(row.descriptions or {}), processing_days=row.processing_days,
        is_published=bool(row.is_published), sms_enabled=bool(row.sms_enabled),
        same_day=bool(row.same_day), reminder_field=row.reminder_field,
        reminder_days=row.reminder_days, access=row.access,
        upload_limits=freeze(row.upload_limits or {}), fee_amount=row.fee_amount,
        handovers=freeze(row.handovers or []), versions=tuple(versions.get(row.id, ())),
        allowed_account_ids=frozenset(named.get(row.id, ())),
        allowed_group_ids=frozenset(groups.get(row.id, ())),
        allowed_member_ids=frozenset(account for group in groups.get(row.id, ())
                                     for account in members.get(group, ())),
    ) for row in rows)


def _sites(session: Session, organization: OrganizationConfig) -> dict[str, SiteConfig]:
    rows = _rows(session, select(Site.__table__).where(Site.organization_id == organization.id))
    shown: dict[int, set[int]] = {}
    for row in _rows(session, select(site_forms).where(
            site_forms.c.site_id.in_([row.id for row in rows]))):
        shown.setdefault(row.site_id, set()).add(row.form_id)
    return {row.key: SiteConfig(
        id=row.id, organization_id=row.organization_id, key=row.key, name=row.name,
        allowed_origins=freeze(row.allowed_origins or []), default_language=row.default_language,
        theme_id=row.theme_id, shows_all_forms=bool(row.shows_all_forms),
        form_ids=frozenset(shown.get(row.id, ())), organization=organization) for row in rows}


def _themes(session: Session, organization_id: int) -> dict[int, ThemeConfig]:
    return {row.id: ThemeConfig(
        id=row.id, organization_id=row.organization_id, name=row.name, skin=row.skin,
        colors=freeze(row.colors or {}), header_html=freeze(row.header_html or {}),
        custom_css=row.custom_css or "", logo_key=row.logo_key, logo_type=row.logo_type,
        is_default=bool(row.is_default), updated_at=row.updated_at)
        for row in _rows(session, select(Theme.__table__).where(
            Theme.organization_id == organization_id).order_by(Theme.id))}


def load_configuration(session: Session, organization_id: int) -> Configuration:
    """Read an organisation's configuration from the database (about a dozen statements)."""
    row = session.execute(select(Organization.__table__)
                          .where(Organization.id == organization_id)).one()
    organization = _organization(row)
    themes = _themes(session, organization_id)
    groups = tuple(GroupConfig(id=group.id, position=group.position,
                               titles=freeze(group.titles or {}))
                   for group in _rows(session, select(FormGroup.__table__).where(
                       FormGroup.organization_id == organization_id)
                       .order_by(FormGroup.position, FormGroup.id)))
    help_pages = tuple(HelpPageConfig(
        id=page.id, position=page.position, titles=freeze(page.titles or {}),
        bodies=freeze(page.bodies or {}), show_on_home=bool(page.show_on_home),
        form_id=page.form_id, group_id=page.group_id)
        for page in _rows(session, select(HelpPage.__table__).where(
            HelpPage.organization_id == organization_id, HelpPage.is_published.is_(True))
            .order_by(HelpPage.position, HelpPage.id)))
    rules = {(rule.event_key, rule.channel): bool(rule.enabled)
             for rule in _rows(session, select(NotificationRule.__table__).where(
                 NotificationRule.organization_id == organization_id))}
    wordings = {(row.event_key, row.channel, row.language): NoticeWording(
        row.subject or "", row.body, row.updated_at)
        for row in _rows(session, select(NotificationTemplate.__table__).where(
            NotificationTemplate.organization_id == organization_id))}
    return Configuration(
        version=row.config_version, organization=organization,
        sites=MappingProxyType(_sites(session, organization)),
        forms=_forms(session, organization_id), groups=groups,
        themes=MappingProxyType(themes),
        default_theme_id=next((theme.id for theme in themes.values() if theme.is_default), None),
        help_pages=help_pages, notice_rules=MappingProxyType(rules),
        notice_wordings=MappingProxyType(wordings),
        webhook_client_ids=frozenset(session.scalars(select(ApiClient.id).where(
            ApiClient.organization_id == organization_id, ApiClient.revoked_at.is_(None),
            ApiClient.webhook_url.is_not(None)))))
