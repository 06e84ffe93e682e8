"""Language choice, text direction and locale-aware dates for pages and messages."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from types import SimpleNamespace

import pytz
from flask import Flask, current_app, g, request
from flask_babel import force_locale, format_date, format_time
from markupsafe import Markup
from babel.dates import get_timezone_gmt
from persiantools.jdatetime import JalaliDate

from widget.calendars import parse_solar_hijri, solar_hijri_input
from widget.local_numbers import list_of, local_digits, local_number
from widget.models._types import as_utc
from widget.reader_locale import current_locale, in_reader_zone
from widget.untrusted import parse_day

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
    if g.get("address_language"):  # a widget address no route took (public/unmatched.py)
        return g.address_language
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


# What Babel wrote for a day, an hour and minute, or a zone's offset, by locale: the same
# words every time, and Babel's formatting costs a page more than the rest of its dates.
# Bounded: past the limit, new values are written out and not kept.
_WRITTEN: dict[tuple, str] = {}
WRITTEN_LIMIT = 20_000


def _written(key: tuple, write) -> str:
    text = _WRITTEN.get(key)
    if text is None:
        text = write()
        if len(_WRITTEN) < WRITTEN_LIMIT:
            _WRITTEN[key] = text
    return text


def format_day(day: date | None) -> str:
    """A date in the reader's locale; in Persian the Solar Hijri date first, then the Gregorian,
    both in Persian digits."""
    if day is None:
        return ""
    language = str(current_locale())
    if isinstance(day, datetime):  # Babel moves a moment to the reader's zone: not kept
        return _day(day, language)
    return _written(("day", day, language), lambda: _day(day, language))


def _day(day: date, language: str) -> str:
    gregorian = format_date(day, format="long")
    if language == "fa":
        return local_digits(f"{_jalali(day)} ({gregorian})")
    return gregorian


def format_moment(moment: datetime | None) -> str:
    """A date and time in the reader's locale and the organisation's timezone, to the minute:
    one format for every moment of a page, deadlines included."""
    if moment is None:
        return ""
    local = in_reader_zone(as_utc(moment))
    clock = _written(("time", local.hour, local.minute, str(current_locale())),
                     lambda: local_digits(format_time(local, format="short")))
    return f"{format_day(local.date())}, {clock}"


def format_due(moment: datetime | None) -> str:
    """A deadline: its day in the reader's locale (Solar Hijri first in Persian) and the hour."""
    return format_moment(moment)


def date_field_value(value: str) -> str:
    """What a date field shows: in Persian a stored Gregorian day as Solar Hijri (۱۴۰۵/۰۹/۱۴);
    anything else, as the person typed it."""
    day = parse_day(value)
    if day is None or str(current_locale()) != "fa":
        return value
    return solar_hijri_input(day)


def date_field_other_calendar(value: str) -> str:
    """The day a Persian date field holds, in the Gregorian calendar ("" when it holds none)."""
    if str(current_locale()) != "fa":
        return ""
    day = parse_day(value) or parse_solar_hijri(value)
    return local_digits(format_date(day, format="long")) if day else ""


def isolated(value) -> Markup:
    """A value of its own direction (a name, an address, a code) set inside a sentence: <bdi>."""
    return Markup("<bdi>%s</bdi>") % value


def organisation_zone(moment: datetime) -> dict[str, str | int]:
    """The organisation's time zone at a moment, for a page that shows it only to people whose
    own zone differs (their browser compares offsets: aliases such as Asia/Saigon agree):
    its offset as the reader's language writes it (GMT+07:00) and in minutes."""
    local = in_reader_zone(as_utc(moment))
    offset = local.utcoffset()
    locale = current_locale()
    name = _written(("zone", offset, str(locale)), lambda: local_digits(
        get_timezone_gmt(local, width="long", locale=locale)))
    return {"name": name, "offset": int(offset.total_seconds() // 60)}


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
    app.jinja_env.filters["number"] = local_number
    app.jinja_env.filters["list_of"] = list_of
    app.jinja_env.filters["isolated"] = isolated
    app.jinja_env.filters["organisation_zone"] = organisation_zone
    app.jinja_env.filters["date_field_value"] = date_field_value
    app.jinja_env.filters["date_field_other_calendar"] = date_field_other_calendar

    @app.context_processor
    def language_context():
        language = str(current_locale())
        return {"lang": language, "dir": text_direction(language),
                "language_names": LANGUAGE_NAMES, "languages": supported_languages()}
