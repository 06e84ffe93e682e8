"""Every widget page a person can be on switches language to the SAME page, keeping what it
holds: the receipt its code (and no second request is sent), a status page its request, a page
with errors or a saved draft what was typed, a code page the typed code, the lost-code page what
it said (and nothing is sent again).

The walk follows each page's own language switch the way a browser does (a link is followed; a
button posts its form, hidden fields and typed values included, to the button's formaction), so
a page added later with a switch that leads elsewhere fails here. A page reached by a post whose
switch was a plain link once took the person from their receipt to an empty form."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from flask_babel import force_locale
from flask_babel import gettext as _

from tests.conftest import tracking_code
from tests.html_pages import PageForms
from tests.test_widget_routes import PDF, count_requests, good_answers, open_form, post_form
from tests.test_accounts import make_account  # noqa: F401 - fixture
from tests.test_widget_routes import form, site  # noqa: F401 - fixtures
from widget.models import CodeRecovery, Message, OutboxItem

TARGETS = ("vi", "fa", "ru")
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}  # as a browser marks a post from the page itself
PASSWORD = "a long and private pass phrase"
TYPED_NAME = "Lan Walk"


def switch_language(client, html: str, lang: str, typed: dict | None = None):
    """Follow the page's own switch to lang, as a browser would, with what was typed into the
    switch's form since the page came (typed: field name -> value)."""
    page = PageForms(html)
    switch = page.switches[lang]
    if switch["tag"] == "a":
        return client.get(switch["href"])
    owner = page.by_id(switch["form"])
    data: dict[str, list[str]] = {}
    for name, value in owner.pairs():
        data.setdefault(name, []).append(value)
    for name, value in (typed or {}).items():
        if name in data:
            data[name] = [value]
    data[switch["name"]] = [switch["value"]]
    return client.post(switch.get("formaction") or owner.action, data=data,
                       content_type="multipart/form-data", headers=SAME_SITE)


def heading(msgid: str, lang: str) -> str:
    with force_locale(lang):
        return _(msgid)


def the_receipt(client):
    response = post_form(client, good_answers(open_form(client), name=TYPED_NAME))
    html = response.get_data(as_text=True)
    return html, "Your request has been sent", [tracking_code(html)]


def a_form_with_errors(client):
    response = post_form(client, good_answers(open_form(client), name=TYPED_NAME, agree=None))
    assert response.status_code == 422
    return response.get_data(as_text=True), "Everything", [TYPED_NAME, "Line one\nline two"]


def a_saved_draft(client):
    response = post_form(client, good_answers(open_form(client), name=TYPED_NAME, action="draft"))
    assert "Your draft is saved" in response.get_data(as_text=True)
    return response.get_data(as_text=True), "Everything", [TYPED_NAME]


def a_status_page(client):
    code = the_receipt(client)[2][0]
    response = client.post("/w/test/en/track", data={"code": code})
    return response.get_data(as_text=True), "Request status", [code]


def a_status_page_after_a_reply(client):
    html, title, kept = a_status_page(client)
    access = re.search(r'name="access" value="([^"]+)"', html).group(1)
    response = client.post("/w/test/en/track/reply", content_type="multipart/form-data",
                           data={"access": access, "body": "Any news?",
                                 "files": (io.BytesIO(PDF), "note.pdf")})
    assert response.status_code == 200
    return response.get_data(as_text=True), title, [*kept, "Any news?"]


def a_status_page_with_a_message_being_written(client):
    html, title, kept = a_status_page(client)
    return html, title, [*kept, "Half a sentence"], {"body": "Half a sentence"}


def a_code_page_with_a_wrong_code(client):
    response = client.post("/w/test/en/track", data={"code": "ZZZZ-ZZZZ-ZZZZ-ZZ"})
    assert response.status_code in (404, 422)
    return response.get_data(as_text=True), "Track a request", ["ZZZZ-ZZZZ-ZZZZ-ZZ"]


def a_code_page_after_a_reply_with_an_expired_page(client):
    response = client.post("/w/test/en/track/reply", content_type="multipart/form-data",
                           data={"access": "not-a-token", "body": "Lost in time"})
    assert response.status_code == 400
    return response.get_data(as_text=True), "Track a request", []


def a_draft_code_page_with_a_wrong_code(client):
    response = client.post("/w/test/en/resume", data={"code": "ZZZZ-ZZZZ"})
    return response.get_data(as_text=True), "Continue a draft", ["ZZZZ-ZZZZ"]


def the_lost_code_page_after_asking(client):
    response = client.post("/w/test/en/recover", data={"contact": "lan@example.org"})
    assert response.status_code == 200
    return (response.get_data(as_text=True), "Get your tracking codes again",
            ["If requests were sent with this e-mail address or mobile number"])


