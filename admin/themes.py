"""The administrators' theme pages: the widget's look (skin, colours, logo, header, custom CSS),
which theme is the default, and a preview of the widget wearing a theme, saved or as typed.
Other staff get "page not found"."""
from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import ID, current_staff, posted_id
from widget.config import setting
from widget.downloads import disposition
from widget.i18n import text_direction
from widget.models import Skin
from widget.services.access import NotAllowed
from widget.services.themes import (COLOR_NAMES, DEFAULT_COLORS, LOGO_MAX_BYTES, NoSuchTheme,
                                    ThemeInput, ThemeRefused, contrast_warnings, delete_theme,
                                    inline_stylesheet, make_default, organisation_sites,
                                    preview_changes, save_theme, sites_using, theme_logo,
                                    theme_of, theme_preview, theme_stylesheet, themes)
from widget.web import policy_with_style_nonce

THEMES = "/themes"
SKIN_LABELS = {
    Skin.CLASSIC.value: _l("Classic: the widget's usual look"),
    Skin.SOFT.value: _l("Soft: rounder corners and more space"),
    Skin.CONTRAST.value: _l("High contrast: larger text, thick outlines, large targets"),
    Skin.COMPACT.value: _l("Compact: tighter spacing for small frames"),
}
COLOR_LABELS = {
    "primary": (_l("Main colour"), _l("Links, buttons and the focus outline.")),
    "background": (_l("Background colour"), _l("Behind the whole widget.")),
    "text": (_l("Text colour"), _l("Most of the text.")),
    "accent": (_l("Panel colour"), _l("Behind notices and help pages.")),
}


def _theme(theme_id: int):
    try:
        return theme_of(current_staff(), theme_id)
    except NotAllowed:  # not an administrator, or no such theme of this organisation
        abort(404)


def _typed() -> ThemeInput:
    upload = request.files.get("logo")
    logo = None
    if upload is not None:
        # One byte past the limit is enough to refuse; a large upload sits in a temporary file,
        # closed here rather than left to the garbage collector.
        logo = upload.read(LOGO_MAX_BYTES + 1) if upload.filename else None
        upload.close()
    return ThemeInput(
        name=request.form.get("name", ""), skin=request.form.get("skin", ""),
        colors={key: request.form.get(f"color-{key}", "") for key in COLOR_NAMES},
        header_html={lang: request.form.get(f"header-{lang}", "")
                     for lang in setting("LANGUAGES")},
        custom_css=request.form.get("custom_css", ""), logo=logo or None,
        remove_logo=request.form.get("remove_logo") == "y")


def _edit_page(theme=None, typed: ThemeInput | None = None, error: str | None = None,
               problem: str = "", status: int = 200):
    """The theme form (new when `theme` is None), with what was typed after a refusal."""
    staff = current_staff()
    sites = organisation_sites(staff)
    site_id = request.args.get("site", type=int)
    site = next((s for s in sites if s.id == site_id), sites[0] if sites else None)
    language = request.args.get("lang")
    if language not in setting("LANGUAGES"):
        language = site.default_language if site else setting("LANGUAGES")[0]
    if typed is None:
        typed = ThemeInput(colors=dict(DEFAULT_COLORS)) if theme is None else ThemeInput(
            name=theme.name, skin=theme.skin, colors={**DEFAULT_COLORS, **(theme.colors or {})},
            header_html=dict(theme.header_html or {}), custom_css=theme.custom_css or "")
    return render_template(
        "admin/theme_edit.html", theme=theme, typed=typed, error=error, problem=problem,
        sites=sites, languages=setting("LANGUAGES"),
        preview_site=site, preview_language=language, skins=SKIN_LABELS,
        color_labels=COLOR_LABELS, logo_max_kb=LOGO_MAX_BYTES // 1024,
        warnings=contrast_warnings(typed.colors) if theme is not None and not error else [],
        used_by=sites_using(staff, theme) if theme is not None else []), status


@admin_section(_l("Themes"), _l("How the widget looks on your sites: colours, logo, header and "
                                "style."), order=45)
@bp.get(THEMES)
@administrators_only
def theme_list():
    """The organisation's themes, which one is the default, and the sites using each."""
    staff = current_staff()
    listed = [(theme, sites_using(staff, theme)) for theme in themes(staff)]
    return render_template("admin/theme_list.html", themes=listed, skins=SKIN_LABELS)


@bp.get(f"{THEMES}/new")
@administrators_only
def theme_new():
    """The form for a new theme."""
    return _edit_page()


@bp.post(THEMES)
@administrators_only
def theme_create():
    """Create a theme from the form."""
    return _save(None)


@bp.get(f"{THEMES}/<{ID}:theme_id>")
@administrators_only
def theme_edit(theme_id):
    """A theme's form, with a preview of the widget wearing it."""
    return _edit_page(_theme(theme_id))


