"""Notices composed by the delivery worker from the promise a change writes with it: the same
bytes as when they were composed in the web request (golden outputs recorded from that code),
nothing lost when a worker dies mid-composition, nothing composed twice."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import backoffice
from tests.notices import compose_promised
from widget import codes
from widget.models import (Account, Event, InboxItem, NotificationRule, NotificationTemplate,
                           OutboxItem, Request, RequestStatus as S)
from widget.notify.catalog import NOTICES
from widget.notify.compose import queue_notice, queue_notices

clock, office = backoffice.clock, backoffice.office
GOLDEN = Path(__file__).parent / "files" / "notice_golden.json"
LANGUAGES = ("en", "vi", "fa", "ru")
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}
# Every extra placeholder any notice has, with a value that shows where it lands.
EXTRA = {"note": "Bring the original, please.", "reason": "Outside this unit's remit",
         "title": "Answer no. 12", "receipt": "BL-77", "item_number": "EE123456789VN",
         "resume_code": "7KQ2-M9XD-4TAB-RN", "field": "Passport expiry",
         "codes": "AB12-CD34-EF56-GH\nJK78-MN90-PQ12-RS"}
# The events a change records, as the services record them (note, data), and their notice.
EVENTS = [
    ("received", None, {"channel": "web"}),
    ("registered", None, None),
    ("deadline_changed", "Waiting for the survey.", None),
    ("paused", "Send the land title, please.", {"reason": "supplement"}),
    ("paused", "Asked the land office.", {"reason": "third_party"}),
    ("resumed", None, None),
    ("result_ready", "Counter 3.", {"handover": "desk"}),
    ("result_ready", None, {"handover": "online"}),
    ("refused", "Not ours to decide.", None),
    ("closed", None, None),
    ("letter_issued", None, {"title": "Your permit"}),
    ("staff_message", None, None),
    ("fee_requested", None, {"amount": "50000"}),
    ("fee_paid", None, {"receipt_number": "BL-78"}),
    ("fee_waived", "Hardship.", None),
    ("post_sent", None, {"item_number": "EE1VN"}),
    ("post_received", None, {"item_number": "EE2VN"}),
    ("assigned", None, None),
    ("internal_note", "SECRET", None),  # tells the person nothing
]


def _code(index: int) -> str:
    data = f"{index:02d}" + "7KQ2M9XD4TA"
    return data + codes.check_symbol(data)


@pytest.fixture
def people(db, office, clock):
    """One request per language from a person with an e-mail address, a mobile number and an
    account (whose language is another one: the box speaks the account's), the organisation's
    own colour, some of its own wordings and some channels switched off."""
    clock("2026-10-16 10:00")
    org = office["org"]
    org.theme_color = "#aa3300"
    db.session.add_all([
        NotificationTemplate(organization_id=org.id, event_key="refused", channel="sms",
                             language="vi", body="{organisation}: hồ sơ {code} bị từ chối: {reason}"),
        NotificationTemplate(organization_id=org.id, event_key="received.web", channel="email",
                             language="ru", subject="Заявка {code}",
                             body="{organisation} получила {form}, ответ до {due}."),
        NotificationTemplate(organization_id=org.id, event_key="registered", channel="email",
                             language="en", body="Registered: {number} ({code})"),
        NotificationRule(organization_id=org.id, event_key="registered", channel="sms",
                         enabled=False),
        NotificationRule(organization_id=org.id, event_key="assigned", channel="inbox",
                         enabled=False),
        NotificationRule(organization_id=org.id, event_key="closed", channel="sms", enabled=True),
    ])
    made = {}
    for index, language in enumerate(LANGUAGES):
        account = Account(organization_id=org.id, name=f"Person {language}",
                          email=f"{language}@example.org", password_hash="not used here",
                          language=LANGUAGES[(index + 1) % len(LANGUAGES)])
        request = Request(organization_id=org.id, site_id=office["site"].id,
                          unit_id=office["units"]["HN"].id,
                          form_version_id=office["forms"]["HN"].versions[0].id,
                          status=S.IN_PROGRESS.value, code=_code(index), account=account,
                          answers=dict(CONTACTS), language=language,
                          journal_number=f"HN-2026-00000{index}", fee_amount=Decimal("1250000"),
                          submitted_at=backoffice.at("2026-10-16 09:00"),
                          due_at=backoffice.at("2026-10-23 17:00"))
        db.session.add(request)
        made[language] = request
    db.session.commit()
    return made


def _written(db) -> list:
    """What the person receives: outbox rows and box items, in a stable order."""
    sent = [[item.channel, item.recipient, item.language, item.subject, item.body_text,
             item.body_html] for item in db.session.scalars(
                 select(OutboxItem).order_by(OutboxItem.channel, OutboxItem.id))]
    boxed = [["inbox", item.subject, item.body] for item in db.session.scalars(
        select(InboxItem).order_by(InboxItem.id))]
    return sent + boxed


def _clear(db) -> None:
    db.session.execute(OutboxItem.__table__.delete())
    db.session.execute(InboxItem.__table__.delete())
    db.session.commit()


def _matrix(db, people) -> dict[str, list]:
    """Each notice the catalog knows, and each event a change records, to every person."""
    outputs = {}
    for language, request in people.items():
        for key in sorted(NOTICES):
            extra = dict(EXTRA, date=backoffice.at("2026-11-02 08:00").replace(
                tzinfo=None) + timedelta(0))
            if key == "draft_expiring":  # the worker passes an aware moment
                extra["date"] = backoffice.at("2026-11-02 08:00")
            queue_notice(db.session.get(Request, request.id), key, extra)
            db.session.commit()
            compose_promised()
            outputs[f"{language} notice {key}"] = _written(db)
            _clear(db)
        for number, (kind, note, data) in enumerate(EVENTS):
            request = db.session.get(Request, request.id)
            event = Event(kind=kind, note=note, data=data)
            request.events.append(event)
            queue_notices(request, [event])
            db.session.commit()
            compose_promised()
            outputs[f"{language} event {number} {kind}"] = _written(db)
            _clear(db)
    return outputs


def test_the_worker_composes_the_same_bytes_as_the_request_did(db, people):
    outputs = _matrix(db, people)
    if os.environ.get("RECORD_GOLDEN_NOTICES"):  # only ever from the code being replaced
        GOLDEN.write_text(json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert outputs.keys() == golden.keys()
    for case, written in outputs.items():
        assert written == golden[case], case
