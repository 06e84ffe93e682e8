"""The public verification page: the code printed on a letter opens what the organisation
vouches for and nothing of the person; a PDF is genuine only byte for byte; codes cannot be
guessed or listed."""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from tests import test_letter_documents as documents
from tests.test_letter_documents import document_bytes, issue
from widget.extensions import db as _db, limiter
from widget.models import Letter, Site
from widget.services.letter_verification import (display_verification_code,
                                                 new_verification_code)


clock, office, received = documents.clock, documents.office, documents.received
registered, store = documents.registered, documents.store


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def issued(office, registered, store):
    """A letter issued to Lan, in Vietnamese; its verification code and document."""
    request = registered("vi", answers={"name": "Trần Thị Lan", "email": "lan@example.org"})
    issue(office, request, "Trả lời đơn", "Kính gửi bà Lan,\n\nĐơn đã được chấp thuận.", store)
    letter = request.letters[0]
    return request, letter, document_bytes(letter, store)


def upload(client, code: str, data: bytes, name: str = "letter.pdf", lang: str = "en"):
    return client.post(f"/v/{code}?lang={lang}", data={"document": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_code_opens_issuer_date_journal_number_and_hash_and_nothing_personal(client, issued):
    request, letter, _ = issued
    response = client.get(f"/v/{letter.verification_code}?lang=en")
    page = html_of(response)
    assert response.status_code == 200
    assert "People&#39;s Committee of Ward 5" in page and "Civil status" in page
    assert "October 20, 2026" in page and request.journal_number in page
    assert letter.document_sha256 in page
    for personal in ("Trần Thị Lan", "bà Lan", "lan@example.org", "Đơn đã được chấp thuận", "Trả lời đơn",
                     request.code, display_verification_code(request.code)):
        assert personal not in page
    # In the reader's language, not the letter's.
    assert "Ủy ban nhân dân Phường 5" in html_of(client.get(f"/v/{letter.verification_code}?lang=vi"))


def test_the_code_is_typed_as_people_type_codes(client, issued):
    letter = issued[1]
    typed = display_verification_code(letter.verification_code).lower()
    response = client.get("/v/", query_string={"code": f" {typed} ", "lang": "ru"})
    assert response.status_code == 302
    assert response.location == f"/v/{letter.verification_code}?lang=ru"


def test_the_issued_pdf_is_genuine_and_one_changed_byte_is_not(client, issued):
    letter, data = issued[1], issued[2]
    genuine = upload(client, letter.verification_code, data)
    assert genuine.status_code == 200
    assert "This file is the letter issued under this code" in html_of(genuine)
    for index in (0, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[index] ^= 0x01
        refused = upload(client, letter.verification_code, bytes(changed))
        assert refused.status_code == 422
        assert "This file is not the letter issued under this code" in html_of(refused)
    for other in (data + b"\n", data[:-1], b"", b"%PDF-1.4 forged"):
        assert upload(client, letter.verification_code, other).status_code == 422
    missing = client.post(f"/v/{letter.verification_code}", data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "Please choose the PDF file" in html_of(missing)


def test_another_letters_pdf_is_not_this_letter(client, office, registered, store, issued):
    other = registered("en")
    issue(office, other, "Answer", "Granted.", store)
    response = upload(client, issued[1].verification_code,
                      document_bytes(other.letters[0], store))
    assert response.status_code == 422


def swapped_neighbours(code: str) -> str:
    """The code with its last two DIFFERENT neighbouring characters swapped, the commonest typo
    (swapping two equal ones, as the last two once were in a CI run, is the code itself)."""
    at = max(index for index in range(len(code) - 1) if code[index] != code[index + 1])
    return code[:at] + code[at + 1] + code[at] + code[at + 2:]


@pytest.mark.parametrize("typed", ["unknown", "tracking", "mistyped", "garbage"])
def test_an_unknown_code_opens_nothing(client, issued, typed):
    request, letter, data = issued
    code = {"unknown": new_verification_code(), "tracking": request.code,
            "mistyped": swapped_neighbours(letter.verification_code), "garbage": "<b>x"}[typed]
    for response in (client.get(f"/v/{code}?lang=en"), upload(client, code, data)):
        assert response.status_code == 404
        page = html_of(response)
        assert "No letter was issued with this verification code" in page
        assert letter.document_sha256 not in page and "<b>x" not in page


def test_a_letter_from_before_documents_opens_nothing(client, issued):
    letter = issued[1]
    letter.document_sha256 = None  # as letters issued before documents existed
    _db.session.commit()
    assert client.get(f"/v/{letter.verification_code}").status_code == 404


def test_guessing_verification_codes_meets_the_lookup_rate_limit(limited_app, tmp_path,
                                                                 monkeypatch):
    """Three lookups a minute from one address (FRONTDESK_RATE_LIMIT_LOOKUP), by link or form,
    then even a right code is refused: codes cannot be listed."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = limited_app("rl", DATABASE_URL=f"sqlite:///{tmp_path / 'limited.db'}",
                      RATE_LIMIT_LOOKUP="3 per minute")
    client = app.test_client()
    guesses = [client.get(f"/v/{new_verification_code()}"),
               client.get("/v/", query_string={"code": new_verification_code()}),
               client.post(f"/v/{new_verification_code()}", data={})]
    assert [guess.status_code for guess in guesses] == [404, 302, 404]
    refused = client.get(f"/v/{new_verification_code()}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.get(f"/v/{new_verification_code()}?lang=ru",
                      headers={"Accept-Language": "ru"}).status_code == 429
    with app.app_context():
        assert _db.session.scalar(select(Site)) is not None
        assert _db.session.scalars(select(Letter)).all() == []
        _db.session.remove()


def test_the_page_asks_for_a_code(client):
    page = client.get("/v/?lang=fa")
    assert page.status_code == 200 and 'name="code"' in html_of(page)
    assert 'dir="rtl"' in html_of(page)


def test_a_mistyped_code_stays_across_a_language_switch_and_costs_no_guess(limited_app,
                                                                            tmp_path,
                                                                            monkeypatch):
    """The page that refused a typed code switches language with the code in its box and the
    error said again, looking nothing up: switches are not guesses (with 3 lookups a minute,
    ten switches still answer), and a switch carrying a well-formed code opens nothing."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = limited_app("rl-switch", DATABASE_URL=f"sqlite:///{tmp_path / 'switch.db'}",
                      RATE_LIMIT_LOOKUP="3 per minute")
    client = app.test_client()
    refused = client.get("/v/", query_string={"code": "7K3M 9QX", "lang": "en"})
    assert refused.status_code == 404
    links = dict(re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang', html_of(refused)))
    switch = {lang: html.unescape(href) for href, lang in links.items()}
    assert "code=7K3M+9QX" in switch["fa"] and "switch=1" in switch["fa"]
    for _ in range(5):
        for lang in ("fa", "ru"):
            page = client.get(switch[lang])
            assert page.status_code == 404, page.status_code
            assert 'value="7K3M 9QX"' in html_of(page) and f'lang="{lang}"' in html_of(page)
            assert 'id="code-error"' in html_of(page)
    # A switch is no way to look codes up: a well-formed one is given back, not opened.
    well_formed = client.get("/v/", query_string={"code": new_verification_code(), "lang": "ru",
                                                  "switch": "1"})
    assert well_formed.status_code == 200 and "code-error" not in html_of(well_formed)
    # Of the three lookups a minute only the typed code was counted: two are left.
    assert [client.get(f"/v/{new_verification_code()}").status_code for _ in range(3)] == [
        404, 404, 429]
