"""Persian date fields take the calendar the page shows (Solar Hijri), store the Gregorian day,
and show the other calendar beside; every other language is left as it was."""
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from persiantools.jdatetime import JalaliDate
from sqlalchemy import select

from tests.test_widget_routes import ALL_TYPES, good_answers, open_form, post_form
from widget.calendars import parse_solar_hijri, solar_hijri_input
from widget.models import Request

LIVING_DAYS = st.dates(min_value=date(1921, 3, 21), max_value=date(2121, 3, 20))
SEPARATORS = st.sampled_from("/-.")


@given(LIVING_DAYS, SEPARATORS, st.booleans(), st.booleans())
def test_any_solar_hijri_day_as_people_write_it_is_read_as_its_gregorian_day(
        day, separator, padded, persian_digits):
    jalali = JalaliDate(day)
    parts = [f"{jalali.year}", f"{jalali.month:02d}" if padded else f"{jalali.month}",
             f"{jalali.day:02d}" if padded else f"{jalali.day}"]
    text = separator.join(parts)
    if persian_digits:
        text = text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert parse_solar_hijri(f" {text} ") == day
    assert parse_solar_hijri(solar_hijri_input(day)) == day


@given(st.text(max_size=12))
def test_no_other_text_is_a_solar_hijri_day(text):
    if not re.fullmatch(r"\s*1[34][0-9]{2}[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}\s*", text):
        assert parse_solar_hijri(text) is None


def test_days_the_calendar_does_not_have_are_refused():
    assert parse_solar_hijri("1403/12/30") is not None  # 1403 is a leap year
    assert parse_solar_hijri("1405/12/30") is None
    assert parse_solar_hijri("1405/07/31") is None  # the autumn months have 30 days
    assert parse_solar_hijri("1405/13/01") is None


@pytest.fixture
def form(create_site, create_form):
    return create_form(create_site(), slug="everything", fields=ALL_TYPES, processing_days=5)


def test_a_persian_date_field_takes_a_solar_hijri_date_and_stores_the_gregorian_day(client, db, form):
    page = client.get("/w/test/fa/f/everything").get_data(as_text=True)
    born = re.search(r'<input type="text" id="f-born"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in born and 'dir="ltr"' in born and 'aria-describedby="calendar-born' in born
    token = open_form(client, lang="fa")
    answered = post_form(client, good_answers(token, born="۱۳۶۹/۰۲/۲۷"), lang="fa")
    assert answered.status_code == 200
    assert db.session.scalar(select(Request)).answers["born"] == "1990-05-17"


def test_a_returned_persian_form_shows_the_typed_day_and_its_gregorian_day(client, db, form):
    token = open_form(client, lang="fa")
    returned = post_form(client, good_answers(token, born="1369/2/27", name=""), lang="fa")
    html = returned.get_data(as_text=True)
    assert returned.status_code == 422 and 'value="1369/2/27"' in html
    assert "میلادی: ۱۷ مهٔ ۱۹۹۰" in html


def test_a_saved_gregorian_day_is_shown_in_solar_hijri_on_a_persian_page(client, db, form):
    token = open_form(client, lang="fa")
    saved = post_form(client, good_answers(token, action="draft", born="1990-05-17"), lang="fa")
    assert 'value="۱۳۶۹/۰۲/۲۷"' in saved.get_data(as_text=True)


def test_other_languages_keep_the_browsers_date_picker(client, db, form):
    for language in ("en", "vi", "ru"):
        page = client.get(f"/w/test/{language}/f/everything").get_data(as_text=True)
        assert '<input type="date" id="f-born"' in page and "calendar-born" not in page


def test_an_impossible_solar_hijri_day_is_explained_in_persian(client, db, form):
    token = open_form(client, lang="fa")
    refused = post_form(client, good_answers(token, born="1405/12/30"), lang="fa")
    assert refused.status_code == 422 and "خورشیدی" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Request)) is None
