"""Working-day arithmetic: weekends, a country's public holidays and extra closed days."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKEND = {5, 6}  # Saturday, Sunday


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the library does not know: weekends only
        return frozenset()


def _is_open(day: date, country: str, closed: frozenset[date] | set[date]) -> bool:
    return (day.weekday() not in WEEKEND and day not in closed
            and day not in _public_holidays(country, day.year))


def is_working_day(day: date, country: str, closed_days: Iterable[date] = ()) -> bool:
    """True when the organisation is open on that day."""
    return _is_open(day, country, set(closed_days))


def add_working_days(start: date, days: int, country: str, closed_days: Iterable[date] = ()) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    closed = frozenset(closed_days)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if _is_open(day, country, closed):
            remaining -= 1
    return day


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes that were stored as UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date()  # accepts "2026-10-20" and full ISO datetimes


@dataclass(frozen=True)
class WorkCalendar:
    """An organisation's working time: opening hours on working days, in its own timezone."""

    country: str
    timezone: str
    closed_days: frozenset[date] = frozenset()
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)

    def __post_init__(self) -> None:
        # Callers pass lists; a frozenset keeps the calendar hashable and lookups O(1).
        object.__setattr__(self, "closed_days", frozenset(_as_date(d) for d in self.closed_days))
        ZoneInfo(self.timezone)  # fail now on an unknown zone, not at the first deadline
        if not self.day_start < self.day_end:
            raise ValueError("day_start must be before day_end (overnight hours are not supported)")

    @classmethod
    def for_organization(cls, organization) -> WorkCalendar:
        """The calendar of an organisation (country, timezone, closed_days, optional day_start/day_end)."""
        start = getattr(organization, "day_start", None) or "08:00"
        end = getattr(organization, "day_end", None) or "17:00"
        return cls(
            country=organization.country,
            timezone=organization.timezone or "UTC",
            closed_days=frozenset(_as_date(d) for d in organization.closed_days or ()),
            day_start=time.fromisoformat(start),
            day_end=time.fromisoformat(end),
        )

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # zoneinfo caches instances per key

    def is_working_day(self, day: date) -> bool:
        """True when the organisation is open on that local date."""
        return _is_open(day, self.country, self.closed_days)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself does not count)."""
        return add_working_days(start, days, self.country, self.closed_days)

    def _opening_hours(self, day: date) -> tuple[datetime, datetime]:
        # Combine in local time, then convert: the UTC offset differs on either side of a DST change.
        zone = self._zone
        return (datetime.combine(day, self.day_start, zone).astimezone(timezone.utc),
                datetime.combine(day, self.day_end, zone).astimezone(timezone.utc))

    def start_of_day(self, day: date) -> datetime:
        """The UTC moment a local date begins (its midnight, whatever the DST rules make of it)."""
        return datetime.combine(day, time.min, self._zone).astimezone(timezone.utc)

    def local_date(self, moment: datetime) -> date:
        """The organisation's calendar date at a moment."""
        return _utc(moment).astimezone(self._zone).date()

    def end_of_working_day(self, day: date) -> datetime:
        """The UTC moment the organisation closes on that local date."""
        return self._opening_hours(day)[1]

    def due_at(self, submitted_at: datetime, days: int) -> datetime:
        """Closing time of the day `days` working days after the local date of submission."""
        return self.end_of_working_day(self.add_working_days(self.local_date(submitted_at), days))

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Seconds of opening hours on working days between two moments (0 if end <= start)."""
        start, end = _utc(start), _utc(end)
        total = timedelta()
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._opening_hours(day)
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total // timedelta(seconds=1)  # whole seconds, exact (no float rounding)

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The UTC moment after `seconds` of working time from `start`."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        moment, remaining = _utc(start), timedelta(seconds=seconds)
        day = self.local_date(moment)
        while True:
            if self.is_working_day(day):
                opens, closes = self._opening_hours(day)
                # Closing time counts as inside the day, so a deadline shifted by 0 stays
                # at 17:00 and a span ending at closing returns closing, not the next opening.
                if moment <= closes:
                    begin = max(moment, opens)
                    if remaining <= closes - begin:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)

    def working_hours_until(self, now: datetime, deadline: datetime) -> float:
        """Working hours left until the deadline; negative working hours overdue once past it."""
        now, deadline = _utc(now), _utc(deadline)
        if now <= deadline:
            return self.working_seconds_between(now, deadline) / 3600
        return -self.working_seconds_between(deadline, now) / 3600
