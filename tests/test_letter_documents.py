"""Issued letters are PDF documents the product renders: the person's language and calendar,
every font embedded, Persian shaped right to left, stored once and downloaded as issued; a letter
still holding a gap for staff to fill is refused and changes nothing."""
from __future__ import annotations

import hashlib
import html
import io
import re
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select

import widget.services.workflow as workflow
from tests import backoffice
from tests.test_admin import html_of, sign_in
from tests.test_status_page import LIMITS, PDF, open_status
from widget.extensions import db as _db
from widget.models import LETTER_DOCUMENT, Attachment, Letter
from widget.services import messaging
from widget.services.access import NotAllowed
from widget.services.letter_verification import CODE_LENGTH, parse_verification_code
from widget.uploads import IncomingFile, LocalFileStore

clock, office, received = backoffice.clock, backoffice.office, backoffice.received

ORGANISATION = {"en": "People's Committee of Ward 5", "vi": "Ủy ban nhân dân Phường 5",
                "fa": "شهرداری منطقه پنج", "ru": "Администрация пятого района"}
UNIT = {"en": "Civil status", "vi": "Bộ phận hộ tịch", "fa": "واحد ثبت احوال",
        "ru": "Отдел записи актов"}
# What staff write for the person in each language, and what the PDF must let a reader copy.
LETTERS = {
    "vi": ("Trả lời đơn của bà Trần Thị Hoa",
           "Kính gửi bà Trần Thị Hoa,\n\nĐơn xin cấp giấy phép của bà đã được chấp thuận.",
           ["Trả lời đơn của bà Trần Thị Hoa", "Kính gửi bà Trần Thị Hoa,",
            "Đơn xin cấp giấy phép của bà đã được chấp thuận.", "Ủy ban nhân dân Phường 5",
            "Bộ phận hộ tịch"]),
    "ru": ("Ответ на ваше обращение", "Уважаемая Алёна Сергеевна,\n\nВаше заявление одобрено.",
           ["Ответ на ваше обращение", "Уважаемая Алёна Сергеевна,", "Ваше заявление одобрено.",
            "Администрация пятого района", "Отдел записи актов"]),
    "fa": ("پاسخ به درخواست شما", "خانم ژاله گرامی،\n\nدرخواست پروانه شما پذیرفته شد.",
           ["پاسخ به درخواست شما", "درخواست پروانه شما پذیرفته شد.", "شهرداری منطقه پنج",
            "واحد ثبت احوال"]),
    "en": ("Answer to your request", "Dear Ms Lan,\n\nYour permit is granted.",
           ["Answer to your request", "Dear Ms Lan,", "Your permit is granted.",
            "People's Committee of Ward 5", "Civil status"]),
}
# The line that sends a reader to the verification page, in the person's language.
VERIFY_LABEL = {"vi": "Mã xác minh", "ru": "Код проверки", "en": "Verification code",
                "fa": "کد تأیید"}
# The issue date in each person's calendar: Solar Hijri first in Persian.
ISSUE_DAY = {"vi": "20 tháng 10, 2026", "ru": "20 октября 2026", "en": "October 20, 2026",
             "fa": "مهر"}


@pytest.fixture
def store(app):
    return LocalFileStore(app.config["FRONTDESK_UPLOAD_DIR"])


@pytest.fixture
def registered(office, received, clock):
    """make(language): a registered request of unit HN in that language, on 20 October 2026."""
    office["org"].names = ORGANISATION
    office["units"]["HN"].names = UNIT
    _db.session.commit()

    def make(language="en", answers=None):
        clock("2026-10-20 10:00")
        request = received(language=language, answers=answers)
        workflow.register_request(office["people"]["op"], request.id, request.lock_version)
        return request
    return make


def issue(office, request, title, body, store, pdf=None):
    return messaging.issue_letter(office["people"]["op"], request.id, title, body, pdf, LIMITS,
                                  store)


def document_bytes(letter: Letter, store) -> bytes:
    return store.read(letter.document.storage_key)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def fonts_of(data: bytes) -> list:
    """Every font the document's pages use, resolved."""
    return [font.get_object() for page in pypdf.PdfReader(io.BytesIO(data)).pages
            for font in page["/Resources"]["/Font"].values()]


@pytest.mark.parametrize("language", LETTERS)
def test_the_letter_is_a_pdf_in_the_persons_language_with_its_fonts_embedded(
        office, registered, store, language):
    title, body, expected = LETTERS[language]
    request = registered(language)
    issue(office, request, title, body, store)
    letter = request.letters[0]
    data = document_bytes(letter, store)
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    for words in expected:
        assert words in text, (language, words, text)
    assert ISSUE_DAY[language] in text and VERIFY_LABEL[language] in text
    assert letter.journal_number == request.journal_number and request.journal_number in text
    assert parse_verification_code(letter.verification_code) == letter.verification_code
    assert f"/v/{letter.verification_code}" in text
    # Every font is a TrueType program inside the file: the reader's fonts play no part.
    fonts = fonts_of(data)
    assert fonts and all(font["/Subtype"] == "/Type0" for font in fonts)
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]
    assert not re.search(rb"/BaseFont\s*/(Helvetica|Times|Courier|Arial)", data)


