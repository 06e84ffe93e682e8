"""Hostile input, in one suite: every way in an attacker tries, each answered with a clear,
translated error that changes nothing (no request, event, message, notice, attachment, audit
entry or stored file more; the other person's data never shown).

The items of the tracking issue ("production footing"), and their tests here:

1. Guessed and mistyped codes: test_a_code_is_the_request_a_typo_or_not_found (a draft's code
   on the track page included), test_guessing_codes_meets_the_rate_limit.
2. Other requests' attachment and letter ids with a valid code:
   test_a_status_page_downloads_no_file_of_another_request,
   test_a_status_token_of_another_organisation_opens_nothing,
   test_a_cabinet_opens_no_request_or_draft_of_another_account,
   test_a_draft_cannot_remove_another_requests_file.
3. Forms replayed, or sent cross-site or without a token:
   test_no_widget_post_is_taken_from_another_site, test_a_form_post_with_a_bad_token_keeps_nothing,
   test_a_replayed_form_gives_the_same_receipt_once, test_a_replayed_reply_is_kept_once,
   test_a_staff_post_without_its_csrf_token_changes_nothing.
4. Script in every text field: test_what_people_and_systems_typed_is_text_on_every_staff_page,
   ..._on_the_persons_own_pages, ..._in_the_emails (the world in tests/hostile_world.py carries
   it in every field a person, a system or staff fills),
   test_refused_answers_are_shown_as_text_and_kept_nowhere,
   test_a_refused_decision_gives_back_what_staff_typed_as_text,
   test_exported_formulas_and_markup_stay_text.
5. Hostile CSS and header HTML: test_hostile_header_html_and_theme_names_are_inert,
   test_hostile_css_is_left_out_and_the_administrator_is_told.
6. Uploads: test_a_hostile_file_is_refused_and_nothing_is_kept (lying names, magic bytes, SVG and
   HTML, a zip bomb, pixel floods),
   test_a_type_the_deployment_allows_but_the_form_does_not_is_refused,
   test_the_name_does_not_matter_a_pdf_named_exe_is_kept_as_a_pdf (paths, null bytes, bidi),
   test_an_ordinary_document_and_image_pass, test_a_body_over_the_ceiling_is_refused (chunked too).
7. CRLF in mail headers: test_line_breaks_in_a_title_reach_no_mail_header,
   test_a_drafts_contact_is_a_real_address_or_nobody, test_line_breaks_cannot_inject_headers.
8. SMS pumping through recovery:
   test_what_is_no_address_or_mobile_number_is_refused_and_recorded_nowhere (premium-rate,
   landline, satellite numbers),
   test_a_premium_number_is_refused_where_sms_is_promised_and_never_texted,
   test_a_contact_may_ask_a_few_times_a_day,
   test_the_daily_sms_budget_is_one_for_account_codes_and_lost_codes.
9. Frames from unlisted origins: test_widget_pages_may_be_framed_only_by_their_sites_origins,
   test_a_site_whose_origins_are_all_unusable_may_be_framed_by_nobody,
   test_frame_ancestors_keeps_only_plain_origins.

One app and one set of data serve the whole module (tests/hostile_world.py); every test that
acts compares counts before and after, so the order of the tests does not matter.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import struct
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests import backoffice, hostile_world
from tests.conftest import form_token, new_form, new_site, tracking_code
from tests.hostile_world import (ACCESS, H, PASSWORD, PAYLOAD, PDF, PUSHED, RESUME,
                                 assert_inert, deliver, html_of, send_form, snapshot, status_page)
from tests.test_admin import sign_in
from tests.test_uploads import heic
from widget import codes
from widget.extensions import db as _db
from widget.extensions import limiter
from widget.models import Attachment, CodeRecovery, DetailChange, OutboxItem, Request, Site, Theme
from widget.security import frame_ancestors_header, issue_status_token
from widget.services.form_proposals import decide_proposal

# The module's one app, its SMTP server and its data (see hostile_world).
app, mail_server, world = hostile_world.app, hostile_world.mail_server, hostile_world.world
csrf_off = hostile_world.csrf_off


# --- 1. guessed and mistyped codes ---------------------------------------------------------------

TYPO = "This code has a typo"
BLANK = "Please enter the code."
NO_REQUEST = "We found no request with this code"
NO_DRAFT = "We found no draft with this code"


def mistyped(code: str) -> str:
    """The code with its last symbol changed: what the check symbol catches."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def swapped(code: str) -> str:
    """The code with two neighbours swapped (two that differ)."""
    i = next(i for i in range(len(code) - 1) if code[i] != code[i + 1])
    return code[:i] + code[i + 1] + code[i] + code[i + 2:]


def typed_codes(world, page: str) -> dict[str, tuple[str, str]]:
    """What a person (or a guesser) may type on the track or the resume page, and the kind of
    answer it gets there: found, typo, not found, or blank."""
    sent = world["sent"].code
    loose = {"track": codes.display(sent).lower().replace("-", " "),
             "resume": world["resume_code"].lower()}
    return {
        "its own kind of code, typed loosely": (loose[page], "found"),
        "the other page's kind of code": (loose["resume" if page == "track" else "track"],
                                          "not found"),
        "a symbol mistyped": (mistyped(sent), "typo"),
        "two symbols swapped": (swapped(sent), "typo"),
        "a symbol missing": (sent[:-1], "typo"),
        "words": ("hello", "typo"),
        "markup": ("<script>alert(1)</script>", "typo"),
        "far too long": (codes.display(sent) * 40, "typo"),
        "a guessed code": (codes.generate(), "not found"),
        "another organisation's code": (world["foreign"].code, "not found"),
        "empty": ("", "blank"),
        "blank": ("  \t ", "blank"),
    }


def without_echo(html: str) -> str:
    """A code page without what differs by what was typed: the code typed back into its box."""
    return re.sub(r'id="code" name="code"[^>]*>', "", html)


ANSWERS = {"typo": (422, TYPO), "blank": (422, BLANK)}


@pytest.mark.parametrize("page, not_found", [("track", NO_REQUEST), ("resume", NO_DRAFT)],
                         ids=["track", "resume"])
def test_a_code_is_the_request_a_typo_or_not_found(app, client, world, page, not_found):
    """A typo is said to be one (the check symbol tells, before any look-up); every code that is
    well formed but not one of this page's (guessed, another organisation's, a draft's on the
    track page, a request's on the resume page) gets one and the same answer."""
    answers = ANSWERS | {"not found": (404, not_found)}
    before = snapshot(app)
    pages: dict[str, set] = {}
    for case, (typed, kind) in typed_codes(world, page).items():
        response = client.post(f"/w/test/en/{page}", data={"code": typed})
        html = html_of(response)
        assert_inert(html, shown=None)
        if kind == "found":  # the status page, or the draft's form
            assert response.status_code == 200 and 'id="code"' not in html, case
            continue
        status, message = answers[kind]
        assert response.status_code == status and message in html, case
        assert 'aria-invalid="true" aria-describedby="code-error"' in html, case
        pages.setdefault(kind, set()).add(without_echo(html))
    assert {kind: len(bodies) for kind, bodies in pages.items()} == dict.fromkeys(answers, 1)
    assert snapshot(app) == before


