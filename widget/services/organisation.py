"""The organisation's own settings and its units, changed by its administrators.

Every lookup is scoped to the administrator's organisation: another organisation's unit is "not
found", exactly like one that does not exist. Every change is written to the audit log.
"""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

import holidays
from flask_babel import lazy_gettext as _l, lazy_ngettext
from sqlalchemy import func, select

from widget.extensions import db
from widget.i18n import TRANSLATED_LANGUAGES
from widget.models import ApiClient, Form, Organization, Request, StaffUser, Unit, UnitKind
from widget.models.changes import note_changed
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.audit_log import record_change
from widget.services.notice_settings import MAX_SEGMENTS, MIN_SEGMENTS
from widget.textnorm import strip_controls
from widget.untrusted import parse_day

LANGUAGES = TRANSLATED_LANGUAGES
NAME_MAX = 200
CLOSED_DAYS_MAX = 400   # more than a year of extra closed days is a mistake, not a calendar
HOUR = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
SMS_NAME_MAX = 40  # the column's width; a short name is the point
PRICE_MAX, PRICE_STEP = Decimal("99999999.9999"), Decimal("0.0001")  # what Numeric(12, 4) holds
UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,15}")


class SettingsRefused(NotAllowed):
    """Settings that cannot be saved; `problems` says what is wrong with which field."""

    def __init__(self, problems: dict):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


class UnitNotFound(NotFound):
    """No such unit in this administrator's organisation."""

    def __init__(self):
        # Not NotFound's own words, which are about a request.
        ActionError.__init__(self, _l("This unit does not exist or is not yours to see."))


@dataclass(frozen=True)
class OrganisationSettings:
    """The settings as an administrator typed them (strings and ticks, not yet checked)."""

    names: dict[str, str]
    country: str
    timezone: str
    day_start: str
    day_end: str
    closed_days: str           # ISO dates, one a line
    show_executor_name: bool
    sms_without_diacritics: bool
    sms_max_segments: str
    theme_color: str
    sms_name: str = ""          # the short name SMS sign with
    sms_part_price: str = ""    # what one SMS part costs, for the counter; empty: not shown

    @classmethod
    def of(cls, organization: Organization) -> OrganisationSettings:
        """The organisation's settings as the form shows them."""
        return cls(names={code: organization.names.get(code, "") for code in LANGUAGES},
                   country=organization.country, timezone=organization.timezone,
                   day_start=organization.day_start, day_end=organization.day_end,
                   closed_days="\n".join(organization.closed_days or ()),
                   show_executor_name=organization.show_executor_name,
                   sms_without_diacritics=organization.sms_drops_diacritics,
                   sms_max_segments=str(organization.sms_max_segments),
                   theme_color=organization.theme_color, sms_name=organization.sms_name or "",
                   sms_part_price="" if organization.sms_part_price is None
                   else format(organization.sms_part_price.normalize(), "f"))


@cache
def known_countries() -> frozenset[str]:
    """The ISO 3166 codes whose public holidays the `holidays` package knows."""
    return frozenset(code for code in holidays.list_supported_countries() if len(code) == 2)


@cache
def known_timezones() -> frozenset[str]:
    """The IANA time zone names zoneinfo knows."""
    return frozenset(zoneinfo.available_timezones())


def _one_line(text: str, limit: int) -> str:
    return " ".join(strip_controls(text or "").split())[:limit]


def _names(typed: dict[str, str]) -> dict[str, str]:
    return {code: name for code in LANGUAGES if (name := _one_line(typed.get(code, ""), NAME_MAX))}


def _closed_days(text: str) -> list[str] | None:
    """The typed closed days, sorted and without repeats; None when a line is no ISO date."""
    days = set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        day = parse_day(line)  # None for 2026-02-30 and for years no calendar needs
        if day is None:
            return None
        days.add(day.isoformat())
    return sorted(days)


