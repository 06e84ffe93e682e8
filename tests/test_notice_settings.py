"""The administrators' notification settings: the e-mail and SMS switches per notice, the
organisation's own wordings (placeholders checked when saved, used by the next message, reset to
the translated default), the SMS settings, and the pages: administrators only, CSRF-protected,
escaped, valid HTML, with the SMS counter's figures rendered by the server."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import widget.services.workflow as workflow
from tests import backoffice, test_admin
from tests.notices import compose_promised
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.vnu import html_errors
from widget import codes
from widget.models import (AuditEntry, NotificationRule, NotificationTemplate, OutboxItem,
                           Organization, Request)
from widget.notify import sms_text
from widget.notify.catalog import NOTICES
from widget.notify.compose import channels_for, compose
from widget.services.access import NotAllowed
from widget.services.notice_settings import (MAX_BODY, NOTICE_NAMES, WordingRefused,
                                             notice_overview, reset_wording, save_sms_settings,
                                             save_wording, set_channel, wording_of)

# The back office's fixtures (no_csrf is autouse: posts here need no token unless a test says so).
office, received, no_csrf = backoffice.office, backoffice.received, test_admin.no_csrf
LANGUAGES = ["en", "vi", "fa", "ru"]
SETTINGS = "/admin/notifications/settings"
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def commits(db):
    """How many times the database session committed since the test began."""
    seen = []

    def count(_session):
        seen.append(1)
    event.listen(Session, "after_commit", count)
    yield seen
    event.remove(Session, "after_commit", count)


def audits(db, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def templates(db) -> list[NotificationTemplate]:
    return list(db.session.scalars(select(NotificationTemplate)))


def default_body(key: str, language: str) -> str:
    with force_locale(language):
        return str(NOTICES[key].body)


def wording_url(key="registered", channel="sms", language="en") -> str:
    return f"{SETTINGS}/{key}/{channel}/{language}"


# --- the service: who, and the audit -------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_change_notification_settings(db, office, who):
    staff = office["people"][who]
    calls = [lambda: notice_overview(staff),
             lambda: set_channel(staff, "registered", "sms", False),
             lambda: wording_of(staff, "registered", "sms", "en", LANGUAGES),
             lambda: save_wording(staff, "registered", "sms", "en", "", "Hi {code}", LANGUAGES),
             lambda: reset_wording(staff, "registered", "sms", "en"),
             lambda: save_sms_settings(staff, True, 2)]
    for call in calls:
        with pytest.raises(NotAllowed) as refused:
            call()
        assert str(refused.value.message) == "Only an administrator may do this."
    assert db.session.scalar(select(func.count(NotificationRule.id))) == 0
    assert templates(db) == [] and audits(db) == []
    org = db.session.get(Organization, office["org"].id)
    assert (org.sms_without_diacritics, org.sms_max_segments) == (None, 3)  # not chosen


def test_the_overview_lists_every_notice_with_its_channels_and_wordings(db, office, admin,
                                                                        create_site):
    overview = notice_overview(admin)
    assert [notice.key for notice in overview] == list(NOTICES)
    assert NOTICE_NAMES.keys() == NOTICES.keys()
    assert len({str(name) for name in NOTICE_NAMES.values()}) == len(NOTICES)  # all told apart
    for notice in overview:
        assert str(notice.name) == str(NOTICE_NAMES[notice.key])
        for channel, state in notice.channels.items():
            default = channel in NOTICES[notice.key].channels
            assert (state.enabled, state.default, state.own_wording) == (default, default,
                                                                         frozenset())
    by_key = {notice.key: notice for notice in overview}
    assert str(by_key["received.web"].name) == "Received online"
    assert str(by_key["due_soon"].name) == "Overdue warning"
    assert by_key["received.desk"].channels["sms"].enabled is False
    # Another organisation's choices stay its own.
    stranger = create_site(key="other").organization
    db.session.add_all([
        NotificationRule(organization_id=stranger.id, event_key="registered", channel="sms",
                         enabled=False),
        NotificationTemplate(organization_id=stranger.id, event_key="registered", channel="sms",
                             language="vi", body="Foreign {code}")])
    db.session.commit()
    set_channel(admin, "closed", "sms", True)
    save_wording(admin, "closed", "sms", "ru", "", "Закрыто {code}", LANGUAGES)
    save_wording(admin, "closed", "sms", "fa", "", "بسته شد {code}", LANGUAGES)
    by_key = {notice.key: notice for notice in notice_overview(admin)}
    assert by_key["registered"].channels["sms"].enabled is True
    assert by_key["registered"].channels["sms"].own_wording == frozenset()
    closed = by_key["closed"].channels["sms"]
    assert (closed.enabled, closed.default, closed.own_wording) == (True, False,
                                                                    frozenset({"ru", "fa"}))


def test_a_channel_switch_changes_where_the_notice_goes_and_is_audited(db, office, admin,
                                                                       received, commits):
    request = received(answers=dict(CONTACTS))
    assert channels_for(request, "registered") == {"email", "sms", "inbox"}
    before = len(commits)
    assert set_channel(admin, "registered", "sms", False) is True
    assert len(commits) - before == 1
    assert channels_for(request, "registered") == {"email", "inbox"}
    entry, = audits(db, "notice_channel")
    assert (entry.organization_id, entry.staff_user_id, entry.request_id) == (
        office["org"].id, admin.id, None)
    assert entry.before == {"event_key": "registered", "channel": "sms", "enabled": True}
    assert entry.after == {"event_key": "registered", "channel": "sms", "enabled": False}
    # Already off: nothing to change, nothing to record.
    assert set_channel(admin, "registered", "sms", False) is False
    assert len(audits(db, "notice_channel")) == 1
    # On again (the rule row is updated, not duplicated), and SMS for a notice without it.
    assert set_channel(admin, "registered", "sms", True) is True
    assert set_channel(admin, "closed", "sms", True) is True
    assert channels_for(request, "registered") == {"email", "sms", "inbox"}
    assert channels_for(request, "closed") == {"email", "sms", "inbox"}
    assert set_channel(admin, "registered", "email", False) is True
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    compose_promised()
    queued = db.session.scalars(select(OutboxItem.channel).where(
        OutboxItem.request_id == request.id)).all()
    assert queued == ["sms"]
    assert db.session.scalar(select(func.count(NotificationRule.id))) == 3
    assert len(audits(db, "notice_channel")) == 4


@pytest.mark.parametrize("key, channel", [("nothing", "sms"), ("registered", "fax"),
                                          ("", "email"), ("registered", "")])
def test_an_unknown_notice_or_channel_is_refused(db, admin, key, channel):
    for call in (lambda: set_channel(admin, key, channel, True),
                 lambda: save_wording(admin, key, channel, "en", "", "Hi {code}", LANGUAGES),
                 lambda: reset_wording(admin, key, channel, "en"),
                 lambda: wording_of(admin, key, channel, "en", LANGUAGES)):
        with pytest.raises(NotAllowed) as refused:
            call()
        assert str(refused.value.message) == "There is no such notice or channel."
    assert audits(db) == []


# --- the service: wordings -----------------------------------------------------------------

ALLOWED_REGISTERED = "It may use: {code}, {due}, {form}, {number}, {organisation}."


@pytest.mark.parametrize("body, named", [
    ("Hello {name}, your request {code}", "{name}"),
    ("{code.__class__} is here", "{code.__class__}"),
    ("{code.__class__.__mro__} and {form[0]}", "{code.__class__.__mro__}, {form[0]}"),
    ("Your code {code!r}", "{code!r}"),
    ("Due {due:>40}", "{due:>40}"),
    ("Your code {} and {0}", "{}, {0}"),
    ("Refused: {reason}", "{reason}"),  # a placeholder of another notice
    ("{ code }", "{ code }"),
    ("{nope} {nope}", "{nope}"),
])
def test_an_unknown_placeholder_is_refused_by_name_and_nothing_is_saved(db, admin, commits,
                                                                        body, named):
    before = len(commits)
    with pytest.raises(WordingRefused) as refused:
        save_wording(admin, "registered", "sms", "en", "", body, LANGUAGES)
    message = str(refused.value.problems["body"])
    assert message == f"Not a placeholder of this notice: {named}. {ALLOWED_REGISTERED}"
    assert str(refused.value.message) == message
    assert templates(db) == [] and audits(db) == [] and len(commits) == before


@pytest.mark.parametrize("body", ["Your request {code", "Your request code}", "{{code}",
                                  "Your {code!} request", "{code:{due}"])
def test_unbalanced_braces_are_refused(db, admin, body):
    with pytest.raises(WordingRefused) as refused:
        save_wording(admin, "registered", "email", "en", "Hi", body, LANGUAGES)
    assert str(refused.value.problems["body"]) == (
        "The braces do not match: write each placeholder as its name between { and }, with "
        "nothing else inside. This notice may use: {code}, {due}, {form}, {number}, "
        "{organisation}.")
    assert templates(db) == [] and audits(db) == []


def test_the_subject_is_checked_for_e_mail_and_ignored_for_sms(db, admin):
    with pytest.raises(WordingRefused) as refused:
        save_wording(admin, "refused", "email", "en", "About {code.__class__}",
                     "Refused: {reasons}", LANGUAGES)
    assert refused.value.problems.keys() == {"subject", "body"}
    assert str(refused.value.problems["subject"]) == (
        "Not a placeholder of this notice: {code.__class__}. It may use: {code}, {due}, {form}, "
        "{number}, {organisation}, {reason}.")
    assert "{reasons}" in str(refused.value.problems["body"])
    with pytest.raises(WordingRefused) as refused:
        save_wording(admin, "registered", "email", "en", "x" * 301, "Hi {code}", LANGUAGES)
    assert str(refused.value.problems["subject"]) == (
        "The subject may have at most 300 characters; this one has 301.")
    assert templates(db) == []
    sms = save_wording(admin, "registered", "sms", "en", "{not checked}", "Hi {code}", LANGUAGES)
    assert (sms.subject, sms.body) == ("", "Hi {code}")
    email = save_wording(admin, "registered", "email", "en", "  Request\r\n {code}  ",
                         "Hi {code}", LANGUAGES)
    assert email.subject == "Request {code}"  # one line: it becomes a mail header


@pytest.mark.parametrize("body, message", [
    ("", "Please write the text of the message."),
    (" \r\n\t ", "Please write the text of the message."),
    ("x" * (MAX_BODY + 1), "The text may have at most 1000 characters; this one has 1001."),
])
def test_the_text_is_required_and_limited(db, admin, body, message):
    with pytest.raises(WordingRefused) as refused:
        save_wording(admin, "registered", "sms", "en", "", body, LANGUAGES)
    assert str(refused.value.problems["body"]) == message
    assert templates(db) == []
    assert save_wording(admin, "registered", "sms", "en", "", "y" * MAX_BODY, LANGUAGES)


def test_a_wording_only_in_the_languages_offered(db, admin):
    with pytest.raises(NotAllowed) as refused:
        save_wording(admin, "registered", "sms", "de", "", "Hallo {code}", LANGUAGES)
    assert str(refused.value.message) == (
        "Wordings can be written only in the languages this service offers.")
    with pytest.raises(NotAllowed):
        wording_of(admin, "registered", "sms", "de", LANGUAGES)
    assert templates(db) == []


def test_a_saved_wording_is_what_the_next_message_says(db, office, admin, received, commits):
    request = received(answers=dict(CONTACTS))
    default_subject = compose(request, "registered", "email", {})[0]
    before = len(commits)
    saved = save_wording(admin, "registered", "sms", "en", "",
                         "  {organisation}: request {code} is\r\nnumber {number}.  ", LANGUAGES)
    assert len(commits) - before == 1
    first = saved.body
    assert first == "{organisation}: request {code} is\nnumber {number}."  # LF, trimmed
    save_wording(admin, "registered", "email", "en", "Registered as {number}",
                 "Dear person, {code} is registered.", LANGUAGES)
    vietnamese = received(answers=dict(CONTACTS), language="vi")
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    workflow.register_request(office["people"]["op"], vietnamese.id, vietnamese.lock_version)
    compose_promised()
    items = {(item.request_id, item.channel): item for item in db.session.scalars(
        select(OutboxItem).where(OutboxItem.event_id.is_not(None)))}
    number, code = db.session.get(Request, request.id).journal_number, codes.display(request.code)
    assert items[(request.id, "sms")].body_text == f"Org test: request {code} is\nnumber {number}."
    email = items[(request.id, "email")]
    assert email.subject == f"Registered as {number}"
    assert email.body_text.startswith(f"Dear person, {code} is registered.\n\n")
    assert "Dear person" in email.body_html
    # The Vietnamese person still reads the Vietnamese default.
    assert "request" not in items[(vietnamese.id, "sms")].body_text
    entry, _second = audits(db, "notice_wording")
    assert entry.before == {"event_key": "registered", "channel": "sms", "language": "en"}
    assert entry.after == {"event_key": "registered", "channel": "sms", "language": "en",
                           "subject": "", "body": first}
    # Saving the same again changes nothing; a change updates the row and records what it was.
    save_wording(admin, "registered", "sms", "en", "", first, LANGUAGES)
    assert len(audits(db, "notice_wording")) == 2
    save_wording(admin, "registered", "sms", "en", "", "New {code}", LANGUAGES)
    assert len(templates(db)) == 2
    latest = audits(db, "notice_wording")[-1]
    assert latest.before["body"] == first and latest.after["body"] == "New {code}"
    assert compose(request, "registered", "sms", {})[1] == f"New {code}"
    assert compose(request, "registered", "email", {})[0] == f"Registered as {number}"
    assert default_subject == f"Request {code} registered"


def test_the_editor_shows_the_default_in_its_language_until_there_is_an_own_wording(db, admin):
    wording = wording_of(admin, "refused", "email", "vi", LANGUAGES)
    with force_locale("vi"):
        assert (wording.subject, wording.body) == (str(NOTICES["refused"].subject),
                                                   str(NOTICES["refused"].body))
    assert wording.own is False
    assert wording.placeholders == ("code", "due", "form", "number", "organisation", "reason")
    # A Vietnamese organisation that has not chosen: without diacritics, by default.
    assert (wording.without_diacritics, wording.max_segments) == (True, 3)
    save_wording(admin, "refused", "email", "vi", "", "Từ chối {code}: {reason}", LANGUAGES)
    wording = wording_of(admin, "refused", "email", "vi", LANGUAGES)
    assert wording.own and wording.body == "Từ chối {code}: {reason}"
    with force_locale("vi"):
        assert wording.subject == str(NOTICES["refused"].subject)  # empty: the default's
    assert wording_of(admin, "refused", "sms", "vi", LANGUAGES).subject == ""


def test_reset_returns_to_the_translated_default(db, office, admin, received, commits):
    request = received(answers=dict(CONTACTS))
    default = compose(request, "registered", "sms", {})
    save_wording(admin, "registered", "sms", "en", "", "Own {code}", LANGUAGES)
    assert compose(request, "registered", "sms", {}) != default
    before = len(commits)
    assert reset_wording(admin, "registered", "sms", "en") is True
    assert len(commits) - before == 1
    assert compose(request, "registered", "sms", {}) == default
    assert templates(db) == []
    entry, = audits(db, "notice_wording_reset")
    assert entry.before == {"event_key": "registered", "channel": "sms", "language": "en",
                            "subject": "", "body": "Own {code}"}
    assert entry.after == {"event_key": "registered", "channel": "sms", "language": "en"}
    assert reset_wording(admin, "registered", "sms", "en") is False
    assert len(audits(db, "notice_wording_reset")) == 1


# --- the service: SMS settings -------------------------------------------------------------

def test_sms_settings_are_saved_audited_and_used(db, office, admin, received, commits):
    request = received(answers=dict(CONTACTS))
    save_wording(admin, "registered", "sms", "en", "", "Hồ sơ {code} đã được tiếp nhận – cảm ơn",
                 LANGUAGES)
    before = len(commits)
    assert save_sms_settings(admin, True, 1) is True
    assert len(commits) - before == 1
    org = db.session.get(Organization, office["org"].id)
    assert (org.sms_without_diacritics, org.sms_max_segments) == (True, 1)
    entry, = audits(db, "sms_settings")
    assert entry.before == {"sms_without_diacritics": True, "sms_max_segments": 3}  # by default
    assert entry.after == {"sms_without_diacritics": True, "sms_max_segments": 1}
    body = compose(request, "registered", "sms", {})[1]
    assert body.startswith("Ho so ") and body.endswith(" da duoc tiep nhan - cam on")
    assert save_sms_settings(admin, True, 1) is False
    assert len(audits(db, "sms_settings")) == 1
    for bad in (0, 11, -1, True, "3", None, 2.0):
        with pytest.raises(NotAllowed) as refused:
            save_sms_settings(admin, False, bad)
        assert str(refused.value.message) == "An SMS may have from 1 to 10 parts."
    org = db.session.get(Organization, office["org"].id)
    assert (org.sms_without_diacritics, org.sms_max_segments) == (True, 1)
    assert save_sms_settings(admin, False, 10) is True


# --- the pages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_know_the_settings_pages(client, db, office, who):
    sign_in(client, office["people"][who])
    for url in (SETTINGS, wording_url(), wording_url("refused", "email", "vi")):
        page = client.get(url)
        assert page.status_code == 404 and "Page not found" in html_of(page), url
    for url, data in ((f"{SETTINGS}/registered/sms", {"enabled": "0"}),
                      (f"{SETTINGS}/sms", {"max_segments": "2"}),
                      (wording_url(), {"body": "Hi {code}"}),
                      (f"{wording_url()}/default", {})):
        assert client.post(url, data=data).status_code == 404, url
    assert templates(db) == [] and audits(db) == []
    assert SETTINGS not in html_of(client.get("/admin/"))  # no link in the header either


def test_the_settings_page_shows_every_notice_with_switches_and_wording_links(client, db,
                                                                              admin):
    save_wording(admin, "closed", "sms", "fa", "", "بسته شد {code}", LANGUAGES)
    sign_in(client, admin)
    page = client.get(SETTINGS)
    html = html_of(page)
    assert page.status_code == 200
    assert f'href="{SETTINGS}" aria-current="page">Notifications</a>' in html
    for key in NOTICES:
        assert f'<th scope="row" id="name-{key}">{escape(NOTICE_NAMES[key])}</th>' in html, key
        for channel in ("email", "sms"):
            assert f'action="{SETTINGS}/{key}/{channel}"' in html
            for language in LANGUAGES:
                assert f'href="{wording_url(key, channel, language)}"' in html
        # The box is switched, not worded: it shows the e-mail's wording.
        assert f'action="{SETTINGS}/{key}/inbox"' in html
        assert f'href="{wording_url(key, "inbox", "en")}"' not in html
    row = html[html.index('id="notice-received.desk"'):html.index('id="notice-registered"')]
    assert row.count("Turn on") == 1 and row.count("Turn off") == 2  # no SMS at the desk
    closed = html[html.index('id="notice-closed"'):html.index('id="notice-letter_issued"')]
    assert closed.count("own wording") == 1
    assert f'href="{wording_url("closed", "sms", "fa")}" lang="fa"' in closed
    assert 'name="without_diacritics" value="1" checked' in html  # Vietnam's default
    assert 'name="max_segments" min="1" max="10" step="1" required value="3"' in html
    # three per notice, the two sign-out forms and the header's language switcher
    assert html.count('name="csrf_token"') == 3 * len(NOTICES) + 3


def test_switching_a_channel_on_the_page(client, db, office, admin, received):
    request = received(answers=dict(CONTACTS))
    sign_in(client, admin)
    done = client.post(f"{SETTINGS}/registered/sms", data={"enabled": "0"})
    assert done.status_code == 302 and done.location == f"{SETTINGS}#notice-registered"
    assert channels_for(request, "registered") == {"email", "inbox"}
    html = html_of(client.get(done.location))
    assert "The notification settings are saved." in html
    row = html[html.index('id="notice-registered"'):html.index('id="notice-assigned"')]
    assert row.count("Turn on") == 1 and row.count("Turn off") == 2
    client.post(f"{SETTINGS}/registered/sms", data={"enabled": "1"})
    assert channels_for(request, "registered") == {"email", "sms", "inbox"}
    refused = client.post(f"{SETTINGS}/nothing/sms", data={"enabled": "1"})
    assert refused.status_code == 422
    assert "There is no such notice or channel." in html_of(refused)
    assert len(audits(db, "notice_channel")) == 2


def test_the_sms_settings_form(client, db, office, admin):
    sign_in(client, admin)
    done = client.post(f"{SETTINGS}/sms", data={"without_diacritics": "1", "max_segments": "2"})
    assert done.status_code == 302 and done.location == f"{SETTINGS}#sms-settings"
    assert "The SMS settings are saved." in html_of(client.get(done.location))
    org = db.session.get(Organization, office["org"].id)
    assert (org.sms_without_diacritics, org.sms_max_segments) == (True, 2)
    for typed in ("abc", "0", "11", "", "-1", "٣", "1" * 40):
        refused = client.post(f"{SETTINGS}/sms", data={"max_segments": typed})
        html = html_of(refused)
        assert refused.status_code == 422, typed
        assert '<p class="error" id="problem-max_segments">An SMS may have from 1 to 10 parts.' \
            in html
        assert f'value="{escape(typed)}" aria-describedby="max-segments-help problem-max_segments"' \
            in html
    org = db.session.get(Organization, office["org"].id)
    assert (org.sms_without_diacritics, org.sms_max_segments) == (True, 2)
    client.post(f"{SETTINGS}/sms", data={"max_segments": "3"})  # unticked: with diacritics
    assert db.session.get(Organization, office["org"].id).sms_without_diacritics is False


def test_the_editor_shows_the_default_text_placeholders_and_sms_figures(client, db, admin):
    admin.organization.sms_without_diacritics = False  # turned on: counted as written
    db.session.commit()
    sign_in(client, admin)
    html = html_of(client.get(wording_url("refused", "sms", "vi")))
    body = default_body("refused", "vi")
    assert f'lang="vi" dir="ltr" aria-describedby="body-help">{escape(body)}</textarea>' in html
    assert 'name="subject"' not in html
    assert "This is the default wording." in html and "Back to the default wording" not in html
    for name in ("code", "due", "form", "number", "organisation", "reason"):
        assert f'<code dir="ltr">{{{name}}}</code>' in html
    assert "{amount}" not in html
    assert '<script src="/admin/static/sms-counter.js" defer></script>' in html
    info = sms_text.analyse(body)
    assert info.encoding == "UCS-2"
    for name in ("encoding", "length", "segments", "per_segment"):
        assert f'data-sms="{name}">{getattr(info, name)}</dd>' in html
    assert 'aria-live="polite"' in html and "placeholders count as written" in html
    assert f'href="{SETTINGS}" aria-current="true">Notifications</a>' in html
    persian = html_of(client.get(wording_url("refused", "email", "fa")))
    assert 'name="subject"' in persian and 'lang="fa" dir="rtl"' in persian
    assert "sms-counter.js" not in persian and "data-sms-counter" not in persian
    for url in (wording_url("nothing"), wording_url(channel="fax"), wording_url(language="de"),
                f"{wording_url()}/more"):
        assert client.get(url).status_code == 404, url


def test_the_editor_counts_sms_without_diacritics_when_the_organisation_sends_them_so(
        client, admin):
    save_sms_settings(admin, True, 1)
    text = "Hồ sơ {code} của bạn đã được tiếp nhận. " * 3
    save_wording(admin, "registered", "sms", "vi", "", text, LANGUAGES)
    sign_in(client, admin)
    html = html_of(client.get(wording_url(language="vi")))
    info = sms_text.analyse(sms_text.strip_diacritics(text.strip()))
    assert (info.encoding, info.segments) == ("GSM-7", 1)
    assert f'data-sms="length">{info.length}</dd>' in html
    assert 'data-strip="1" data-max-segments="1"' in html
    assert "Diacritics are left out before counting" in html
    assert '<p class="error" data-sms="over" hidden>' in html
    over = client.post(wording_url(language="vi"), data={"body": text * 2})
    assert over.status_code == 302
    html = html_of(client.get(over.location))
    assert '<p class="error" data-sms="over">Longer than the 1 part your organisation' in html


def test_saving_refusing_and_resetting_a_wording_on_the_page(client, db, office, admin,
                                                            received):
    request = received(answers=dict(CONTACTS))
    sign_in(client, admin)
    url = wording_url("registered", "email", "en")
    refused = client.post(url, data={"subject": "About {code.__class__}",
                                     "body": "Dear {name},\r\nyour request {code}"})
    html = html_of(refused)
    assert refused.status_code == 422
    assert ('<p class="error" id="problem-subject">Not a placeholder of this notice: '
            '{code.__class__}. It may use: ') in html
    assert '<p class="error" id="problem-body">Not a placeholder of this notice: {name}.' in html
    assert 'value="About {code.__class__}"' in html  # what was typed stays
    assert ">Dear {name},\r\nyour request {code}</textarea>" in html
    assert 'aria-invalid="true"' in html and "The wording is not saved" in html
    assert templates(db) == []
    done = client.post(url, data={"subject": "Number {number}", "body": "Registered: {code}"})
    assert done.status_code == 302 and done.location == url
    html = html_of(client.get(url))
    assert "The wording is saved: the next messages use it." in html
    assert "This is your organisation's own wording." in html
    assert 'value="Number {number}"' in html and ">Registered: {code}</textarea>" in html
    assert f'action="{url}/default"' in html
    assert compose(request, "registered", "email", {})[0].startswith("Number ")
    overview = html_of(client.get(SETTINGS))
    row = overview[overview.index('id="notice-registered"'):overview.index('id="notice-assigned"')]
    assert row.count("own wording") == 1
    reset = client.post(f"{url}/default")
    assert reset.status_code == 302 and reset.location == url
    html = html_of(client.get(url))
    assert "The default wording applies again." in html and "This is the default wording." in html
    assert f">{escape(default_body('registered', 'en'))}</textarea>" in html
    assert templates(db) == []
    assert [entry.action for entry in audits(db)] == ["notice_wording", "notice_wording_reset"]
    assert client.post(f"{wording_url(language='de')}/default").status_code == 404
    assert client.post(wording_url("nothing"), data={"body": "x"}).status_code == 404
    assert client.post(wording_url(language="de"), data={"body": "x"}).status_code == 404


def test_csrf_token_is_required(client, app, db, admin):
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    posts = [(f"{SETTINGS}/registered/sms", {"enabled": "0"}),
             (f"{SETTINGS}/sms", {"max_segments": "2"}),
             (wording_url(), {"body": "Hi {code}"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert templates(db) == [] and audits(db) == []
    token = CSRF_INPUT.search(html_of(client.get(SETTINGS))).group(1)
    for url, data in posts:
        assert client.post(url, data=data | {"csrf_token": token}).status_code == 302, url
    assert client.post(f"{wording_url()}/default").status_code == 400
    assert len(templates(db)) == 1
    assert client.post(f"{wording_url()}/default", data={"csrf_token": token}).status_code == 302
    assert templates(db) == []


def test_what_administrators_type_is_shown_as_text(client, db, admin):
    sign_in(client, admin)
    body = f"{HOSTILE[0]} {{code}} {HOSTILE[1]}"
    assert client.post(wording_url(), data={"body": body}).status_code == 302
    html = html_of(client.get(wording_url()))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert f">{escape(body)}</textarea>" in html
    # A placeholder's name is quoted in the refusal: still text, though the message is lazy.
    refused = client.post(wording_url("registered", "email", "en"), data={
        "subject": "{<script>alert(1)</script>}", "body": "{<img src=x onerror=alert(1)>}"})
    html = html_of(refused)
    assert refused.status_code == 422
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "{&lt;img src=x onerror=alert(1)&gt;}. It may use" in html
    assert "{&lt;script&gt;alert(1)&lt;/script&gt;}. It may use" in html


def test_the_counter_script_knows_the_alphabets_of_sms_text():
    """The browser's counter carries copies of sms_text's tables: they must not drift apart."""
    script = (ROOT / "admin" / "static" / "sms-counter.js").read_text(encoding="utf-8")

    def js_string(name: str) -> str:
        return json.loads(re.search(rf'var {name} = ("(?:[^"\\]|\\.)*");', script).group(1))
    assert set(js_string("GSM_BASIC")) == sms_text._GSM_BASIC
    assert len(js_string("GSM_BASIC")) == len(sms_text._GSM_BASIC)
    assert set(js_string("GSM_EXTENSION")) == sms_text._GSM_EXTENSION
    assert sms_text._LIMITS == {"GSM-7": (160, 153), "UCS-2": (70, 67)}
    assert 'var LIMITS = {"GSM-7": [160, 153], "UCS-2": [70, 67]};' in script
    equivalents = json.loads(re.search(r"var GSM_EQUIVALENTS = (\{.*?\});", script, re.S).group(1))
    assert equivalents == sms_text.GSM_EQUIVALENTS
    assert js_string("GSM_DROPPED_IF_ALONE") == sms_text.GSM_DROPPED_IF_ALONE
    strokes = json.loads(re.search(r"var STROKES = (\{.*?\});", script, re.S).group(1))
    assert {ord(key): value for key, value in strokes.items()} == sms_text._STROKES
    ranges = [(int(a, 16), int(b, 16)) for a, b in re.findall(
        r"\[0x([0-9A-F]+), 0x([0-9A-F]+)\]", re.search(r"var LATIN = (\[.*?\]\]);", script,
                                                       re.S).group(1))]
    latin = {cp for start, end in ranges for cp in range(start, end + 1)}
    # Within what Python's Unicode version names: newer names a browser knows change nothing here.
    assert latin == {cp for cp in range(0x110000)
                     if unicodedata.name(chr(cp), "").startswith("LATIN ")}


def test_notice_settings_pages_are_valid_html(client, db, office, admin, tmp_path):
    sign_in(client, admin)
    save_wording(admin, "closed", "sms", "vi", "", "Đã đóng {code}", LANGUAGES)
    pages = {"settings": client.get(SETTINGS),
             "settings fa": client.get(SETTINGS, headers={"Accept-Language": "fa"}),
             "switch refused": client.post(f"{SETTINGS}/nothing/sms", data={"enabled": "1"}),
             "sms refused": client.post(f"{SETTINGS}/sms", data={"max_segments": "99"}),
             "sms wording": client.get(wording_url("refused", "sms", "vi")),
             "own sms wording": client.get(wording_url("closed", "sms", "vi")),
             "email wording fa": client.get(wording_url("refused", "email", "fa"),
                                            headers={"Accept-Language": "fa"}),
             "wording refused": client.post(wording_url("reminder", "email", "ru"), data={
                 "subject": "{date.year}", "body": "{x"}),
             "not found": client.get(wording_url("nothing"))}
    done = client.post(wording_url("due_soon", "sms", "en"), data={"body": "Late {code} " * 40})
    pages["saved"] = client.get(done.location)
    expected = {"switch refused": 422, "sms refused": 422, "wording refused": 422,
                "not found": 404}
    assert {name: page.status_code for name, page in pages.items()} == {
        name: expected.get(name, 200) for name in pages}
    assert html_errors({name: html_of(response) for name, response in pages.items()},
                       tmp_path) == []


def test_every_placeholder_is_explained_in_the_editor():
    from admin.notices import PLACEHOLDERS
    from widget.notify.catalog import ALL_PLACEHOLDERS
    assert PLACEHOLDERS.keys() == ALL_PLACEHOLDERS