@pytest.fixture
def limited(limited_app, tmp_path, monkeypatch):
    """conftest's limited_app on a SQLite file of its own (in the PostgreSQL run too, where the
    module's app holds the server's database), with a form and a sent request; the module's app
    stays unlimited afterwards (Flask-Limiter's switch is one for every app)."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited_app_ = limited_app("rl", DATABASE_URL=f"sqlite:///{tmp_path / 'limited.db'}",
                               RATE_LIMIT_LOOKUP="3 per minute")
    client = limited_app_.test_client()
    with limited_app_.app_context():
        new_form(_db.session.scalars(select(Site)).one(), slug="contact")
        code = tracking_code(html_of(send_form(client, "contact", {
            "name": "Lan", "message": "Hello"}, site="rl")))
        resume_code = RESUME.search(html_of(send_form(client, "contact", {
            "action": "draft", "name": "Lan"}, site="rl"))).group(1)
        _db.session.remove()
    return client, code, resume_code


@pytest.mark.parametrize("page", ["track", "resume"])
def test_guessing_codes_meets_the_rate_limit(limited, page):
    """Three guesses a minute from one address (FRONTDESK_RATE_LIMIT_LOOKUP); then even the
    right code is refused, politely and in the page's language, and shows nothing but the code
    as typed (kept to try again later: tests/test_lookup_limits.py)."""
    client, code, resume_code = limited
    right = code if page == "track" else resume_code
    guesses = [client.post(f"/w/rl/ru/{page}", data={"code": typed})
               for typed in (codes.generate(), mistyped(right), codes.generate())]
    assert [guess.status_code for guess in guesses] == [404, 422, 404]
    refused = client.post(f"/w/rl/ru/{page}", data={"code": right})
    html = html_of(refused)
    assert refused.status_code == 429 and "Слишком много попыток" in html
    assert html.count(right) == html.count(f'value="{right}"') == 1
    assert "key-facts" not in html and 'name="form_token"' not in html


# --- 2. other requests' attachment and letter ids with a valid code ------------------------------

def files_of(request: Request) -> dict[str, Attachment]:
    """Every file of a request (its own, its messages', its letters'), by kind and id."""
    return {f"{a.field_key} {a.id}": a for a in _db.session.scalars(
        select(Attachment).where(Attachment.request_id == request.id).order_by(Attachment.id))}


def without_id(html: str) -> str:
    """An error page without the address it answers (its language links repeat it)."""
    return re.sub(r"/track/file/[0-9]+", "/track/file/N", html)


def letter_of(request: Request) -> Attachment:
    """The file of the request's letter."""
    return next(a for a in files_of(request).values() if a.letter_id is not None)


def test_a_status_page_downloads_no_file_of_another_request(client, world):
    """With a valid code for one request, the ids of another's files (the person's upload, their
    reply's file, staff's message file, the letter's PDF and the document rendered from it;
    another organisation's) answer exactly as an id that does not exist, and leak neither bytes
    nor names."""
    theirs = files_of(world["sent"]) | files_of(world["foreign"])
    assert len(theirs) == 6
    access = ACCESS.search(status_page(client, world["by_system"].code)).group(1)
    missing = client.post(f"/w/test/en/track/file/{max(a.id for a in theirs.values()) + 99}",
                          data={"access": access})
    assert missing.status_code == 404 and "Page not found" in html_of(missing)
    for name, attachment in theirs.items():
        response = client.post(f"/w/test/en/track/file/{attachment.id}", data={"access": access})
        assert response.status_code == 404, name
        assert without_id(html_of(response)) == without_id(html_of(missing)), name
        assert b"%PDF" not in response.data and b"foreign" not in response.data
    # The same ids open with their own request's code: the refusal is about whose they are.
    own = ACCESS.search(status_page(client, world["sent"].code)).group(1)
    letter = letter_of(world["sent"])
    assert client.post(f"/w/test/en/track/file/{letter.id}", data={"access": own}).data == PDF


def test_a_status_token_of_another_organisation_opens_nothing(app, client, world):
    before = snapshot(app)
    token = issue_status_token(app.secret_key, world["sent"].id)
    letter = letter_of(world["sent"])
    assert client.post(f"/w/elsewhere/en/track/file/{letter.id}",
                       data={"access": token}).status_code == 404
    reply = client.post("/w/elsewhere/en/track/reply", data={"access": token, "body": "hi"})
    assert reply.status_code == 400 and "enter your code again" in html_of(reply)
    assert snapshot(app) == before


def test_a_cabinet_opens_no_request_or_draft_of_another_account(world):
    """Signed in, another person's request or draft id (of this organisation or another) is
    "page not found", as its own request's id is not."""
    person = world["person"]
    assert person.get(f"/w/test/en/account/requests/{world['own'].id}").status_code == 200
    draft = _db.session.scalars(select(Request.id).where(Request.status == "draft")).first()
    for url in (f"/w/test/en/account/requests/{world['sent'].id}",
                f"/w/test/en/account/drafts/{draft}",
                f"/w/test/en/account/requests/{world['foreign'].id}"):
        response = person.get(url)
        assert response.status_code == 404 and PAYLOAD not in html_of(response), url


def test_a_draft_cannot_remove_another_requests_file(app, client, world):
    """A draft posted with another request's file ids to remove keeps those files, rows and
    bytes."""
    theirs = files_of(world["sent"])
    before = snapshot(app)
    removed = [str(attachment.id) for attachment in theirs.values()]
    saved = send_form(client, "everything", {"action": "draft", "name": "Mine",
                                             "remove_attachment": removed})
    assert saved.status_code == 200
    assert files_of(world["sent"]) == theirs
    assert all(world["store"].read(a.storage_key) for a in theirs.values())
    assert snapshot(app) == before | {"Request": before["Request"] + 1}  # the draft alone


# --- 3. forms replayed, or sent cross-site or without a token ------------------------------------

NOT_ALLOWED_RU = "Это действие не разрешено"


def public_posts(app) -> list[str]:
    """Every address of the widget that takes a POST (those added later too), for site "test"
    in Russian."""
    values = {"site_key": "test", "lang": "ru", "slug": "everything", "attachment_id": "1",
              "request_id": "1"}
    return sorted(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
                  for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("public.") and "POST" in rule.methods)


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example"}, {"Origin": "null"}],
                         ids=["cross-site", "same-site", "foreign origin", "opaque origin"])
def test_no_widget_post_is_taken_from_another_site(app, client, world, headers):
    """Whatever it carries (a valid form token, a status token, a signed-in person's cookie),
    a post another site made the browser send is refused, in the page's language."""
    urls = public_posts(app)
    assert len(urls) >= 15 and "/w/test/ru/f/everything" in urls
    access = ACCESS.search(status_page(client, world["sent"].code)).group(1)
    data = {"form_token": form_token(html_of(client.get("/w/test/ru/f/everything"))),
            "name": "Lan", "code": world["sent"].code, "contact": "lan@example.org",
            "password": PASSWORD, "body": "Hello", "access": access, "field": "name",
            "new_value": "Lan", "reason": "Married", "address": "Hanoi", "language": "en"}
    before = snapshot(app)
    for url in urls:
        response = world["person"].post(url, data=data, headers=headers)
        assert response.status_code == 403, url
        assert NOT_ALLOWED_RU in html_of(response), url
    assert snapshot(app) == before


@pytest.mark.parametrize("token", ["missing", "tampered", "another form's", "expired"])
def test_a_form_post_with_a_bad_token_keeps_nothing(app, client, world, monkeypatch, token):
    """Refused with a page to send again from, what was typed kept on it, nothing stored."""
    good = form_token(html_of(client.get("/w/test/en/f/everything")))
    sent = {"missing": None, "tampered": good[:-3] + ("abc" if good[-3:] != "abc" else "abd"),
            "another form's": form_token(html_of(client.get("/w/test/en/f/form-hn"))),
            "expired": good}[token]
    if token == "expired":
        monkeypatch.setitem(app.config, "FRONTDESK_FORM_TOKEN_MAX_AGE", -1)
    before = snapshot(app)
    data = {"name": "Lan Typed", "story": "Kept", **({"form_token": sent} if sent else {})}
    response = client.post("/w/test/en/f/everything", data=data,
                           content_type="multipart/form-data")
    html = html_of(response)
    assert response.status_code == 400
    if token == "another form's":  # not made for this page at all: no page to send it from
        assert "Something was wrong with that request" in html
    else:
        message = "open for a long time" if token == "expired" else "We could not accept this page"
        assert message in html and 'value="Lan Typed"' in html and ">Kept</textarea>" in html
        assert form_token(html) != sent  # a fresh page to send it from
    assert snapshot(app) == before


