"""The staff back office over HTTP: sign-in, the inbox, a request's page, every action, file
downloads, desk entry; scoped per unit, audited (what people typed, shown as text on every
page: in test_hostile_input.py)."""
from __future__ import annotations

import io
import re
import secrets
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from tests import backoffice
from tests.vnu import html_errors
from widget import codes
from widget.extensions import db as _db
from widget.models import (Attachment, AuditEntry, Event, Letter, Message, Request, StaffSession,
                           StaffUser)
from widget.models._types import as_utc, utcnow
from widget.services.account_sessions import token_hash
from widget.services.staff_sessions import end_all_sessions
from widget.uploads import LocalFileStore
from widget.workdays import WorkCalendar

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
CSRF = re.compile(r'name="(?:[a-z_]+-)?csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

office, PASSWORD = backoffice.office, backoffice.PASSWORD


@pytest.fixture(autouse=True)
def no_csrf(app):
    """Most tests post without a CSRF token; test_csrf_token_is_required turns it back on."""
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def store(app):
    return LocalFileStore(app.config["FRONTDESK_UPLOAD_DIR"])


@pytest.fixture
def make(db, office, store):
    """A sent request of a unit, in a status, with answers and files."""
    numbers = iter(range(1, 1000))

    def create(unit="HN", status="received", answers=None, files=(), **attrs) -> Request:
        now = utcnow()
        # A month ahead: never "due soon", even across New Year's Day or the Tet holidays.
        attrs.setdefault("due_at", now + timedelta(days=30))
        request = Request(
            organization_id=office["org"].id, site_id=office["site"].id,
            unit_id=office["units"][unit].id, status=status, code=codes.generate(),
            form_version_id=office["forms"][unit].current_version.id, language="en",
            answers=answers or {"name": "Lan Nguyen", "message": "Please help"},
            submitted_at=now - timedelta(days=1), **attrs)
        if status != "received" and "journal_number" not in attrs:
            request.journal_number = f"{unit}-2026-{next(numbers):06d}"
        if status == "paused":
            request.paused_at, request.pause_reason = now - timedelta(hours=2), "supplement"
        for name, data in files:
            request.attachments.append(Attachment(
                field_key="proof", filename=name, content_type="application/pdf", size=len(data),
                sha256="0" * 64, storage_key=store.save(data)))
        request.events.append(Event(kind="received", created_at=now - timedelta(days=1),
                                    data={"channel": "web"}))
        db.session.add(request)
        db.session.commit()
        return request
    return create


def sign_in(client, staff: StaffUser) -> None:
    """Start a session as this staff member (the sign-in form is tested on its own). Written
    beside the ORM session, so that tests counting its commits count only the pages' own."""
    token, now = secrets.token_urlsafe(32), utcnow()
    hours = timedelta(hours=client.application.config["FRONTDESK_STAFF_SESSION_HOURS"])
    with _db.engine.begin() as connection:
        connection.execute(insert(StaffSession).values(
            staff_user_id=staff.id, token_hash=token_hash(token), created_at=now,
            expires_at=now + hours))
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def html_of(response) -> str:
    return response.get_data(as_text=True)


def audit_actions(db, request) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.request_id == request.id).order_by(AuditEntry.id)))


def working_day_ahead(org, days=10):
    calendar = WorkCalendar.for_organization(org)
    day = calendar.local_date(utcnow()) + timedelta(days=days)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


# --- signing in -------------------------------------------------------------------------------

