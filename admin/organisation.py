"""The administrators' pages about the organisation itself: its settings (names, calendar,
opening hours, SMS and colour) and its units (subsidiaries and departments), with the
back-office systems connected to it. Other staff get "page not found"."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_id
from widget.models import UnitKind
from widget.services.organisation import (LANGUAGES, OrganisationSettings, SettingsRefused,
                                          UnitInput, create_unit, set_unit_active, unit_of,
                                          units_overview, update_organisation, update_unit)
from widget.services.access import NotAllowed

ORGANISATION = "/organisation"
UNITS = f"{ORGANISATION}/units"
UNIT_KINDS = {UnitKind.SUBSIDIARY.value: _l("Subsidiary"),
              UnitKind.DEPARTMENT.value: _l("Department")}


@bp.context_processor
def organisation_labels():
    """The unit kinds' names and the languages names are typed in, for the organisation pages."""
    return {"UNIT_KINDS": UNIT_KINDS, "NAME_LANGUAGES": LANGUAGES}


def _names_typed() -> dict[str, str]:
    return {code: request.form.get(f"name-{code}", "") for code in LANGUAGES}


def _settings_page(settings: OrganisationSettings, problems: dict | None = None,
                   status: int = 200):
    return render_template("admin/organisation.html", settings=settings,
                           problems={k: str(v) for k, v in (problems or {}).items()}), status


@admin_section(_l("Organisation and units"),
               _l("Names, country and holidays, time zone, opening hours, and the units "
                  "requests go to."), order=10)
@bp.get(ORGANISATION)
@administrators_only
def organisation_settings():
    """The organisation's settings, to change."""
    return _settings_page(OrganisationSettings.of(current_staff().organization))


@bp.post(ORGANISATION)
@administrators_only
def organisation_save():
    """Save the organisation's settings, or show what is wrong beside what was typed."""
    form = request.form
    typed = OrganisationSettings(
        names=_names_typed(), country=form.get("country", ""), timezone=form.get("timezone", ""),
        day_start=form.get("day_start", ""), day_end=form.get("day_end", ""),
        closed_days=form.get("closed_days", ""),
        show_executor_name=form.get("show_executor_name") == "1",
        sms_without_diacritics=form.get("sms_without_diacritics") == "1",
        sms_max_segments=form.get("sms_max_segments", ""), theme_color=form.get("theme_color", ""),
        sms_name=form.get("sms_name", ""), sms_part_price=form.get("sms_part_price", ""))
    try:
        changed = update_organisation(current_staff(), typed)
    except SettingsRefused as refused:
        return _settings_page(typed, refused.problems, status=422)
    flash(_("The organisation's settings are saved.") if changed else
          _("Nothing changed: the settings were already so."), "success")
    return redirect(url_for("admin.organisation_settings"))


# --- units ---------------------------------------------------------------------------------------

def _unit_typed() -> UnitInput:
    return UnitInput(code=request.form.get("code", ""), names=_names_typed(),
                     kind=request.form.get("kind", ""),
                     parent_id=posted_id(request.form.get("parent")))


def _units_page(typed: UnitInput | None = None, problems: dict | None = None,
                status: int = 200):
    """The units and systems; a refused new unit beside what was typed."""
    overview = units_overview(current_staff())
    return render_template(
        "admin/organisation_units.html", overview=overview, typed=typed,
        by_id={unit.id: unit for unit in overview.units},
        subsidiaries=[unit for unit in overview.units if unit.kind == UnitKind.SUBSIDIARY.value],
        problems={k: str(v) for k, v in (problems or {}).items()}), status


def _unit_page(unit_id: int, typed: UnitInput | None = None, problems: dict | None = None,
               error: str | None = None, status: int = 200):
    """One unit's page; a refused change beside what was typed, or why it cannot close."""
    staff = current_staff()
    unit = unit_of(staff, unit_id)
    overview = units_overview(staff)
    by_id = {other.id: other for other in overview.units}
    return render_template(
        "admin/organisation_unit.html", unit=unit, by_id=by_id,
        typed=typed or UnitInput(unit.code, dict(unit.names or {}), unit.kind, unit.parent_id),
        subsidiaries=[other for other in overview.units
                      if other.kind == UnitKind.SUBSIDIARY.value and other.id != unit.id],
        forms=overview.forms.get(unit.id, 0), people=overview.staff.get(unit.id, 0),
        problems={k: str(v) for k, v in (problems or {}).items()}, error=error), status


@bp.get(UNITS)
@administrators_only
def organisation_units():
    """The organisation's units, the form to add one, and the connected systems."""
    return _units_page()


@bp.post(UNITS)
@administrators_only
def organisation_unit_create():
    """Add a unit."""
    typed = _unit_typed()
    try:
        unit = create_unit(current_staff(), typed)
    except SettingsRefused as refused:
        return _units_page(typed, refused.problems, status=422)
    flash(_("The unit %(code)s is added.", code=unit.code), "success")
    return redirect(url_for("admin.organisation_units", _anchor=f"unit-{unit.id}"))


@bp.get(f"{UNITS}/<{ID}:unit_id>")
@administrators_only
def organisation_unit(unit_id):
    """One unit, to change, close or reopen."""
    return _unit_page(unit_id)


@bp.post(f"{UNITS}/<{ID}:unit_id>")
@administrators_only
def organisation_unit_save(unit_id):
    """Save a unit's code, names, kind and parent."""
    typed = _unit_typed()
    try:
        changed = update_unit(current_staff(), unit_id, typed)
    except SettingsRefused as refused:
        return _unit_page(unit_id, typed, refused.problems, status=422)
    flash(_("The unit is saved.") if changed else _("Nothing changed: the unit was already so."),
          "success")
    return redirect(url_for("admin.organisation_units", _anchor=f"unit-{unit_id}"))


@bp.post(f"{UNITS}/<{ID}:unit_id>/active")
@administrators_only
def organisation_unit_active(unit_id):
    """Close a unit (it keeps its requests) or reopen it."""
    active = request.form.get("active") == "1"
    try:
        set_unit_active(current_staff(), unit_id, active)
    except NotAllowed as refused:
        return _unit_page(unit_id, error=str(refused.message), status=422)
    flash(_("The unit is reopened.") if active else
          _("The unit is closed. Its requests stay where they are."), "success")
    return redirect(url_for("admin.organisation_units", _anchor=f"unit-{unit_id}"))
