"""Which events tell the person what, on which channel, in which words: the default rules (seed
000's SMS situations), per-form and per-organisation settings, the person's language, the
organisation's own wording, and rows written in the same transaction as the change."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import format_decimal
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

import widget.services.workflow as workflow
from tests import backoffice
from tests.conftest import form_token
from widget import codes
from tests.notices import compose_promised
from widget.models import (EventKind, NotificationRule, NotificationTemplate, OutboxItem,
                           RequestStatus as S)
from widget.notify import sms_text
from widget.notify.catalog import COMMON, NOTICES, notice_key
from widget.i18n import format_day, format_due, reading_as
from widget.notify.account_notices import MESSAGES, compose_account_message
from widget.notify.compose import TemplateError, empty_values, fill, render_notice, template_problems
from widget.services import fees, messaging
from widget.services.access import Conflict

clock, office, received = backoffice.clock, backoffice.office, backoffice.received
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}


def rows(db, request=None) -> list[OutboxItem]:
    """The outbox rows, once the worker composed what the changes promised."""
    compose_promised()
    query = select(OutboxItem).order_by(OutboxItem.id)
    if request is not None:
        query = query.where(OutboxItem.request_id == request.id)
    return list(db.session.scalars(query))


def by_channel(items) -> dict[str, OutboxItem]:
    return {item.channel: item for item in items}


@pytest.fixture
def reachable(received):
    """A received request whose person gave an e-mail address and a mobile number."""
    def make(language="en"):
        return received(answers=dict(CONTACTS), language=language)
    return make


# --- the default rules ---------------------------------------------------------------------

def test_sending_online_queues_an_email_and_an_sms_in_the_persons_language(client, db, office):
    form = office["forms"]["HN"]
    page = client.get(f"/w/test/vi/f/{form.slug}").get_data(as_text=True)
    response = client.post(f"/w/test/vi/f/{form.slug}", data={
        "form_token": form_token(page), "name": "Lan", "email": "lan@example.org",
        "phone": "0912 345 678"})
    assert response.status_code == 200
    email, sms = by_channel(rows(db)).values()
    assert (email.recipient, sms.recipient) == ("lan@example.org", "+84912345678")
    assert email.language == sms.language == "vi"
    code = email.request.code
    assert f"{code[:4]}-{code[4:8]}" in sms.body_text
    # Vietnamese, as a Vietnamese organisation's SMS are by default: no diacritics, a short date.
    assert re.search(r"Han tra loi: \d\d/\d\d \d\d:\d\d\.$", sms.body_text), sms.body_text
    assert "we received" not in sms.body_text  # in Vietnamese, not English
    assert email.subject and email.body_html.startswith("<!doctype html>")
    assert '<html lang="vi" dir="ltr">' in email.body_html
    assert email.event.kind == "received"


def test_english_texts_fill_every_placeholder(db, reachable, office, clock):
    request = reachable()
    clock("2026-10-16 10:00")  # the journal number carries the year it is registered in
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    email, sms = by_channel(rows(db, request)).values()
    assert email.subject.startswith("Request ") and email.subject.endswith(" registered")
    assert "HN-2026-000001" in sms.body_text and "{" not in sms.body_text + email.body_text
    assert "Org test" in sms.body_text and "October 23, 2026" in email.body_text
    assert sms.body_text.endswith("due by 23/10 17:00.")  # a Vietnamese organisation's short date
    assert "/w/test/en/track#" in email.body_text and "Please do not answer it" in email.body_text


def test_a_request_entered_at_the_desk_gets_no_sms(db, office):
    from widget.models import Channel
    from widget.services.submission import Policy
    from widget.services.submit import file_on_behalf
    from widget.uploads import LocalFileStore, UploadLimits
    from flask import current_app
    store = LocalFileStore(current_app.config["FRONTDESK_UPLOAD_DIR"])
    for channel, expected in ((Channel.DESK, {"email"}), (Channel.POST, {"email", "sms"})):
        result = file_on_behalf(office["people"]["op"], office["forms"]["HN"], channel, "ru",
                                {k: [v] for k, v in CONTACTS.items()}, [],
                                Policy(UploadLimits(1000, 1, 1000), 0, store))
        sent = rows(db, result.request)
        assert {item.channel for item in sent} == expected
        assert all(item.language == "ru" for item in sent)


@pytest.mark.parametrize("setting", ["sms_enabled", "same_day"])
def test_forms_without_sms_or_settled_the_same_day_send_no_sms(db, office, reachable, setting):
    form = office["forms"]["HN"]
    setattr(form, setting, setting == "same_day")
    db.session.commit()
    request = reachable()
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    assert [item.channel for item in rows(db, request)] == ["email"]


def test_each_staff_action_tells_the_person_what_happened(db, office, reachable, clock):
    op = office["people"]["op"]
    request = reachable()
    clock("2026-10-16 10:00")
    steps = [
        (lambda: workflow.register_request(op, request.id, request.lock_version), "HN-2026-000001"),
        (lambda: fees.request_fee(op, request.id, request.lock_version, "50000"), "50"),
        (lambda: fees.mark_fee_paid(op, request.id, request.lock_version, "BL-77"), "BL-77"),
        (lambda: workflow.start_work(op, request.id, request.lock_version), None),
        (lambda: workflow.pause_request(op, request.id, request.lock_version, "third_party",
                                        "Asked the land office"), "another authority"),
        (lambda: workflow.resume_request(op, request.id, request.lock_version), "resumed"),
        (lambda: messaging.add_internal_note(op, request.id, "SECRET note"), None),
        (lambda: fees.record_post_sent(op, request.id, request.lock_version, "EE123456789VN"),
         "EE123456789VN"),
        (lambda: workflow.mark_result_ready(op, request.id, request.lock_version, "post"), "by post"),
        (lambda: workflow.close_request(op, request.id, request.lock_version), "closed"),
    ]
    for action, phrase in steps:
        before = len(rows(db, request))
        action()
        new = rows(db, request)[before:]
        if phrase is None:
            assert new == []  # work started and internal notes tell the person nothing
        else:
            assert new and all(phrase in item.body_text for item in new), phrase
    assert all("SECRET" not in item.body_text for item in rows(db, request))
    assert {item.channel for item in rows(db, request) if "closed" in item.body_text} == {"email"}


def test_refusal_reason_and_letter_title_reach_the_person(db, office, reachable):
    op = office["people"]["op"]
    request = reachable(language="fa")
    workflow.refuse_request(op, request.id, request.lock_version, "خارج از صلاحیت این واحد")
    refused = by_channel(rows(db, request))
    assert "خارج از صلاحیت این واحد" in refused["sms"].body_text
    assert '<html lang="fa" dir="rtl">' in refused["email"].body_html


def test_a_refused_change_queues_nothing(db, office, reachable):
    request = reachable()
    with pytest.raises(Conflict):
        workflow.register_request(office["people"]["op"], request.id, request.lock_version + 1)
    assert rows(db) == []


def test_nobody_to_tell_means_no_rows(db, office, received):
    request = received()  # a name only: no e-mail, no phone
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    assert rows(db, request) == []


# --- organisation settings ------------------------------------------------------------------

def test_the_organisations_rules_switch_channels_on_and_off(db, office, reachable):
    org = office["org"]
    db.session.add_all([
        NotificationRule(organization_id=org.id, event_key="registered", channel="sms", enabled=False),
        NotificationRule(organization_id=org.id, event_key="closed", channel="sms", enabled=True)])
    db.session.commit()
    op = office["people"]["op"]
    request = reachable()
    workflow.register_request(op, request.id, request.lock_version)
    assert [item.channel for item in rows(db, request)] == ["email"]
    workflow.refuse_request(op, request.id, request.lock_version, "No")
    workflow.close_request(op, request.id, request.lock_version)
    assert [item.channel for item in rows(db, request)][-2:] == ["email", "sms"]


def test_the_organisations_own_wording_is_used_in_its_language(db, office, reachable, clock):
    clock("2026-10-16 10:00")  # the journal number carries the year it is registered in
    db.session.add(NotificationTemplate(
        organization_id=office["org"].id, event_key="registered", channel="sms", language="vi",
        body="So ho so {number}, han {due}"))
    db.session.commit()
    request = reachable(language="vi")
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    sms = by_channel(rows(db, request))["sms"]
    assert sms.body_text.startswith("So ho so HN-2026-000001, han ")


def test_sms_without_diacritics_and_capped_in_length(db, office, reachable):
    org = office["org"]
    org.sms_without_diacritics, org.sms_max_segments = True, 1
    db.session.commit()
    request = reachable(language="vi")
    workflow.refuse_request(office["people"]["op"], request.id, request.lock_version, "Lý do " * 80)
    sms = by_channel(rows(db, request))["sms"]
    assert sms_text.encoding(sms.body_text) == "GSM-7" and sms_text.segments(sms.body_text) == 1
    # The long reason gives way to the status page, which shows it whole.
    assert sms.body_text.endswith(f"/w/test/vi/track#{codes.display(request.code)}")


# --- templates ------------------------------------------------------------------------------

def test_every_default_wording_uses_only_its_own_placeholders(app):
    from flask_babel import force_locale
    for language in ("en", "vi", "fa", "ru"):
        with app.test_request_context(), force_locale(language):
            for key, notice in NOTICES.items():
                for text in (str(notice.subject), str(notice.body)):
                    assert template_problems(text, notice.placeholders) == [], (language, key)


@pytest.mark.parametrize("text, problems", [
    ("Code {code}", []),
    ("Code {cod}", ["cod"]),
    ("{code.__class__.__mro__}", ["code.__class__.__mro__"]),
    ("{code!r}", ["code"]),
    ("{code:>99999}", ["code"]),
    ("{0}", ["0"]),
    ("{}", ["{}"]),
    ("Unclosed {code", ["braces: expected '}' before end of string"]),
])
def test_an_organisations_wording_is_checked_before_use(text, problems):
    assert template_problems(text, COMMON) == problems


def test_a_bad_wording_never_renders_half(app):
    with pytest.raises(TemplateError):
        fill("{code} {secret}", {"code": "X"})
    assert fill("{code}  {note} ", {"code": "X", "note": ""}) == "X"


def test_every_public_event_gives_a_notice_or_is_silent_on_purpose():
    silent = {EventKind.DRAFT_SAVED, EventKind.CITIZEN_MESSAGE, EventKind.NOTE, EventKind.STARTED,
              # Staff are told of a transfer (widget.notify.staff_notices); the person's notice
              # of it comes with the transfer action.
              EventKind.TRANSFERRED}
    for kind in EventKind:
        key = notice_key(kind.value, {}, "web", S.IN_PROGRESS.value)
        assert (key is None) == (kind in silent), kind
        assert key is None or key in NOTICES


# --- time-based notices -----------------------------------------------------------------------

@pytest.mark.awkward_hours  # reads the day and the hour from the clock
def test_the_overdue_warning_goes_once_per_deadline(db, office, reachable):
    from datetime import timedelta

    from widget.models._types import utcnow
    from widget.notify.schedule import queue_due_soon_warnings
    now = utcnow()
    soon, later, paused = reachable(), reachable(), reachable()
    soon.due_at, later.due_at = now + timedelta(hours=2), now + timedelta(hours=5)
    paused.due_at, paused.status = now + timedelta(hours=1), S.PAUSED.value
    db.session.commit()
    assert queue_due_soon_warnings(3, now) == 1
    assert queue_due_soon_warnings(3, now) == 0  # never twice for one deadline
    warned = rows(db, soon)
    assert {item.channel for item in warned} == {"email", "sms"}
    assert all("not ready yet" in item.body_text for item in warned)
    assert rows(db, later) == rows(db, paused) == []
    soon.due_at = now + timedelta(hours=2, minutes=30)  # the deadline moved: a new warning
    db.session.commit()
    assert queue_due_soon_warnings(3, now) == 1


def test_a_date_reminder_goes_once_within_its_window(db, office, create_form, reachable):
    from datetime import date

    from widget.notify.schedule import queue_date_reminders
    form = office["forms"]["HN"]
    version = form.versions[0]
    from widget.models import Field
    version.fields.append(Field(position=9, key="expiry", type="date",
                                labels={"en": "Card expiry", "vi": "Hạn thẻ"}))
    form.reminder_field, form.reminder_days = "expiry", 7
    db.session.commit()
    request = reachable(language="vi")
    request.answers = {**request.answers, "expiry": "2026-12-31"}
    db.session.commit()
    assert queue_date_reminders(date(2026, 12, 23)) == 0  # eight days before: not yet
    assert queue_date_reminders(date(2026, 12, 24)) == 1
    assert queue_date_reminders(date(2026, 12, 25)) == 0
    sms = by_channel(rows(db, request))["sms"]
    assert "Han the" in sms.body_text and "31/12/2026" in sms.body_text
    assert queue_date_reminders(date(2027, 1, 1)) == 0  # past the date


@pytest.mark.parametrize("colour, shown", [("#7a1f5c", "#7a1f5c"), ("red;x:y", "#0b5cad"),
                                            ("url(x)", "#0b5cad")])
def test_emails_wear_the_organisations_colour_and_nothing_else(db, office, reachable, colour, shown):
    office["org"].theme_color = colour
    db.session.commit()
    request = reachable()
    workflow.register_request(office["people"]["op"], request.id, request.lock_version)
    html = by_channel(rows(db, request))["email"].body_html
    assert f"border-top:4px solid {shown};" in html and "url(x)" not in html and "x:y" not in html


@pytest.mark.awkward_hours  # "days before deletion" are read from the clock
def test_a_drafts_author_hears_before_it_is_deleted(db, office):
    from datetime import timedelta

    from widget import codes
    from widget.models import Request
    from widget.models._types import utcnow
    from widget.notify.schedule import queue_draft_expiry_notices
    now = utcnow()

    def draft(saved_days_ago, answers):
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          form_version_id=office["forms"]["HN"].versions[0].id, status="draft",
                          resume_code=codes.generate(), answers=answers, language="ru")
        db.session.add(request)
        db.session.commit()
        request.updated_at = now - timedelta(days=saved_days_ago)
        db.session.commit()
        return request
    due = draft(28, {"name": ["Ива"], "email": ["iva@example.org"], "phone": ["+79161234567"]})
    fresh = draft(10, {"email": ["new@example.org"]})
    gone = draft(31, {"email": ["old@example.org"]})
    silent = draft(28, {"name": ["Без адреса"]})
    assert queue_draft_expiry_notices(30, 3, now) == 2  # `due`, and `silent` (marked, nobody to tell)
    assert queue_draft_expiry_notices(30, 3, now) == 0
    told = rows(db, due)
    assert [item.channel for item in told] == ["email"]  # SMS only if the organisation wants it
    assert codes.display(due.resume_code) in told[0].body_text and told[0].language == "ru"
    assert rows(db, fresh) == rows(db, gone) == rows(db, silent) == []


# --- GSM-7 where the letters allow it -------------------------------------------------------

def test_an_english_receipt_sms_is_one_part(client, db, office, clock):
    """Babel writes "5:00\u202fPM" with a narrow no-break space, an administrator types a curly
    apostrophe: neither is GSM-7, which sent this 146-character English acknowledgement as three
    UCS-2 parts instead of one."""
    clock("2026-10-16 10:00")
    form = office["forms"]["HN"]
    form.titles = {**form.titles, "en": "Residents’ certificates for the households"}
    db.session.commit()
    page = client.get(f"/w/test/en/f/{form.slug}").get_data(as_text=True)
    client.post(f"/w/test/en/f/{form.slug}", data={
        "form_token": form_token(page), "name": "Lan", "phone": "0912 345 678"})
    sms = by_channel(rows(db))["sms"]
    assert "(Residents' certificates" in sms.body_text and "due by 23/10 17:00." in sms.body_text
    info = sms_text.analyse(sms.body_text)
    assert (info.encoding, info.segments) == ("GSM-7", 1)


SMS_NOTICES = sorted(key for key, notice in NOTICES.items() if "sms" in notice.channels)
# Names and wordings as people type them: Vietnamese, Persian (with its zero-width non-joiner),
# Russian, and the typography that has a GSM-7 equivalent.
typed = st.text(alphabet=st.sampled_from(
    "Lan Hồ Thị Đặng Ngọc O’Brien ‘x’ “Co” „Da“ «Ana» ‹b› — – ‐ ‑ − … • "
    "Жанна Ёлка مریم می\u200cخواهم \u00a0\u202f\u2009\u3000\u200b\ufeff\u00ad\t\u200f"), max_size=25)
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2070, 12, 31),
                       timezones=st.just(timezone.utc))
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999"), places=2)
tracking_codes = st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZ0123456789-", min_size=4, max_size=19)
READERS = [("en", False), ("vi", False), ("vi", True), ("fa", False), ("ru", False)]


def needs_ucs2(text: str) -> bool:
    """A character outside GSM-7 that is a letter, a mark or a digit: no GSM-7 equivalent."""
    return any(unicodedata.category(c)[0] in "LMN" and sms_text.encoding(c) != "GSM-7"
               for c in text)


@settings(derandomize=True, max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reader=st.sampled_from(READERS), kind=st.sampled_from(SMS_NOTICES + sorted(MESSAGES)),
       name=typed, title=typed, moment=moments, amount=amounts, code=tracking_codes,
       segments=st.integers(1, 10))
def test_every_sms_is_gsm7_when_its_letters_allow_it(db, office, reader, kind, name, title,
                                                      moment, amount, code, segments):
    """Every notice and account message in every language, with the dates, amounts and names
    the real formats give: the stored SMS is normalised, and UCS-2 only for a letter."""
    language, without_diacritics = reader
    org = office["org"]
    org.sms_without_diacritics, org.sms_max_segments = without_diacritics, segments
    with reading_as(language, "Asia/Ho_Chi_Minh"):
        day = format_day(moment.date())
        if kind in NOTICES:
            values = empty_values() | {
                "organisation": name, "form": title, "code": code, "number": code,
                "due": format_due(moment), "amount": format_decimal(amount, format="#,##0.##"),
                "date": day, "field": title, "note": title, "reason": title, "title": title,
                "receipt": code, "item_number": code, "codes": f"{code}, {code}"}
            body = render_notice(org, kind, "sms", language, values, "")[1]
        else:
            values = {"organisation": name, "otp": code[:6], "code": code, "minutes": "15",
                      "detail": title, "note": f"{title} {day}"}
            body = compose_account_message(org, kind, "sms", language, values)[1]
    # Normalised before it is cut: a UCS-2 cut ends with "…", one unit instead of three.
    kept = body.removesuffix("…")
    assert sms_text.to_gsm(kept) == kept
    is_gsm = all(c in sms_text._GSM_BASIC or c in sms_text._GSM_EXTENSION for c in body)
    assert (sms_text.encoding(body) == "GSM-7") == is_gsm
    # UCS-2 only where a letter has no GSM-7 equivalent (a space or a dash never forces it).
    assert is_gsm or needs_ucs2(body), ascii(body)
