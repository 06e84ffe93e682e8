"""The widget's pages over HTTP: catalogue, form, receipt, track, with good and bad input (what an
attacker sends them, in test_hostile_input.py)."""
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, tracking_code
from widget import codes
from widget.models import Attachment, CodeRecovery, OutboxItem, Request

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ALL_TYPES = [
    {"key": "name", "type": "text", "required": True, "max_length": 20},
    {"key": "story", "type": "long_text", "max_length": 100},
    {"key": "area", "type": "number", "min_value": 1, "max_value": 1000},
    {"key": "born", "type": "date"},
    {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"},
    {"key": "colour", "type": "choice", "choices": [
        {"value": "red", "labels": {"en": "Red"}}, {"value": "blue", "labels": {"en": "Blue"}}]},
    {"key": "extras", "type": "multi_choice", "choices": [
        {"value": "a", "labels": {"en": "Alpha"}}, {"value": "b", "labels": {"en": "Beta"}}]},
    {"key": "agree", "type": "checkbox", "required": True},
    {"key": "proof", "type": "file"},
]


@pytest.fixture
def site(create_site):
    return create_site()


@pytest.fixture
def form(site, create_form):
    return create_form(site, slug="everything", fields=ALL_TYPES, processing_days=5)


def open_form(client, slug="everything", lang="en", site_key="test"):
    response = client.get(f"/w/{site_key}/{lang}/f/{slug}")
    assert response.status_code == 200
    return form_token(response.get_data(as_text=True))


def good_answers(token, **changes):
    data = {"form_token": token, "action": "send", "name": "Lan", "story": "Line one\nline two",
            "area": "120.50", "born": "1990-05-17", "email": "lan@example.com",
            "phone": "0912 345 678", "colour": "blue", "extras": ["b", "a"], "agree": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def count_requests(db):
    return db.session.scalar(select(func.count()).select_from(Request))


def post_form(client, data, slug="everything", lang="en", **kwargs):
    return client.post(f"/w/test/{lang}/f/{slug}", data=data,
                       content_type="multipart/form-data", **kwargs)


# --- entry, catalogue, framing ----------------------------------------------------------------

def test_entry_picks_language_and_form(client, form):
    assert client.get("/w/test/?lang=fa").location.endswith("/w/test/fa/")
    assert client.get("/w/test/?lang=ru&form=everything").location.endswith("/w/test/ru/f/everything")
    browser_vi = client.get("/w/test/", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert browser_vi.location.endswith("/w/test/vi/")
    assert client.get("/w/test/?lang=xx&form=nope").location.endswith("/w/test/en/")


def test_unknown_site_language_or_form_is_not_found(client, form):
    assert client.get("/w/nosuch/en/").status_code == 404
    assert client.get("/w/test/de/").status_code == 404
    assert client.get("/w/test/en/f/nosuch").status_code == 404


def test_catalogue_groups_published_forms(client, site, create_form):
    create_form(site, slug="visible", group_title="Permits")
    create_form(site, slug="hidden", published=False)
    create_form(site, slug="loose", group_title=None)
    html = client.get("/w/test/en/").get_data(as_text=True)
    assert "Permits" in html and "/w/test/en/f/visible" in html and "/w/test/en/f/loose" in html
    assert "hidden" not in html.lower().replace("aria-hidden", "")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {
        "status": "ok", "database": "ok", "outbox": {"due": 0, "oldest_due_seconds": 0}}


def test_healthz_shows_notifications_piling_up_while_no_worker_runs(client, db, site):
    from widget.models import OutboxChannel
    from datetime import timedelta

    from widget.models._types import utcnow
    from widget.notify.outbox import enqueue
    for minutes_ago in (12, 3):
        item = enqueue(site.organization_id, OutboxChannel.EMAIL, "a@example.com", "Hello")
        item.next_attempt_at = utcnow() - timedelta(minutes=minutes_ago)
    later = enqueue(site.organization_id, OutboxChannel.EMAIL, "b@example.com", "Later")
    later.next_attempt_at = utcnow() + timedelta(minutes=5)  # a retry not due yet
    db.session.commit()
    outbox = client.get("/healthz").json["outbox"]
    assert outbox["due"] == 2 and 12 * 60 <= outbox["oldest_due_seconds"] < 13 * 60


# --- sending ----------------------------------------------------------------------------------

def test_send_gives_a_receipt_with_code_due_date_and_cleaned_answers(client, db, form):
    token = open_form(client)
    response = post_form(client, {**good_answers(token), "proof": (io.BytesIO(PDF), "scan.pdf")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = tracking_code(html)
    assert codes.parse(code)
    request = db.session.scalar(select(Request))
    assert request.code == codes.parse(code) and request.status == "received"
    assert request.answers["phone"] == "+84912345678"
    assert request.answers["area"] == "120.5"
    assert request.answers["extras"] == ["a", "b"]
    assert request.answers["story"] == "Line one\nline two"
    assert request.due_at is not None and request.submitted_at is not None
    assert request.unit_id == form.unit_id
    assert [event.kind for event in request.events] == ["received"]
    assert [a.filename for a in request.attachments] == ["scan.pdf"]
    assert "scan.pdf" in html and "data-qr=" in html and "Answer due by" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_due_date_counts_working_days(client, db, site, create_form, frozen_clock):
    from datetime import datetime, timezone
    # Friday 16 October 2026, 10:00 in Hanoi: five working days later is Friday the 23rd.
    frozen_clock.move_to(datetime(2026, 10, 16, 3, 0, tzinfo=timezone.utc), tick=False)
    create_form(site, slug="five", processing_days=5)
    token = open_form(client, slug="five")
    post_form(client, {"form_token": token, "name": "A", "message": "Hello there"}, slug="five")
    # ... by the end of that working day, 17:00 in Hanoi (10:00 UTC).
    assert str(db.session.scalar(select(Request.due_at))) == "2026-10-23 10:00:00"


def test_missing_and_malformed_answers_are_explained_and_kept(client, db, form):
    token = open_form(client)
    data = good_answers(token, name="", area="12abc", born="31/02/2020", email="not-an-email",
                        phone="123", colour="green", extras=["zzz"], agree=None,
                        story="x" * 101)
    response = post_form(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ["Please fill in this field.", "Please enter a number",
                    "Please enter a date as year-month-day", "valid e-mail address",
                    "valid phone number", "Please choose one of the options.",
                    "Please choose among the options shown.", "Please tick this box",
                    "Please shorten this to 100 characters"]:
        assert message in html, message
    assert 'value="12abc"' in html and 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html and 'id="error-summary"' in html
    assert count_requests(db) == 0


def test_number_range_and_persian_digits(client, db, form):
    token = open_form(client)
    too_big = post_form(client, good_answers(token, area="5000"))
    assert "Please enter 1000 or less." in too_big.get_data(as_text=True)
    persian = post_form(client, good_answers(token, area="۱۲۳٫۵", phone="۰۹۱۲۳۴۵۶۷۸"))
    assert persian.status_code == 200
    request = db.session.scalar(select(Request))
    assert request.answers["area"] == "123.5" and request.answers["phone"] == "+84912345678"


def test_control_and_bidi_characters_are_dropped(client, db, form):
    token = open_form(client)
    # A NUL byte is refused with the whole request instead (tests/test_untrusted_input.py).
    post_form(client, good_answers(token, name="Lan\u202e\x07 Anh"))
    assert db.session.scalar(select(Request)).answers["name"] == "Lan Anh"


def test_honeypot_and_speed_checks_refuse_politely(client, db, form, app):
    token = open_form(client)
    bot = post_form(client, good_answers(token, website="http://spam.example"))
    assert bot.status_code == 422 and "mistook it for spam" in bot.get_data(as_text=True)
    app.config["FRONTDESK_MIN_FILL_SECONDS"] = 60
    fast = post_form(client, good_answers(token))
    assert fast.status_code == 422 and "quicker than we expected" in fast.get_data(as_text=True)
    assert 'value="Lan"' in fast.get_data(as_text=True)
    assert count_requests(db) == 0


# --- files ------------------------------------------------------------------------------------

def test_upload_limits(client, db, form, app):
    app.config["FRONTDESK_UPLOAD_MAX_FILE_BYTES"] = 1000
    token = open_form(client)
    big = post_form(client, {**good_answers(token), "proof": (io.BytesIO(PDF + b"0" * 2000), "big.pdf")})
    assert "is larger than" in big.get_data(as_text=True)
    app.config["FRONTDESK_UPLOAD_MAX_FILES"] = 2
    many = post_form(client, {**good_answers(token),
                              "proof": [(io.BytesIO(PDF), f"{i}.pdf") for i in range(3)]})
    assert "at most 2 files" in many.get_data(as_text=True)
    # Nothing sent (the two files that fit are held for the page: tests/test_form_keeps.py).
    assert db.session.scalar(select(func.count()).where(Request.status != "draft")) == 0


def test_required_file(client, db, site, create_form):
    create_form(site, slug="needs-file", fields=[{"key": "doc", "type": "file", "required": True}])
    token = open_form(client, slug="needs-file")
    response = post_form(client, {"form_token": token}, slug="needs-file")
    assert "Please attach a file." in response.get_data(as_text=True)
    ok = post_form(client, {"form_token": token, "doc": (io.BytesIO(PDF), "a.pdf")}, slug="needs-file")
    assert ok.status_code == 200


# --- drafts -----------------------------------------------------------------------------------

RESUME_RE = __import__("re").compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')


def test_a_draft_of_a_form_taken_off_the_site_is_not_resumed(client, db, form):
    token = open_form(client)
    saved = post_form(client, {"form_token": token, "action": "draft", "name": "Half done"})
    resume_code = RESUME_RE.search(saved.get_data(as_text=True)).group(1)
    form.is_published = False  # withdrawn (or left off this site): it could not be sent here
    db.session.commit()
    resumed = client.post("/w/test/en/resume", data={"code": resume_code})
    assert resumed.status_code == 404 and "Half done" not in resumed.get_data(as_text=True)


def test_draft_saved_resumed_and_sent(client, db, form):
    token = open_form(client)
    saved = post_form(client, {"form_token": token, "action": "draft", "name": "Half done",
                               "proof": (io.BytesIO(PDF), "first.pdf")})
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    resume_code = RESUME_RE.search(html).group(1)
    draft = db.session.scalar(select(Request))
    assert draft.status == "draft" and draft.code is None
    # The same page saved twice (a double click) is still one draft.
    post_form(client, {"form_token": token, "action": "draft", "name": "Half done"})
    assert count_requests(db) == 1

    resumed = client.post("/w/test/en/resume", data={"code": resume_code.lower()})
    page = resumed.get_data(as_text=True)
    assert resumed.status_code == 200 and 'value="Half done"' in page and "first.pdf" in page
    assert 'action="/w/test/en/f/everything"' in page  # not back to the resume page
    resumed_token = form_token(page)
    sent = post_form(client, good_answers(resumed_token))
    assert sent.status_code == 200
    db.session.expire_all()
    request = db.session.scalar(select(Request))
    assert count_requests(db) == 1 and request.status == "received" and request.resume_code is None
    assert [a.filename for a in request.attachments] == ["first.pdf"]
    gone = client.post("/w/test/en/resume", data={"code": resume_code})
    assert gone.status_code == 404 and "We found no draft" in gone.get_data(as_text=True)


def test_a_draft_past_its_time_is_deleted_with_its_files(app, client, db, form):
    """The worker's minute deletes drafts nobody can resume any more, and what was attached;
    a fresh draft and a sent request of the same age stay."""
    from datetime import timedelta

    from widget.models import Event, OutboxChannel, OutboxItem
    from widget.models._types import utcnow
    from widget.notify.outbox import enqueue
    from widget.notify.worker import scheduled
    old = post_form(client, {"form_token": open_form(client), "action": "draft", "name": "Old",
                             "proof": (io.BytesIO(PDF), "old.pdf")})
    old_code = RESUME_RE.search(old.get_data(as_text=True)).group(1)
    post_form(client, {"form_token": open_form(client), "action": "draft", "name": "Fresh"})
    post_form(client, good_answers(open_form(client)))
    assert any(path.is_file() for path in Path(app.config["FRONTDESK_UPLOAD_DIR"]).rglob("*"))
    old_draft, = [draft for draft in db.session.scalars(select(Request).where(
        Request.status == "draft")) if draft.answers["name"] == ["Old"]]  # drafts keep what was typed
    sent = db.session.scalar(select(Request).where(Request.status != "draft"))
    long_ago = utcnow() - timedelta(days=app.config["FRONTDESK_DRAFT_MAX_AGE_DAYS"] + 1)
    old_draft.updated_at = sent.updated_at = long_ago
    old_id = old_draft.id
    # Its author was told it would go (a row that must outlive the draft, as history).
    enqueue(old_draft.organization_id, OutboxChannel.EMAIL, "old@example.org", "Soon deleted",
            request_id=old_id)
    db.session.commit()

    scheduled(app.config)

    db.session.expire_all()
    assert db.session.get(Request, old_id) is None
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).where(Event.request_id == old_id)) == 0
    assert not any(path.is_file() for path in Path(app.config["FRONTDESK_UPLOAD_DIR"]).rglob("*"))
    assert db.session.scalar(select(func.count()).where(OutboxItem.recipient == "old@example.org",
                                                        OutboxItem.request_id.is_(None))) == 1
    assert count_requests(db) == 2  # the fresh draft and the sent request
    gone = client.post("/w/test/en/resume", data={"code": old_code})
    assert gone.status_code == 404 and "Old" not in gone.get_data(as_text=True)


def test_a_draft_attachment_can_be_removed(client, db, form):
    token = open_form(client)
    post_form(client, {"form_token": token, "action": "draft", "name": "x",
                       "proof": (io.BytesIO(PDF), "old.pdf")})
    attachment = db.session.scalar(select(Attachment))
    post_form(client, {"form_token": token, "action": "draft", "name": "x",
                       "remove_attachment": str(attachment.id)})
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_an_upload_folder_that_cannot_be_written_gives_the_form_back(app, client, db, form,
                                                                     tmp_path):
    # What a full disk or a read-only mount does: no folder can be made where files go.
    (tmp_path / "a-file").write_text("")
    app.config["FRONTDESK_UPLOAD_DIR"] = str(tmp_path / "a-file" / "uploads")
    response = post_form(client, good_answers(open_form(client), story="Kept",
                                              proof=(io.BytesIO(PDF), "proof.pdf")))
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "nothing was sent or saved" in html
    assert ">Kept</textarea>" in html and count_requests(db) == 0


# --- tracking ---------------------------------------------------------------------------------

def send_one(client):
    token = open_form(client)
    return tracking_code(post_form(client, good_answers(token)).get_data(as_text=True))


def test_track_by_code_shows_status_and_timeline(client, form):
    code = send_one(client)
    typed = code.replace("-", " ").lower()
    response = client.post("/w/test/en/track", data={"code": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and code in html
    assert "Received, waiting to be registered" in html and "Request received online" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_track_page_without_code_never_puts_it_in_a_url(client, form):
    page = client.get("/w/test/en/track").get_data(as_text=True)
    assert 'method="post"' in page and "data-fragment-code" in page


# --- language ---------------------------------------------------------------------------------

def test_persian_pages_are_right_to_left(client, form):
    html = client.get("/w/test/fa/f/everything").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in html
    assert '<html lang="ru" dir="ltr">' in client.get("/w/test/ru/").get_data(as_text=True)



# --- a phone field that promises SMS takes a mobile number -------------------------------------

# The message a number no SMS reaches gets, in each language (the catalogs' words, so that an
# untranslated message fails).
NOT_A_MOBILE = {
    "en": "This number cannot receive text messages: please enter a mobile number.",
    "vi": "Số này không nhận được tin nhắn SMS: vui lòng nhập số điện thoại di động.",
    "fa": "این شماره پیامک دریافت نمی‌کند: لطفاً شماره تلفن همراه وارد کنید.",
    "ru": "На этот номер нельзя отправить SMS: укажите номер мобильного телефона.",
}
# (organisation's country, what is typed, stored E.164 or None when refused)
NUMBERS = [
    ("VN", "0912 345 678", "+84912345678"),
    ("VN", "+84 912 345 678", "+84912345678"),
    ("VN", "024 3825 1234", None),            # a landline in Hanoi
    ("VN", "+84 24 3825 1234", None),
    ("VN", "1800 1234", None),                # toll-free
    ("VN", "1900 1234 56", None),             # premium-rate
    ("RU", "+7 912 345 67 89", "+79123456789"),
    ("RU", "8 912 345 67 89", "+79123456789"),
    ("RU", "+7 495 123 45 67", None),         # a landline in Moscow
    ("RU", "8 495 123 45 67", None),
    ("IR", "+98 912 345 6789", "+989123456789"),
    ("IR", "0912 345 6789", "+989123456789"),
    ("IR", "+98 21 1234 5678", None),         # a landline in Tehran
    ("IR", "021 1234 5678", None),
]


def _number_id(case):
    return f"{case[0]}:{case[1]}"


@pytest.fixture
def sms_form(db, create_site, create_form):
    """make(country, **form settings): a form with a phone field notices may text, at a site of
    an organisation in that country."""
    def make(country, **settings):
        site = create_site(country=country)
        form = create_form(site, slug="sms", fields=[
            {"key": "name", "type": "text", "required": True},
            {"key": "phone", "type": "phone", "required": True}])
        for name, value in settings.items():
            setattr(form, name, value)
        db.session.commit()
        return form
    return make


@pytest.mark.parametrize("lang", list(NOT_A_MOBILE))
@pytest.mark.parametrize("case", NUMBERS, ids=_number_id)
def test_a_phone_field_notices_may_text_takes_only_a_mobile_number(client, db, sms_form, case, lang):
    """A number no SMS reaches is refused in the person's language and nothing is kept or sent;
    a mobile number of the organisation's country, local or international, is stored E.164."""
    country, typed, stored = case
    sms_form(country)
    token = open_form(client, slug="sms", lang=lang)
    response = post_form(client, {"form_token": token, "action": "send", "name": "Lan",
                                  "phone": typed}, slug="sms", lang=lang)
    html = response.get_data(as_text=True)
    if stored is None:
        assert response.status_code == 422 and NOT_A_MOBILE[lang] in html
        assert count_requests(db) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0
    else:
        assert response.status_code == 200 and NOT_A_MOBILE[lang] not in html
        assert db.session.scalar(select(Request.answers))["phone"] == stored


@pytest.mark.parametrize("settings", [{"sms_enabled": False}, {"same_day": True}])
def test_a_phone_field_of_a_form_that_sends_no_sms_takes_a_landline(client, db, sms_form, settings):
    """Only a field that promises SMS refuses a landline: elsewhere it is a number to call."""
    sms_form("VN", **settings)
    token = open_form(client, slug="sms")
    response = post_form(client, {"form_token": token, "action": "send", "name": "Lan",
                                  "phone": "024 3825 1234"}, slug="sms")
    assert response.status_code == 200
    assert db.session.scalar(select(Request.answers))["phone"] == "+842438251234"


@pytest.mark.parametrize("lang", list(NOT_A_MOBILE))
@pytest.mark.parametrize("case", NUMBERS, ids=_number_id)
def test_the_lost_code_page_agrees_with_the_form_on_mobile_numbers(client, db, create_site, case,
                                                                   lang):
    """The lost-code page refuses what the form refuses, with the same message, and records no
    ask; a mobile number's ask is recorded for the worker (nothing is sent inside the request)."""
    country, typed, stored = case
    create_site(country=country)
    response = client.post(f"/w/test/{lang}/recover", data={"contact": typed},
                           headers={"Sec-Fetch-Site": "same-origin"})
    html = response.get_data(as_text=True)
    recorded = list(db.session.scalars(select(CodeRecovery)))
    if stored is None:
        assert response.status_code == 422 and NOT_A_MOBILE[lang] in html
        assert recorded == []
    else:
        assert response.status_code == 200 and NOT_A_MOBILE[lang] not in html
        assert [(r.channel, r.contact) for r in recorded] == [("sms", stored)]
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0
