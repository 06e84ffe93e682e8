"""The administrators' pages about staff members (roles, units, deactivating, temporary
passwords shown once) and the audit log of everything staff did. Other staff get "page not
found"."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.audit_labels import AUDIT_ACTIONS, ROLES, audit_values
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, page_number, posted_id, posted_ids
from widget.models import Unit
from widget.services.audit_log import AuditFilters, audit_log
from widget.services.staff_admin import (StaffRefused, create_staff_member, list_staff,
                                         lock_end, reset_staff_password, set_staff_active,
                                         staff_member, unlock_staff_member, update_staff_member)
from widget.untrusted import parse_day

STAFF = "/staff"
AUDIT = "/audit"
@bp.context_processor
def staff_labels():
    """Role names and audit action labels, for the staff and audit pages."""
    return {"ROLES": ROLES, "AUDIT_ACTIONS": AUDIT_ACTIONS, "audit_values": audit_values}


def _units() -> list[Unit]:
    return sorted(current_staff().organization.units, key=lambda unit: unit.code)


def _list_page(typed: dict | None = None, problems: dict | None = None,
               created: tuple | None = None, status: int = 200):
    """The staff list and the form to add someone; a new person's password shown once."""
    return render_template("admin/staff.html", people=list_staff(current_staff()),
                           units=_units(), typed=typed or {}, created=created,
                           problems={k: str(v) for k, v in (problems or {}).items()}), status


def _member_page(staff_id: int, typed: dict | None = None, problems: dict | None = None,
                 password: str | None = None, status: int = 200):
    """One staff member; a refusal beside what was typed, or their new password shown once."""
    me = current_staff()
    member = staff_member(me, staff_id)
    return render_template("admin/staff_member.html", member=member, units=_units(),
                           typed=typed, password=password, is_me=member.id == me.id,
                           locked_until=lock_end(member),
                           problems={k: str(v) for k, v in (problems or {}).items()}), status


@admin_section(_l("Staff and roles"),
               _l("Who works in the back office, with which role and in which units; "
                  "temporary passwords."), order=15)
@bp.get(STAFF)
@administrators_only
def staff_list():
    """The organisation's staff members, and the form to add one."""
    return _list_page()


@bp.post(STAFF)
@administrators_only
def staff_create():
    """Add a staff member: their temporary password is on this answer, and nowhere else."""
    typed = {"name": request.form.get("name", ""), "email": request.form.get("email", ""),
             "role": request.form.get("role", ""), "units": posted_ids(request.form.getlist("units"))}
    try:
        created = create_staff_member(current_staff(), typed["name"], typed["email"],
                                      typed["role"], typed["units"])
    except StaffRefused as refused:
        return _list_page(typed, {refused.field: refused.message}, status=422)
    # Rendered, not redirected: a redirect would carry the password in a URL or the session.
    return _list_page(created=created)


@bp.get(f"{STAFF}/<{ID}:staff_id>")
@administrators_only
def staff_edit(staff_id):
    """One staff member: role and units, deactivating, a new temporary password."""
    return _member_page(staff_id)


@bp.post(f"{STAFF}/<{ID}:staff_id>")
@administrators_only
def staff_save(staff_id):
    """Save a staff member's role and units."""
    typed = {"role": request.form.get("role", ""), "units": posted_ids(request.form.getlist("units"))}
    try:
        changed = update_staff_member(current_staff(), staff_id, typed["role"], typed["units"])
    except StaffRefused as refused:
        return _member_page(staff_id, typed, {refused.field: refused.message}, status=422)
    flash(_("The role and units are saved.") if changed else
          _("Nothing changed: the role and units were already so."), "success")
    return redirect(url_for("admin.staff_edit", staff_id=staff_id))


@bp.post(f"{STAFF}/<{ID}:staff_id>/active")
@administrators_only
def staff_active(staff_id):
    """Deactivate a staff member (signed out at once) or reactivate them."""
    active = request.form.get("active") == "1"
    try:
        set_staff_active(current_staff(), staff_id, active)
    except StaffRefused as refused:
        return _member_page(staff_id, None, {refused.field: refused.message}, status=422)
    flash(_("The staff member can sign in again.") if active else
          _("The staff member is deactivated and signed out everywhere."), "success")
    return redirect(url_for("admin.staff_edit", staff_id=staff_id))


@bp.post(f"{STAFF}/<{ID}:staff_id>/password")
@administrators_only
def staff_password(staff_id):
    """Give a staff member a new temporary password, shown on this answer only."""
    member, password = reset_staff_password(current_staff(), staff_id)
    return _member_page(member.id, password=password)


@bp.post(f"{STAFF}/<{ID}:staff_id>/unlock")
@administrators_only
def staff_unlock(staff_id):
    """Lift the lock wrong passwords put on a staff member's sign-in."""
    unlock_staff_member(current_staff(), staff_id)
    flash(_("The staff member can sign in again."), "success")
    return redirect(url_for("admin.staff_edit", staff_id=staff_id))


# --- the audit log ------------------------------------------------------------------------------

def _day(text: str | None) -> date | None | bool:
    """A YYYY-MM-DD day; None when empty, False when it is no date."""
    text = (text or "").strip()
    if not text:
        return None
    return parse_day(text) or False


@admin_section(_l("Audit log"), _l("Every change staff made, who made it and when."), order=16)
@bp.get(AUDIT)
@administrators_only
def audit_list():
    """The organisation's audit log, newest first, filtered by staff member, action and days."""
    args, problems = request.args, {}
    staff_text = args.get("staff", "")
    staff_id = posted_id(staff_text) or None  # no number: no filter on the staff member
    days = {}
    for name in ("from", "to"):
        days[name] = _day(args.get(name))
        if days[name] is False:
            problems[f"audit-{name}"] = _("Please enter a date as YYYY-MM-DD, for example "
                                          "2026-11-24.")
            days[name] = None
    filters = AuditFilters(staff_id, args.get("action", "")[:60], days["from"], days["to"])
    page = audit_log(current_staff(), filters, page_number())
    return render_template("admin/audit.html", page=page, filters=filters, problems=problems,
                           typed={name: args.get(name, "") for name in ("from", "to")})
