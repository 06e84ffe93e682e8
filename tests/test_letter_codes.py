"""A letter is a document others may read (the verification page exists for them), and a
tracking code opens its request to whoever holds it: no letter carries one. The hunt drafts every
kind of letter in every language from the built-in wording and from an organisation's own wording
that uses every placeholder, for requests before and after registration, issues it through the
back office as staff do, and searches the draft, the PDF's text and the verification page for
the code in every spelling the code box accepts. A code staff type themselves is refused."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

import widget.services.workflow as workflow
from tests import backoffice, test_letter_documents
from tests.test_admin import html_of, sign_in
from tests.test_letter_documents import document_bytes, issue, text_of
from widget import codes
from widget.extensions import db as _db
from widget.i18n import TRANSLATED_LANGUAGES
from widget.models import Attachment, Letter
from widget.services.access import NotAllowed
from widget.services.api_clients import create_api_client
from widget.services.letter_templates import KINDS, PLACEHOLDERS, save_template

clock, office, received = backoffice.clock, backoffice.office, backoffice.received
store = test_letter_documents.store

EVERY_PLACEHOLDER = " ".join("{%s}" % name for name in PLACEHOLDERS)


def drafted(client, request, kind) -> tuple[str, str, str]:
    """The back office's letter form for this kind: (title, body, the page's served_at)."""
    page = html_of(client.get(f"/admin/requests/{request.id}?letter_template={kind}"))
    title = re.search(r'name="letter-title"[^>]*value="([^"]*)"', page)
    body = re.search(r'<textarea[^>]*name="letter-body"[^>]*>([^<]*)</textarea>', page)
    served = re.search(r'name="letter-served_at"[^>]*value="([^"]*)"', page)
    return (html.unescape(title.group(1)), html.unescape(body.group(1)),
            served.group(1) if served else "")


@pytest.mark.parametrize("wording", ["built-in", "own, every placeholder"])
@pytest.mark.parametrize("when", ["before registration", "registered"])
def test_no_letter_carries_the_tracking_code(app, client, office, received, clock, store,
                                             when, wording):
    app.config["WTF_CSRF_ENABLED"] = False  # as in test_admin: forms are tested there
    clock("2026-10-20 10:00")
    admin, operator = office["people"]["admin"], office["people"]["op"]
    sign_in(client, operator)
    issued = 0
    for language in TRANSLATED_LANGUAGES:
        for kind in KINDS:
            if wording != "built-in":
                save_template(admin, kind, language, "{number} {code}", EVERY_PLACEHOLDER,
                              TRANSLATED_LANGUAGES)
            request = received(language=language, answers={"name": "Trần Thị Hoa"})
            if when == "registered":
                workflow.register_request(operator, request.id, request.lock_version)
            title, body, served = drafted(client, request, kind)
            assert not codes.written_in(title + body, request.code), (language, kind)
            if wording != "built-in" and when == "before registration":
                # The person still recognises their request: the code's ends, the middle hidden.
                assert codes.masked(request.code) in title and codes.masked(request.code) in body
            response = client.post(f"/admin/requests/{request.id}/letter", data={
                "letter-title": title, "letter-body": body.replace("…", "Granted."),
                "letter-served_at": served}, content_type="multipart/form-data")
            assert response.status_code in (200, 302), html_of(response)[:2000]
            _db.session.expire_all()
            letter = _db.session.scalar(select(Letter).where(Letter.request_id == request.id))
            assert letter is not None, (language, kind)
            issued += 1
            document = text_of(document_bytes(letter, store))
            assert not codes.written_in(document, request.code), (language, kind, document)
            verified = client.get(f"/v/{letter.verification_code}").get_data(as_text=True)
            assert letter.verification_code in codes.normalize(verified)  # the page itself
            assert not codes.written_in(verified, request.code), (language, kind)
    assert issued == len(TRANSLATED_LANGUAGES) * len(KINDS)


# Spellings the code box accepts, so a reader of the letter could type them.
SPELLINGS = {
    "grouped": lambda code: codes.display(code),
    "lower case, no dashes": lambda code: code.lower(),
    "spaced": lambda code: " ".join(code),
    "O for 0, l for 1": lambda code: code.replace("0", "O").replace("1", "l"),
    "Persian digits": lambda code: code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("where", ["title", "body"])
def test_a_letter_staff_write_with_the_tracking_code_is_refused_and_changes_nothing(
        office, received, clock, store, spelling, where):
    clock("2026-10-20 10:00")
    request = received()
    version = request.lock_version
    written = f"Request {SPELLINGS[spelling](request.code)} is granted"
    title, body = (written, "Granted.") if where == "title" else ("Answer", written)
    with pytest.raises(NotAllowed) as refused:
        issue(office, request, title, body, store)
    assert "shows the request's tracking code" in str(refused.value.message)
    _db.session.expire_all()
    assert request.letters == [] and request.lock_version == version
    assert _db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    # The part a masked code shows is no key: that letter is issued.
    issue(office, request, "Answer", f"Request {codes.masked(request.code)} is granted", store)
    assert len(request.letters) == 1


def test_the_back_office_says_why_a_letter_with_the_code_is_not_issued(app, client, office,
                                                                      received, clock):
    app.config["WTF_CSRF_ENABLED"] = False
    clock("2026-10-20 10:00")
    request = received(language="ru")
    office["people"]["op"].language = "ru"  # chosen: the back office then speaks it
    office["people"]["op"].language_chosen = True
    _db.session.commit()
    sign_in(client, office["people"]["op"])
    response = client.post(f"/admin/requests/{request.id}/letter", data={
        "letter-title": "Ответ", "letter-body": f"Код {codes.display(request.code)}."},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "В письме указан код отслеживания обращения" in html_of(response)
    _db.session.expire_all()
    assert request.letters == []


def test_the_rest_api_refuses_a_letter_with_the_code_in_the_callers_language(client, office,
                                                                            received, clock):
    clock("2026-10-20 10:00")
    request = received()
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    answer = client.post(f"/api/v1/requests/{request.id}/letters", json={
        "expected_version": request.lock_version, "title": "Answer",
        "body": f"Your request {request.code.lower()} is granted."}, headers={
        "Authorization": f"Bearer {key}", "Idempotency-Key": "letter-with-code",
        "Accept-Language": "vi"})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "Thư có ghi mã tra cứu của hồ sơ" in answer.get_data(as_text=True)
    _db.session.expire_all()
    assert request.letters == []