def test_a_replayed_form_gives_the_same_receipt_once(app, client, world):
    """A double click, a reload of the receipt or a replayed post: the same receipt, one request."""
    token = form_token(html_of(client.get("/w/test/en/f/form-hn")))
    before = snapshot(app)
    first, second = (client.post("/w/test/en/f/form-hn", data={"form_token": token, "name": name},
                                 content_type="multipart/form-data") for name in ("Lan", "Bao"))
    assert tracking_code(html_of(first)) == tracking_code(html_of(second))
    assert snapshot(app)["Request"] == before["Request"] + 1
    replayed = _db.session.scalar(select(Request).where(Request.code == codes.parse(
        tracking_code(html_of(second)))))
    assert replayed.answers["name"] == "Lan"


def test_a_replayed_reply_is_kept_once(app, client, world):
    """The same reply posted twice from one status page (a double click, a resent post) is one
    message; the page answers "sent" both times. The same words from a page opened later are a
    new message."""
    code = world["by_system"].code
    access = ACCESS.search(status_page(client, code)).group(1)
    before = snapshot(app)
    posts = [client.post("/w/test/en/track/reply", content_type="multipart/form-data", data={
        "access": access, "body": "Here is the copy", "files": (io.BytesIO(PDF), "copy.pdf")})
        for _ in range(2)]
    assert [post.status_code for post in posts] == [200, 200]
    assert [html_of(post).count("Here is the copy") for post in posts] == [1, 1]  # in the thread
    after = snapshot(app)
    assert (after["Message"], after["Attachment"], after["stored files"]) == (
        before["Message"] + 1, before["Attachment"] + 1, before["stored files"] + 1)
    again = ACCESS.search(html_of(posts[1])).group(1)
    later = client.post("/w/test/en/track/reply", data={"access": again,
                                                         "body": "Here is the copy"})
    assert later.status_code == 200 and snapshot(app)["Message"] == before["Message"] + 2


CSRF_VALUE = re.compile(r'name="[a-z_-]*csrf_token"[^>]*value="([^"]+)"')


def test_a_staff_post_without_its_csrf_token_changes_nothing(app, client, world):
    """Without its token (a forged cross-site form, a replay from elsewhere) a staff post is
    refused in the staff member's language; with it, the same action replayed meets the
    version it changed and is refused as a conflict."""
    page = send_form(client, "form-hn", {"name": "Lan"})
    request = _db.session.scalar(select(Request).where(Request.code == codes.parse(
        tracking_code(html_of(page)))))
    change = _db.session.scalars(select(DetailChange).where(DetailChange.status == "pending")).one()
    sign_in(client, world["people"]["admin"])
    before = snapshot(app)
    for url, data in ((f"/admin/requests/{request.id}/register",
                       {"register-version": request.lock_version}),
                      (f"/admin/requests/{request.id}/message", {"message-body": "Hello"}),
                      (f"/admin/accounts/changes/{change.id}", {"decision": "approve"}),
                      ("/admin/export", {"format": "csv"})):
        refused = client.post(url, data=data, headers={"Accept-Language": "vi"})
        assert refused.status_code == 400, url
        assert "Yêu cầu không hợp lệ" in html_of(refused), url
    assert snapshot(app) == before
    token = CSRF_VALUE.search(html_of(client.get(f"/admin/requests/{request.id}"))).group(1)
    form = {"register-version": request.lock_version, "register-csrf_token": token}
    assert client.post(f"/admin/requests/{request.id}/register", data=form).status_code == 302
    registered = snapshot(app)
    replayed = client.post(f"/admin/requests/{request.id}/register", data=form)
    assert replayed.status_code == 409
    assert "Someone else changed this request a moment ago" in html_of(replayed)
    assert snapshot(app) == registered


SERVED_AT = re.compile(r'name="(\w+)-served_at" type="hidden" value="([0-9.]+)"')


def test_a_staff_message_note_or_letter_sent_again_from_its_page_is_kept_once(app, client, world):
    """The same message, note or letter posted again from the page it was written on (the back
    button and "send again", a double click without the page's script) is kept once, and the
    person is told once; the same words from a page served later are written again."""
    request = world["sent"]
    sign_in(client, world["people"]["admin"])
    page = html_of(client.get(f"/admin/requests/{request.id}"))
    token = CSRF_VALUE.search(page).group(1)
    served = dict(SERVED_AT.findall(page))
    assert set(served) == {"message", "note", "letter"}

    def post(action, served_at, **fields):
        data = {f"{action}-csrf_token": token, f"{action}-served_at": served_at} | {
            f"{action}-{name}": value for name, value in fields.items()}
        return client.post(f"/admin/requests/{request.id}/{action}", data=data,
                           content_type="multipart/form-data")

    def all_three(moments):
        return [post("message", moments["message"], body="Please bring the original",
                     files=(io.BytesIO(PDF), "checklist.pdf")).status_code,
                post("note", moments["note"], body="Called them").status_code,
                post("letter", moments["letter"], title="Decision", body="Granted.").status_code]

    before = snapshot(app)
    assert all_three(served) == [302, 302, 302]
    written = snapshot(app)
    # The message's file, and the letter's document (rendered as it is issued).
    assert (written["Message"], written["Letter"], written["stored files"]) == (
        before["Message"] + 1, before["Letter"] + 1, before["stored files"] + 2)
    assert written["OutboxItem"] > before["OutboxItem"]  # the person is told of both
    assert all_three(served) == [302, 302, 302]  # "done", as the first time...
    assert snapshot(app) == written  # ...and nothing new: no message, note, letter or notice
    later = dict(SERVED_AT.findall(html_of(client.get(f"/admin/requests/{request.id}"))))
    assert all_three(later) == [302, 302, 302]
    again = snapshot(app)
    assert (again["Message"], again["Letter"]) == (written["Message"] + 1, written["Letter"] + 1)


# --- 4. script in every text field, on every page that shows it ---------------------------------

STAFF_PAGES = {
    "inbox": lambda w: "/admin/?view=all",
    "inbox searched for it": lambda w: f"/admin/?view=all&q={PAYLOAD}",
    "request page": lambda w: f"/admin/requests/{w['sent'].id}",
    "refused request page": lambda w: f"/admin/requests/{w['refused'].id}",
    "a system's request page": lambda w: f"/admin/requests/{w['by_system'].id}",
    "an account holder's request page": lambda w: f"/admin/requests/{w['own'].id}",
    "desk entry of a system's form": lambda w: "/admin/requests/new?form=pushed",
    "accounts": lambda w: "/admin/accounts",
    "account page": lambda w: f"/admin/accounts/{w['account'].id}",
    "asks to change details": lambda w: "/admin/accounts/changes",
    "forms": lambda w: "/admin/forms",
    "forms pushed by systems": lambda w: "/admin/forms/proposals",
    "integrations": lambda w: "/admin/integrations",
    "dashboard": lambda w: "/admin/dashboard",
    "audit log": lambda w: "/admin/audit",
}


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_what_people_and_systems_typed_is_text_on_every_staff_page(client, world, page):
    sign_in(client, world["people"]["admin"])
    response = client.get(STAFF_PAGES[page](world))
    assert response.status_code == 200
    assert_inert(html_of(response))


