"""What the person sees with their code once staff work on the request: the handler, the
deadline, pauses, the letter, the message thread with a reply box; never internal notes."""
from __future__ import annotations

import io
import re

import pytest

import widget.services.workflow as workflow
from tests import backoffice
from tests.template_loads import no_lazy_loads_in
from widget import codes
from widget.models import Message
from widget.services import messaging
from widget.uploads import IncomingFile, LocalFileStore, UploadLimits

clock, office, received = backoffice.clock, backoffice.office, backoffice.received
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
LIMITS = UploadLimits(10_000, 3, 20_000)
ACCESS = re.compile(r'name="access" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _pages_load_in_their_services(app):
    """The status page and the cabinet read what they show in their services: a lazy load from
    their templates raises here."""
    with no_lazy_loads_in(app, "public/status.html", "public/_answers.html"):
        yield


@pytest.fixture
def store(app):
    return LocalFileStore(app.config["FRONTDESK_UPLOAD_DIR"])


@pytest.fixture
def worked_on(office, received, clock, store):
    """A registered request, assigned, with a message, an internal note and a letter."""
    people = office["people"]
    clock("2026-10-16 10:00")
    request = received()
    workflow.register_request(people["op"], request.id, request.lock_version)
    workflow.assign_request(people["head"], request.id, request.lock_version, people["op"].id)
    workflow.start_work(people["op"], request.id, request.lock_version)
    messaging.send_staff_message(people["op"], request.id, "Please send <b>the original</b>.",
                                 [IncomingFile("file", "checklist.pdf", PDF)], LIMITS, store)
    messaging.add_internal_note(people["op"], request.id, "SECRET: applicant seems nervous")
    messaging.issue_letter(people["op"], request.id, "Decision", "Your request is granted.",
                           IncomingFile("letter", "decision.pdf", PDF), LIMITS, store)
    return request


def open_status(client, code: str, lang: str = "en"):
    response = client.post(f"/w/test/{lang}/track", data={"code": codes.display(code)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    access = ACCESS.search(html)  # only where the page offers a reply or a download
    return html, access and access.group(1)


def test_status_shows_handler_deadline_letter_and_messages_but_no_notes(client, worked_on):
    html, _ = open_status(client, worked_on.code)
    assert "Operator HN" in html and "HN-2026-000001" in html and "In progress" in html
    assert "Decision" in html and "Your request is granted." in html and "decision.pdf" in html
    assert "Please send &lt;b&gt;the original&lt;/b&gt;." in html and "checklist.pdf" in html
    assert "SECRET" not in html and "Internal note" not in html
    assert "Assigned to a specialist" in html and "Answer letter issued" in html


def test_the_handler_can_be_shown_by_role_only(client, db, worked_on, office):
    office["org"].show_executor_name = False
    db.session.commit()
    html, _ = open_status(client, worked_on.code)
    assert "Operator HN" not in html and "A specialist of <bdi>Unit HN</bdi>" in html


def test_paused_refused_and_ready_are_explained(client, office, received, clock):
    op = office["people"]["op"]
    clock("2026-10-16 10:00")
    paused = received()
    workflow.register_request(op, paused.id, paused.lock_version)
    workflow.pause_request(op, paused.id, paused.lock_version, "supplement")
    assert "waiting for you to supplement documents" in open_status(client, paused.code)[0]
    refused = received()
    workflow.refuse_request(op, refused.id, refused.lock_version, "Outside our <competence>")
    assert "Outside our &lt;competence&gt;" in open_status(client, refused.code)[0]
    ready = received()
    workflow.register_request(op, ready.id, ready.lock_version)
    workflow.mark_result_ready(op, ready.id, ready.lock_version, "desk")
    assert "collect it at the desk" in open_status(client, ready.code)[0]


def test_letters_and_staff_files_download_by_post(client, worked_on):
    _, access = open_status(client, worked_on.code)
    letter_file = worked_on.letters[0].attachments[0]
    response = client.post(f"/w/test/en/track/file/{letter_file.id}", data={"access": access})
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(f"/w/test/en/track/file/{letter_file.id}").status_code == 405  # POST only
    assert client.post(f"/w/test/en/track/file/{letter_file.id}", data={}).status_code == 404
    assert client.post(f"/w/test/en/track/file/{letter_file.id}",
                       data={"access": access[:-2] + ("yy" if access.endswith("xx") else "xx")}
                       ).status_code == 404  # a forged signature (never the token itself)


def test_the_person_replies_with_a_file(client, db, worked_on):
    _, access = open_status(client, worked_on.code, lang="ru")
    response = client.post("/w/test/ru/track/reply", content_type="multipart/form-data", data={
        "access": access, "body": "Отправляю <script>alert(1)</script> копию",
        "files": (io.BytesIO(PDF), "passport.pdf")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    message = db.session.query(Message).filter_by(from_staff=False).one()
    assert message.attachments[0].filename == "passport.pdf"
    assert worked_on.events[-1].kind == "citizen_message"


def test_bad_replies_change_nothing(client, db, app, worked_on):
    _, access = open_status(client, worked_on.code)
    empty = client.post("/w/test/en/track/reply", data={"access": access, "body": "   "})
    assert empty.status_code == 422 and "Please write a message." in empty.get_data(as_text=True)
    hostile = client.post("/w/test/en/track/reply", content_type="multipart/form-data", data={
        "access": access, "body": "see file", "files": (io.BytesIO(b"MZ\x90\x00evil"), "x.pdf")})
    assert hostile.status_code == 422 and "not a file type we accept" in hostile.get_data(as_text=True)
    assert 'see file' in hostile.get_data(as_text=True)  # what was typed is kept
    forged = client.post("/w/test/en/track/reply", data={"access": "forged", "body": "hello"})
    assert forged.status_code == 400 and "enter your code again" in forged.get_data(as_text=True)
    app.config["FRONTDESK_STATUS_TOKEN_MAX_AGE"] = -1
    expired = client.post("/w/test/en/track/reply", data={"access": access, "body": "hello"})
    assert expired.status_code == 400
    assert db.session.query(Message).filter_by(from_staff=False).count() == 0


def bump_version_behind_the_session(db, request_id: int) -> None:
    """What a staff member's change in another process does to the row: a new lock_version."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE requests SET lock_version = lock_version + 1 WHERE id = %d" % request_id)


def test_a_reply_racing_a_staff_change_is_saved_once_on_the_request_as_it_is_now(
        db, worked_on, store, clock):
    from widget.models import Request
    clock("2026-10-16 11:00")  # the person writes an hour after staff worked on it
    request = db.session.get(Request, worked_on.id)
    version = request.lock_version
    bump_version_behind_the_session(db, request.id)  # after the page loaded the request
    message = messaging.send_citizen_message(request, "On my way", [], LIMITS, store)
    db.session.expire_all()
    assert db.session.query(Message).filter_by(from_staff=False).one().id == message.id
    request = db.session.get(Request, worked_on.id)
    assert request.lock_version == version + 2  # the staff change, then the message
    assert [e.kind for e in request.events].count("citizen_message") == 1


def test_a_reply_that_keeps_losing_races_is_refused_with_its_text_kept(
        client, db, worked_on, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError
    _, access = open_status(client, worked_on.code, lang="vi")

    def always_stale(*args, **kwargs):
        raise StaleDataError("the request changed")
    monkeypatch.setattr(messaging, "_write_citizen_message", always_stale)
    page = client.post("/w/test/vi/track/reply", data={"access": access, "body": "Tôi sẽ đến"})
    html = page.get_data(as_text=True)
    from flask_babel import force_locale, gettext
    with force_locale("vi"):
        wanted = gettext("The request changed while your message was being saved; please send "
                         "it again.")
    assert wanted.startswith("Hồ sơ") and page.status_code == 422
    assert wanted in html and "Tôi sẽ đến" in html
    assert db.session.query(Message).filter_by(from_staff=False).count() == 0


# -- what staff write for the person -------------------------------------------------------------

def test_what_staff_write_for_the_person_is_on_the_status_page(client, office, received, clock):
    people = office["people"]
    clock("2026-10-16 10:00")
    request = received()
    workflow.register_request(people["op"], request.id, request.lock_version)
    workflow.change_deadline(people["head"], request.id, request.lock_version,
                             backoffice.at("2026-10-30 10:00").date(),
                             "The land registry answers <slowly> in October")
    html, _ = open_status(client, request.code)
    assert "The land registry answers &lt;slowly&gt; in October" in html  # open: why it moved
    workflow.pause_request(people["op"], request.id, request.lock_version, "supplement",
                           "Bring the original deed, page 2")
    html, _ = open_status(client, request.code)
    assert html.count("Bring the original deed, page 2") == 2  # the notice and the timeline
    workflow.resume_request(people["op"], request.id, request.lock_version)
    workflow.mark_result_ready(people["op"], request.id, request.lock_version, "desk",
                               "Window 4, bring your passport")
    html, _ = open_status(client, request.code)
    assert html.count("Window 4, bring your passport") == 2
    assert html.count("Bring the original deed, page 2") == 1  # no longer why it waits
    refused = received()
    workflow.refuse_request(people["op"], refused.id, refused.lock_version, "Not our district")
    assert "Not our district" in open_status(client, refused.code)[0]


def test_notes_that_stay_among_staff_never_reach_the_page(client, db, office, received, clock):
    from widget.services import fees
    people = office["people"]
    clock("2026-10-16 10:00")
    request = received()
    workflow.register_request(people["op"], request.id, request.lock_version)
    fees.request_fee(people["op"], request.id, request.lock_version, "50000")
    fees.waive_fee(people["head"], request.id, request.lock_version, "SECRET: the director's cousin")
    messaging.add_internal_note(people["op"], request.id, "SECRET: call back")
    html, _ = open_status(client, request.code)
    assert "SECRET" not in html


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
def test_a_note_staff_wrote_in_the_persons_language_is_shown_in_it(client, db, office, received,
                                                                     clock, lang):
    from widget.models import Event
    people = office["people"]
    clock("2026-10-16 10:00")
    request = received(language=lang)
    workflow.register_request(people["op"], request.id, request.lock_version)
    workflow.pause_request(people["op"], request.id, request.lock_version, "supplement",
                           "Bring the deed")
    written = {"vi": "Mang theo giấy tờ nhà đất", "fa": "سند ملک را بیاورید",
               "ru": "Принесите документ о собственности"}
    event = db.session.query(Event).filter_by(request_id=request.id, kind="paused").one()
    event.data = {**event.data, "notes": written}
    db.session.commit()
    html, _ = open_status(client, request.code, lang=lang)
    assert (written.get(lang) or "Bring the deed") in html
    assert all(text not in html for other, text in written.items() if other != lang)


def test_the_cabinet_lists_what_staff_wrote_shortened_between_words(client, db, office, received,
                                                                     clock):
    from widget.excerpt import excerpt
    from widget.models import Account
    from widget.models._types import utcnow
    from widget.passwords import hash_password
    people = office["people"]
    account = Account(organization_id=office["org"].id, name="Lan", email="lan@example.org",
                      password_hash=hash_password(backoffice.PASSWORD), email_verified_at=utcnow(),
                      language="vi")
    db.session.add(account)
    db.session.commit()
    clock("2026-10-16 10:00")
    request = received(language="vi")
    request.account_id = account.id
    db.session.commit()
    reason = ("Hồ sơ thiếu bản sao công chứng giấy chứng nhận quyền sử dụng đất và bản vẽ hiện "
              "trạng; xin bổ sung tại bộ phận một cửa trước ngày hai mươi tháng mười một, mang "
              "theo căn cước công dân bản gốc để đối chiếu")
    workflow.refuse_request(people["op"], request.id, request.lock_version, reason)
    signed_in = client.post("/w/test/vi/account/signin", headers={"Sec-Fetch-Site": "same-origin"},
                            data={"contact": "lan@example.org", "password": backoffice.PASSWORD})
    assert signed_in.status_code == 303
    listing = client.get("/w/test/vi/account/").get_data(as_text=True)
    shown = excerpt(reason, 160)
    assert shown != reason and shown.endswith("…") and shown in listing
    assert reason.startswith(shown[:-1]) and reason[len(shown) - 1] == " "  # cut between words
    page = client.get(f"/w/test/vi/account/requests/{request.id}").get_data(as_text=True)
    assert reason in page  # the request's own page has it whole


def test_the_page_names_the_form_and_organisation_as_they_are_now(client, db, worked_on, office):
    """The status page's form title, organisation name and executor rule come from the
    configuration as it is at each lookup (the process's cache), not as first seen."""
    from widget.models import Form, Organization
    form_id, org_id = office["forms"]["HN"].id, office["org"].id
    for title, name, show in (("Building permit", "Ward 1", True),
                              ("Renovation permit", "Ward One", False)):
        db.session.get(Form, form_id).titles = {"en": title}
        organisation = db.session.get(Organization, org_id)
        organisation.names, organisation.show_executor_name = {"en": name}, show
        db.session.commit()
        db.session.expunge_all()  # as another process's lookup: nothing loaded
        html, _ = open_status(client, worked_on.code)
        assert f"<bdi>{title}</bdi>" in html
        # The header's name, and the staff's messages signed with it.
        assert html.count(f"<bdi>{name}</bdi>") >= 2 and "<bdi>Ward 1</bdi>" not in html or show
        assert ("Operator HN" in html) is show
        assert ("A specialist of <bdi>Unit HN</bdi>" in html) is not show
