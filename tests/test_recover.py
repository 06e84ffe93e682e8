"""Lost codes: asked for with an e-mail address or phone number, sent there by the worker, the
same answer for a known and an unknown contact. Its limits (per contact, the daily SMS budget)
and what is no contact are tested with the other hostile input, in test_hostile_input.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import backoffice
from widget import codes
from widget.models import CodeRecovery, OutboxItem, Request
from widget.notify.recovery import answer_code_recoveries

office = backoffice.office
CONTACTS = {"name": "Lan", "email": "Lan.Nguyen@Example.org", "phone": "+84912345678"}
H = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def sent(db, office):
    """Sent requests: two with Lan's contacts, one of someone else, one draft of Lan's."""
    def make(answers, status="received", code=True):
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          form_version_id=office["forms"]["HN"].versions[0].id, status=status,
                          code=codes.generate() if code else None, answers=answers, language="en")
        db.session.add(request)
        db.session.commit()
        return request
    return {"lan": [make(dict(CONTACTS)), make(dict(CONTACTS), status="closed")],
            "other": make({"name": "Bao", "email": "bao@example.org", "phone": "+84987654321"}),
            "draft": make({"email": ["lan.nguyen@example.org"]}, status="draft", code=False)}


def ask(client, contact, lang="en"):
    return client.post(f"/w/test/{lang}/recover", data={"contact": contact}, headers=H)


def messages(db) -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_the_codes_go_to_the_email_address_they_were_sent_with(client, db, sent):
    page = ask(client, "  lan.nguyen@EXAMPLE.org ")
    assert page.status_code == 200 and "on their way" in page.get_data(as_text=True)
    assert messages(db) == []  # nothing is looked up or sent inside the web request
    assert answer_code_recoveries(sms_daily_budget=10) == 1
    mail, = messages(db)
    assert mail.channel == "email" and mail.recipient == "lan.nguyen@example.org"
    for request in sent["lan"]:
        assert codes.display(request.code) in mail.body_text
    assert codes.display(sent["other"].code) not in mail.body_text
    assert "/w/test/en/track" in mail.body_text and mail.subject == "Your tracking codes"
    recovery = db.session.scalar(select(CodeRecovery))
    assert recovery.status == "sent" and recovery.contact == ""  # the contact is not kept


def test_a_local_phone_number_finds_the_requests_by_sms(client, db, sent):
    ask(client, "0912 345 678", lang="vi")
    answer_code_recoveries(sms_daily_budget=10)
    sms, = messages(db)
    assert (sms.channel, sms.recipient, sms.language) == ("sms", "+84912345678", "vi")
    assert all(codes.display(r.code) in sms.body_text for r in sent["lan"])


def test_a_known_and_an_unknown_contact_get_the_same_answer(client, db, sent):
    known, unknown = ask(client, "bao@example.org"), ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = lambda page: page.get_data(as_text=True)  # noqa: E731
    assert strip(known) == strip(unknown)
    answer_code_recoveries(sms_daily_budget=10)
    assert [m.recipient for m in messages(db)] == ["bao@example.org"]  # the unknown hears nothing
    assert {r.status for r in db.session.scalars(select(CodeRecovery))} == {"sent", "unknown"}


def test_the_track_page_links_to_recovery(client, sent):
    html = client.get("/w/test/en/track").get_data(as_text=True)
    assert 'href="/w/test/en/recover"' in html


def test_an_organisation_can_switch_the_sms_off(client, db, sent, office):
    from widget.models import NotificationRule
    db.session.add(NotificationRule(organization_id=office["org"].id, event_key="codes_recovered",
                                    channel="sms", enabled=False))
    db.session.commit()
    ask(client, "+84912345678")
    answer_code_recoveries(sms_daily_budget=10)
    assert messages(db) == []
    assert db.session.scalar(select(CodeRecovery.status)) == "channel_off"
