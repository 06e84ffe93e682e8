"""The administrators' pages about the websites that embed the widget: the list, registering a
site, one site with its copy-ready snippet, its settings, the forms it shows, and removing it.
Other staff get "page not found"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_id
from widget.config import setting
from widget.services.access import NotFound
from widget.services.sites import (MAX_ORIGINS, NAME_MAX, SiteRefused, SiteSettings, create_site,
                                   delete_site, forms_of, list_sites, set_site_forms, site_of,
                                   themes_of, update_site)

SITES = "/sites"


def _typed_settings() -> SiteSettings:
    form = request.form
    return SiteSettings(name=form.get("name", ""), origins=form.get("origins", ""),
                        default_language=form.get("default_language", ""),
                        theme_id=posted_id((form.get("theme") or "").strip()))


def _list_page(problem: SiteRefused | None = None, typed: SiteSettings | None = None,
               status: int = 200):
    staff = current_staff()
    return render_template(
        "admin/sites.html", rows=list_sites(staff), themes=themes_of(staff),
        problem=problem and problem.field, error=problem and str(problem.message),
        typed=typed, name_max=NAME_MAX, max_origins=MAX_ORIGINS), status


def _site_page(site_id: int, problem: SiteRefused | None = None, typed=None, status: int = 200):
    """One site: its snippet, settings and forms; after a refusal, why, beside what was typed."""
    staff = current_staff()
    try:
        site = site_of(staff, site_id)
    except NotFound:
        abort(404)
    base = setting("PUBLIC_URL").rstrip("/")
    return render_template(
        "admin/site.html", site=site, themes=themes_of(staff), forms=forms_of(staff),
        loader_url=f"{base}{url_for('static', filename='embed.js')}",
        widget_url=f"{base}/w/{site.key}/",
        problem=problem and problem.field, error=problem and str(problem.message),
        typed=typed, name_max=NAME_MAX, max_origins=MAX_ORIGINS), status


@admin_section(_l("Embedding sites"),
               _l("The websites that show the widget: their origins, language, theme, forms and "
                  "the snippet to paste."), order=40)
@bp.get(SITES)
@administrators_only
def site_list():
    """The organisation's sites, and the form to register one."""
    return _list_page()


@bp.post(SITES)
@administrators_only
def site_create():
    """Register a site: it gets its key, and its page shows the snippet to paste."""
    typed = _typed_settings()
    try:
        site = create_site(current_staff(), typed, setting("LANGUAGES"))
    except SiteRefused as refused:
        return _list_page(refused, typed, status=422)
    flash(_("The site is registered. Paste the snippet below into its pages."), "success")
    return redirect(url_for("admin.site_edit", site_id=site.id))


@bp.get(f"{SITES}/<{ID}:site_id>")
@administrators_only
def site_edit(site_id):
    """One site: the snippet, its settings and the forms it shows."""
    return _site_page(site_id)


@bp.post(f"{SITES}/<{ID}:site_id>")
@administrators_only
def site_update(site_id):
    """Save a site's name, origins, default language and theme."""
    typed = _typed_settings()
    try:
        update_site(current_staff(), site_id, typed, setting("LANGUAGES"))
    except NotFound:
        abort(404)
    except SiteRefused as refused:
        return _site_page(site_id, refused, typed, status=422)
    flash(_("The site is saved. Its pages may frame the widget from the origins listed, and "
            "from no other."), "success")
    return redirect(url_for("admin.site_edit", site_id=site_id))


@bp.post(f"{SITES}/<{ID}:site_id>/forms")
@administrators_only
def site_forms(site_id):
    """Show every published form on the site, or only the chosen ones."""
    shows_all = request.form.get("shows") != "chosen"
    form_ids = [posted_id((value or "").strip()) or 0 for value in request.form.getlist("forms")]
    try:
        set_site_forms(current_staff(), site_id, shows_all, form_ids)
    except NotFound:
        abort(404)
    except SiteRefused as refused:
        typed = {"shows_all": shows_all, "form_ids": form_ids}
        return _site_page(site_id, refused, typed, status=422)
    flash(_("The forms the site shows are saved."), "success")
    return redirect(url_for("admin.site_edit", site_id=site_id, _anchor="forms"))


@bp.post(f"{SITES}/<{ID}:site_id>/delete")
@administrators_only
def site_delete(site_id):
    """Remove a site nobody has sent a request from."""
    try:
        delete_site(current_staff(), site_id)
    except NotFound:
        abort(404)
    except SiteRefused as refused:
        return _site_page(site_id, refused, status=422)
    flash(_("The site is removed: its snippet no longer shows the widget."), "success")
    return redirect(url_for("admin.site_list"))