def test_every_admin_page_needs_a_signed_in_staff_member(client, office, make):
    request = make()
    for url in ("/admin/", f"/admin/requests/{request.id}", "/admin/requests/new",
                f"/admin/requests/{request.id}/files/1"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/admin/login?next=")
    refused = client.post(f"/admin/requests/{request.id}/start", data={"start-version": "1"})
    assert refused.status_code == 302 and refused.location == "/admin/login"
    assert client.get("/admin/login").status_code == 200
    with client.get("/admin/static/admin.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_sign_in_goes_to_the_page_asked_for_and_lasts_a_working_day(client, office):
    response = client.post("/admin/login?next=/admin/%3Fview%3Dall",
                           data={"email": " OP@hn.test ", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/admin/?view=all"
    assert "Expires=" in response.headers["Set-Cookie"]  # a permanent session: it ends on time
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/admin/")
    assert page.status_code == 200 and "Operator HN" in html_of(page)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/admin/login").location == "/admin/"  # already signed in


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/admin/",
                                    "/w/test/en/", "/admin/../w/test/", "/\\evil.example",
                                    "javascript:alert(1)", "/admin/\nSet-Cookie: x"])
def test_sign_in_never_leaves_the_back_office(client, office, target):
    response = client.post("/admin/login", query_string={"next": target},
                           data={"email": "op@hn.test", "password": PASSWORD})
    assert response.location == "/admin/"


def test_a_failed_sign_in_says_the_same_for_every_mistake(client, office):
    pages = [client.post("/admin/login", data=data) for data in (
        {"email": "op@hn.test", "password": "wrong password"},
        {"email": "nobody@hn.test", "password": PASSWORD},
        {"email": "", "password": ""})]
    for page in pages:
        assert page.status_code == 422
        assert "The e-mail address or the password is not right." in html_of(page)
    assert client.get("/admin/").status_code == 302


def test_sign_in_attempts_are_rate_limited(limited_app):
    limited = limited_app(RATE_LIMIT_STAFF_SIGNIN_FAILURES="2 per minute")
    limited.config["WTF_CSRF_ENABLED"] = False
    client = limited.test_client()
    answers = [client.post("/admin/login", data={"email": "a@b.c", "password": "x"})
               for _ in range(3)]
    assert [answer.status_code for answer in answers] == [422, 422, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60  # on the refusal only
    assert "Retry-After" not in answers[0].headers
    assert client.get("/admin/login").status_code == 200  # only posts count


@pytest.mark.parametrize("change", ["deactivate", "sessions_ended"])
def test_a_deactivated_person_or_a_changed_password_ends_the_session(client, db, office, change):
    staff = office["people"]["op"]
    sign_in(client, staff)
    assert client.get("/admin/").status_code == 200
    if change == "deactivate":
        staff.is_active = False
    else:
        end_all_sessions(staff)  # e.g. the password changed
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_sign_out(client, office):
    sign_in(client, office["people"]["op"])
    response = client.post("/admin/logout")
    assert response.location == "/admin/login"
    assert "You are signed out." in html_of(client.get("/admin/login"))
    assert client.get("/admin/").status_code == 302


def test_csrf_token_is_required(client, app, db, office, make):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/login", data={"email": "op@hn.test", "password": PASSWORD}
                       ).status_code == 400
    login_page = html_of(client.get("/admin/login"))
    token = next(group for group in CSRF.search(login_page).groups() if group)
    signed_in = client.post("/admin/login", data={"csrf_token": token, "email": "op@hn.test",
                                                  "password": PASSWORD})
    assert signed_in.status_code == 302
    request = make()
    refused = client.post(f"/admin/requests/{request.id}/register", data={"register-version": "1"})
    assert refused.status_code == 400
    assert db.session.get(Request, request.id).status == "received"
    page = html_of(client.get(f"/admin/requests/{request.id}"))
    token = re.search(r'name="register-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(f"/admin/requests/{request.id}/register",
                       data={"register-csrf_token": token, "register-version": "1"})
    assert done.status_code == 302 and db.session.get(Request, request.id).status == "registered"


# --- the inbox --------------------------------------------------------------------------------

@pytest.mark.awkward_hours  # overdue, due soon and day filters are read from the clock
def test_inbox_has_views_with_counts_and_readable_rows(client, office, make):
    op = office["people"]["op"]
    new = make(answers={"name": "Lan Nguyen", "message": "Hi"})
    mine = make(status="in_progress", executor_id=op.id)
    late = make(status="in_progress", due_at=utcnow() - timedelta(hours=1))
    make(status="paused")
    make(unit="XD")  # another unit's: never counted
    sign_in(client, op)
    html = html_of(client.get("/admin/"))
    counts = dict(re.findall(r'view=(\w+)"[^>]*>[^<]+<span class="count">(\d+)<', html))
    assert counts == {"new": "1", "mine": "1", "overdue": "1", "due_soon": "0", "paused": "1",
                      "waiting_for_us": "3", "waiting_for_person": "1", "all": "4"}
    assert codes.display(new.code) in html and "Not registered" in html and "Lan Nguyen" in html
    assert "Form-Hn" in html and "Received, waiting to be registered" in html
    html = html_of(client.get("/admin/?view=all"))
    assert mine.journal_number in html and "Operator HN" in html
    overdue = html_of(client.get("/admin/?view=overdue"))
    assert late.journal_number in overdue and "Overdue</strong>" in overdue
    assert mine.journal_number not in overdue


def test_the_date_filters_are_the_organisations_days(client, db, office, make):
    """Sent at 00:30 on the 24th in Hanoi (17:30 UTC on the 23rd): staff find it under the 24th,
    in the inbox and in the export alike."""
    assert office["org"].timezone == "Asia/Ho_Chi_Minh"
    just_after_midnight = make(answers={"name": "Early Bird"})
    late_evening = make(answers={"name": "Night Owl"})
    just_after_midnight.submitted_at = datetime(2026, 11, 23, 17, 30)
    late_evening.submitted_at = datetime(2026, 11, 23, 16, 50)  # 23:50 on the 23rd in Hanoi
    db.session.commit()
    sign_in(client, office["people"]["admin"])

    def names_in(**args):
        html = html_of(client.get("/admin/", query_string={"view": "all", **args}))
        return {name for name in ("Early Bird", "Night Owl") if name in html}
    assert names_in(**{"from": "2026-11-24", "to": "2026-11-24"}) == {"Early Bird"}
    assert names_in(**{"from": "2026-11-23", "to": "2026-11-23"}) == {"Night Owl"}
    exported = client.post("/admin/export", data={
        "format": "csv", "view": "all", "from": "2026-11-24", "to": "2026-11-24"})
    text = exported.get_data(as_text=True)
    assert exported.status_code == 200 and "Early Bird" in text and "Night Owl" not in text


@pytest.mark.awkward_hours  # overdue, due soon and day filters are read from the clock
def test_inbox_filters_sorts_and_pages(client, db, office, make):
    first = make(answers={"name": "Alpha Person", "message": "roof leaking"})
    second = make(status="registered", answers={"name": "Beta Person", "message": "fence"})
    second.submitted_at = utcnow() - timedelta(days=30)
    db.session.commit()
    sign_in(client, office["people"]["admin"])

    def codes_in(**args):
        html = html_of(client.get("/admin/", query_string={"view": "all", **args}))
        return {r.code for r in (first, second) if codes.display(r.code) in html}
    assert codes_in(q=codes.display(first.code).lower()) == {first.code}
    assert codes_in(q=second.journal_number) == {second.code}
    assert codes_in(q="LEAKING") == {first.code}
    assert codes_in(status="registered") == {second.code}
    assert codes_in(form=str(office["forms"]["XD"].id)) == set()
    assert codes_in(form=str(office["forms"]["HN"].id)) == {first.code, second.code}
    recent = (utcnow() - timedelta(days=3)).date().isoformat()
    assert codes_in(**{"from": recent}) == {first.code}
    assert codes_in(to=recent) == {second.code}
    newest = html_of(client.get("/admin/?view=all&sort=newest"))
    assert newest.index(codes.display(first.code)) < newest.index(codes.display(second.code))
    oldest = html_of(client.get("/admin/?view=all&sort=oldest"))
    assert oldest.index(codes.display(second.code)) < oldest.index(codes.display(first.code))
    for _ in range(26):
        make()
    page_one = html_of(client.get("/admin/?view=all&q=Lan"))
    assert "Page 1 of 2" in page_one and "page=2" in page_one and "q=Lan" in page_one
    assert "Page 2 of 2" in html_of(client.get("/admin/?view=all&q=Lan&page=2"))


@pytest.mark.parametrize("typed", ["Иван", "иВАН", "ĐỖ THỊ", "đỗ thị", "رضایی"])
def test_inbox_finds_names_in_every_script_whatever_the_case(client, office, make, typed):
    wanted = make(answers={"name": "Иван Đỗ Thị رضایی", "message": "x"})
    other = make(answers={"name": "Someone Else", "message": "y"})
    sign_in(client, office["people"]["admin"])
    html = html_of(client.get("/admin/", query_string={"view": "all", "q": typed}))
    assert codes.display(wanted.code) in html and codes.display(other.code) not in html


@pytest.mark.parametrize("args", [
    {"view": "nonsense"}, {"form": "abc"}, {"form": "9" * 30}, {"form": "²"}, {"status": "draft"},
    {"from": "2026-13-45"}, {"to": "9999-12-31"}, {"from": "0001-01-01"}, {"page": "-1"},
    {"page": "9" * 5000}, {"sort": "sideways"}, {"q": "%_" * 200}])
def test_bad_filter_values_are_left_out_not_fatal(client, office, make, args):
    make()
    sign_in(client, office["people"]["op"])
    response = client.get("/admin/", query_string=args)
    assert response.status_code == 200
    if set(args) & {"form", "status", "from", "to"}:
        assert "Some filters could not be used" in html_of(response)
        assert 'aria-invalid="true"' in html_of(response)


# --- a request's page -------------------------------------------------------------------------

def test_request_page_shows_everything_including_internal_notes(client, db, office, make, store):
    request = make(status="in_progress", files=[("plan.pdf", PDF)], fee_status="requested",
                   fee_amount=50000, postal_item_number="RR123456789VN")
    request.due_at = as_utc(request.due_at).replace(hour=10, minute=0, second=0)  # 17:00 in Hanoi
    request.messages.append(Message(from_staff=False, body="Here is my ID", attachments=[
        Attachment(request_id=request.id, field_key="message", filename="id.pdf",
                   content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                   storage_key=store.save(PDF))]))
    request.letters.append(Letter(title="Decision", body="Granted."))
    request.events.append(Event(kind="note", note="Call the applicant first", public=False,
                                actor="Head HN"))
    db.session.commit()
    sign_in(client, office["people"]["op"])
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    for text in (codes.display(request.code), request.journal_number, "Unit HN", "Online",
                 "Form-Hn (version 1)", "In progress", "Lan Nguyen", "Please help", "plan.pdf",
                 "Here is my ID", "id.pdf", "Decision", "Granted.", "Call the applicant first",
                 "Internal: the person does not see this", "Requested, not paid yet", "50,000",
                 "RR123456789VN", "Request received online", "5:00\u202fPM", ">New</strong>"):
        assert text in html, text
    assert html.count(f"/admin/requests/{request.id}/files/") == 2
    assert db.session.get(Request, request.id).messages[0].read_at is not None
    assert ">New</strong>" not in html_of(client.get(f"/admin/requests/{request.id}"))


def action_names(html: str) -> set[str]:
    return set(re.findall(r'action="/admin/requests/\d+/(\w+)"', html))


ALWAYS = {"message", "note", "letter", "post_sent", "post_received"}


@pytest.mark.parametrize("status, who, expected", [
    ("received", "op", {"register", "refuse", "fee_request", "transfer"}),
    ("received", "head", {"register", "refuse", "fee_request", "deadline", "transfer"}),
    ("registered", "op", {"start", "pause", "result_ready", "refuse", "fee_request", "transfer"}),
    ("registered", "head", {"start", "pause", "result_ready", "refuse", "fee_request", "assign",
                            "deadline", "transfer"}),
    ("paused", "op", {"resume", "refuse", "fee_request", "transfer"}),
    ("result_ready", "op", {"close"}),
    ("closed", "head", set()),
])
def test_only_allowed_actions_are_offered(client, office, make, status, who, expected):
    request = make(status=status)
    sign_in(client, office["people"][who])
    assert action_names(html_of(client.get(f"/admin/requests/{request.id}"))) == expected | ALWAYS


def test_only_an_administrator_may_choose_the_unit_when_registering(client, office, make):
    request = make()
    sign_in(client, office["people"]["op"])
    assert 'name="register-unit"' not in html_of(client.get(f"/admin/requests/{request.id}"))
    sign_in(client, office["people"]["admin"])
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    assert 'name="register-unit"' in html and "Unit XD" in html


def test_letter_templates_fill_the_text_in_the_persons_language(client, office, make):
    request = make(status="in_progress")
    sign_in(client, office["people"]["op"])
    html = html_of(client.get(f"/admin/requests/{request.id}?letter_template=answer"))
    assert f"Answer to your request {request.journal_number}" in html
    assert "Dear Lan Nguyen," in html and "Unit HN, Org test" in html
    assert 'id="action-letter" open' in html
    assert "Dear" not in html_of(client.get(f"/admin/requests/{request.id}?letter_template=x"))


# --- actions ----------------------------------------------------------------------------------

def test_every_action_changes_the_request_and_is_audited(client, db, office, make):
    people = office["people"]
    day = working_day_ahead(office["org"])
    steps = [  # (who, action, fields, audited as)
        ("op", "register", {}, "register"),
        ("head", "assign", {"executor": people["op"].id}, "assign"),
        ("head", "deadline", {"day": day.isoformat(), "reason": "Waiting for the survey"},
         "change_deadline"),
        ("op", "start", {}, "start"),
        ("op", "pause", {"reason": "inspection", "note": "Visit on Monday"}, "pause"),
        ("op", "resume", {}, "resume"),
        ("op", "fee_request", {"amount": "50000"}, "fee_requested"),
        ("op", "fee_paid", {"receipt_number": "BL-778"}, "fee_paid"),
        ("op", "message", {"body": "Your file is complete.",
                           "files": (io.BytesIO(PDF), "checklist.pdf")}, "message"),
        ("op", "note", {"body": "Checked by phone"}, "note"),
        ("op", "letter", {"title": "Decision", "body": "Granted.",
                          "pdf": (io.BytesIO(PDF), "decision.pdf")}, "letter"),
        ("op", "post_received", {"item_number": "RR1VN"}, "post_received"),
        ("op", "result_ready", {"handover": "post", "note": "Sent today"}, "result_ready"),
        ("op", "post_sent", {"item_number": "RR2VN"}, "post_sent"),
        ("op", "close", {}, "close"),
    ]
    request = make()
    for who, action, fields, audited in steps:
        sign_in(client, people[who])
        version = db.session.get(Request, request.id).lock_version
        data = {f"{action}-{key}": value for key, value in fields.items()}
        response = client.post(f"/admin/requests/{request.id}/{action}",
                               data={f"{action}-version": version, **data},
                               content_type="multipart/form-data")
        assert response.status_code == 302, (action, html_of(response))
        assert response.location == f"/admin/requests/{request.id}"
        assert audit_actions(db, request)[-1] == audited
        assert "notice success" in html_of(client.get(response.location))
    request = db.session.get(Request, request.id)
    assert request.status == "closed" and request.executor_id == people["op"].id
    assert request.journal_number == f"HN-{request.registered_at.year}-000001"
    assert WorkCalendar.for_organization(office["org"]).local_date(request.due_at) >= day
    assert request.fee_status == "paid" and request.fee_receipt_number == "BL-778"
    assert request.handover == "post" and request.postal_item_number == "RR2VN"
    assert request.messages[0].attachments[0].filename == "checklist.pdf"
    assert request.letters[0].attachments[0].content_type == "application/pdf"
    assert [e.public for e in request.events if e.kind == "note"] == [False]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.request_id == request.id)).all()
    register = next(e for e in entries if e.action == "register")
    assert register.before["status"] == "received" and register.after["status"] == "registered"
    assert all(e.staff_user_id for e in entries)