def the_lost_code_page_with_a_bad_contact(client):
    response = client.post("/w/test/en/recover", data={"contact": "not a contact"})
    assert response.status_code == 422
    return response.get_data(as_text=True), "Get your tracking codes again", ["not a contact"]


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def account_post(client, path: str, data: dict):
    return client.post(f"/w/test/en/account/{path}", data=data, headers=SAME_SITE)


def the_sign_up_page_with_errors(client):
    response = account_post(client, "signup", {"name": TYPED_NAME, "contact": "not a contact",
                                               "password": "short"})
    assert response.status_code == 422
    return response.get_data(as_text=True), "Create an account", [TYPED_NAME, "not a contact"]


def the_code_page_after_signing_up(client):
    # The code sent is tied to the page's signed challenge: a switch must keep it, or the
    # person could never confirm the account.
    response = account_post(client, "signup", {"name": TYPED_NAME, "contact": "walk@example.org",
                                               "password": PASSWORD})
    html = response.get_data(as_text=True)
    return html, "Enter your code", [hidden(html, "challenge"), "w•••@example.org"]


def the_sign_in_page_after_a_wrong_password(client):
    response = account_post(client, "signin", {"contact": "walk@example.org", "password": "no",
                                               "next": "/w/test/en/account/profile"})
    assert response.status_code == 422
    return (response.get_data(as_text=True), "Sign in",
            ["walk@example.org", "/w/test/en/account/profile"])


def the_forgotten_password_page_with_errors(client):
    response = account_post(client, "forgot", {"contact": "not a contact"})
    assert response.status_code == 422
    return response.get_data(as_text=True), "Forgot your password?", ["not a contact"]


def the_new_password_page_after_asking(client):
    response = account_post(client, "forgot", {"contact": "walk@example.org"})
    html = response.get_data(as_text=True)
    return html, "Set a new password", [hidden(html, "challenge")]


def sign_in(client) -> None:
    """Sign in as the walker (the test made the account)."""
    assert account_post(client, "signin", {"contact": "walker@example.org",
                                           "password": PASSWORD}).status_code == 303


def signed_in_a_claim_asking_its_code(client):
    code = the_receipt(client)[2][0]  # sent without an account, to lan@example.com
    sign_in(client)
    response = account_post(client, "claim", {"code": code})
    html = response.get_data(as_text=True)
    return html, "Add a request to my account", [hidden(html, "challenge")]


def signed_in_a_new_contact_asking_its_code(client):
    sign_in(client)
    response = account_post(client, "contact", {"contact": "new.walk@example.org"})
    html = response.get_data(as_text=True)
    return html, "Enter your code", [hidden(html, "challenge"), "new.walk@example.org"]


def the_catalogue(client):
    return client.get("/w/test/en/").get_data(as_text=True), "Choose a form", ["Everything"]


PAGES = [the_receipt, a_form_with_errors, a_saved_draft, a_status_page,
         a_status_page_after_a_reply, a_status_page_with_a_message_being_written,
         a_code_page_after_a_reply_with_an_expired_page, a_code_page_with_a_wrong_code,
         a_draft_code_page_with_a_wrong_code, the_lost_code_page_after_asking,
         the_lost_code_page_with_a_bad_contact, the_sign_up_page_with_errors,
         the_code_page_after_signing_up, the_sign_in_page_after_a_wrong_password,
         the_forgotten_password_page_with_errors, the_new_password_page_after_asking,
         signed_in_a_claim_asking_its_code, signed_in_a_new_contact_asking_its_code,
         the_catalogue]


@pytest.mark.parametrize("reach", PAGES, ids=lambda reach: reach.__name__)
def test_every_page_switches_language_to_itself_keeping_what_it_holds(client, db, app, form,
                                                                      reach, make_account):
    if reach.__name__.startswith("signed_in"):
        make_account(email="walker@example.org")
    html, title, kept, *typed = reach(client)
    typed = typed[0] if typed else {}
    requests_before, sent_before = count_requests(db), outgoing(db)
    for lang in TARGETS:
        switched = switch_language(client, html, lang, typed)
        typed = {}  # from here on the page itself holds it
        page = switched.get_data(as_text=True)
        assert switched.status_code == 200, (lang, page[:400])
        assert PageForms(page).lang == lang
        with app.test_request_context():
            # The form's own title is the organisation's text (the fixtures write "X (vi)").
            expected = heading(title, lang) if title != "Everything" else f"{title} ({lang})"
        assert PageForms(page).h1.strip() == expected, lang
        for value in kept:
            shown = value if not value.startswith("If requests") else heading(
                "If requests were sent with this e-mail address or mobile number, their tracking "
                "codes are on their way to it now.", lang)[:20]
            assert shown in page, (lang, value)
        html = page  # the next switch starts from the switched page
    # A switch sends nothing: no second request, no message, no codes asked for again.
    assert count_requests(db) == requests_before
    assert outgoing(db) == sent_before


def outgoing(db) -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (OutboxItem, CodeRecovery, Message))