PERSON_PAGES = {
    "receipt": lambda c, w: w["receipt"],
    "status page": lambda c, w: status_page(c, w["sent"].code),
    "status page of a refusal": lambda c, w: status_page(c, w["refused"].code),
    "status page of a system's request": lambda c, w: status_page(c, w["by_system"].code),
    "draft continued": lambda c, w: html_of(c.post("/w/test/en/resume",
                                                   data={"code": w["resume_code"]})),
    "list of forms": lambda c, w: html_of(c.get("/w/test/en/")),
    "a system's form": lambda c, w: html_of(c.get("/w/test/en/f/pushed")),
    "cabinet": lambda c, w: html_of(w["person"].get("/w/test/en/account/")),
    "notification box": lambda c, w: html_of(w["person"].get("/w/test/en/account/notifications")),
    "profile": lambda c, w: html_of(w["person"].get("/w/test/en/account/profile")),
    "form filled from the profile": lambda c, w: html_of(w["person"].get(
        "/w/test/en/f/everything")),
}


@pytest.mark.parametrize("page", PERSON_PAGES)
def test_what_people_and_systems_typed_is_text_on_the_persons_own_pages(client, world, page):
    assert_inert(PERSON_PAGES[page](client, world))


def test_what_people_and_systems_typed_is_text_in_the_emails(app, world, mail_server):
    deliver(app)
    carrying = {(str(message["To"]), str(message["Subject"])): message
                for message in mail_server.received
                if PAYLOAD in message.get_body(("plain",)).get_content()}
    sent, refused, by_system = (codes.display(world[key].code)
                                for key in ("sent", "refused", "by_system"))
    # The letter's title, the refusal's reason, a system's form title, staff's note to a person.
    assert set(carrying) >= {("lan@example.org", f"Request {sent}: an answer letter"),
                             ("bao@example.org", f"Request {refused} refused"),
                             ("system@example.org", f"Request {by_system} received"),
                             ("hang@example.org", "Your registered details are changed")}
    for message in mail_server.received:
        assert_inert(message.get_body(("html",)).get_content(),
                     shown=PAYLOAD if message in carrying.values() else None)


REFUSALS = {
    "every field of a form": ("/w/test/en/f/everything", {
        "name": PAYLOAD, "story": PAYLOAD, "area": PAYLOAD, "born": PAYLOAD, "email": PAYLOAD,
        "phone": PAYLOAD, "colour": PAYLOAD, "extras": [PAYLOAD], "agree": PAYLOAD}),
    "a tracking code": ("/w/test/en/track", {"code": PAYLOAD[:60]}),
    "a draft code": ("/w/test/en/resume", {"code": PAYLOAD[:60]}),
    "a lost code's contact": ("/w/test/en/recover", {"contact": PAYLOAD}),
    "sign-up": ("/w/test/en/account/signup", {"name": PAYLOAD, "contact": PAYLOAD,
                                              "password": "short"}),
    "sign-in": ("/w/test/en/account/signin", {"contact": PAYLOAD, "password": PAYLOAD}),
    "forgotten password": ("/w/test/en/account/forgot", {"contact": PAYLOAD}),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_answers_are_shown_as_text_and_kept_nowhere(app, client, world, case):
    url, data = REFUSALS[case]
    if url.endswith("/everything"):
        data = {"form_token": form_token(html_of(client.get(url))), **data}
    before = snapshot(app)
    response = client.post(url, data=data, headers=H)
    assert response.status_code == 422
    html = html_of(response)
    assert 'role="alert"' in html or 'class="error' in html
    assert_inert(html, shown=data.get("contact") or data.get("code") or data.get("name"))
    assert snapshot(app) == before


def test_a_refused_decision_gives_back_what_staff_typed_as_text(app, client, world, csrf_off):
    """Staff's note, refused for its length, comes back as text; the ask stays waiting."""
    change = _db.session.scalars(select(DetailChange).where(DetailChange.status == "pending")).one()
    sign_in(client, world["people"]["admin"])
    before = snapshot(app)
    refused = client.post(f"/admin/accounts/changes/{change.id}", data={
        "decision": "refuse", "note": "x" * 2001 + PAYLOAD})
    assert refused.status_code == 422
    assert_inert(html_of(refused))
    assert snapshot(app) == before


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1",
            "\r=2+2"]


def test_exported_formulas_and_markup_stay_text(client, world, csrf_off):
    """A spreadsheet never runs what a person typed: formula starts are quoted in CSV, and every
    Excel cell is a text cell."""
    mine = set()
    for text in FORMULAS + [PAYLOAD]:
        page = send_form(client, "form-hn", {"name": text, "email": "=1+1@example.org"})
        mine.add(codes.masked(codes.parse(tracking_code(html_of(page)))))  # as exports show it
    sign_in(client, world["people"]["admin"])
    export = client.post("/admin/export", data={"format": "csv"}, headers=H)
    body = export.get_data()
    assert export.status_code == 200 and body.startswith("\ufeff".encode())
    rows = [row for row in csv.reader(io.StringIO(body.decode()[1:])) if row[0] in mine]
    # The widget trims a name (a leading tab or line break goes); what starts a formula is quoted.
    typed = [text.strip() for text in FORMULAS]
    assert sorted(row[11] for row in rows) == sorted(["'" + text for text in typed] + [PAYLOAD])
    assert {row[12] for row in rows} == {"'=1+1@example.org"}
    workbook = client.post("/admin/export", data={"format": "xlsx"}, headers=H)
    sheet = load_workbook(io.BytesIO(workbook.get_data())).active
    cells = [row[11] for row in sheet.iter_rows(min_row=2) if row[0].value in mine]
    assert sorted(cell.value for cell in cells) == sorted(typed + [PAYLOAD])
    assert {cell.data_type for cell in cells} == {"s"}


# --- 5. hostile CSS and header HTML --------------------------------------------------------------

THEMES = "/admin/themes"


def theme_form(**fields) -> dict:
    """The theme editor's form, filled as a plain theme, with these fields changed."""
    data = {"name": "City portal", "skin": "classic", "color-primary": "#0b5cad",
            "color-background": "#ffffff", "color-text": "#1b1b1b", "color-accent": "#f4f6f8",
            "custom_css": ""}
    return data | fields


@pytest.fixture
def theme(client, world, csrf_off):
    """A theme the administrator edits, worn by site "test" during the test only."""
    sign_in(client, world["people"]["admin"])
    client.post(THEMES, data=theme_form())
    theme = _db.session.scalars(select(Theme).order_by(Theme.id.desc())).first()
    site = _db.session.get(Site, world["site"].id)
    site.theme_id = theme.id
    _db.session.commit()
    yield theme
    site.theme_id = None
    _db.session.commit()


def test_hostile_header_html_and_theme_names_are_inert(client, world, theme):
    """A header keeps its formatting and plain links; scripts, handlers, styles, images, SVG and
    javascript: links are gone when it is saved. The theme's name is text on staff's pages."""
    header = (f'{PAYLOAD}<svg onload=alert(6)></svg><p style="position:fixed" '
              f'onclick="alert(7)">Town <b>ok</b> <a href="https://town.example">site</a></p>')
    saved = client.post(f"{THEMES}/{theme.id}", data=theme_form(name=PAYLOAD, **{
        f"header-{lang}": header for lang in ("en", "vi", "fa", "ru")}))
    assert saved.status_code == 302
    _db.session.refresh(theme)
    assert theme.name == PAYLOAD
    for page in (client.get(THEMES), client.get(f"{THEMES}/{theme.id}")):
        assert_inert(html_of(page))
    for lang in ("en", "fa"):
        widget = html_of(client.get(f"/w/test/{lang}/"))
        assert_inert(widget, shown=None)
        shown = widget.split('<div class="theme-header">', 1)[1].split("</div>", 1)[0]
        assert "<b>ok</b>" in shown and 'href="https://town.example"' in shown
        for gone in ("<svg", "<img", "<script", "style=", "javascript"):
            assert gone not in shown, gone


