"""The administrators' page about form groups: the sections of the widget's catalogue, their
titles per language, their order, and which forms each holds in which order. Other staff get
"page not found"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_id
from widget.config import setting
from widget.services.access import NotAllowed, NotFound
from widget.services.form_groups import (TITLE_MAX, create_group, delete_group, group_overview,
                                         move_form, move_group, place_form, rename_group)

GROUPS = "/form-groups"


def _typed_titles() -> dict:
    return {language: request.form.get(f"title-{language}", "")
            for language in setting("LANGUAGES")}


def _groups_page(error: str | None = None, failed: str | None = None, typed: dict | None = None,
                 status: int = 200):
    """The groups in order; after a refusal, why, beside the titles typed (`failed`: "new" or
    the group's id)."""
    return render_template("admin/form_groups.html", overview=group_overview(current_staff()),
                           error=error, failed=failed, typed=typed or {},
                           title_max=TITLE_MAX), status


def _back(anchor: str | None = None):
    return redirect(url_for("admin.form_group_list", _anchor=anchor))


@admin_section(_l("Form groups"),
               _l("The sections of the widget's list of forms, their titles and their order."),
               order=25)
@bp.get(GROUPS)
@administrators_only
def form_group_list():
    """The groups in the catalogue's order with their forms, and the form to add a group."""
    return _groups_page()


@bp.post(GROUPS)
@administrators_only
def form_group_create():
    """Add a group at the end of the catalogue."""
    typed = _typed_titles()
    try:
        group = create_group(current_staff(), typed, setting("LANGUAGES"))
    except NotAllowed as error:
        return _groups_page(str(error.message), "new", typed, status=422)
    flash(_("The group is added at the end. Move forms into it below."), "success")
    return _back(f"group-{group.id}")


@bp.post(f"{GROUPS}/<{ID}:group_id>")
@administrators_only
def form_group_rename(group_id):
    """Change a group's titles."""
    typed = _typed_titles()
    try:
        rename_group(current_staff(), group_id, typed, setting("LANGUAGES"))
    except NotFound:
        abort(404)
    except NotAllowed as error:
        return _groups_page(str(error.message), str(group_id), typed, status=422)
    flash(_("The group's titles are saved."), "success")
    return _back(f"group-{group_id}")


@bp.post(f"{GROUPS}/<{ID}:group_id>/move")
@administrators_only
def form_group_move(group_id):
    """Move a group one place up or down."""
    try:
        move_group(current_staff(), group_id, request.form.get("direction", ""))
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(400)  # only a hand-made request names another direction
    flash(_("The order of the groups is saved."), "success")
    return _back(f"group-{group_id}")


@bp.post(f"{GROUPS}/<{ID}:group_id>/delete")
@administrators_only
def form_group_delete(group_id):
    """Delete a group; its forms stay, ungrouped."""
    try:
        delete_group(current_staff(), group_id)
    except NotFound:
        abort(404)
    flash(_("The group is deleted. Its forms are kept, among the forms in no group."), "success")
    return _back()


@bp.post(f"{GROUPS}/forms/<{ID}:form_id>/group")
@administrators_only
def form_group_place_form(form_id):
    """Put a form into a group (at its end), or among the forms in no group."""
    text = request.form.get("group", "")
    group_id = posted_id(text)  # none: among the forms in no group
    try:
        place_form(current_staff(), form_id, group_id)
    except NotFound:
        abort(404)
    flash(_("The form is moved."), "success")
    return _back(f"form-{form_id}")


@bp.post(f"{GROUPS}/forms/<{ID}:form_id>/move")
@administrators_only
def form_group_move_form(form_id):
    """Move a form one place up or down inside its group."""
    try:
        move_form(current_staff(), form_id, request.form.get("direction", ""))
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(400)
    flash(_("The order of the forms is saved."), "success")
    return _back(f"form-{form_id}")
