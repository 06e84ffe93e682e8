"""The inbox search: case, diacritics and the alternative spellings of a letter do not matter,
nor how a phone number is written; the stored search text follows every change and is filled
in for the requests a migration finds."""
from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import insert, select, text

from tests.conftest import SERVER_DATABASE_URL, settings_for
from tests.test_admin import html_of, make, no_csrf, sign_in, store  # noqa: F401 (fixtures)
from tests.backoffice import clock, office  # noqa: F401
from widget import codes, create_app
from widget.extensions import db as _db
from widget.models import Organization, Request, StaffUser
from widget.services import workflow
from widget.services.inbox import InboxQuery, View, _text_condition, filtered_requests


def found(staff, typed: str) -> set[int]:
    """Ids of the requests the inbox search finds for what staff typed."""
    statement = filtered_requests(staff, InboxQuery(view=View.ALL, text=typed))
    return set(_db.session.scalars(statement.with_only_columns(Request.id)))


@pytest.mark.parametrize("stored, typed", [
    ("Trần Thị Hoa", "Tran Thi Hoa"), ("Trần Thị Hoa", "TRAN thi hoa"),
    ("Trần Thị Hoa", "hoa trần"), ("Đỗ Văn Đức", "do van duc"), ("do van duc", "Đỗ Văn Đức"),
    ("علي كريمي", "علی کریمی"), ("علی کریمی", "علي كريمي"), ("می‌خواهم", "میخواهم"),
    ("Фёдор Алёхин", "федор алехин"), ("Федор", "Фёдор"), ("ИВАН", "иван"),
    ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "0912345678"),
])
def test_names_are_found_whatever_the_case_marks_or_letter_forms(office, make, stored, typed):
    wanted, other = make(answers={"name": stored}), make(answers={"name": "Someone Else"})
    assert found(office["people"]["admin"], typed) == {wanted.id}


@pytest.mark.parametrize("stored, typed", [
    ("+84912345678", "0912 345 678"), ("0912 345 678", "+84912345678"),
    ("0912-345-678", "+84 912 345 678"), ("(091) 234-5678", "0912345678"),
    ("+84912345678", "345 678"), ("+84912345678", "912345678"),
])
def test_phone_numbers_are_found_however_they_were_written(office, make, stored, typed):
    wanted = make(answers={"name": "Lan", "phone": stored})
    make(answers={"name": "Lan", "phone": "+84987654321"})
    assert found(office["people"]["admin"], typed) == {wanted.id}


def test_a_different_letter_is_not_found(office, make):
    make(answers={"name": "Андрей"})
    admin = office["people"]["admin"]
    assert found(admin, "андреи") == set()  # й is a letter of its own, not и with a mark
    assert found(admin, "tran") == set()


def test_codes_journal_numbers_and_e_mail_addresses_are_found(office, make):
    request = make(status="registered", answers={"name": "Lan", "email": "Lan.Nguyen@Example.VN"})
    admin = office["people"]["admin"]
    assert found(admin, codes.display(request.code).lower()) == {request.id}
    assert found(admin, request.journal_number.lower()) == {request.id}
    assert found(admin, "lan.nguyen@example.vn") == {request.id}
    assert found(admin, "100%") == set() and found(admin, "_") == set()  # no wildcards


def test_the_search_text_follows_every_change(office, make, clock):
    admin, op = office["people"]["admin"], office["people"]["op"]
    request = make(answers={"name": "Lan"})
    assert found(admin, "Phạm") == set()
    request.answers = {"name": "Phạm Minh"}  # a change of the answers (a supplement...)
    _db.session.commit()
    assert found(admin, "pham minh") == {request.id}
    clock("2026-10-16 10:00")
    workflow.register_request(op, request.id, request.lock_version)
    assert found(admin, request.journal_number) == {request.id}


def test_the_inbox_page_searches_the_same_way(client, office, make):
    wanted = make(answers={"name": "Trần Thị Hoa"})
    make(answers={"name": "Someone Else"})
    sign_in(client, office["people"]["op"])
    page = html_of(client.get("/admin/", query_string={"view": "all", "q": "tran thi hoa"}))
    assert codes.display(wanted.code) in page and "1 request" in page


# --- the property: any text, written another way, is found --------------------------------

ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
            "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
            "ĂÂĐÊÔƠƯÀÁẠỒỮ"
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
            "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكىآأ\u200c۰۱۲۳۴۵۶۷۸۹")
SWAPS = str.maketrans({"ی": "ي", "ي": "ی", "ک": "ك", "ك": "ک", "ё": "е", "е": "ё", "Ё": "Е",
                      "Е": "Ё"})


