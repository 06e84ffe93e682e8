"""An organisation's configuration as frozen values: what the widget reads on every request
(sites, published forms with their fields, access rules, themes, help pages, notice rules and
wordings), copied out of the database once and shared by every thread of a process.

Frozen dataclasses, tuples and read-only mappings, never ORM objects: an ORM object belongs to
one session and one thread, and changes under whoever holds it. These values offer the same
attributes and methods as the models the templates and services already read (form.title(lang),
field.label(lang), site.organization...), so a template does not know which one it shows.
widget.config_cache builds them and says when they are still current.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from widget.models._types import localized
from widget.models.forms import FieldTexts
from widget.models.org import sms_drops_diacritics


def freeze(value):
    """A JSON value made read-only all the way down: mappings become MappingProxyType, lists
    tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


EMPTY = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OrganizationConfig:
    id: int
    slug: str
    names: Mapping
    country: str
    timezone: str
    closed_days: tuple
    day_start: str
    day_end: str
    show_executor_name: bool
    sms_without_diacritics: bool | None
    sms_max_segments: int
    sms_name: str
    theme_color: str
    upload_limits: Mapping

    def name(self, language: str) -> str:
        """The organisation's name in a language."""
        return localized(self.names, language)

    @property
    def sms_drops_diacritics(self) -> bool:
        """As Organization.sms_drops_diacritics."""
        return sms_drops_diacritics(self.sms_without_diacritics, self.country)


@dataclass(frozen=True, slots=True)
class FieldConfig(FieldTexts):
    id: int
    version_id: int
    position: int
    key: str
    type: str
    labels: Mapping
    helps: Mapping
    required: bool
    min_length: int | None
    max_length: int | None
    min_value: Decimal | None
    max_value: Decimal | None
    prefill: str | None
    choices: tuple
    form_sends_sms: bool                     # as Field.form_sends_sms


@dataclass(frozen=True, slots=True)
class VersionConfig:
    """A published form version: frozen in the database too (requests keep its labels)."""

    id: int
    form_id: int
    number: int
    published_at: datetime
    fields: tuple[FieldConfig, ...]


@dataclass(frozen=True, slots=True)
class FormConfig:
    id: int
    organization_id: int
    group_id: int | None
    unit_id: int | None
    slug: str
    position: int
    titles: Mapping
    descriptions: Mapping
    processing_days: int
    is_published: bool
    sms_enabled: bool
    same_day: bool
    reminder_field: str | None
    reminder_days: int | None
    access: str
    upload_limits: Mapping
    fee_amount: Decimal | None
    handovers: tuple
    versions: tuple[VersionConfig, ...]      # the published ones, oldest first
    allowed_account_ids: frozenset[int]      # access NAMED: accounts named one by one
    allowed_group_ids: frozenset[int]        # ... and whole account groups
    allowed_member_ids: frozenset[int]       # the accounts in those groups

    def title(self, language: str) -> str:
        """The form's title in a language."""
        return localized(self.titles, language)

    def description(self, language: str) -> str:
        """The form's description in a language (trusted admin HTML, sanitised on save)."""
        return localized(self.descriptions, language)

    @property
    def sends_sms(self) -> bool:
        """Whether the person may be told of events by SMS (as Form.sends_sms)."""
        return bool(self.sms_enabled) and not self.same_day

    @property
    def current_version(self) -> VersionConfig | None:
        """The newest published version: the one a new request is filled on."""
        return self.versions[-1] if self.versions else None

    def version(self, version_id: int) -> VersionConfig | None:
        """One of the form's published versions by id."""
        return next((version for version in self.versions if version.id == version_id), None)


@dataclass(frozen=True, slots=True)
class GroupConfig:
    id: int
    position: int
    titles: Mapping

    def title(self, language: str) -> str:
        """The group's title in a language."""
        return localized(self.titles, language)


@dataclass(frozen=True, slots=True)
class ThemeConfig:
    id: int
    organization_id: int
    name: str
    skin: str
    colors: Mapping
    header_html: Mapping
    custom_css: str
    logo_key: str | None
    logo_type: str | None
    is_default: bool
    updated_at: datetime

    def header(self, language: str) -> str:
        """The header HTML in a language (sanitised when saved)."""
        return localized(self.header_html, language)


@dataclass(frozen=True, slots=True)
class HelpPageConfig:
    id: int
    position: int
    titles: Mapping
    bodies: Mapping
    show_on_home: bool
    form_id: int | None
    group_id: int | None

    def title(self, language: str) -> str:
        """The title in a language."""
        return localized(self.titles, language)

    def body(self, language: str) -> str:
        """The sanitised body in a language."""
        return localized(self.bodies, language)


@dataclass(frozen=True, slots=True)
class NoticeWording:
    """An organisation's own wording of one notice, channel and language."""

    subject: str
    body: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SiteConfig:
    id: int
    organization_id: int
    key: str
    name: str
    allowed_origins: tuple[str, ...]
    default_language: str
    theme_id: int | None
    shows_all_forms: bool
    form_ids: frozenset[int]                 # site_forms: shown when not shows_all_forms
    organization: OrganizationConfig
