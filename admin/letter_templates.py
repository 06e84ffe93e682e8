"""The administrators' letter templates: each kind of answer letter's title and text per
language, with placeholders checked on save."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.hub import admin_section
from admin.routes import current_staff
from widget.config import setting
from widget.i18n import text_direction
from widget.services.access import NotAllowed
from widget.services.letter_templates import (ANSWER_HINT, KINDS, MAX_BODY, PLACEHOLDERS,
                                              LetterWording, TemplateRefused, reset_template,
                                              save_template, template_of, template_overview)

TEMPLATE = "/letter-templates/<kind>/<language>"


@admin_section(_l("Letter templates"),
               _l("The title and text each kind of answer letter starts from, per language."), 72)
@bp.get("/letter-templates")
@administrators_only
def letter_template_list():
    """Every kind of letter with the languages the organisation wrote its own wording in."""
    languages = setting("LANGUAGES")
    return render_template("admin/letter_templates.html", kinds=KINDS, languages=languages,
                           own=template_overview(current_staff(), languages))


def _editor(wording: LetterWording, title: str, body: str,
            problems: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "admin/letter_template.html", wording=wording, kind_name=KINDS[wording.kind],
        title_text=title, body=body, problems=problems or {}, placeholders=PLACEHOLDERS,
        answer_hint=ANSWER_HINT, text_dir=text_direction(wording.language),
        max_body=MAX_BODY), status


@bp.route(TEMPLATE, methods=["GET", "POST"])
@administrators_only
def letter_template(kind, language):
    """The editor of one kind of letter in one language; saving checks its placeholders."""
    staff, languages = current_staff(), setting("LANGUAGES")
    try:
        wording = template_of(staff, kind, language, languages)
    except NotAllowed:  # no such kind or language
        abort(404)
    if request.method == "GET":
        return _editor(wording, wording.title, wording.body)
    title, body = request.form.get("title", ""), request.form.get("body", "")
    try:
        save_template(staff, kind, language, title, body, languages)
    except TemplateRefused as refused:
        # str(): a lazy string is trusted as HTML by Jinja, and this one quotes typed text.
        return _editor(wording, title, body, {name: str(message) for name, message
                                              in refused.problems.items()}, status=422)
    except NotAllowed as error:  # another administrator saved the first wording at once
        return _editor(wording, title, body, {"body": str(error.message)}, status=409)
    flash(_("The letter template is saved: letters started from now on use it."), "success")
    return redirect(url_for("admin.letter_template", kind=kind, language=language))


@bp.post(f"{TEMPLATE}/default")
@administrators_only
def letter_template_reset(kind, language):
    """Drop the organisation's own wording: the built-in default applies again."""
    try:
        reset_template(current_staff(), kind, language, setting("LANGUAGES"))
    except NotAllowed:
        abort(404)
    flash(_("The default letter template applies again."), "success")
    return redirect(url_for("admin.letter_template", kind=kind, language=language))
