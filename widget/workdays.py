"""Working-day arithmetic: weekends, a country's public holidays and extra closed days."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

WEEKEND = {5, 6}  # Saturday, Sunday


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the library does not know: weekends only
        return frozenset()


def is_working_day(day: date, country: str, closed_days: Iterable[date] = ()) -> bool:
    """True when the organisation is open on that day."""
    return (
        day.weekday() not in WEEKEND
        and day not in _public_holidays(country, day.year)
        and day not in set(closed_days)
    )


def add_working_days(start: date, days: int, country: str, closed_days: Iterable[date] = ()) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    closed = frozenset(closed_days)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, country, closed):
            remaining -= 1
    return day
