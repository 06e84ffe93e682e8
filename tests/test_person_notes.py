"""What staff write for the person, also in the person's language: the back office's action
forms and the API take a second version of the pause note, the deadline's reason, the refusal
and the result note; the status page, the cabinet and the notices show it to readers of that
language only, the note as staff wrote it to everyone else."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from tests import backoffice
from tests.notices import compose_promised
from tests.test_admin import audit_actions, html_of, sign_in
from tests.test_api import call
from tests.test_status_page import open_status
from widget.models import Account, Event, InboxItem, OutboxItem, Request
from widget.services import workflow
from widget.services.api_clients import create_api_client

clock, office, received = backoffice.clock, backoffice.office, backoffice.received
ORIGINAL = "Please bring the deed of the plot"
PERSIAN = "لطفاً سند ملک را بیاورید"
# What each action posts besides its note, where the note goes, and the status it leaves.
ACTIONS = {
    "pause": ({"reason": "supplement"}, "note"),
    "result_ready": ({"handover": "desk"}, "note"),
    "refuse": ({}, "reason"),
    "deadline": ({"day": "2026-10-30"}, "reason"),
}


@pytest.fixture(autouse=True)
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def persian(office, received, clock):
    """A registered request sent in Persian, with an e-mail address for its notices."""
    clock("2026-10-16 10:00")
    request = received(language="fa", answers={"name": "Lan", "email": "lan@example.org"})
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    return request


def post_action(client, request, action, note, person_note, **extra):
    fields, note_field = ACTIONS[action]
    data = {f"{action}-version": request.lock_version, f"{action}-{note_field}": note,
            f"{action}-person_note": person_note,
            **{f"{action}-{key}": value for key, value in {**fields, **extra}.items()}}
    return client.post(f"/admin/requests/{request.id}/{action}", data=data)


def page_note_versions(client, request) -> dict[str, str]:
    return {lang: open_status(client, request.code, lang=lang)[0] for lang in ("fa", "en", "vi")}


@pytest.mark.parametrize("action", ACTIONS)
def test_a_persian_version_reaches_persian_readers_and_the_original_the_others(
        client, db, office, persian, action):
    sign_in(client, office["people"]["head"])
    detail = html_of(client.get(f"/admin/requests/{persian.id}"))
    assert "Note in the person&#39;s language (فارسی)" in detail
    assert f'name="{action}-person_note"' in detail
    response = post_action(client, persian, action, ORIGINAL, PERSIAN)
    assert response.status_code == 302, html_of(response)
    pages = page_note_versions(client, persian)
    assert PERSIAN in pages["fa"] and ORIGINAL not in pages["fa"]
    for lang in ("en", "vi"):
        assert ORIGINAL in pages[lang] and PERSIAN not in pages[lang]
    # Staff see both on the request's page.
    detail = html_of(client.get(f"/admin/requests/{persian.id}"))
    assert ORIGINAL in detail and PERSIAN in detail


def test_the_persian_notice_carries_the_persian_version(client, db, office, persian):
    sign_in(client, office["people"]["op"])
    post_action(client, persian, "pause", ORIGINAL, PERSIAN)
    compose_promised()
    mails = db.session.scalars(select(OutboxItem).where(OutboxItem.request_id == persian.id,
                                                        OutboxItem.channel == "email")).all()
    paused = [mail for mail in mails if PERSIAN in mail.body_text]
    assert paused and all(ORIGINAL not in mail.body_text for mail in mails)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("box_language, shown, hidden", [("fa", PERSIAN, ORIGINAL),
                                                         ("en", ORIGINAL, PERSIAN)])
def test_the_account_box_shows_the_version_of_its_language_else_the_original(
        client, db, office, persian, action, box_language, shown, hidden):
    persian.account = Account(organization_id=office["org"].id, name="Lan",
                              email="lan@example.org", password_hash="not used here",
                              language=box_language)
    db.session.commit()
    sign_in(client, office["people"]["head"])
    assert post_action(client, persian, action, ORIGINAL, PERSIAN).status_code == 302
    compose_promised()
    boxed = " ".join(item.body for item in db.session.scalars(select(InboxItem).where(
        InboxItem.request_id == persian.id)))
    assert shown in boxed and hidden not in boxed, boxed


def test_hostile_text_is_shown_as_text(client, db, office, persian):
    sign_in(client, office["people"]["op"])
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\u202eدرخواست"
    post_action(client, persian, "refuse", ORIGINAL, hostile)
    html = open_status(client, persian.code, lang="fa")[0]
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\u202e" not in html  # a bidi override could disguise the text around it
    kept = db.session.scalar(select(Event).where(Event.request_id == persian.id,
                                                 Event.kind == "refused")).data["notes"]["fa"]
    assert "\u202e" not in kept


@pytest.mark.parametrize("note, person_note, message", [
    (ORIGINAL, "ب" * 2001, "Please shorten the note in the person's language to 2000 characters."),
    ("", PERSIAN, "Please write the note in your own language too."),
])
@pytest.mark.parametrize("action", ["pause", "result_ready"])
def test_bad_input_is_refused_and_changes_nothing(client, db, office, persian, action, note,
                                                  person_note, message):
    sign_in(client, office["people"]["op"])
    before = audit_actions(db, persian)
    response = post_action(client, persian, action, note, person_note)
    assert response.status_code == 422 and message in unescape(html_of(response))
    after = db.session.get(Request, persian.id)
    assert (after.status, after.lock_version) == ("registered", persian.lock_version)
    assert audit_actions(db, persian) == before


def test_the_error_is_in_the_staff_members_language(client, db, office, persian):
    staff = office["people"]["op"]
    staff.language, staff.language_chosen = "ru", True
    db.session.commit()
    sign_in(client, staff)
    response = post_action(client, persian, "pause", ORIGINAL, "ب" * 2001)
    assert response.status_code == 422
    assert "Сократите комментарий на языке заявителя до 2000 символов." in (
        html_of(response))


def test_no_second_box_when_staff_write_in_the_persons_language(client, db, office, received,
                                                                 clock):
    clock("2026-10-16 10:00")
    request = received(language="en")
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    sign_in(client, office["people"]["op"])
    detail = html_of(client.get(f"/admin/requests/{request.id}"))
    assert "person_note" not in detail and "Note in the person" not in detail


def test_the_api_takes_the_persons_version_too(client, db, office, persian):
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    answer = call(client, "POST", f"/requests/{persian.id}/pause", key,
                  {"expected_version": persian.lock_version, "reason": "supplement",
                   "note": ORIGINAL, "person_note": PERSIAN})
    assert answer.status_code == 200, answer.json
    pages = page_note_versions(client, persian)
    assert PERSIAN in pages["fa"] and ORIGINAL in pages["en"] and PERSIAN not in pages["en"]
    refused = call(client, "POST", f"/requests/{persian.id}/resume", key,
                   {"expected_version": answer.json["version"]})
    answer = call(client, "POST", f"/requests/{persian.id}/refuse", key,
                  {"expected_version": refused.json["version"], "reason": ORIGINAL,
                   "person_note": 5})
    assert answer.status_code == 422
