"""Due dates in working days: weekends, national holidays and the organisation's closed days."""
import time as clock
from datetime import date, datetime, time, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widget.workdays import WorkCalendar, add_working_days, is_working_day


def test_a_weekend_is_skipped():
    friday = date(2026, 10, 16)
    assert add_working_days(friday, 1, "VN") == date(2026, 10, 19)  # Monday
    assert add_working_days(friday, 5, "VN") == date(2026, 10, 23)


def test_a_public_holiday_is_skipped():
    # 2 September is Vietnam's National Day; in 2026 it is a Wednesday.
    assert not is_working_day(date(2026, 9, 2), "VN")
    tuesday = date(2026, 9, 1)
    assert add_working_days(tuesday, 1, "VN") == date(2026, 9, 3)


def test_the_country_decides_the_holidays():
    # 4 November is Unity Day in Russia, an ordinary Wednesday in Vietnam (2026).
    tuesday = date(2026, 11, 3)
    assert add_working_days(tuesday, 1, "RU") == date(2026, 11, 5)
    assert add_working_days(tuesday, 1, "VN") == date(2026, 11, 4)


def test_extra_closed_days():
    monday = date(2026, 10, 19)
    assert add_working_days(monday, 1, "VN", [date(2026, 10, 20)]) == date(2026, 10, 21)


def test_new_year_across_years_and_unknown_country():
    assert add_working_days(date(2026, 12, 31), 1, "VN") == date(2027, 1, 4)
    # A country the library does not know still skips weekends.
    assert add_working_days(date(2026, 11, 20), 1, "ZZ") == date(2026, 11, 23)


def test_zero_days_is_the_same_day():
    assert add_working_days(date(2026, 11, 21), 0, "VN") == date(2026, 11, 21)


# --- WorkCalendar: deadlines in working hours, in the organisation's timezone -------------------
#
# Vietnam (Asia/Ho_Chi_Minh) is UTC+7 all year, so the default opening hours 08:00-17:00 local
# are 01:00-10:00 UTC. Expected moments below are written as local time, then UTC.


