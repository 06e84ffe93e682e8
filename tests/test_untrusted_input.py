"""The readers of untrusted input (widget.untrusted, widget.request_guard), one class of defect
each, as an outside check saw them answer 500: digits that are not ASCII, ids past the database's
integer, NUL bytes and lone surrogates, JSON nested 100,000 deep, years near 0 and 9999.
test_no_server_errors walks every route with all of these; here each class has its own readable
test, on the reader and through a route that fell to it."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from hypothesis import given, strategies as st

from tests import backoffice
from tests.conftest import form_token
from widget.extensions import db as _db
from widget.models import Attachment, Request
from widget.services.api_clients import create_api_client
from widget.untrusted import MAX_ID, parse_day, parse_id

office, received = backoffice.office, backoffice.received
H = {"Sec-Fetch-Site": "same-origin"}
PROBLEM = "application/problem+json"


# --- ids -----------------------------------------------------------------------------------------

@given(st.text())
def test_an_id_is_ascii_digits_within_the_database_integer_or_nothing(text):
    number = parse_id(text)
    assert number is None or (1 <= number <= MAX_ID and text.strip().lstrip("0") == str(number))


@pytest.mark.parametrize("text", ["²", "٣", "۱۲", "-1", "0", "9" * 30, str(MAX_ID + 1), "1e3",
                                  " ", "", "1 2"])
def test_what_is_no_id_is_read_as_none(text):
    assert parse_id(text) is None


@pytest.mark.parametrize("path", [
    "/w/test/en/account/requests/" + "9" * 30, "/w/test/en/account/drafts/2147483648",
    "/admin/requests/" + "9" * 30, "/api/v1/requests/٣"])
def test_an_id_past_the_database_integer_in_a_path_is_not_found(client, office, path):
    assert client.get(path).status_code == 404  # never reaches the database


def test_a_draft_asked_to_remove_files_by_odd_numbers_keeps_them(client, db, office):
    """`remove_attachment=²` passed isdigit() and failed int(): a 500 on the form's own post."""
    page = client.get("/w/test/en/f/form-hn").get_data(as_text=True)
    saved = client.post("/w/test/en/f/form-hn", headers=H, content_type="multipart/form-data",
                        data={"form_token": form_token(page), "action": "draft", "name": "Lan",
                              "proof": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")})
    assert saved.status_code == 200
    token = form_token(saved.get_data(as_text=True))
    again = client.post("/w/test/en/f/form-hn", headers=H, data={
        "form_token": token, "action": "draft", "name": "Lan",
        "remove_attachment": ["²", "٣", "9" * 30, "-1"]})
    assert again.status_code == 200
    assert db.session.query(Attachment).count() == 1


# --- NUL bytes and lone surrogates ---------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/w/te%00st/en/", "/w/test/vi/f/for%00m-hn", "/w/test/vi/?q=e%00n",
    "/open311/v2/services.json?jurisdiction_id=%00", "/admin/login?next=%00"])
def test_a_nul_byte_anywhere_is_a_translated_400(client, office, path):
    """PostgreSQL refuses NUL in text: looked up as a site key or slug it was a 500 there."""
    answer = client.get(path)
    assert answer.status_code == 400
    if "/vi/" in path:
        assert "Yêu cầu không hợp lệ" in answer.get_data(as_text=True)


def test_a_nul_byte_in_a_posted_field_changes_nothing(client, db, office):
    page = client.get("/w/test/en/f/form-hn").get_data(as_text=True)
    answer = client.post("/w/test/en/f/form-hn", headers=H, data={
        "form_token": form_token(page), "name": "L\x00an"})
    assert answer.status_code == 400
    assert db.session.query(Request).count() == 0
    signin = client.post("/admin/login", data={"email": "a\x00@x.org", "password": "x"})
    assert signin.status_code == 400


