"""The administrators' help pages: texts for citizens in each language, shown by the widget on its
list of forms and beside one form or one group, in the order set here, once published. Other
staff get "page not found"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_id
from widget.config import setting
from widget.services.access import NotAllowed
from widget.services.help_pages import (HelpPageInput, HelpPageRefused, delete_help_page,
                                        help_page_of, help_page_targets, help_pages,
                                        move_help_page, save_help_page, set_help_page_published)

HELP = "/help"


def _typed() -> HelpPageInput:
    languages = setting("LANGUAGES")
    return HelpPageInput(
        titles={lang: request.form.get(f"title-{lang}", "") for lang in languages},
        bodies={lang: request.form.get(f"body-{lang}", "") for lang in languages},
        show_on_home=request.form.get("show_on_home") == "y",
        form_id=posted_id(request.form.get("form_id")), group_id=posted_id(request.form.get("group_id")),
        is_published=request.form.get("is_published") == "y")


def _edit_page(page=None, typed: HelpPageInput | None = None, error: str | None = None,
               problem: str = "", status: int = 200):
    """The help page form (new when `page` is None), with what was typed after a refusal."""
    forms, groups = help_page_targets(current_staff())
    if typed is None:
        typed = HelpPageInput() if page is None else HelpPageInput(
            titles=dict(page.titles or {}), bodies=dict(page.bodies or {}),
            show_on_home=page.show_on_home, form_id=page.form_id, group_id=page.group_id,
            is_published=page.is_published)
    return render_template("admin/help_edit.html", page=page, typed=typed, error=error,
                           problem=problem, forms=forms, groups=groups), status


def _page(page_id: int):
    try:
        return help_page_of(current_staff(), page_id)
    except NotAllowed:
        abort(404)


@admin_section(_l("Help pages"), _l("Explanations for citizens on the widget's list of forms and "
                                    "beside a form or a group."), order=50)
@bp.get(HELP)
@administrators_only
def help_list():
    """The help pages in the widget's order, published or not."""
    return render_template("admin/help_list.html", pages=help_pages(current_staff()))


@bp.get(f"{HELP}/new")
@administrators_only
def help_new():
    """The form for a new help page."""
    return _edit_page()


@bp.post(HELP)
@administrators_only
def help_create():
    """Create a help page (placed last)."""
    return _save(None)


@bp.get(f"{HELP}/<{ID}:page_id>")
@administrators_only
def help_edit(page_id):
    """A help page's form."""
    return _edit_page(_page(page_id))


@bp.post(f"{HELP}/<{ID}:page_id>")
@administrators_only
def help_update(page_id):
    """Save a help page's changes."""
    return _save(page_id)


def _save(page_id: int | None):
    typed = _typed()
    try:
        save_help_page(current_staff(), page_id, typed)
    except HelpPageRefused as error:
        page = _page(page_id) if page_id is not None else None
        return _edit_page(page, typed, str(error.message), error.field, status=422)
    except NotAllowed:
        abort(404)
    flash(_("The help page is saved."), "success")
    return redirect(url_for("admin.help_list"))


@bp.post(f"{HELP}/<{ID}:page_id>/publish")
@administrators_only
def help_publish(page_id):
    """Publish a help page or take it back from the widget."""
    published = request.form.get("published") == "y"
    try:
        set_help_page_published(current_staff(), page_id, published)
    except NotAllowed:
        abort(404)
    flash(_("The help page is published: the widget shows it.") if published else
          _("The help page is taken back: the widget no longer shows it."), "success")
    return redirect(url_for("admin.help_list"))


@bp.post(f"{HELP}/<{ID}:page_id>/move")
@administrators_only
def help_move(page_id):
    """Move a help page one place up or down."""
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    try:
        move_help_page(current_staff(), page_id, -1 if direction == "up" else 1)
    except NotAllowed:
        abort(404)
    flash(_("The order is saved."), "success")
    return redirect(url_for("admin.help_list", _anchor=f"help-{page_id}"))


@bp.post(f"{HELP}/<{ID}:page_id>/delete")
@administrators_only
def help_delete(page_id):
    """Delete a help page for good."""
    try:
        delete_help_page(current_staff(), page_id)
    except NotAllowed:
        abort(404)
    flash(_("The help page is deleted."), "success")
    return redirect(url_for("admin.help_list"))