def _price(text: str | None) -> Decimal | None | bool:
    """A typed price of one SMS part: None when empty, False when it is no price."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        return False
    if not price.is_finite() or not 0 <= price <= PRICE_MAX or price != price.quantize(PRICE_STEP):
        return False
    return price


def _checked_settings(typed: OrganisationSettings) -> dict:
    """The settings to store, or SettingsRefused naming every field that is wrong."""
    problems, values = {}, {}
    values["names"] = _names(typed.names)
    if not values["names"]:
        problems["name-en"] = _l("Please give the organisation's name in at least one language.")
    values["country"] = (typed.country or "").strip().upper()
    if values["country"] not in known_countries():
        problems["country"] = _l("Please enter a country by its two-letter ISO code, for example "
                                 "VN: the public holidays come from it.")
    values["timezone"] = (typed.timezone or "").strip()
    if values["timezone"] not in known_timezones():
        problems["timezone"] = _l("There is no such time zone. Please enter its name, for example "
                                  "%(example)s.", example="Asia/Ho_Chi_Minh")
    values["day_start"], values["day_end"] = (typed.day_start or "").strip(), (typed.day_end or "").strip()
    for name in ("day_start", "day_end"):
        if not HOUR.fullmatch(values[name]):
            problems[name] = _l("Please enter a time as HH:MM, for example 08:00.")
    if "day_start" not in problems and "day_end" not in problems \
            and values["day_start"] >= values["day_end"]:
        problems["day_end"] = _l("The day must end after it starts.")
    values["closed_days"] = _closed_days(typed.closed_days)
    if values["closed_days"] is None:
        problems["closed_days"] = _l("Please enter one date a line, as YYYY-MM-DD, for example "
                                     "2026-12-31.")
    elif len(values["closed_days"]) > CLOSED_DAYS_MAX:
        problems["closed_days"] = _l("At most %(max)d closed days can be added.", max=CLOSED_DAYS_MAX)
    segments = (typed.sms_max_segments or "").strip()
    values["sms_max_segments"] = int(segments) if segments.isascii() and segments.isdigit() \
        and len(segments) < 4 else 0
    if not MIN_SEGMENTS <= values["sms_max_segments"] <= MAX_SEGMENTS:
        problems["sms_max_segments"] = _l("An SMS may have from %(min)d to %(max)d parts.",
                                          min=MIN_SEGMENTS, max=MAX_SEGMENTS)
    values["sms_name"] = " ".join(strip_controls(typed.sms_name or "").split())
    if len(values["sms_name"]) > SMS_NAME_MAX:
        problems["sms_name"] = _l("The name in SMS may have at most %(max)d characters.",
                                  max=SMS_NAME_MAX)
    values["sms_part_price"] = _price(typed.sms_part_price)
    if values["sms_part_price"] is False:
        problems["sms_part_price"] = _l("Please enter the price of one SMS part as a number, for "
                                        "example 350 or 0.05, or leave it empty.")
    values["theme_color"] = (typed.theme_color or "").strip().lower()
    if not COLOR.fullmatch(values["theme_color"]):
        problems["theme_color"] = _l("Please enter a colour as # and six hexadecimal digits, for "
                                     "example #0b5cad.")
    if problems:
        raise SettingsRefused(problems)
    values["show_executor_name"] = bool(typed.show_executor_name)
    values["sms_without_diacritics"] = bool(typed.sms_without_diacritics)
    return values


def update_organisation(staff: StaffUser, typed: OrganisationSettings) -> bool:
    """Check and save the organisation's settings; False if nothing changed. Commits."""
    require_admin(staff)
    values = _checked_settings(typed)
    organization = db.session.get(Organization, staff.organization_id)
    before = {name: getattr(organization, name) for name in values}
    changed = [name for name in values if before[name] != values[name]]
    if not changed:
        return False
    for name in changed:
        setattr(organization, name, values[name])
    # Audited as JSON: a price as its text.
    plain = {name: str(value) if isinstance(value, Decimal) else value
             for name, value in before.items()}
    record_change(staff, "organisation_updated", {name: plain[name] for name in changed},
                  {name: str(values[name]) if isinstance(values[name], Decimal) else values[name]
                   for name in changed})
    db.session.commit()
    return True


# --- units ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitsOverview:
    units: list[Unit]                    # by code
    forms: dict[int, int]                # unit id -> forms routed to it
    staff: dict[int, int]                # unit id -> active staff members in it
    systems: list[ApiClient] = field(default_factory=list)  # connected systems, newest first


def _forms_routed(unit_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Form).where(Form.unit_id == unit_id))


def units_overview(staff: StaffUser) -> UnitsOverview:
    """The organisation's units with their forms and staff counted, and its connected systems."""
    require_admin(staff)
    units = list(db.session.scalars(select(Unit).where(
        Unit.organization_id == staff.organization_id).order_by(Unit.code, Unit.id)))
    forms = dict(db.session.execute(
        select(Form.unit_id, func.count()).where(Form.organization_id == staff.organization_id,
                                                 Form.unit_id.is_not(None))
        .group_by(Form.unit_id)).all())
    people = {}
    for member in db.session.scalars(select(StaffUser).where(
            StaffUser.organization_id == staff.organization_id, StaffUser.is_active,
            StaffUser.is_system.is_(False))):
        for unit in member.units:
            people[unit.id] = people.get(unit.id, 0) + 1
    systems = list(db.session.scalars(select(ApiClient).where(
        ApiClient.organization_id == staff.organization_id).order_by(ApiClient.id.desc())))
    return UnitsOverview(units, forms, people, systems)


def unit_of(staff: StaffUser, unit_id: int) -> Unit:
    """One of the organisation's units, for an administrator, or UnitNotFound."""
    return organisation_row(staff, Unit, unit_id, UnitNotFound)


@dataclass(frozen=True)
class UnitInput:
    """A unit as an administrator typed it."""

    code: str
    names: dict[str, str]
    kind: str
    parent_id: int | None