def test_persian_is_shaped_into_joined_letters_and_the_date_is_solar_hijri(
        office, registered, store):
    request = registered("fa")
    issue(office, request, *LETTERS["fa"][:2], store)
    data = document_bytes(request.letters[0], store)
    text = text_of(data)
    assert "۱۴۰۵" in text or "۵۰۴۱" in text  # 1405 SH; pypdf may read an RTL line backwards
    assert all(letter in text for letter in "پژگ")
    # Joined Persian draws a letter in several shapes (initial, medial, final): the embedded
    # font's map from glyphs back to text names more than one glyph for the same letter.
    font = next(f for f in fonts_of(data) if "Bold" not in str(f["/BaseFont"]))
    cmap = font["/ToUnicode"].get_object().get_data().decode()
    letters = [chr(int(code, 16)) for code in re.findall(r"<[0-9A-F]{4}> <([0-9A-F]{4})>", cmap)]
    assert max(letters.count(letter) for letter in "شدیه") >= 2


def test_an_uploaded_pdf_is_enclosed_and_the_document_names_it(office, registered, store):
    request = registered("en")
    issue(office, request, "Decision", "", store, IncomingFile("letter", "decision.pdf", PDF))
    letter = request.letters[0]
    assert {a.field_key for a in letter.attachments} == {"message", LETTER_DOCUMENT}
    assert "Enclosed: decision.pdf" in text_of(document_bytes(letter, store))


@pytest.mark.parametrize("title, body, gap", [
    ("Answer", "Dear Lan,\n\nIn answer to your request:\n\n…\n\nYours", "…"),
    ("Answer", "We need the following documents: ...", "..."),
    ("Answer", "Your card {answer.card_number} is ready.", "{answer.card_number}"),
    ("Answer", "Dear {name},", "{name}"),
    ("Answer", "Dear {nmae}, granted.", "{nmae}"),
    ("Answer", "Granted } on time.", "}"),
    ("Answer", "Granted {on time.", "{"),
    ("Answer to … request", "Granted.", "…"),
])
def test_a_letter_with_a_gap_is_refused_and_changes_nothing(office, registered, store, app,
                                                            title, body, gap):
    request = registered("en")
    version = request.lock_version
    with pytest.raises(NotAllowed) as refused:
        issue(office, request, title, body, store)
    assert f"still has a gap to fill: {gap}." in str(refused.value.message)
    _db.session.expire_all()
    assert request.letters == [] and request.lock_version == version
    assert _db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not any(path.is_file() for path in Path(app.config["FRONTDESK_UPLOAD_DIR"]).rglob("*"))


def test_the_back_office_says_why_a_letter_with_a_gap_is_not_issued(app, client, office,
                                                                    registered):
    app.config["WTF_CSRF_ENABLED"] = False  # as in test_admin: forms are tested there
    request = registered("en")
    sign_in(client, office["people"]["op"])
    page = html_of(client.get(f"/admin/requests/{request.id}?letter_template=answer"))
    served = re.search(r'name="letter-served_at"[^>]*value="([^"]*)"', page)
    body = re.search(r'<textarea[^>]*name="letter-body"[^>]*>([^<]*)</textarea>', page)
    assert "…" in body.group(1)  # the default template leaves the answer itself to staff
    response = client.post(f"/admin/requests/{request.id}/letter", data={
        "letter-title": "Answer", "letter-body": html.unescape(body.group(1)),
        "letter-served_at": served.group(1) if served else ""}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The letter still has a gap to fill: …." in html_of(response)
    _db.session.expire_all()
    assert request.letters == []


def test_the_person_downloads_the_document_as_issued_and_never_another(
        client, office, registered, store):
    mine, theirs = registered("vi"), registered("ru")
    issue(office, mine, *LETTERS["vi"][:2], store)
    issue(office, theirs, *LETTERS["ru"][:2], store)
    own, other = mine.letters[0].document, theirs.letters[0].document
    html, access = open_status(client, mine.code, "vi")
    assert own.filename in html
    downloads = [client.post(f"/w/test/vi/track/file/{own.id}", data={"access": access})
                 for _ in range(2)]
    for response in downloads:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert hashlib.sha256(response.data).hexdigest() == mine.letters[0].document_sha256
    assert downloads[0].data == downloads[1].data == store.read(own.storage_key)
    # Another person's letter is not theirs to download, with this page's key or none.
    assert client.post(f"/w/test/vi/track/file/{other.id}",
                       data={"access": access}).status_code == 404
    assert client.post(f"/w/test/vi/track/file/{other.id}", data={}).status_code == 404


def test_verification_codes_are_random_and_not_the_tracking_code(office, registered, store):
    requests = [registered("en") for _ in range(5)]
    for request in requests:
        issue(office, request, "Answer", "Granted.", store)
    codes_ = [request.letters[0].verification_code for request in requests]
    assert len(set(codes_)) == 5 and all(len(code) == CODE_LENGTH for code in codes_)
    for request, code in zip(requests, codes_):
        assert request.code not in code and code[:13] != request.code[:13]
