"""The administrators' pages on who may use each form (with its upload limits beside it) and on
account groups. Other staff get "page not found"."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_ids
from widget.models import FormAccess
from widget.services.access import NotAllowed
from widget.services.account_groups import (account_groups, add_members, create_group,
                                            delete_group, group_page, remove_member,
                                            rename_group)
from widget.services.form_access import access_page, forms_with_access, set_form_access
from widget.services.upload_limits import LimitsRefused, organisation_limits, set_form_limits
from widget.uploads import KIND_NAMES, KINDS, MEGABYTE, form_limits

GROUPS = "/account-groups"
ACCESS_LABELS = {
    FormAccess.EVERYONE.value: _l("Everyone"),
    FormAccess.SIGNED_IN.value: _l("People signed in to an account"),
    FormAccess.NAMED.value: _l("Named people and groups"),
    FormAccess.AGENTS.value: _l("Agents only"),
}
ACCESS_HELP = {
    FormAccess.EVERYONE.value: _l("Anyone who opens the widget, with or without an account."),
    FormAccess.SIGNED_IN.value: _l("The catalogue shows the form to everyone, with a note to "
                                   "sign in first."),
    FormAccess.NAMED.value: _l("Only the people and the members of the groups ticked below. "
                               "Nobody else sees the form in the catalogue."),
    FormAccess.AGENTS.value: _l("Only accounts marked as agents. Nobody else sees the form in "
                                "the catalogue."),
}


@bp.context_processor
def access_labels():
    """Words for form access and for kinds of file, for the access and upload pages."""
    return {"ACCESS_LABELS": ACCESS_LABELS, "ACCESS_HELP": ACCESS_HELP, "KIND_NAMES": KIND_NAMES,
            "KINDS": KINDS, "MEGABYTE": MEGABYTE}


def _typed_limits() -> tuple[dict, list[str]]:
    return ({key: request.form.get(key, "") for key in ("max_file_mb", "max_total_mb",
                                                        "max_files")},
            request.form.getlist("types"))


@admin_section(_l("Access and uploads"),
               _l("Who may use each form, account groups, and the files people may attach."),
               order=30)
@bp.get("/access")
@administrators_only
def access_list():
    """Every form with who may use it and the upload limits it gets."""
    staff = current_staff()
    forms = forms_with_access(staff)
    return render_template("admin/form_access_list.html", forms=forms,
                           limits={form.id: form_limits(staff.organization, form)
                                   for form in forms})


def _access_page(form_id: int, error=None, problem=None, typed=None, limit_problems=None,
                 status=200):
    staff = current_staff()
    page = access_page(staff, form_id, request.args.get("q", ""))
    stored, defaults, outer, ceiling = organisation_limits(staff)
    return render_template(
        "admin/form_access.html", page=page, form=page.form, error=error, problem=problem,
        typed=typed, limit_problems=limit_problems or {}, outer=outer, ceiling=ceiling,
        effective=form_limits(staff.organization, page.form)), status


@bp.get(f"/forms/<{ID}:form_id>/access")
@administrators_only
def access_form(form_id):
    """Who may use one form, its named people and groups (searched for), and its limits."""
    return _access_page(form_id)


@bp.post(f"/forms/<{ID}:form_id>/access")
@administrators_only
def access_form_save(form_id):
    """Save who may use the form."""
    typed = {"access": request.form.get("access", ""),
             "accounts": posted_ids(request.form.getlist("accounts")),
             "groups": posted_ids(request.form.getlist("groups"))}
    try:
        set_form_access(current_staff(), form_id, typed["access"], typed["accounts"],
                        typed["groups"])
    except NotAllowed as error:
        return _access_page(form_id, error=str(error.message), problem="access", typed=typed,
                            status=422)
    flash(_("Who may use the form is saved."), "success")
    return redirect(url_for("admin.access_form", form_id=form_id))


@bp.post(f"/forms/<{ID}:form_id>/uploads")
@administrators_only
def access_form_uploads(form_id):
    """Save the form's upload limits (only narrower than the organisation's)."""
    typed, types = _typed_limits()
    try:
        set_form_limits(current_staff(), form_id, typed, types)
    except LimitsRefused as error:
        return _access_page(form_id, error=str(error.message), problem="limits",
                            typed={**typed, "types": types},
                            limit_problems={k: str(v) for k, v in error.problems.items()},
                            status=422)
    flash(_("The form's upload limits are saved."), "success")
    return redirect(url_for("admin.access_form", form_id=form_id, _anchor="uploads"))


# --- account groups ---------------------------------------------------------------------------

def _groups_page(error=None, typed="", status=200):
    return render_template("admin/account_groups.html", groups=account_groups(current_staff()),
                           error=error, typed=typed), status


@bp.get(GROUPS)
@administrators_only
def access_groups():
    """The organisation's account groups, and the form to make one."""
    return _groups_page()


@bp.post(GROUPS)
@administrators_only
def access_group_create():
    """Make a group, then go to it to add people."""
    name = request.form.get("name", "")
    try:
        group = create_group(current_staff(), name)
    except NotAllowed as error:
        return _groups_page(str(error.message), name, status=422)
    flash(_("The group is made: now add people to it."), "success")
    return redirect(url_for("admin.access_group", group_id=group.id))


def _group_page(group_id: int, error=None, problem=None, typed="", status=200):
    page = group_page(current_staff(), group_id, request.args.get("q", ""))
    return render_template("admin/account_group.html", page=page, group=page.group, error=error,
                           problem=problem, typed=typed), status


@bp.get(f"{GROUPS}/<{ID}:group_id>")
@administrators_only
def access_group(group_id):
    """One group: its members, the forms it opens, and people found to add."""
    return _group_page(group_id)


@bp.post(f"{GROUPS}/<{ID}:group_id>/name")
@administrators_only
def access_group_rename(group_id):
    """Give the group another name."""
    name = request.form.get("name", "")
    try:
        rename_group(current_staff(), group_id, name)
    except NotAllowed as error:
        return _group_page(group_id, str(error.message), "name", name, status=422)
    flash(_("The group's name is saved."), "success")
    return redirect(url_for("admin.access_group", group_id=group_id))


@bp.post(f"{GROUPS}/<{ID}:group_id>/members")
@administrators_only
def access_group_add(group_id):
    """Add the people ticked among those found."""
    try:
        add_members(current_staff(), group_id, posted_ids(request.form.getlist("accounts")))
    except NotAllowed as error:
        return _group_page(group_id, str(error.message), "members", status=422)
    flash(_("The people are added to the group."), "success")
    return redirect(url_for("admin.access_group", group_id=group_id))


@bp.post(f"{GROUPS}/<{ID}:group_id>/members/<{ID}:account_id>/remove")
@administrators_only
def access_group_remove(group_id, account_id):
    """Take one person out of the group."""
    try:
        remove_member(current_staff(), group_id, account_id)
    except NotAllowed as error:
        return _group_page(group_id, str(error.message), "members", status=422)
    flash(_("The person is taken out of the group."), "success")
    return redirect(url_for("admin.access_group", group_id=group_id))


@bp.post(f"{GROUPS}/<{ID}:group_id>/delete")
@administrators_only
def access_group_delete(group_id):
    """Delete the group."""
    delete_group(current_staff(), group_id)
    flash(_("The group is deleted. Forms that named it no longer let its members in through "
            "it."), "success")
    return redirect(url_for("admin.access_groups"))