def test_refusing_and_waiving_a_fee(client, db, office, make):
    request = make(status="registered", fee_status="requested", fee_amount=100)
    sign_in(client, office["people"]["head"])
    client.post(f"/admin/requests/{request.id}/fee_waive",
                data={"fee_waive-version": request.lock_version, "fee_waive-reason": "Poverty"})
    request = db.session.get(Request, request.id)
    client.post(f"/admin/requests/{request.id}/refuse",
                data={"refuse-version": request.lock_version, "refuse-reason": "Not our unit"})
    request = db.session.get(Request, request.id)
    assert request.fee_status == "waived" and request.status == "refused"
    assert request.refusal_reason == "Not our unit"
    assert audit_actions(db, request) == ["fee_waived", "refuse"]


def test_admin_registers_into_another_unit(client, db, office, make):
    request = make()
    sign_in(client, office["people"]["admin"])
    client.post(f"/admin/requests/{request.id}/register",
                data={"register-version": "1", "register-unit": office["units"]["XD"].id})
    request = db.session.get(Request, request.id)
    assert request.unit_id == office["units"]["XD"].id and request.journal_number.startswith("XD-")


@pytest.mark.parametrize("status, who, action, fields, message", [
    ("registered", "op", "refuse", {"reason": "  "}, "Please give a reason."),
    ("registered", "op", "pause", {"reason": "holiday"}, "Please choose why the request waits."),
    ("registered", "op", "result_ready", {}, "Please choose how the result is handed over."),
    ("received", "op", "start", {}, "This cannot be done while the request is in its current status."),
    ("registered", "op", "assign", {"executor": "1"}, "Only a unit head or an administrator"),
    ("registered", "head", "assign", {"executor": "x"}, "Please choose an active colleague"),
    ("registered", "op", "register", {"unit": "1"}, "This cannot be done while"),
    ("registered", "head", "deadline", {"day": "not a day", "reason": "x"},
     "Please enter the new deadline as a date."),
    ("registered", "head", "deadline", {"day": "2020-01-06", "reason": "x"}, "must be in the future"),
    ("registered", "head", "deadline", {"day": "2099-01-07"}, "Please give a reason."),
    ("registered", "op", "fee_request", {"amount": "-5"}, "Please enter the fee as a positive amount."),
    ("registered", "op", "fee_paid", {"receipt_number": "1"}, "No fee is waiting to be paid."),
    ("registered", "op", "post_sent", {"item_number": ""}, "Please enter the postal item number."),
    ("registered", "op", "message", {"body": ""}, "Please write a message."),
    ("registered", "op", "note", {"body": " "}, "Please write a message."),
    ("registered", "op", "letter", {"body": "Text"}, "Please give the letter a title."),
    ("registered", "op", "letter", {"title": "T", "pdf": (io.BytesIO(b"plain text"), "a.pdf")},
     "The letter must be a PDF file."),
])
def test_refused_actions_change_nothing_and_say_why(client, db, office, make, status, who, action,
                                                    fields, message):
    request = make(status=status)
    sign_in(client, office["people"][who])
    data = {f"{action}-{key}": value for key, value in fields.items()}
    response = client.post(f"/admin/requests/{request.id}/{action}",
                           data={f"{action}-version": request.lock_version, **data},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = html_of(response)
    assert message in html and 'id="error-summary"' in html
    if action in {"refuse", "deadline", "message", "letter"}:
        assert f'id="action-{action}" open' in html
    after = db.session.get(Request, request.id)
    assert (after.status, after.lock_version) == (status, request.lock_version)
    assert audit_actions(db, request) == []


def test_a_stale_version_is_a_conflict_and_changes_nothing(client, db, office, make):
    request = make(status="registered")
    sign_in(client, office["people"]["head"])
    db.session.get(Request, request.id).executor_id = office["people"]["head"].id
    db.session.commit()  # someone else changed it: version 2
    response = client.post(f"/admin/requests/{request.id}/refuse",
                           data={"refuse-version": "1", "refuse-reason": "Typed before"})
    assert response.status_code == 409
    html = html_of(response)
    assert "Someone else changed this request a moment ago." in html
    assert 'name="refuse-version" type="hidden" value="2"' in html  # the page shows it as it is
    assert "Typed before" in html  # and keeps what was typed
    assert db.session.get(Request, request.id).status == "registered"
    assert audit_actions(db, request) == []


def test_an_action_without_a_version_or_unknown_is_refused(client, office, make):
    request = make()
    sign_in(client, office["people"]["op"])
    assert client.post(f"/admin/requests/{request.id}/register").status_code == 400
    assert client.post(f"/admin/requests/{request.id}/register",
                       data={"register-version": "one"}).status_code == 400
    assert client.post(f"/admin/requests/{request.id}/explode",
                       data={"explode-version": "1"}).status_code == 404
    assert client.get(f"/admin/requests/{request.id}/register").status_code == 405


# --- scope ------------------------------------------------------------------------------------

def test_another_units_requests_are_out_of_reach(client, db, office, make):
    from admin.actions import ACTIONS
    request = make(files=[("plan.pdf", PDF)])
    sign_in(client, office["people"]["op_xd"])
    html = html_of(client.get("/admin/?view=all"))
    assert codes.display(request.code) not in html
    assert codes.display(request.code) not in html_of(
        client.get("/admin/", query_string={"view": "all", "q": request.code}))
    assert client.get(f"/admin/requests/{request.id}").status_code == 404
    assert "This request does not exist or is not yours to see." in html_of(
        client.get(f"/admin/requests/{request.id}"))
    file_id = request.attachments[0].id
    assert client.get(f"/admin/requests/{request.id}/files/{file_id}").status_code == 404
    assert client.get(f"/admin/requests/{request.id}/receipt").status_code == 404
    for action in ACTIONS:
        response = client.post(f"/admin/requests/{request.id}/{action}", data={
            f"{action}-version": "1", f"{action}-reason": "x", f"{action}-body": "x",
            f"{action}-title": "x", f"{action}-item_number": "x", f"{action}-amount": "5",
            f"{action}-handover": "desk", f"{action}-executor": "1"})
        assert response.status_code == 404, action
    assert db.session.get(Request, request.id).lock_version == 1
    assert audit_actions(db, request) == []
    slug = office["forms"]["HN"].slug
    assert client.get(f"/admin/requests/new?form={slug}").status_code == 404
    assert client.post(f"/admin/requests/new?form={slug}", data={"name": "x"}).status_code == 404
    assert slug not in html_of(client.get("/admin/requests/new"))
    assert client.get("/admin/requests/99999999999").status_code == 404


def test_an_administrator_sees_every_unit(client, office, make):
    hn, xd = make(), make(unit="XD")
    sign_in(client, office["people"]["admin"])
    html = html_of(client.get("/admin/?view=all"))
    assert codes.display(hn.code) in html and codes.display(xd.code) in html
    assert client.get(f"/admin/requests/{xd.id}").status_code == 200


# --- downloads --------------------------------------------------------------------------------

def test_downloads_are_attachments_that_never_run(client, db, office, make, store):
    request = make(files=[("Đơn xin phép.pdf", PDF)])
    other = make(files=[("other.pdf", b"%PDF-1.4 other")])
    letter = Letter(title="Decision", attachments=[Attachment(
        request_id=request.id, field_key="letter", filename="decision.pdf",
        content_type="application/pdf", size=len(PDF), sha256="0" * 64, storage_key=store.save(PDF))])
    request.letters.append(letter)
    db.session.commit()
    sign_in(client, office["people"]["op"])
    response = client.get(f"/admin/requests/{request.id}/files/{request.attachments[0].id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C4%90%C6%A1n%20xin%20ph%C3%A9p.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(f"/admin/requests/{request.id}/files/{letter.attachments[0].id}").data == PDF
    # Another request's file is not reachable through this one, even in the same unit.
    assert client.get(f"/admin/requests/{request.id}/files/{other.attachments[0].id}"
                      ).status_code == 404


# --- hostile text -----------------------------------------------------------------------------


# --- desk entry -------------------------------------------------------------------------------

def test_desk_entry_gives_the_person_a_code_and_a_receipt(client, db, office):
    op = office["people"]["op"]
    sign_in(client, op)
    choose = html_of(client.get("/admin/requests/new"))
    assert "form-hn" in choose and "form-xd" not in choose
    page = client.get("/admin/requests/new?form=form-hn&channel=post")
    assert page.status_code == 200 and 'name="name"' in html_of(page)
    refused = client.post("/admin/requests/new?form=form-hn&channel=post",
                          data={"desk-language": "en", "message": "kept"})
    assert refused.status_code == 422
    assert "Please correct 1 answer" in html_of(refused) and "kept" in html_of(refused)
    before = db.session.scalar(select(func.count()).select_from(Request))
    sent = client.post("/admin/requests/new?form=form-hn&channel=post", data={
        "desk-language": "vi", "name": "Lan Nguyen", "proof": (io.BytesIO(PDF), "scan.pdf")},
        content_type="multipart/form-data")
    assert sent.status_code == 302
    request = db.session.scalars(select(Request).order_by(Request.id.desc())).first()
    assert db.session.scalar(select(func.count()).select_from(Request)) == before + 1
    assert sent.location == f"/admin/requests/{request.id}/receipt"
    assert (request.channel, request.language, request.unit_id) == (
        "post", "vi", office["units"]["HN"].id)
    assert request.attachments[0].filename == "scan.pdf"
    assert request.events[0].actor == "Operator HN"
    assert audit_actions(db, request) == ["file_on_behalf"]
    receipt = html_of(client.get(sent.location))
    assert codes.display(request.code) in receipt and 'lang="vi"' in receipt
    assert "<svg" in receipt and "data-print" in receipt


def test_desk_entry_needs_a_form_of_ones_units(client, office):
    sign_in(client, office["people"]["admin"])
    assert "form-xd" in html_of(client.get("/admin/requests/new"))
    assert client.get("/admin/requests/new?form=nonexistent").status_code == 404
    assert client.get("/admin/requests/new?form=form-xd&channel=web").status_code == 200


# --- language and markup ----------------------------------------------------------------------

def test_pages_follow_the_browsers_language(client, office):
    sign_in(client, office["people"]["op"])
    html = html_of(client.get("/admin/", headers={"Accept-Language": "fa"}))
    assert '<html lang="fa" dir="rtl">' in html


def test_admin_pages_are_valid_html(client, db, office, make, tmp_path):
    pages = {"login": client.get("/admin/login")}
    pages["login failed"] = client.post("/admin/login", data={"email": "x", "password": "y"})
    sign_in(client, office["people"]["admin"])
    for status in ("received", "registered", "paused", "result_ready"):
        request = make(status=status, fee_status="requested", fee_amount=10,
                       files=[("a.pdf", PDF)])
        pages[status] = client.get(f"/admin/requests/{request.id}?letter_template=answer")
        if status == "paused":
            pages["refused"] = client.post(f"/admin/requests/{request.id}/deadline", data={
                "deadline-version": request.lock_version, "deadline-day": "someday"})
    pages["conflict"] = client.post(f"/admin/requests/{request.id}/close",
                                    data={"close-version": "7"})
    pages["inbox"] = client.get("/admin/?view=all&form=x&from=bad")
    pages["not found"] = client.get("/admin/requests/999999")
    pages["desk"] = client.get("/admin/requests/new")
    pages["desk form"] = client.post("/admin/requests/new?form=form-hn", data={})
    sent = client.post("/admin/requests/new?form=form-hn", data={"name": "Lan"})
    pages["receipt"] = client.get(sent.location)
    assert html_errors({name: html_of(response) for name, response in pages.items()},
                       tmp_path) == []


def test_every_action_has_a_form():
    from admin.actions import ACTIONS
    from admin.forms import ACTION_FORMS
    assert ACTIONS.keys() == ACTION_FORMS.keys()