# What must never reach the served stylesheet, whatever the spelling.
NEVER = ("evil.example", "import", "expression", "<", "script", "behavior", "binding",
         "javascript", "url(", "\\")
HOSTILE_CSS = [
    ("@import url(https://evil.example/x.css);", "The rule @import is not allowed"),
    ("@charset 'utf-8';", "The rule @charset is not allowed"),
    ("@namespace svg url(http://www.w3.org/2000/svg);", "The rule @namespace is not allowed"),
    ("@font-face { font-family: x; src: url(https://evil.example/f.woff) }",
     "The rule @font-face is not allowed"),
    ("a { background: url(https://evil.example/x.png) }", "loads a file (url())"),
    ("a { background-color: url('https://evil.example/x.png') }", "loads a file (url())"),
    ("a { background: \\75 rl(https://evil.example/x.png) }", "loads a file (url())"),
    ("body { background: url(javascript:alert(1)) }", "A value of background that is not allowed"),
    ("a { width: expression(alert(1)) }", "could run script"),
    ("a { width: \\65 xpression(alert(1)) }", "could run script"),
    ("a { color: j\\61 vascript }", "could run script"),
    ("a { behavior: url(x.htc) }", "The property behavior is not allowed"),
    ("a { -moz-binding: url(x.xml#b) }", "The property -moz-binding is not allowed"),
    ("a { content: 'Pay here' }", "The property content is not allowed"),
    ("a { position: fixed }", "The property position is not allowed"),
    ("a { font-family: '</style><script>' }", "A value of font-family that is not allowed"),
    ("a[href^='javascript'] { color: red }", "A rule with a selector that is not allowed"),
    # Both swallow the rule after them into one rule with a selector that is not allowed.
    ("</style><script>alert(1)</script>", "A rule with a selector that is not allowed"),
    ("a { color: red; } }", "A rule with a selector that is not allowed"),
    # A custom property's name decoded from escapes once closed its rule and opened another.
    (r"h2 { --fd-a\7d body\7b position\3a fixed: 1 }",
     "The property --fd-a}body{position:fixed is not allowed"),
    (r"@media (min-width: 1x\7d) { h2 { color: red } }", "A @media rule with a condition"),
]


@pytest.mark.parametrize("css, reason", HOSTILE_CSS, ids=[css for css, _ in HOSTILE_CSS])
def test_hostile_css_is_left_out_and_the_administrator_is_told(client, theme, css, reason):
    """Filtered when saved (the administrator reads what was left out and why) and again when
    served: nothing of it reaches the widget's stylesheet; the rules around it stay."""
    saved = client.post(f"{THEMES}/{theme.id}", data=theme_form(
        custom_css=f"{css}\nh2 {{ color: #123456 }}"), follow_redirects=True)
    told = html_of(saved)
    assert "Left out of the custom CSS:" in told and reason in told
    served = client.get("/w/test/theme.css")
    assert served.status_code == 200 and served.mimetype == "text/css"
    stylesheet = html_of(served)
    for word in NEVER:
        assert word not in stylesheet.lower(), (word, stylesheet)
    if not css.endswith(("</script>", "} }")):
        assert "h2 {\n  color: #123456;\n}" in stylesheet


# --- 6. uploads ----------------------------------------------------------------------------------

def png(width: int, height: int) -> bytes:
    return (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", width, height)
            + b"\x08\x02\x00\x00\x00" + b"\0" * 40)


def jpeg(width: int, height: int) -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\0" * 9
            + b"\xff\xd9")