@bp.post(f"{THEMES}/<{ID}:theme_id>")
@administrators_only
def theme_update(theme_id):
    """Save a theme's changes."""
    return _save(theme_id)


def _save(theme_id: int | None):
    typed = _typed()
    try:
        saved = save_theme(current_staff(), theme_id, typed)
    except NoSuchTheme:
        abort(404)
    except ThemeRefused as error:
        theme = _theme(theme_id) if theme_id is not None else None
        # A refused upload is not kept: the administrator chooses the file again.
        return _edit_page(theme, typed, str(error.message), error.field, status=422)
    flash(_("The theme is saved."), "success")
    for reason in saved.dropped:
        flash(_("Left out of the custom CSS: %(reason)s", reason=str(reason)), "warning")
    for warning in saved.warnings:
        flash(str(warning), "warning")
    return redirect(url_for("admin.theme_edit", theme_id=saved.theme.id))


@bp.post(f"{THEMES}/<{ID}:theme_id>/default")
@administrators_only
def theme_default(theme_id):
    """Make a theme the one sites without their own theme show."""
    try:
        theme = make_default(current_staff(), theme_id)
    except NotAllowed:
        abort(404)
    flash(_("%(name)s is now the default theme.", name=theme.name), "success")
    return redirect(url_for("admin.theme_list"))


@bp.post(f"{THEMES}/<{ID}:theme_id>/delete")
@administrators_only
def theme_delete(theme_id):
    """Delete a theme; the sites that used it show the default theme."""
    try:
        delete_theme(current_staff(), theme_id)
    except NotAllowed:
        abort(404)
    flash(_("The theme is deleted. Sites that used it now show the default theme."), "success")
    return redirect(url_for("admin.theme_list"))


@bp.get(f"{THEMES}/<{ID}:theme_id>/preview/<{ID}:site_id>/<lang>")
@administrators_only
def theme_preview_page(theme_id, site_id, lang):
    """The widget's catalogue of a site wearing a saved theme, for the edit page's frame."""
    if lang not in setting("LANGUAGES"):
        abort(404)
    try:
        preview = theme_preview(current_staff(), theme_id, site_id)
    except NotAllowed:
        abort(404)
    g.site, g.account = preview.site, None
    # Framed by the edit page only: this server, never another site.
    g.frame_origins = [request.host_url.rstrip("/")]
    return render_template(
        "public/catalogue.html", sections=preview.sections, help_pages=preview.help_pages,
        theme=preview.theme, theme_css=url_for("admin.theme_preview_css", theme_id=theme_id),
        theme_logo=url_for("admin.theme_preview_logo", theme_id=theme_id)
        if preview.theme.logo_key else None)


@bp.post(f"{THEMES}/preview")
@administrators_only
def theme_preview_changes():
    """The widget's catalogue wearing the theme as typed, not saved: the edit form's "Preview
    changes" button sends the form here, into the preview frame."""
    # Framed by the edit page only (this server), refusals included.
    g.frame_origins = [request.host_url.rstrip("/")]
    typed, language = _typed(), request.form.get("preview_lang", "")
    theme_id, site_id = (posted_id(request.form.get(name)) or None
                         for name in ("theme", "preview_site"))
    if language not in setting("LANGUAGES"):
        abort(404)
    try:
        preview = preview_changes(current_staff(), theme_id, typed, site_id or 0)
    except NoSuchTheme:
        abort(404)
    except ThemeRefused as error:
        return render_template("admin/error.html", title=_("Preview"),
                               message=error.message), 422
    g.site, g.account = preview.site, None
    nonce = secrets.token_urlsafe(16)
    with force_locale(language):
        page = render_template(
            "public/catalogue.html", sections=preview.sections, help_pages=preview.help_pages,
            theme=preview.theme, theme_inline_css=inline_stylesheet(preview.theme),
            style_nonce=nonce, lang=language, dir=text_direction(language),
            theme_logo=url_for("admin.theme_preview_logo", theme_id=theme_id)
            if preview.theme.logo_key else None)
    response = current_app.response_class(page)
    response.headers["Content-Security-Policy"] = policy_with_style_nonce(nonce)
    return response


@bp.get(f"{THEMES}/<{ID}:theme_id>/theme.css")
@administrators_only
def theme_preview_css(theme_id):
    """A theme's stylesheet, for the preview."""
    return current_app.response_class(theme_stylesheet(_theme(theme_id)), mimetype="text/css")


@bp.get(f"{THEMES}/<{ID}:theme_id>/logo")
@administrators_only
def theme_preview_logo(theme_id):
    """A theme's logo, for the list and the preview."""
    theme = _theme(theme_id)
    if not theme.logo_key:
        abort(404)
    response = current_app.response_class(theme_logo(theme), mimetype=theme.logo_type)
    response.headers["Content-Disposition"] = disposition("inline", "logo", theme.logo_type)
    return response