def _check_unit(staff: StaffUser, typed: UnitInput, unit: Unit | None) -> dict:
    """The unit's values to store, or SettingsRefused naming every field that is wrong."""
    problems = {}
    code = _one_line(typed.code, 40).upper()
    if not UNIT_CODE.fullmatch(code):
        problems["code"] = _l("Please enter a short code of up to 16 letters, digits, - or _, "
                              "for example XD.")
    elif db.session.scalar(select(Unit.id).where(
            Unit.organization_id == staff.organization_id, func.upper(Unit.code) == code,
            Unit.id != (unit.id if unit else 0))):
        problems["code"] = _l("Another unit already has this code.")
    names = _names(typed.names)
    if not names:
        problems["name-en"] = _l("Please give the unit's name in at least one language.")
    kinds = {kind.value for kind in UnitKind}
    if typed.kind not in kinds:
        problems["kind"] = _l("Please choose whether the unit is a subsidiary or a department.")
    elif unit is not None and typed.kind != UnitKind.SUBSIDIARY.value:
        children = db.session.scalar(select(func.count()).select_from(Unit).where(
            Unit.parent_id == unit.id))
        if children:
            problems["kind"] = lazy_ngettext(
                "%(num)d unit belongs to this subsidiary: it stays a subsidiary while it does.",
                "%(num)d units belong to this subsidiary: it stays a subsidiary while they do.",
                children)
    parent_problem = _parent_problem(staff, typed.parent_id, unit)
    if parent_problem:
        problems["parent"] = parent_problem
    if problems:
        raise SettingsRefused(problems)
    return {"code": code, "names": names, "kind": typed.kind, "parent_id": typed.parent_id}


def _parent_problem(staff: StaffUser, parent_id: int | None, unit: Unit | None):
    """Why this parent cannot be the unit's, or None."""
    if parent_id is None:
        return None
    parent = db.session.scalar(select(Unit).where(Unit.id == parent_id,
                                                  Unit.organization_id == staff.organization_id))
    if parent is None or parent.kind != UnitKind.SUBSIDIARY.value:
        return _l("Please choose a subsidiary of this organisation.")
    if unit is None:
        return None
    if parent.id == unit.id:
        return _l("A unit cannot belong to itself.")
    # Walking up from the new parent must never reach the unit itself.
    seen, ancestor = set(), parent
    while ancestor is not None and ancestor.id not in seen:
        if ancestor.id == unit.id:
            return _l("This subsidiary belongs to the unit: a unit cannot belong to its own part.")
        seen.add(ancestor.id)
        ancestor = db.session.get(Unit, ancestor.parent_id) if ancestor.parent_id else None
    return None


def _unit_values(unit: Unit) -> dict:
    return {"code": unit.code, "names": dict(unit.names or {}), "kind": unit.kind,
            "parent_id": unit.parent_id}


def create_unit(staff: StaffUser, typed: UnitInput) -> Unit:
    """Add a unit (a subsidiary or a department) to the organisation. Commits."""
    require_admin(staff)
    values = _check_unit(staff, typed, None)
    unit = Unit(organization_id=staff.organization_id, is_active=True, **values)
    db.session.add(unit)
    db.session.flush()
    record_change(staff, "unit_created", {}, {"unit_id": unit.id} | values)
    db.session.commit()
    return unit


def update_unit(staff: StaffUser, unit_id: int, typed: UnitInput) -> bool:
    """Change a unit's code, names, kind or parent; False if nothing changed. Commits."""
    unit = unit_of(staff, unit_id)
    values = _check_unit(staff, typed, unit)
    before = _unit_values(unit)
    changed = [name for name in values if before[name] != values[name]]
    if not changed:
        return False
    for name in changed:
        setattr(unit, name, values[name])
    if "code" in changed:
        # The REST API shows each request's unit by its code: every request of the unit is
        # changed as the API shows it, so it moves in the change feed (or pollers keep the old).
        note_changed(db.session, db.session.scalars(
            select(Request.id).where(Request.unit_id == unit.id)).all())
    record_change(staff, "unit_updated", {"unit_id": unit.id} | {name: before[name] for name in changed},
                  {"unit_id": unit.id} | {name: values[name] for name in changed})
    db.session.commit()
    return True


def set_unit_active(staff: StaffUser, unit_id: int, active: bool) -> Unit:
    """Close a unit (it keeps its requests, takes no new forms or staff) or reopen it. Commits."""
    unit = unit_of(staff, unit_id)
    if unit.is_active == active:
        return unit
    if not active:
        forms = _forms_routed(unit.id)
        if forms:
            raise NotAllowed(lazy_ngettext(
                "%(num)d form still sends its requests to this unit. Send it to another unit in "
                "the form builder first, then close this one.",
                "%(num)d forms still send their requests to this unit. Send them to another unit "
                "in the form builder first, then close this one.", forms))
        open_parts = db.session.scalar(select(func.count()).select_from(Unit).where(
            Unit.parent_id == unit.id, Unit.is_active))
        if open_parts:
            raise NotAllowed(lazy_ngettext(
                "%(num)d open unit belongs to this subsidiary: close it first.",
                "%(num)d open units belong to this subsidiary: close them first.", open_parts))
    unit.is_active = active
    record_change(staff, "unit_reopened" if active else "unit_closed",
                  {"unit_id": unit.id, "code": unit.code, "is_active": not active},
                  {"unit_id": unit.id, "code": unit.code, "is_active": active})
    db.session.commit()
    return unit