def webp(width: int, height: int) -> bytes:
    extended = (b"VP8X" + (10).to_bytes(4, "little") + b"\0" * 4
                + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
    return b"RIFF" + (len(extended) + 4).to_bytes(4, "little") + b"WEBP" + extended + b"\0" * 32


def docx(member_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * member_bytes)
    return buffer.getvalue()


def send_file(client, name: str, data: bytes):
    """The widget's form-hn sent with one file, as a browser encodes it."""
    token = form_token(html_of(client.get("/w/test/en/f/form-hn")))
    boundary, body = encode_multipart(MultiDict([
        ("form_token", token), ("name", "Lan"), ("proof", FileStorage(io.BytesIO(data), name))]))
    return client.post("/w/test/en/f/form-hn", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


NOT_ACCEPTED = "is not a file type we accept"
MARKUP_TEXT = "<html><body><script>alert(document.domain)</script></body></html>"
HOSTILE_FILES = [
    ("html named pdf", "letter.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>",
     NOT_ACCEPTED),
    ("html", "page.html", b"<html><body onload=alert(1)>hi</body></html>", NOT_ACCEPTED),
    ("svg with script", "logo.svg",
     b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
     NOT_ACCEPTED),
    ("svg named png", "logo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
     NOT_ACCEPTED),
    ("a program named jpg", "photo.jpg", b"MZ\x90\x00" + b"\0" * 200, NOT_ACCEPTED),
    ("binary named txt", "notes.txt", b"\x00\x01\x02binary", NOT_ACCEPTED),
    ("png header on a program", "scan.png", b"\x89PNG\r\n\x1a\n" + b"\x7fELF" + b"\0" * 60,
     "the image is damaged"),
    ("zip bomb docx", "report.docx", docx(300 * 1024 * 1024),
     "unpacks to far more than it weighs"),
    ("damaged docx", "report.docx", docx(10)[:-40], "the document is damaged"),
    ("pixel flood png", "tiny.png", png(50000, 50000), "the image is too large"),
    ("pixel flood jpeg", "tiny.jpg", jpeg(60000, 60000), "the image is too large"),
    ("pixel flood webp", "tiny.webp", webp(16000, 16000), "the image is too large"),
    ("pixel flood heic", "tiny.heic", heic((320, 240), (60000, 60000)), "the image is too large"),
    # Markup is not plain text, wherever it stands and however the text is encoded.
    *[(f"markup after {where}", "notes.txt", (before + "\n<script>alert(1)</script>\n").encode(),
       NOT_ACCEPTED) for where, before in (("1 KB of text", "Ghi chú. " * 150),
                                           ("1 MB of text", "Ghi chú của tôi.\n" * 70_000))],
    *[(f"{encoding} byte-order mark and markup", "notes.txt",
       bom + MARKUP_TEXT.encode(encoding), NOT_ACCEPTED) for encoding, bom in (
        ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff"))],
    ("two byte-order marks and markup", "notes.txt", b"\xef\xbb\xbf\xef\xbb\xbf \n" + MARKUP_TEXT.encode(),
     NOT_ACCEPTED),
    ("utf-16 markup without a mark", "notes.txt", MARKUP_TEXT.encode("utf-16-le"), NOT_ACCEPTED),
    ("an svg after a line of text", "notes.txt",
     b"My notes\n<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", NOT_ACCEPTED),
    ("an html comment after text", "notes.txt", b"notes <!-- x --> <b>bold</b>", NOT_ACCEPTED),
]


@pytest.mark.parametrize("case, name, data, message", HOSTILE_FILES,
                         ids=[case for case, *_ in HOSTILE_FILES])
def test_a_hostile_file_is_refused_and_nothing_is_kept(app, client, world, case, name, data,
                                                       message):
    """Judged on its bytes, whatever its name says: refused beside its field, with why."""
    before = snapshot(app)
    response = send_file(client, name, data)
    html = html_of(response)
    assert response.status_code == 422
    assert 'class="error' in html and message in html
    assert_inert(html, shown=None)
    assert snapshot(app) == before


@pytest.fixture
def only_png(world):
    """form-hn accepts only PNG, in an organisation that accepts PDF, PNG and JPEG."""
    form, org = world["forms"]["HN"], world["org"]
    form.upload_limits, org.upload_limits = {"types": ["png"]}, {"types": ["pdf", "png", "jpg"]}
    _db.session.commit()
    yield
    form.upload_limits = org.upload_limits = None
    _db.session.commit()


def test_a_type_the_deployment_allows_but_the_form_does_not_is_refused(app, client, only_png):
    before = snapshot(app)
    for name, data in (("scan.pdf", PDF), ("notes.txt", b"plain notes\n")):
        response = send_file(client, name, data)
        assert response.status_code == 422
        assert "a kind of file this form does not accept. It accepts: PNG." in html_of(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("name, data, kept, content_type", [
    ("../../etc/in\x00voice.exe", PDF, "invoice.pdf", "application/pdf"),
    ("../../etc/pass\u202ewd.png", png(10, 10), "passwd.png", "image/png")],
    ids=["a pdf named exe, a path and a null byte", "a png, a path and a bidi override"])
def test_the_name_does_not_matter_a_pdf_named_exe_is_kept_as_a_pdf(app, client, world, name, data,
                                                                    kept, content_type):
    """No path, no null byte, no bidi override in the shown name; stored under a name of ours,
    downloaded by staff to save (never to run or render) under the cleaned name."""
    before = snapshot(app)
    assert send_file(client, name, data).status_code == 200
    attachment = _db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    assert (attachment.filename, attachment.content_type) == (kept, content_type)
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key)
    assert world["store"].read(attachment.storage_key) == data
    assert snapshot(app)["stored files"] == before["stored files"] + 1
    sign_in(client, world["people"]["admin"])
    download = client.get(f"/admin/requests/{attachment.request_id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"].startswith(content_type)
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and kept in disposition
    for bad in ("/", "\\", "\x00", "\u202e", ".."):
        assert bad not in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"


# Polyglots (a real image or PDF with a page after it) and text, under names that would open as a
# page or a script: each downloads with the extension of what its bytes are.
POLYGLOT_JPEG = jpeg(10, 10) + MARKUP_TEXT.encode()
POLYGLOT_PNG = png(10, 10) + MARKUP_TEXT.encode()
POLYGLOT_PDF = PDF + b"\n" + MARKUP_TEXT.encode()
TEXT = "Ghi chú: a < b, <3, Lan <lan@example.org>.\n".encode()
HOSTILE_NAMES = [
    ("scan.html", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.htm", POLYGLOT_PNG, "image/png", "scan.png"),
    ("scan.svg", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.xhtml", POLYGLOT_PDF, "application/pdf", "scan.pdf"),
    ("scan.shtml", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.js", POLYGLOT_PDF, "application/pdf", "scan.pdf"),
    ("scan.mjs", POLYGLOT_PNG, "image/png", "scan.png"),
    ("SCAN.HtMl", POLYGLOT_JPEG, "image/jpeg", "SCAN.jpg"),
    ("scan.html...", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.html . ", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.jpg.html", POLYGLOT_JPEG, "image/jpeg", "scan.jpg"),
    ("scan.pdf.html", POLYGLOT_JPEG, "image/jpeg", "scan.pdf.jpg"),
    ("scan.html.JPEG", POLYGLOT_JPEG, "image/jpeg", "scan.html.JPEG"),
    ("sc\u202elmth.gpj", POLYGLOT_JPEG, "image/jpeg", "sclmth.jpg"),
    ("scan\u202egpj.html", POLYGLOT_JPEG, "image/jpeg", "scangpj.jpg"),
    ("scan.html::$DATA", POLYGLOT_JPEG, "image/jpeg", "scan.html__$DATA.jpg"),
    ("scan", POLYGLOT_PDF, "application/pdf", "scan.pdf"),
    ("Đơn đề nghị.html", POLYGLOT_PDF, "application/pdf", "Đơn đề nghị.pdf"),
    ("notes.html", TEXT, "text/plain", "notes.txt"),
    ("notes.txt.svg", TEXT, "text/plain", "notes.txt"),
]


def served_name(response) -> str:
    """The name a browser saves a download under (RFC 6266: filename* wins)."""
    from urllib.parse import unquote
    disposition = response.headers["Content-Disposition"]
    return unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))


def every_download(client, world, attachment: Attachment, code: str) -> dict:
    """The file as each route serves it: the person's status page, the back office, the API."""
    access = ACCESS.search(status_page(client, code)).group(1)
    served = {"status page": client.post(f"/w/test/en/track/file/{attachment.id}",
                                         data={"access": access})}
    sign_in(client, world["people"]["admin"])
    served["back office"] = client.get(
        f"/admin/requests/{attachment.request_id}/files/{attachment.id}")
    served["REST API"] = client.get(
        f"/api/v1/requests/{attachment.request_id}/files/{attachment.id}",
        headers={"Authorization": f"Bearer {world['key']}"})
    return served


def assert_a_safe_download(route: str, response, data: bytes, content_type: str,
                           name: str) -> None:
    assert response.status_code == 200 and response.data == data, route
    assert response.mimetype == content_type, route
    assert response.headers["Content-Disposition"].startswith("attachment;"), route
    assert served_name(response) == name, route
    ascii_name = re.search(r'filename="([^"]*)"', response.headers["Content-Disposition"]).group(1)
    assert ascii_name.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1], route
    assert response.headers["X-Content-Type-Options"] == "nosniff", route


@pytest.mark.parametrize("name, data, content_type, served", HOSTILE_NAMES,
                         ids=[repr(name) for name, *_ in HOSTILE_NAMES])
def test_a_file_downloads_with_the_extension_of_what_it_is(app, client, world, monkeypatch, name,
                                                           data, content_type, served):
    """Sent through the widget under a name that would open as a page or a script; shown and
    downloaded by every route as what its bytes are."""
    monkeypatch.setattr(limiter, "enabled", False)
    receipt = send_file(client, name, data)
    assert receipt.status_code == 200
    attachment = _db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    assert (attachment.filename, attachment.content_type) == (served, content_type)
    code = codes.parse(tracking_code(html_of(receipt)))
    for route, response in every_download(client, world, attachment, code).items():
        assert_a_safe_download(route, response, data, content_type, served)


def test_a_letter_and_a_staff_file_download_as_what_they_are(app, client, world, monkeypatch,
                                                             csrf_off):
    """Staff attach a PDF named .html to a letter and a JPEG named .svg to a message: the person,
    staff and connected systems download a .pdf and a .jpg."""
    monkeypatch.setattr(limiter, "enabled", False)
    receipt = send_file(client, "scan.pdf", PDF)
    code = codes.parse(tracking_code(html_of(receipt)))
    request = _db.session.scalar(select(Request).where(Request.code == code))
    sign_in(client, world["people"]["op"])
    for action, fields in (
            ("letter", {"title": "Decision", "pdf": (io.BytesIO(POLYGLOT_PDF), "decision.html")}),
            ("message", {"body": "Your scan", "files": (io.BytesIO(POLYGLOT_JPEG), "scan.svg")})):
        version = _db.session.get(Request, request.id).lock_version
        response = client.post(f"/admin/requests/{request.id}/{action}", data={
            f"{action}-version": version, **{f"{action}-{k}": v for k, v in fields.items()}},
            content_type="multipart/form-data")
        assert response.status_code == 302, html_of(response)
    _db.session.expire_all()
    letter, message = (_db.session.scalars(select(Attachment).where(
        Attachment.request_id == request.id, Attachment.field_key == "message",
        is_letter)).one() for is_letter in (Attachment.letter_id.is_not(None),
                                            Attachment.letter_id.is_(None)))
    for attachment, data, content_type, served in (
            (letter, POLYGLOT_PDF, "application/pdf", "decision.pdf"),
            (message, POLYGLOT_JPEG, "image/jpeg", "scan.jpg")):
        for route, response in every_download(client, world, attachment, code).items():
            assert_a_safe_download(route, response, data, content_type, served)


def test_an_ordinary_document_and_image_pass(app, client, world):
    before = snapshot(app)
    assert send_file(client, "letter.docx", docx(2000)).status_code == 200
    assert send_file(client, "photo.png", png(4000, 3000)).status_code == 200
    after = snapshot(app)
    assert (after["Attachment"], after["stored files"]) == (before["Attachment"] + 2,
                                                            before["stored files"] + 2)


@pytest.mark.parametrize("chunked", [False, True], ids=["with its length", "chunked"])
def test_a_body_over_the_ceiling_is_refused(app, client, world, monkeypatch, chunked):
    """Over MAX_CONTENT_LENGTH: 413 with a clear page. Sent chunked, the server knows no length up
    front and the ceiling applies while reading; the same body within it is read."""
    token = form_token(html_of(client.get("/w/test/en/f/form-hn")))
    # Only the ceiling may refuse it (not the per-field memory limit), and the big part is a
    # text field: a file part would be spooled to a temporary file the parser leaves open.
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", None)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100_000)
    boundary = "xyz"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"form_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"message\""
            f"\r\n\r\n").encode() + b"0" * 100_010 + f"\r\n--{boundary}--\r\n".encode()

    def post():
        extra = ({"headers": {"Transfer-Encoding": "chunked"},
                  "environ_overrides": {"wsgi.input_terminated": True}} if chunked else {})
        return client.post("/w/test/en/f/form-hn", input_stream=io.BytesIO(body),
                           content_type=f"multipart/form-data; boundary={boundary}",
                           **({"content_length": len(body)} if not chunked else {}), **extra)
    before = snapshot(app)
    response = post()
    assert response.status_code == 413 and "The files are too large" in html_of(response)
    assert snapshot(app) == before
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(body) + 1)
    assert post().status_code == 422  # read, and refused for its own reasons (no name)
    assert snapshot(app) == before


# --- 7. CRLF in mail headers ---------------------------------------------------------------------

INJECTED = "\r\nBcc: victim@example.org\r\nX-Injected: yes"


def mail_to(mail_server, recipient: str) -> list:
    """The messages the SMTP server received for this address, with where each really went."""
    return [(message, envelope) for message, envelope in zip(mail_server.received,
                                                             mail_server.envelope_recipients)
            if recipient in envelope or recipient in str(message["To"])]


def expire_drafts_soon(app) -> None:
    """Run the schedule as it will be 28 days on: every draft saved now is warned about."""
    from datetime import timedelta

    from widget.models._types import utcnow
    from widget.notify.schedule import queue_draft_expiry_notices
    queue_draft_expiry_notices(30, 3, now=utcnow() + timedelta(days=28))
    _db.session.commit()
    deliver(app)


def test_line_breaks_in_a_title_reach_no_mail_header(app, client, world, mail_server):
    """A connected system names a form with line breaks and headers; the subject of the e-mail
    that names the form (the draft-expiry notice) arrives as one line, to its one recipient."""
    key = {"Authorization": f"Bearer {world['key']}", "Idempotency-Key": "crlf"}
    pushed = client.post("/api/v1/forms", headers=key, json=PUSHED | {
        "slug": "crlf", "titles": {"en": f"Permit{INJECTED}"}})
    assert pushed.status_code == 202
    decide_proposal(world["people"]["admin"], pushed.json["id"], True, "",
                    unit_id=world["units"]["HN"].id)
    assert send_form(client, "crlf", {"action": "draft", "name": "Lan",
                                      "email": "lan.draft@example.org"}).status_code == 200
    expire_drafts_soon(app)
    # Two notices name the form: the draft's code when saved, and its coming expiry.
    received = mail_to(mail_server, "lan.draft@example.org")
    assert [envelope for _message, envelope in received] == [["lan.draft@example.org"]] * 2
    subjects = sorted(str(message["Subject"]) for message, _envelope in received)
    assert subjects[0].startswith(
        "Your draft of Permit Bcc: victim@example.org X-Injected: yes expires on")
    assert subjects[1] == ("Your draft of Permit Bcc: victim@example.org X-Injected: yes: the code "
                           "to continue it")
    assert all(message["Bcc"] is None and message["X-Injected"] is None
               for message, _envelope in received)
    assert mail_to(mail_server, "victim@example.org") == []


@pytest.mark.parametrize("typed", [f"lan.crlf@example.org{INJECTED}",
                                   "lan.crlf@example.org, victim@example.org",
                                   "Lan <lan.crlf@example.org>\nvictim@example.org"],
                         ids=["header lines", "a list", "a name and a second line"])
def test_a_drafts_contact_is_a_real_address_or_nobody(app, client, world, mail_server, typed):
    """A draft keeps what was typed, unchecked; a notice about it goes only to a real address,
    never to a list or a header someone typed into the e-mail field."""
    assert send_form(client, "form-hn", {"action": "draft", "name": "Lan",
                                         "email": typed}).status_code == 200
    expire_drafts_soon(app)
    assert mail_to(mail_server, "victim@example.org") == []
    assert mail_to(mail_server, "lan.crlf@example.org") == []
    assert _db.session.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.recipient.contains("victim"))) == 0


