"""Concise SMS for Vietnamese organisations (seed 001): without diacritics unless turned on, a
short organisation name, short dates (16/12 17:00), amounts with their currency (30.000đ); a
staff note that would take an SMS past two parts gives way to the status page's link; and the
wording editor's counter shows what 1,000 messages cost."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests import backoffice, test_admin
from tests.test_admin import html_of, sign_in
from widget.notify import sms_text
from widget.notify.catalog import NOTICES, SMS
from widget.notify.compose import compose

office, received, no_csrf = backoffice.office, backoffice.received, test_admin.no_csrf
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}
LETTERS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
vietnamese = st.text(alphabet=st.sampled_from(
    LETTERS + LETTERS.upper() + "bcghklmnpqrstvx 0123456789.,:;!?()/-'\"“”–…\n"), max_size=400)
SMS_NOTICES = sorted(key for key, notice in NOTICES.items() if SMS in notice.channels)


@pytest.fixture
def request_(db, office, received):
    return received(answers=dict(CONTACTS), language="vi")


def sms_of(request, key, extra=None) -> str:
    return compose(request, key, SMS, extra or {})[1]


@settings(derandomize=True, max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=st.sampled_from(SMS_NOTICES), note=vietnamese, name=vietnamese, title=vietnamese,
       short_name=st.sampled_from(["", "UBND P.1", "Phường Long Thạnh Mỹ"]),
       parts=st.integers(1, 10), fee=st.none() | st.decimals(0, 99999999, places=0),
       language=st.sampled_from(["vi", "en"]))
def test_every_vietnamese_notice_without_diacritics_is_gsm7_within_its_parts(
        db, office, request_, key, note, name, title, short_name, parts, fee, language):
    org = office["org"]
    org.sms_without_diacritics = None  # not chosen: Vietnam's default, without
    org.names, org.sms_name, org.sms_max_segments = {"vi": name, "en": name}, short_name, parts
    form = request_.form_version.form
    form.titles = {"vi": title, "en": title}
    request_.fee_amount, request_.language = fee, language
    extra = {name: note for name in NOTICES[key].extra} | (
        {"date": date(2027, 1, 15)} if "date" in NOTICES[key].extra else {})
    body = sms_of(request_, key, extra)
    assert sms_text.encoding(body) == sms_text.GSM7, ascii(body)
    assert 1 <= sms_text.segments(body) <= parts


def test_dates_amounts_and_the_name_are_short(db, office, request_):
    org = office["org"]
    org.sms_name = "UBND P.1"
    request_.fee_amount = Decimal("30000")
    registered = sms_of(request_, "registered")
    assert registered.startswith("UBND P.1: ")
    assert registered.endswith("23/10 17:00.")  # Friday 23 October 2026, 17:00 in Hanoi
    assert "phi 30.000d." in sms_of(request_, "fee_requested.before_result")
    org.sms_without_diacritics = False  # turned on: with diacritics, the currency as written
    assert "phí 30.000đ." in sms_of(request_, "fee_requested.before_result")
    reminded = sms_of(request_, "reminder", {"field": "Hạn thẻ", "date": date(2018, 9, 22)})
    assert "22/09/2018" in reminded and "Hạn thẻ" in reminded


def test_vietnamese_organisations_send_without_diacritics_unless_turned_on(db, office, request_):
    org = office["org"]
    assert org.sms_without_diacritics is None
    assert sms_text.encoding(sms_of(request_, "registered")) == sms_text.GSM7
    org.sms_without_diacritics = False
    assert sms_text.encoding(sms_of(request_, "registered")) == sms_text.UCS2
    org.sms_without_diacritics, org.country = None, "RU"
    request_.language = "ru"
    assert sms_text.encoding(sms_of(request_, "registered")) == sms_text.UCS2


def test_other_countries_keep_their_long_dates(db, office, request_):
    office["org"].country = "FR"
    request_.language = "en"
    body = sms_of(request_, "registered")
    assert "October 23, 2026" in body and "23/10" not in body


@pytest.mark.parametrize("key, note_name", [("paused.supplement", "note"), ("refused", "reason"),
                                             ("deadline_changed", "note")])
def test_a_long_staff_note_gives_way_to_the_status_page(db, office, request_, key, note_name):
    short = "Thiếu bản sao giấy khai sinh."
    assert "Thieu ban sao giay khai sinh." in sms_of(request_, key, {note_name: short})
    long_note = "Hồ sơ cần bổ sung bản sao có chứng thực giấy khai sinh của người được giám hộ. " * 5
    body = sms_of(request_, key, {note_name: long_note})
    assert "giam ho" not in body and "/w/test/vi/track#" in body
    assert sms_text.segments(body) <= 2 and not body.endswith("...")


# --- settings and the counter ----------------------------------------------------------------

def test_the_counter_shows_the_cost_of_a_thousand_messages(client, db, office):
    sign_in(client, office["people"]["admin"])
    page = html_of(client.get("/admin/notifications/settings/registered/sms/en"))
    assert 'data-sms="cost"' not in page  # no price: no cost shown
    office["org"].sms_part_price = Decimal("350")
    db.session.commit()
    page = html_of(client.get("/admin/notifications/settings/registered/sms/en"))
    assert 'data-part-price="350"' in page
    assert '<dd data-sms="segments">1</dd>' in page and '<dd data-sms="cost">350,000</dd>' in page


def organisation_data(office, **changes) -> dict:
    org = office["org"]
    data = {"name-en": "Org", "country": org.country, "timezone": org.timezone,
            "day_start": "08:00", "day_end": "17:00", "closed_days": "",
            "sms_max_segments": "3", "theme_color": "#0b5cad", "sms_without_diacritics": "1"}
    return data | changes


def test_the_sms_name_and_price_are_settings_checked_on_save(client, db, office, no_csrf):
    sign_in(client, office["people"]["admin"])
    page = html_of(client.get("/admin/organisation"))
    assert 'id="sms_without_diacritics" name="sms_without_diacritics" value="1" checked' in page
    for bad in ("abc", "-1", "1e3x", "0.00001", "NaN"):
        response = client.post("/admin/organisation", data=organisation_data(
            office, sms_part_price=bad), headers={"Accept-Language": "vi"})
        assert response.status_code == 422
        assert "Hãy nhập giá một phần SMS" in html_of(response)
    response = client.post("/admin/organisation", data=organisation_data(
        office, sms_name="UBND  P.1 ", sms_part_price="350,5"))
    assert response.status_code == 302
    db.session.expire_all()
    org = office["org"]
    assert (org.sms_name, org.sms_part_price) == ("UBND P.1", Decimal("350.5"))
    assert org.sms_without_diacritics is True
