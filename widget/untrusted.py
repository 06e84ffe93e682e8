"""Reading values that come from outside (people, systems, attackers): ids, days, and whether a
text can be stored at all. widget.request_guard applies them at the web boundary.

Each reader answers "no such thing" (None) for anything it does not accept, so the caller gives
its own 404 or translated error, never an exception the database or the standard library raises
later: an id the database's integer cannot hold, a day whose year runs off the calendar once a
deadline is added, a NUL byte PostgreSQL refuses to store. No Flask here: services use it too."""
from __future__ import annotations

import re
from datetime import date

# The largest id an INTEGER column holds (PostgreSQL and SQLite's 32-bit ids of this schema).
MAX_ID = 2**31 - 1
# Days outside these years are no one's birth, holiday or deadline; within them every date
# arithmetic the services do (deadlines, windows, working days) stays inside the calendar.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A NUL cannot be stored in a PostgreSQL text column; a lone surrogate cannot be encoded as
# UTF-8 at all (not for the database, not for the page that shows it again).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_id(text: str | None) -> int | None:
    """The id written in `text` (ASCII digits only, within the database's integer), else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None  # "²".isdigit() and "٣".isdigit() are true, yet neither is an id
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def json_id(value) -> int | None:
    """A JSON number that is a row id (a whole number within the database's integer, not a
    boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def parse_day(text: str | None) -> date | None:
    """The day written as YYYY-MM-DD (ASCII digits) in a year from 1900 to 2999, else None."""
    text = (text or "").strip()
    if not _DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def is_storable(text: str) -> bool:
    """Whether `text` can be stored and shown: no NUL byte and no lone surrogate."""
    return UNSTORABLE.search(text) is None