def test_line_breaks_cannot_inject_headers(app, world, mail_server):
    """The last guard, in the e-mail channel itself: a subject's line breaks become spaces; an
    address with one is never sent (a dead letter that says why)."""
    from widget.models import OutboxChannel
    from widget.notify.outbox import enqueue
    org = world["org"].id
    enqueue(org, OutboxChannel.EMAIL, "lan.guard@example.org", "Body",
            subject=f"Hello{INJECTED}")
    bad = enqueue(org, OutboxChannel.EMAIL, f"lan.guard@example.org{INJECTED}", "Body",
                  subject="Hello")
    _db.session.commit()
    deliver(app)
    (message, envelope), = mail_to(mail_server, "lan.guard@example.org")
    assert envelope == ["lan.guard@example.org"]
    assert message["Subject"] == "Hello Bcc: victim@example.org X-Injected: yes"
    assert message["Bcc"] is None and message["X-Injected"] is None
    bad = _db.session.get(OutboxItem, bad.id)
    assert bad.status == "dead" and "line break" in bad.last_error


# --- 8. SMS pumping through recovery -------------------------------------------------------------

LAN_PHONE, BAO_PHONE = "+84912345678", "+84987654321"


DESKS = itertools.count(1)


@pytest.fixture
def desk(world, client):
    """An organisation of its own (limits count per organisation and day) with a site, a form,
    and requests sent through it by Lan and by Bao; returns the site's key."""
    key = f"sms-{next(DESKS)}"
    new_form(new_site(key=key, slug=key), slug="contact", fields=backoffice.FIELDS)
    for name, phone in (("Lan", LAN_PHONE), ("Bao", BAO_PHONE)):
        assert send_form(client, "contact", {"name": name, "phone": phone, "email":
                                              f"{name.lower()}@example.org"}, site=key
                         ).status_code == 200
    return key


def ask_for_codes(client, key: str, contact: str, lang: str = "en"):
    return client.post(f"/w/{key}/{lang}/recover", data={"contact": contact}, headers=H)


def answer_asks(budget: int) -> list[str]:
    """Let the worker answer the asks; the statuses of every ask, oldest first."""
    from widget.notify.recovery import answer_code_recoveries
    answer_code_recoveries(sms_daily_budget=budget)
    _db.session.commit()
    return list(_db.session.scalars(select(CodeRecovery.status).order_by(CodeRecovery.id)))


def texts_to(number: str) -> int:
    return _db.session.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.channel == "sms", OutboxItem.recipient == number))


NOT_A_CONTACT = {
    "empty": "", "a word": "hello", "too short a number": "12", "half an address": "a@b",
    "markup": "<script>alert(1)</script>", "far too long": "x" * 500,
    "a Vietnamese premium-rate line": "1900 1234 56",
    "a British premium-rate line": "+44 909 879 0879",
    "an Italian premium-rate line": "+39 899 123456",
    "a toll-free line": "1800 1234",
    "a landline in Hanoi": "+84 24 3825 3536",     # no SMS reaches it
    "a satellite network": "+881612345678",         # billed far above a mobile
}


