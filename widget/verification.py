"""Blueprint "verify": the public page that tells a genuine letter from a forged one, opened by
the QR code or the verification code printed on it (/v/<code>). No sign-in, no site: it shows
what the organisation vouches for (issuer, date, journal number, the document's SHA-256) and
nothing of the person; and it compares a PDF someone uploads with the issued one, byte for byte.
Lookups share the rate limit of the other code lookups, so that codes cannot be enumerated."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import get_locale

from widget.config import setting
from widget.extensions import limiter
from widget.i18n import format_day, supported_languages
from widget.models._types import as_utc, localized
from widget.services.letter_verification import (display_verification_code, is_issued_document,
                                                 issued_letter, parse_verification_code)

bp = Blueprint("verify", __name__, url_prefix="/v")
MAX_UPLOAD = 20 * 1024 * 1024  # a letter is some tens of kilobytes; a bigger file is not it
def _is_language_switch() -> bool:
    """The form page again in another language, with the code typed on it (looked up nowhere)."""
    return request.endpoint == "verify.verify_form" and request.args.get("switch") == "1"


# One count for typed codes, links and uploads: however a guess arrives, it is one guess. A
# language switch of a page showing a mistyped code looks nothing up, so it is none.
_lookups = limiter.shared_limit(lambda: setting("RATE_LIMIT_LOOKUP"), scope="letter-verification",
                                exempt_when=_is_language_switch)


@bp.get("/")
@_lookups
def verify_form():
    """Where a typed verification code goes; the code in the URL opens its letter."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("verify/code.html")
    code = parse_verification_code(typed)
    if _is_language_switch():
        # The page again in another language, with what was typed: no letter is looked up
        # (the switch is not counted), so a code that reads as one is only given back.
        return render_template("verify/code.html", typed=typed, not_found=code is None), \
            404 if code is None else 200
    if code is None:
        return render_template("verify/code.html", typed=typed, not_found=True), 404
    language = request.args.get("lang")
    return redirect(url_for("verify.verify_letter", code=code,
                            lang=language if language in supported_languages() else None))


@bp.route("/<code>", methods=["GET", "POST"])
@_lookups
def verify_letter(code):
    """What the organisation issued under this code; with a PDF posted, whether it is that."""
    g.private_page = True  # no cache keeps a page that answers about a posted file
    letter = issued_letter(code)
    if letter is None:
        return render_template("verify/code.html", typed=code, not_found=True), 404
    verdict = None
    if request.method == "POST":
        upload = request.files.get("document")
        data = upload.read(MAX_UPLOAD + 1) if upload is not None and upload.filename else None
        verdict = "missing" if data is None else (
            "genuine" if len(data) <= MAX_UPLOAD and is_issued_document(letter, data)
            else "changed")
    language = str(get_locale())
    issued_day = as_utc(letter.issued_at).astimezone(ZoneInfo(letter.timezone or "UTC")).date()
    return render_template(
        "verify/letter.html", letter=letter, verdict=verdict, issued_day=format_day(issued_day),
        organisation=localized(letter.organisation_names, language),
        unit=localized(letter.unit_names, language),
        shown_code=display_verification_code(letter.code)), \
        422 if verdict in ("missing", "changed") else 200
