"""Language choice, text direction and locale-aware dates for pages and messages."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from types import SimpleNamespace

import pytz
from flask import Flask, current_app, g, request
from flask_babel import (force_locale, format_date, format_datetime, format_time, get_locale,
                         to_user_timezone)
from persiantools.jdatetime import JalaliDate

from widget.models._types import as_utc

RIGHT_TO_LEFT = {"fa"}
# Each language named in itself, for the switcher.
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt", "fa": "فارسی", "ru": "Русский"}
# The languages the catalogs translate: what per-language texts (titles, labels...) may be in.
TRANSLATED_LANGUAGES = tuple(LANGUAGE_NAMES)


def supported_languages() -> list[str]:
    return current_app.config["FRONTDESK_LANGUAGES"]


def best_language(requested: str | None = None, site_default: str | None = None) -> str:
    """The snippet's language if supported, else the browser's, else the site's, else default."""
    languages = supported_languages()
    if requested in languages:
        return requested
    from_browser = request.accept_languages.best_match(languages) if request else None
    return from_browser or (site_default if site_default in languages else None) or \
        current_app.config["FRONTDESK_DEFAULT_LANGUAGE"]


def select_locale() -> str:
    """Flask-Babel's locale selector: the language in the URL wins; it survives without cookies.
    A staff member who chose a language in the back office reads it there (g.reader_language)."""
    if g.get("reader_language"):
        return g.reader_language
    if request and request.view_args and request.view_args.get("lang") in supported_languages():
        return request.view_args["lang"]
    return best_language(request.args.get("lang") if request else None)


def select_timezone() -> str | None:
    """The organisation's timezone, once a view has found the site."""
    site = g.get("site")
    return site.organization.timezone if site is not None else None


def use_timezone(name: str) -> None:
    """Show this request's dates in the timezone `name` (an organisation's)."""
    # Flask-Babel asks its timezone selector once per request and caches the answer in its
    # g._flask_babel namespace; pages that know the organisation without a site fill it here.
    try:
        zone = pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        return
    g.setdefault("_flask_babel", SimpleNamespace()).babel_tzinfo = zone


@contextmanager
def reading_as(language: str, timezone_name: str) -> Iterator[None]:
    """Translate and format dates for one reader (a notification's recipient), then restore."""
    babel_state = g.setdefault("_flask_babel", SimpleNamespace())
    previous = getattr(babel_state, "babel_tzinfo", None)
    use_timezone(timezone_name)
    try:
        with force_locale(language):
            yield
    finally:
        babel_state.babel_tzinfo = previous


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def format_day(day: date | None) -> str:
    """A date in the reader's locale; in Persian the Solar Hijri date first, then the Gregorian."""
    if day is None:
        return ""
    gregorian = format_date(day, format="long")
    if str(get_locale()) == "fa":
        return f"{_jalali(day)} ({gregorian})"
    return gregorian


def format_moment(moment: datetime | None) -> str:
    """A date and time in the reader's locale and the organisation's timezone."""
    if moment is None:
        return ""
    moment = as_utc(moment)
    text = format_datetime(moment, format="medium")
    if str(get_locale()) == "fa":
        return f"{_jalali(to_user_timezone(moment).date())} ({text})"
    return text


def format_due(moment: datetime | None) -> str:
    """A deadline: its day in the reader's locale (Solar Hijri first in Persian) and the hour."""
    if moment is None:
        return ""
    local = to_user_timezone(as_utc(moment))
    return f"{format_day(local.date())}, {format_time(local, format='short')}"


def machine_moment(moment: datetime) -> str:
    """A moment for <time datetime>: UTC to the second, e.g. 2026-11-23T19:22:40+00:00."""
    return as_utc(moment).isoformat(timespec="seconds")


def _jalali(day: date) -> str:
    """A Solar Hijri date in Persian words and digits: ۰۲ آذر ۱۴۰۵."""
    return JalaliDate(day).strftime("%d %B %Y", locale="fa")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["due"] = format_due
    app.jinja_env.filters["machine_moment"] = machine_moment

    @app.context_processor
    def language_context():
        language = str(get_locale())
        return {"lang": language, "dir": text_direction(language),
                "language_names": LANGUAGE_NAMES, "languages": supported_languages()}
