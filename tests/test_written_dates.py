"""Dates, times and zone offsets are written once per locale and kept (widget.i18n._written):
what a page shows is exactly what Babel writes, in every language, zone and moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import force_locale, format_date, format_time, to_user_timezone
from babel.dates import get_timezone_gmt
from hypothesis import HealthCheck, given, settings, strategies as st

from widget import i18n
from widget.local_numbers import local_digits
from widget.models._types import as_utc

LANGUAGES = ("en", "vi", "fa", "ru")
ZONES = ("Asia/Ho_Chi_Minh", "Asia/Tehran", "Europe/Moscow", "America/New_York", "UTC")
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=moments, language=st.sampled_from(LANGUAGES), zone=st.sampled_from(ZONES),
       again=st.booleans())
def test_a_kept_date_time_or_zone_is_what_babel_writes(app, moment, language, zone, again):
    with app.test_request_context("/"), force_locale(language):
        i18n.use_timezone(zone)
        for _ in range(2 if again else 1):  # written, then kept
            local = to_user_timezone(as_utc(moment))
            day = format_date(local.date(), format="long")
            if language == "fa":
                day = local_digits(f"{i18n._jalali(local.date())} ({day})")
            assert i18n.format_day(local.date()) == day
            assert i18n.format_moment(moment) == (
                f"{day}, {local_digits(format_time(local, format='short'))}")
            assert i18n.organisation_zone(moment) == {
                "name": local_digits(get_timezone_gmt(local, width="long", locale=language)),
                "offset": int(local.utcoffset().total_seconds() // 60)}
            moment += timedelta(days=1)


def test_a_moment_given_as_a_day_is_written_in_the_readers_zone_every_time(app):
    moment = datetime(2026, 10, 16, 20, 0)  # UTC: already the 17th in Hanoi, not in New York
    with app.test_request_context("/"), force_locale("en"):
        i18n.use_timezone("Asia/Ho_Chi_Minh")
        assert i18n.format_day(moment) == format_date(date(2026, 10, 17), format="long")
        i18n.use_timezone("America/New_York")
        assert i18n.format_day(moment) == format_date(date(2026, 10, 16), format="long")