@pytest.mark.parametrize("case", NOT_A_CONTACT)
@pytest.mark.parametrize("page", ["recover", "account/signup"])
def test_what_is_no_address_or_mobile_number_is_refused_and_recorded_nowhere(app, client, world,
                                                                            page, case):
    typed = NOT_A_CONTACT[case]
    before = snapshot(app)
    response = client.post(f"/w/test/ru/{page}", headers=H, data={
        "contact": typed, "name": "Lan", "password": PASSWORD})
    html = html_of(response)
    assert response.status_code == 422 and 'role="alert"' in html and 'lang="ru"' in html
    assert_inert(html, shown=None)
    assert snapshot(app) == before


def test_a_premium_number_is_refused_where_sms_is_promised_and_never_texted(app, client, world):
    """A phone field of a form that sends SMS takes a mobile number only (contacts.sms_number):
    a premium-rate line is refused and nothing is kept. A form that sends no SMS keeps it as a
    number to call, but it is no SMS destination even once the form's SMS is on; asking for its
    codes is refused before anything."""
    from widget.contacts import NOT_A_MOBILE
    from widget.models import Form
    from widget.notify.compose import contacts
    answers = {"name": "Lan", "phone": "+44 909 879 0879", "email": "premium@example.org"}
    before = snapshot(app)
    refused = send_form(client, "form-hn", answers)
    assert refused.status_code == 422 and str(NOT_A_MOBILE) in html_of(refused)
    assert snapshot(app) == before
    form = _db.session.scalar(select(Form).where(  # another organisation has a form-hn too
        Form.slug == "form-hn", Form.organization_id == world["org"].id))
    form.sms_enabled = False
    _db.session.commit()
    try:
        assert send_form(client, "form-hn", answers).status_code == 200
        form.sms_enabled = True
        _db.session.commit()
        request = _db.session.scalar(select(Request).order_by(Request.id.desc()))
        assert request.answers["phone"] == "+449098790879"
        assert contacts(request) == {"email": "premium@example.org"}
    finally:
        form.sms_enabled = True
        _db.session.commit()
    assert texts_to("+449098790879") == 0
    assert ask_for_codes(client, "test", "+44 909 879 0879").status_code == 422


@pytest.mark.parametrize("page", ["recover", "account/signup"])
def test_a_contact_may_ask_a_few_times_a_day(app, client, desk, page):
    """Lost codes and account codes alike: any excess over FRONTDESK_RECOVERY_PER_CONTACT_PER_DAY
    is dropped silently; the page reads the same, and the number gets three texts, not five."""
    before = texts_to(LAN_PHONE)
    pages = {re.sub(r'name="challenge" value="[^"]*"', "", html_of(client.post(
        f"/w/{desk}/en/{page}", headers=H, data={"contact": "0912 345 678", "name": "Lan",
                                                  "password": PASSWORD}))) for _ in range(5)}
    assert len(pages) == 1
    if page == "recover":
        assert answer_asks(budget=10)[-5:] == ["sent"] * 3 + ["limited"] * 2
    assert texts_to(LAN_PHONE) == before + 3


def test_the_daily_sms_budget_is_one_for_account_codes_and_lost_codes(app, client, desk,
                                                                    monkeypatch):
    """FRONTDESK_RECOVERY_SMS_DAILY_BUDGET counts every SMS anyone can ask for without signing
    in: once account codes and lost codes have spent it, nobody is texted, and every page reads
    the same."""
    monkeypatch.setitem(app.config, "FRONTDESK_RECOVERY_SMS_DAILY_BUDGET", 2)
    before = {number: texts_to(number) for number in (LAN_PHONE, BAO_PHONE)}
    signup = {"name": "Hang", "password": PASSWORD}
    pages = [client.post(f"/w/{desk}/en/account/signup", headers=H,
                         data=signup | {"contact": "0912 345 671"})]
    assert texts_to("+84912345671") == 1
    pages += [ask_for_codes(client, desk, number) for number in (LAN_PHONE, BAO_PHONE)]
    assert answer_asks(budget=2)[-2:] == ["sent", "over_budget"]
    assert {number: texts_to(number) - before[number] for number in before} == {
        LAN_PHONE: 1, BAO_PHONE: 0}
    pages.append(client.post(f"/w/{desk}/en/account/signup", headers=H,
                             data=signup | {"contact": "0912 345 673"}))
    assert texts_to("+84912345673") == 0
    assert [page.status_code for page in pages] == [200] * 4
    # An e-mail address is not held back by the SMS budget.
    assert ask_for_codes(client, desk, "bao@example.org").status_code == 200
    assert answer_asks(budget=2)[-1] == "sent"


# --- 9. frames from unlisted origins -------------------------------------------------------------

def public_pages(app, site: str) -> list[str]:
    """Every address of the widget a browser may GET (those added later too), for a site."""
    values = {"site_key": site, "lang": "en", "slug": "form-hn", "request_id": "1"}
    return sorted(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
                  for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("public.") and "GET" in rule.methods)


def framing(response) -> tuple[str, str | None]:
    policy = response.headers["Content-Security-Policy"]
    return (next(part.strip() for part in policy.split(";") if "frame-ancestors" in part),
            response.headers.get("X-Frame-Options"))


@pytest.mark.parametrize("site, origins", [("test", "http://localhost:8000"),
                                           ("elsewhere", "http://localhost:9000")])
def test_widget_pages_may_be_framed_only_by_their_sites_origins(app, client, world, site,
                                                                origins):
    """Each site's pages (and its errors, and a download) name that site's origins and no other's;
    an unknown site's page, the back office and the health check may be framed by nobody."""
    urls = public_pages(app, site)
    assert len(urls) >= 15
    for url in urls + [f"/w/{site}/en/f/nosuch"]:
        assert framing(client.get(url)) == (f"frame-ancestors {origins}", None), url
    access = ACCESS.search(status_page(client, world["sent"].code)).group(1)
    download = client.post(f"/w/test/en/track/file/{letter_of(world['sent']).id}",
                           data={"access": access})
    assert framing(download) == ("frame-ancestors http://localhost:8000", None)
    for url in ("/w/nosuch/en/", "/admin/login", "/healthz", "/api/v1/openapi.json"):
        assert framing(client.get(url)) == ("frame-ancestors 'none'", "DENY"), url


def test_a_site_whose_origins_are_all_unusable_may_be_framed_by_nobody(client, world):
    """Origins stored without the administration's checks (an import, a hand edit) that could
    smuggle a directive or a wildcard into the header are left out; with none left, the page
    denies framing as every other page does."""
    site = _db.session.get(Site, world["elsewhere"].id)
    site.allowed_origins = ["https://a.example; script-src *", "*", "javascript:alert(1)",
                            "https://b.example/path"]
    _db.session.commit()
    try:
        response = client.get("/w/elsewhere/en/")
        assert framing(response) == ("frame-ancestors 'none'", "DENY")
        assert "script-src *" not in response.headers["Content-Security-Policy"]
    finally:
        site.allowed_origins = ["http://localhost:9000"]
        _db.session.commit()


def test_frame_ancestors_keeps_only_plain_origins():
    assert frame_ancestors_header(["https://city.example", "http://localhost:8000"]) == \
        "frame-ancestors https://city.example http://localhost:8000"
    assert frame_ancestors_header([]) == "frame-ancestors 'none'"
    hostile = ["https://a.example; script-src *", "*", "javascript:alert(1)",
               "https://b.example/path"]
    assert frame_ancestors_header(hostile) == "frame-ancestors 'none'"
