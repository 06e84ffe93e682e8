"""The reader's locale and time zone, read cheaply: a page asks for them once per string it
translates and per date it writes, forty times or more.

Flask-Babel keeps both in its per-context namespace (g._flask_babel: babel_locale, babel_tzinfo,
set on first use and by force_locale); its own get_locale() reaches them through three context
proxies on every call. These read the same namespace through one, and leave everything that is
not yet there (the first call of a request, no context at all) to Flask-Babel, so that the
answer is always the one Flask-Babel would give.
"""
from __future__ import annotations

from datetime import datetime

import flask_babel
import pytz
from babel import Locale
from flask import g


def babel_state():
    """Flask-Babel's namespace of this context (g._flask_babel), or None before its first use."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no application context: Flask-Babel's answer (None) below
        return None


def current_locale() -> Locale | None:
    """The locale the page is written in: flask_babel.get_locale(), fast once it is known."""
    locale = getattr(babel_state(), "babel_locale", None)
    return locale if locale is not None else flask_babel.get_locale()


def current_timezone():
    """The reader's time zone: flask_babel.get_timezone(), fast once it is known."""
    zone = getattr(babel_state(), "babel_tzinfo", None)
    return zone if zone is not None else flask_babel.get_timezone()


def in_reader_zone(moment: datetime) -> datetime:
    """A moment in the reader's time zone, as flask_babel.to_user_timezone gives it (a naive
    moment is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=pytz.utc)
    zone = current_timezone()
    return zone.normalize(moment.astimezone(zone))
