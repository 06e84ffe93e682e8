"""Due dates in working days: weekends, national holidays and the organisation's closed days."""
from datetime import date

from widget.workdays import add_working_days, is_working_day


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