def other_way(text: str, strip: bool, swap_case: bool, swap_letters: bool) -> str:
    """The text as someone else might type it: without the marks of Latin letters (Vietnamese
    tones, đ as d), in the other case, with the other form of the alternative letters."""
    if strip:
        kept, base = [], ""
        for char in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")):
            if not unicodedata.combining(char):
                base = char
            if not (unicodedata.combining(char) and base.isascii()):
                kept.append(char)  # й keeps its mark: a letter of its own, not и with one
        text = unicodedata.normalize("NFC", "".join(kept))
    if swap_case:
        text = text.swapcase()
    if swap_letters:
        text = text.translate(SWAPS)
    return text


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40).filter(lambda t: t.strip(" \u200c")),
       st.booleans(), st.booleans(), st.booleans())
def test_any_text_written_another_way_is_found(office, make, name, strip, swap_case, swap_letters):
    wanted = make(answers={"name": name})
    typed = other_way(name, strip, swap_case, swap_letters)
    try:
        assert wanted.id in found(office["people"]["admin"], typed), (name, typed)
    finally:
        _db.session.delete(wanted)
        _db.session.commit()


# --- the migration fills in what was there -------------------------------------------------

def test_the_migration_fills_in_the_search_text_of_existing_requests(tmp_path):
    app = create_app(settings_for(tmp_path / "migrated"))
    with app.app_context():
        if SERVER_DATABASE_URL:  # a shared server database: empty it first
            _db.drop_all()
            with _db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0012")
        moment = datetime(2026, 10, 16, 2, 0)
        with _db.engine.begin() as connection:
            org = connection.execute(text(
                "INSERT INTO organizations (slug, names, country, timezone, closed_days) "
                "VALUES ('o', '{}', 'VN', 'Asia/Ho_Chi_Minh', '[]') RETURNING id")).scalar()
            form = connection.execute(text(
                "INSERT INTO forms (organization_id, slug, position, titles, descriptions,"
                " processing_days, is_published) VALUES (:org, 'f', 0, '{}', '{}', 5, :yes)"
                " RETURNING id"), {"org": org, "yes": True}).scalar()
            version = connection.execute(text(
                "INSERT INTO form_versions (form_id, number, created_at) VALUES (:form, 1, :at)"
                " RETURNING id"), {"form": form, "at": moment}).scalar()
            connection.execute(insert(_requests_0012()), [{
                "organization_id": org, "form_version_id": version, "status": "received",
                "channel": "web", "language": "vi", "code": "ABCDE12345", "open311_id": "0" * 20,
                "answers": {"name": "Trần Thị Hoa", "phone": "0912 345 678"},
                "created_at": moment, "updated_at": moment, "lock_version": 1}])
        upgrade()
        with _db.engine.connect() as connection:
            stored = connection.execute(text("SELECT search_text FROM requests")).scalar()
        _db.engine.dispose()
    assert "tran thi hoa" in stored and "84912345678" in stored and "abcde12345" in stored


def _requests_0012():
    """The requests table as revision 0012 left it (no search text yet)."""
    from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table
    return Table("requests", MetaData(), Column("id", Integer, primary_key=True),
                 Column("organization_id", Integer), Column("form_version_id", Integer),
                 Column("status", String), Column("channel", String), Column("language", String),
                 Column("code", String), Column("open311_id", String), Column("answers", JSON),
                 Column("created_at", DateTime), Column("updated_at", DateTime),
                 Column("lock_version", Integer))


def test_postgresql_answers_the_search_from_the_trigram_index(office, make):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    make(answers={"name": "Trần Thị Hoa"})
    # The search's own condition (its LIKE and ESCAPE), alone: can the index answer it?
    statement = select(Request.id).where(_text_condition("tran hoa", "VN"))
    compiled = statement.compile(
        _db.engine, compile_kwargs={"literal_binds": True})
    _db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(_db.session.scalars(text(f"EXPLAIN {compiled}")))
    _db.session.rollback()
    assert "ix_requests_search_text" in plan, plan


def test_a_sent_form_reads_its_phone_number_in_the_organisations_country_as_it_is_now(
        client, office):
    """A local number written in a message is found in international form, read in the
    organisation's country: the widget's search text takes it from the configuration the post
    was checked with (no read of its own), a country changed since included."""
    from tests.conftest import form_token, tracking_code
    for country, typed, international in (("VN", "0912 345 678", "84912345678"),
                                          ("GB", "07911 123456", "447911123456")):
        _db.session.get(Organization, office["org"].id).country = country
        _db.session.commit()
        _db.session.expunge_all()  # as a new process's request: no organisation loaded
        token = form_token(client.get("/w/test/en/f/form-hn").get_data(as_text=True))
        response = client.post("/w/test/en/f/form-hn", headers={"Sec-Fetch-Site": "same-origin"},
                               data={"form_token": token, "action": "send", "name": "Lan",
                                     "message": typed}, content_type="multipart/form-data")
        code = tracking_code(response.get_data(as_text=True))
        assert response.status_code == 200 and code, country
        request = _db.session.scalar(select(Request).where(Request.code == codes.normalize(code)))
        assert international in request.search_text.split(), (country, request.search_text)
        admin = _db.session.get(StaffUser, office["people"]["admin"].id)
        assert request.id in found(admin, "+" + international)
