"""Reminders set in the form builder (seeds 000 and 001): which date field, how many days before,
channels and wording per language quoting the request's own answers; checked on save with a
translated error; sent by the scheduler once per request and reminder, only at a sensible hour
of the organisation's day."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.notices import compose_promised
from tests.test_admin import html_of, sign_in
from widget import codes
from widget.models import Field, FormReminder, OutboxItem, Request, RequestStatus
from widget.notify.schedule import queue_form_reminders

office, clock, no_csrf = backoffice.office, backoffice.clock, test_admin.no_csrf
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CARD_VI = ("The BHYT {card} cua ong/ba {name} se het han vao ngay {date}. Vui long lien he "
           "{organisation} de gia han the.")


@pytest.fixture
def form(db, office):
    """Unit HN's form with a card number and the card's expiry date."""
    form = office["forms"]["HN"]
    version = form.versions[0]
    version.fields.append(Field(position=10, key="card", type="text", labels={"en": "Card number"}))
    version.fields.append(Field(position=11, key="expiry", type="date",
                                labels={"en": "Card expiry", "vi": "Hạn thẻ"}))
    db.session.commit()
    return form


@pytest.fixture
def admin(office, client):
    sign_in(client, office["people"]["admin"])
    return office["people"]["admin"]


def reminder_data(**changes) -> dict:
    data = {"date_field": "expiry", "days_before": "30", "channels": ["sms", "email"],
            "wording_vi": CARD_VI}
    return {**data, **changes}


def person(db, office, form, expiry: str, language="vi") -> Request:
    request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                      unit_id=office["units"]["HN"].id, form_version_id=form.versions[0].id,
                      status=RequestStatus.REGISTERED.value, code=codes.generate(),
                      answers={"name": "Trần Thị Hoà", "card": "7936491863", "expiry": expiry,
                               "email": "hoa@example.org", "phone": "+84912345678"},
                      language=language, submitted_at=backoffice.at("2026-10-16 09:00"))
    db.session.add(request)
    db.session.commit()
    return request


def outbox(db, request) -> dict[str, OutboxItem]:
    """What the person was sent once the delivery worker composed the promised notices."""
    compose_promised()
    return {item.channel: item for item in db.session.scalars(
        select(OutboxItem).where(OutboxItem.request_id == request.id))}


# --- the builder ---------------------------------------------------------------------------

def test_an_administrator_adds_a_reminder_and_removes_it(client, db, admin, form):
    response = client.post(f"/admin/forms/{form.id}/reminders", data=reminder_data())
    assert response.status_code == 302 and response.location.endswith("#reminders")
    reminder = db.session.scalar(select(FormReminder))
    assert (reminder.date_field, reminder.days_before, reminder.channels) == (
        "expiry", 30, ["sms", "email"])
    assert reminder.wordings == {"vi": CARD_VI}
    page = html_of(client.get(f"/admin/forms/{form.id}"))
    assert "30 days before Card expiry, by SMS, E-mail" in page and "{card}" in page
    response = client.post(f"/admin/forms/{form.id}/reminders/{reminder.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(FormReminder.id))) == 0


REFUSALS = {
    "unknown placeholder": (reminder_data(wording_vi="The {card} of {holder} ends {date}"),
                            "The wording uses placeholders the form does not have: {holder}."),
    "attribute placeholder": (reminder_data(wording_en="{card.__class__}"),
                              "placeholders the form does not have: {card.__class__}"),
    "not a date field": (reminder_data(date_field="card"),
                         "The field card holds no date: a reminder counts days before a date"),
    "no such field": (reminder_data(date_field="nope"), "The form has no field with the key nope."),
    "no date field": (reminder_data(date_field=""), "Please choose the date field"),
    "no channel": (reminder_data(channels=[]), "Please choose at least one channel"),
    "odd channel": (reminder_data(channels=["sms", "fax"]), "Please choose at least one channel"),
    "negative days": (reminder_data(days_before="-1"), "a whole number from 0 to 365"),
    "too many days": (reminder_data(days_before="366"), "a whole number from 0 to 365"),
    "no wording": (reminder_data(wording_vi="  "), "Please write the reminder in at least one"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_reminder_is_checked_on_save_and_nothing_is_kept(client, db, admin, form, case):
    data, message = REFUSALS[case]
    response = client.post(f"/admin/forms/{form.id}/reminders", data=data)
    assert response.status_code == 422
    assert message in html_of(response).replace("&#34;", '"').replace("&#39;", "'")
    assert db.session.scalar(select(func.count(FormReminder.id))) == 0
    # The same refusal in Vietnamese: a translated message, not the English one.
    vietnamese = html_of(client.post(f"/admin/forms/{form.id}/reminders", data=data,
                                     headers={"Accept-Language": "vi"}))
    assert message.split(":")[0].split("{")[0] not in vietnamese


def test_another_organisations_form_or_a_head_gets_not_found(client, db, office, form,
                                                             create_site, create_form):
    sign_in(client, office["people"]["head"])
    assert client.post(f"/admin/forms/{form.id}/reminders",
                       data=reminder_data()).status_code == 404
    sign_in(client, office["people"]["admin"])
    other = create_form(create_site(key="other"), slug="elsewhere")
    assert client.post(f"/admin/forms/{other.id}/reminders",
                       data=reminder_data()).status_code == 404
    assert db.session.scalar(select(func.count(FormReminder.id))) == 0


# --- sending -------------------------------------------------------------------------------

def add(db, form, **changes) -> FormReminder:
    values = {"date_field": "expiry", "days_before": 30, "channels": ["sms"],
              "wordings": {"vi": CARD_VI}} | changes
    reminder = FormReminder(form_id=form.id, **values)
    db.session.add(reminder)
    db.session.commit()
    return reminder


def test_the_reminder_quotes_the_answers_once_on_its_own_channels(db, office, form, clock):
    office["org"].sms_without_diacritics = True
    add(db, form)
    request = person(db, office, form, "2027-01-15")
    clock("2026-12-15 08:59")  # 31 days before: not yet
    assert queue_form_reminders() == 0
    clock("2026-12-16 08:59")  # in the window, before the morning
    assert queue_form_reminders() == 0
    clock("2026-12-16 09:00")
    assert queue_form_reminders() == 1
    sent = outbox(db, request)
    assert set(sent) == {"sms"}  # only the reminder's channels, though e-mail is reachable
    assert sent["sms"].body_text.startswith(
        "The BHYT 7936491863 cua ong/ba Tran Thi Hoa se het han vao ngay 15")
    for later in ("2026-12-16 09:01", "2026-12-20 12:00", "2027-01-15 19:59"):
        clock(later)
        assert queue_form_reminders() == 0  # once per request and reminder
    add(db, form, days_before=7, channels=["email"], wordings={})
    clock("2027-01-08 10:00")
    assert queue_form_reminders() == 1  # a second reminder of the form is its own
    assert "2027" in outbox(db, request)["email"].subject  # the default wording, no own one in vi


def test_a_language_without_own_wording_gets_the_default_reminder(db, office, form, clock):
    add(db, form, channels=["email"])
    request = person(db, office, form, "2027-01-15", language="en")
    clock("2026-12-20 10:00")
    assert queue_form_reminders() == 1
    body = outbox(db, request)["email"].body_text
    assert "a reminder about your request" in body and "Card expiry" in body


@pytest.mark.awkward_hours
def test_reminders_wait_for_the_organisations_morning_and_use_its_date(db, office, form,
                                                                       frozen_clock):
    """At every awkward instant (all at night or early morning in Hanoi) nothing goes out; the
    same local day at 09:00 it goes, counted on Hanoi's date, not UTC's."""
    add(db, form, days_before=0)
    local_now = datetime.now(timezone.utc).astimezone(HANOI)
    request = person(db, office, form, local_now.date().isoformat())
    assert not time(9) <= local_now.time() < time(20)
    assert queue_form_reminders() == 0
    morning = datetime.combine(local_now.date(), time(9), HANOI)
    frozen_clock.move_to(morning, tick=False)
    assert queue_form_reminders() == 1
    frozen_clock.move_to(morning + timedelta(hours=10, minutes=59), tick=False)
    assert queue_form_reminders() == 0
    assert set(outbox(db, request)) == {"sms"}


def test_a_refused_or_draft_request_and_a_missing_date_are_not_reminded(db, office, form, clock):
    add(db, form)
    refused = person(db, office, form, "2027-01-15")
    refused.status = RequestStatus.REFUSED.value
    blank = person(db, office, form, "")
    odd = person(db, office, form, "soon")
    db.session.commit()
    clock("2026-12-20 10:00")
    assert queue_form_reminders() == 0
    assert outbox(db, refused) == outbox(db, blank) == outbox(db, odd) == {}