@pytest.mark.parametrize("where", ["form", "query", "cookie"])
def test_a_nul_byte_in_any_value_of_a_repeated_name_is_a_400(client, db, office, where):
    """A view may read every value of a repeated name (getlist): the guard checks them all,
    not only the first. (A cookie's NUL comes as an octal escape in a quoted value, which
    the Cookie header shows as four harmless characters.)"""
    page = client.get("/w/test/en/f/form-hn").get_data(as_text=True)
    body, path = f"form_token={form_token(page)}&name=Lan", "/w/test/en/f/form-hn"
    if where == "form":
        body += "&name=L%00an"
    elif where == "query":
        path += "?x=1&x=L%00an"
    else:
        client.set_cookie("x", "1")
        client.set_cookie("x", "L\x00an", path="/w/")
    answer = client.post(path, headers=H, data=body,
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400
    assert db.session.query(Request).count() == 0


@pytest.mark.parametrize("body", [
    '{"reason": "\\ud800"}', '{"reason": "a\\u0000b"}', '{"\\udfff": 1, "reason": "x"}',
    "[" * 100_000 + "]" * 100_000, '{"reason": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"reason": NaN}', '{"expected_version": 1e9999, "reason": "x"}', "\xff\xfe"])
def test_json_that_cannot_be_stored_or_read_is_a_400_problem(client, office, received, body):
    request = received()
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    answer = client.post(f"/api/v1/requests/{request.id}/refuse",
                         data=body.encode("utf-8", "surrogatepass"),
                         content_type="application/json",
                         headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k"})
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.mimetype == PROBLEM
    assert _db.session.get(Request, request.id).status == "received"


# --- days ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "0000-01-01", "10000-01-01",
                                  "2026-02-30", "1899-12-31", "3000-01-01", "20260101",
                                  "٢٠٢٦-٠١-٠١", "2026-01-01T00:00"])
def test_a_day_outside_the_years_1900_to_2999_or_not_written_so_is_none(text):
    assert parse_day(text) is None


def test_a_day_within_them_is_read():
    assert parse_day(" 1900-01-01 ") == date(1900, 1, 1)
    assert parse_day("2999-12-31") == date(2999, 12, 31)


@pytest.fixture
def dated(db, office, create_form):
    form = create_form(office["site"], slug="dated", fields=[
        {"key": "name", "type": "text", "required": True}, {"key": "born", "type": "date"}])
    form.unit_id = office["units"]["HN"].id
    db.session.commit()
    return form


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "10000-01-01"])
def test_a_date_answer_in_a_year_out_of_range_gets_a_translated_error(client, db, dated, typed):
    page = client.get("/w/test/vi/f/dated").get_data(as_text=True)
    answer = client.post("/w/test/vi/f/dated", headers=H, data={
        "form_token": form_token(page), "name": "Lan", "born": typed})
    assert answer.status_code == 422
    assert "Vui lòng nhập một ngày trong khoảng từ năm 1900 đến năm 2999." in \
        answer.get_data(as_text=True)
    assert db.session.query(Request).count() == 0


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_an_open311_window_near_the_calendars_ends_is_refused(client, office, moment):
    """start_date + 90 days ran past the year 9999 (OverflowError: a 500)."""
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    for path in ("requests", "servicerequestupdates"):
        answer = client.get(f"/open311/v2/{path}.json", query_string={
            "api_key": key, "start_date": moment})
        assert answer.status_code == 400
        assert re.search(r"years 1900 to 2999", answer.get_data(as_text=True))


def test_a_deadline_near_the_calendars_end_is_refused(client, office, received):
    request = received()
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    answer = client.post(f"/api/v1/requests/{request.id}/deadline",
                         json={"date": "9999-12-31", "reason": "later"},
                         headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "d"})
    assert answer.status_code == 422
    assert answer.json["errors"] == {
        "date": "'date' must be a date written YYYY-MM-DD (1900-2999)."}


def test_the_audit_log_filtered_to_the_calendars_end_says_so(client, office):
    from tests.test_admin import sign_in
    sign_in(client, office["people"]["admin"])
    answer = client.get("/admin/audit", query_string={"to": "9999-12-31", "from": "0001-01-01"})
    assert answer.status_code == 200
    assert "Please enter a date as YYYY-MM-DD" in answer.get_data(as_text=True)