UTC = timezone.utc
HOUR = 3600
VIETNAM = WorkCalendar(country="VN", timezone="Asia/Ho_Chi_Minh")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def shifted(calendar: WorkCalendar, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """The deadline after a pause, the way the back office moves it."""
    return calendar.add_working_seconds(due, calendar.working_seconds_between(paused_at, resumed_at))


def test_a_pause_within_one_day_moves_the_deadline_into_the_next_day():
    # Paused Thu 15 Oct 2026 10:00 -> 15:00 local = 5 working hours.
    paused, resumed = utc(2026, 10, 15, 3), utc(2026, 10, 15, 8)
    assert VIETNAM.working_seconds_between(paused, resumed) == 5 * HOUR
    # Due Thu 17:00 local (10:00 UTC) + 5 h -> Fri 16 Oct 08:00 + 5 h = 13:00 local = 06:00 UTC.
    assert shifted(VIETNAM, utc(2026, 10, 15, 10), paused, resumed) == utc(2026, 10, 16, 6)


def test_a_pause_across_a_weekend_counts_only_friday_and_monday():
    # Paused Fri 16 Oct 15:00 local (08:00 UTC), resumed Mon 19 Oct 10:00 local (03:00 UTC):
    # Friday 15-17 (2 h) + Monday 8-10 (2 h) = 4 h.
    paused, resumed = utc(2026, 10, 16, 8), utc(2026, 10, 19, 3)
    assert VIETNAM.working_seconds_between(paused, resumed) == 4 * HOUR
    # Due Fri 23 Oct 15:00 local (08:00 UTC) + 4 h -> 2 h on Friday, 2 h on Mon 26 Oct
    # -> 10:00 local = 03:00 UTC.
    assert shifted(VIETNAM, utc(2026, 10, 23, 8), paused, resumed) == utc(2026, 10, 26, 3)


def test_a_pause_across_the_national_day_skips_the_holidays():
    # In this holidays version Mon 31 Aug (substituted day off), Tue 1 and Wed 2 Sep 2026
    # (National Day) are all closed.
    for day in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not VIETNAM.is_working_day(day)
    # Paused Fri 28 Aug 15:00 local (08:00 UTC), resumed Thu 3 Sep 10:00 local (03:00 UTC):
    # Friday 2 h + Thursday 2 h = 4 h.
    paused, resumed = utc(2026, 8, 28, 8), utc(2026, 9, 3, 3)
    assert VIETNAM.working_seconds_between(paused, resumed) == 4 * HOUR
    # Due Fri 28 Aug 16:00 local (09:00 UTC) + 4 h -> 1 h on Friday, 3 h on Thu 3 Sep
    # -> 11:00 local = 04:00 UTC.
    assert shifted(VIETNAM, utc(2026, 8, 28, 9), paused, resumed) == utc(2026, 9, 3, 4)
    # Tue 24 Nov 2026 (Vietnam Cultural Day) is closed too: Mon 16:00 local + 2 h -> Wed 09:00 local.
    assert VIETNAM.add_working_seconds(utc(2026, 11, 23, 9), 2 * HOUR) == utc(2026, 11, 25, 2)


def test_a_pause_outside_working_hours_counts_only_working_time():
    # Paused Mon 19 Oct 19:00 local (12:00 UTC), resumed Wed 21 Oct 06:30 local (Tue 23:30 UTC):
    # only Tuesday 20 Oct 08:00-17:00 counts = 9 h.
    assert VIETNAM.working_seconds_between(utc(2026, 10, 19, 12), utc(2026, 10, 20, 23, 30)) == 9 * HOUR
    # Sat 17 Oct 09:00 -> Sun 18 Oct 15:00 local: nothing.
    assert VIETNAM.working_seconds_between(utc(2026, 10, 17, 2), utc(2026, 10, 18, 8)) == 0
    # An end before the start is not negative time.
    assert VIETNAM.working_seconds_between(utc(2026, 10, 20, 8), utc(2026, 10, 20, 2)) == 0


def test_end_of_working_day_is_closing_time_in_the_organisation_timezone():
    # 17:00 in Ho Chi Minh City (UTC+7) = 10:00 UTC.
    assert VIETNAM.end_of_working_day(date(2026, 10, 16)) == utc(2026, 10, 16, 10)
    # 17:00 in Moscow (UTC+3, no DST) = 14:00 UTC, winter and summer alike.
    moscow = WorkCalendar(country="RU", timezone="Europe/Moscow")
    assert moscow.end_of_working_day(date(2026, 1, 15)) == utc(2026, 1, 15, 14)
    assert moscow.end_of_working_day(date(2026, 7, 15)) == utc(2026, 7, 15, 14)


def test_due_at_counts_from_the_local_date_of_submission():
    # Fri 16 Oct 22:30 local (15:30 UTC) + 1 working day -> Mon 19 Oct 17:00 local = 10:00 UTC.
    assert VIETNAM.due_at(utc(2026, 10, 16, 15, 30), 1) == utc(2026, 10, 19, 10)
    # Fri 16 Oct 06:00 local is still Thu 15 Oct 23:00 UTC; the local date (Friday) counts,
    # so + 1 working day is Monday, not Friday.
    assert VIETNAM.due_at(utc(2026, 10, 15, 23), 1) == utc(2026, 10, 19, 10)
    # SQLite returns naive datetimes: they are read as UTC.
    assert VIETNAM.due_at(datetime(2026, 10, 16, 15, 30), 1) == utc(2026, 10, 19, 10)


def test_adding_working_time_that_ends_at_closing_returns_closing_time():
    # Thu 15 Oct 14:00 local (07:00 UTC) + 3 h = 17:00 local = 10:00 UTC, not Fri 08:00.
    assert VIETNAM.add_working_seconds(utc(2026, 10, 15, 7), 3 * HOUR) == utc(2026, 10, 15, 10)
    # One second more spills into Fri 16 Oct 08:00:01 local = 01:00:01 UTC.
    assert VIETNAM.add_working_seconds(utc(2026, 10, 15, 7), 3 * HOUR + 1) == utc(2026, 10, 16, 1, 0, 1)
    # A deadline at closing time shifted by no working time stays put.
    assert VIETNAM.add_working_seconds(utc(2026, 10, 15, 10), 0) == utc(2026, 10, 15, 10)
    # A start outside working hours first moves to the next opening: Sat 17 Oct -> Mon 08:00 local.
    assert VIETNAM.add_working_seconds(utc(2026, 10, 17, 5), 0) == utc(2026, 10, 19, 1)
    with pytest.raises(ValueError):
        VIETNAM.add_working_seconds(utc(2026, 10, 15, 7), -1)


def test_working_hours_until_is_negative_when_overdue():
    due = utc(2026, 10, 15, 10)  # Thu 15 Oct 17:00 local
    # Thu 13:00 local: 4 working hours left.
    assert VIETNAM.working_hours_until(utc(2026, 10, 15, 6), due) == 4.0
    # Fri 16 Oct 10:30 local (03:30 UTC): 2.5 working hours overdue (Fri 08:00-10:30).
    assert VIETNAM.working_hours_until(utc(2026, 10, 16, 3, 30), due) == -2.5
    # Overdue only since the night: no working hours yet, but not positive either.
    assert VIETNAM.working_hours_until(utc(2026, 10, 15, 15), due) == 0.0


def test_a_pause_across_the_switch_to_summer_time():
    # Berlin moves from CET (UTC+1) to CEST (UTC+2) on Sunday 29 March 2026.
    berlin = WorkCalendar(country="DE", timezone="Europe/Berlin")
    assert berlin.end_of_working_day(date(2026, 3, 27)) == utc(2026, 3, 27, 16)  # Fri 17:00 CET
    assert berlin.end_of_working_day(date(2026, 3, 30)) == utc(2026, 3, 30, 15)  # Mon 17:00 CEST
    # Paused Fri 27 Mar 15:00 CET (14:00 UTC), resumed Mon 30 Mar 10:00 CEST (08:00 UTC): 2 h + 2 h.
    paused, resumed = utc(2026, 3, 27, 14), utc(2026, 3, 30, 8)
    assert berlin.working_seconds_between(paused, resumed) == 4 * HOUR
    # Due Fri 16:00 CET (15:00 UTC) + 4 h -> 1 h on Friday, 3 h on Monday -> 11:00 CEST = 09:00 UTC
    # (a fixed winter offset would give 10:00 UTC).
    assert shifted(berlin, utc(2026, 3, 27, 15), paused, resumed) == utc(2026, 3, 30, 9)


def test_calendar_from_an_organization():
    organization = SimpleNamespace(country="VN", timezone="Asia/Ho_Chi_Minh", closed_days=["2026-10-20"],
                                   day_start="09:00", day_end="18:00")
    calendar = WorkCalendar.for_organization(organization)
    assert calendar.closed_days == frozenset({date(2026, 10, 20)})
    assert not calendar.is_working_day(date(2026, 10, 20))
    assert calendar.add_working_days(date(2026, 10, 19), 1) == date(2026, 10, 21)
    assert calendar.end_of_working_day(date(2026, 10, 21)) == utc(2026, 10, 21, 11)  # 18:00 local
    # Without opening hours (or closed days) the defaults apply.
    bare = WorkCalendar.for_organization(SimpleNamespace(country="VN", timezone="Asia/Ho_Chi_Minh",
                                                         closed_days=None))
    assert bare == VIETNAM
    assert (bare.day_start, bare.day_end) == (time(8, 0), time(17, 0))


def test_shifting_by_a_year_of_working_time_is_fast():
    start = utc(2026, 1, 5, 3)
    year = 250 * 9 * HOUR
    VIETNAM.add_working_seconds(start, year)  # warm the per-year holiday cache
    began = clock.perf_counter()
    due = VIETNAM.add_working_seconds(start, year)
    assert VIETNAM.working_seconds_between(start, due) == year
    assert clock.perf_counter() - began < 0.05


CALENDARS = st.sampled_from([
    VIETNAM,
    WorkCalendar(country="RU", timezone="Europe/Moscow"),
    WorkCalendar(country="DE", timezone="Europe/Berlin", day_start=time(9, 30), day_end=time(18, 0)),
])
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
DURATIONS = st.integers(min_value=0, max_value=200 * HOUR)


@settings(max_examples=150, deadline=None, database=None)
@given(calendar=CALENDARS, start=MOMENTS, durations=st.tuples(DURATIONS, DURATIONS))
def test_adding_working_time_round_trips_and_is_monotonic(calendar, start, durations):
    short, long = sorted(durations)
    early, late = calendar.add_working_seconds(start, short), calendar.add_working_seconds(start, long)
    assert calendar.working_seconds_between(start, early) == short
    assert calendar.working_seconds_between(start, late) == long
    assert early <= late
    # The result is always inside opening hours on a working day, local time.
    local = late.astimezone(ZoneInfo(calendar.timezone))
    assert calendar.is_working_day(local.date())
    assert calendar.day_start <= local.time() <= calendar.day_end
