"""The administrators' notification settings: which notices go out by e-mail and by SMS, the
organisation's own wording of each (with a live SMS counter), and how its SMS are written."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.routes import current_staff
from widget.config import setting
from widget.i18n import text_direction
from widget.notify import sms_text
from widget.services.access import NotAllowed
from widget.services.notice_settings import (MAX_BODY, Wording, WordingRefused, clean_text,
                                             notice_overview, reset_wording, save_sms_settings,
                                             save_wording, set_channel, wording_of)

SETTINGS = "/notifications/settings"
WORDING = f"{SETTINGS}/<key>/<channel>/<language>"
# What each placeholder becomes when the message is sent.
PLACEHOLDERS = {
    "code": _l("the request's tracking code"),
    "number": _l("the journal number, or the tracking code before registration"),
    "form": _l("the title of the form"),
    "organisation": _l("your organisation's name"),
    "due": _l("the date the answer is due"),
    "note": _l("the note staff write for the person (may be empty)"),
    "reason": _l("the reason for the refusal"),
    "title": _l("the title of the answer letter"),
    "amount": _l("the amount of the fee"),
    "receipt": _l("the number of the payment receipt"),
    "item_number": _l("the postal item number"),
    "field": _l("the name of the date the reminder is about"),
    "date": _l("the date the reminder is about"),
    "resume_code": _l("the code that continues the unsent draft"),
    "codes": _l("the tracking codes of the person's requests"),
}


def _overview(problems: dict[str, str] | None = None, error: str | None = None,
              typed: dict | None = None, status: int = 200):
    """The settings page; after a refusal, why, and what was typed."""
    notices = notice_overview(current_staff())
    organization = current_staff().organization
    sms = typed or {"without_diacritics": organization.sms_drops_diacritics,
                    "max_segments": organization.sms_max_segments}
    return render_template("admin/notice_settings.html", notices=notices, sms=sms,
                           problems=problems or {}, error=error), status


def _cost_per_thousand(parts: int, part_price) -> str | None:
    """What 1,000 messages of this many parts cost, in the reader's locale; None: no price set."""
    if part_price is None:
        return None
    return format_decimal(part_price * parts * 1000, format="#,##0.##")


def _wording_page(wording: Wording, subject: str, body: str,
                  problems: dict[str, str] | None = None, status: int = 200):
    counted = clean_text(body)
    # Counted as sms_body will send it: GSM-7 typography, diacritics stripped if chosen.
    counted = (sms_text.strip_diacritics if wording.without_diacritics else sms_text.to_gsm)(counted)
    return render_template(
        "admin/notice_wording.html", wording=wording, subject=subject, body=body,
        problems=problems or {}, sms=sms_text.analyse(counted), placeholder_hints=PLACEHOLDERS,
        cost=_cost_per_thousand(sms_text.segments(counted), wording.part_price),
        part_price="" if wording.part_price is None else format(wording.part_price.normalize(), "f"),
        text_dir=text_direction(wording.language), max_body=MAX_BODY), status


def _to_wording(key: str, channel: str, language: str):
    return redirect(url_for("admin.notice_wording", key=key, channel=channel, language=language))


@bp.get(SETTINGS)
@administrators_only
def notice_settings():
    """Every notice with its e-mail and SMS switches and wordings, and the SMS settings."""
    return _overview()


@bp.post(f"{SETTINGS}/<key>/<channel>")
@administrators_only
def notice_channel(key, channel):
    """Turn one notice on or off on one channel."""
    try:
        set_channel(current_staff(), key, channel, request.form.get("enabled") == "1")
    except NotAllowed as error:
        return _overview(error=str(error.message), status=422)
    flash(_("The notification settings are saved."), "success")
    return redirect(url_for("admin.notice_settings", _anchor=f"notice-{key}"))


@bp.post(f"{SETTINGS}/sms")
@administrators_only
def notice_sms_settings():
    """Save how the organisation's SMS are written."""
    without = request.form.get("without_diacritics") == "1"
    text = request.form.get("max_segments", "").strip()
    # Not a number: 0, which is out of range, so the service refuses it in its own words.
    segments = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
    try:
        save_sms_settings(current_staff(), without, segments)
    except NotAllowed as error:
        return _overview(problems={"max_segments": str(error.message)}, status=422,
                         typed={"without_diacritics": without, "max_segments": text})
    flash(_("The SMS settings are saved."), "success")
    return redirect(url_for("admin.notice_settings", _anchor="sms-settings"))


@bp.route(WORDING, methods=["GET", "POST"])
@administrators_only
def notice_wording(key, channel, language):
    """The wording editor for one notice, channel and language; saving checks placeholders."""
    staff, languages = current_staff(), setting("LANGUAGES")
    problems = None
    if request.method == "POST":
        subject, body = request.form.get("subject", ""), request.form.get("body", "")
        try:
            save_wording(staff, key, channel, language, subject, body, languages)
        except WordingRefused as refused:
            # str(): a lazy string is trusted as HTML by Jinja, and this one quotes typed text.
            problems = {field: str(message) for field, message in refused.problems.items()}
        except NotAllowed as error:
            # Not an administrator, or no such notice: wording_of below refuses too, with a 404.
            # Else another administrator saved at the same moment: say so beside the text.
            problems = {"body": str(error.message)}
        else:
            flash(_("The wording is saved: the next messages use it."), "success")
            return _to_wording(key, channel, language)
    try:
        wording = wording_of(staff, key, channel, language, languages)
    except NotAllowed:  # not an administrator, or no such notice, channel or language
        abort(404)
    if problems is None:
        return _wording_page(wording, wording.subject, wording.body)
    return _wording_page(wording, subject, body, problems, status=422)


@bp.post(f"{WORDING}/default")
@administrators_only
def notice_wording_reset(key, channel, language):
    """Drop the organisation's own wording: the translated default applies again."""
    if language not in setting("LANGUAGES"):
        abort(404)
    try:
        reset_wording(current_staff(), key, channel, language)
    except NotAllowed:
        abort(404)
    flash(_("The default wording applies again."), "success")
    return _to_wording(key, channel, language)
