"""Notices composed by the delivery worker from the promise a change writes with it: the same
bytes as when they were composed in the web request (golden outputs recorded from that code),
nothing lost when a worker dies mid-composition, nothing composed twice."""
from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, select

from tests import backoffice
from tests.conftest import form_token
from tests.notices import compose_promised
from widget import codes
from widget.models import (Account, Event, InboxItem, NoticePromise, NotificationRule,
                           NotificationTemplate, OutboxItem, Request, RequestStatus as S)
from widget.notify.catalog import NOTICES
from widget.notify.notices import queue_notice, queue_notices

clock, office = backoffice.clock, backoffice.office
GOLDEN = Path(__file__).parent / "files" / "notice_golden.json"
# One submission's statements: 21 while its notices were composed in the request (rules,
# two wordings, an outbox row per channel), 16 with one promise row instead, 10 once the
# configuration came from the process's cache, one more for the search text's organisation
# until its country came from the cache too, one less for the change feed's position and one
# for the webhook subscribers (tests/test_statement_counts.py lists them). On PostgreSQL four
# fewer: the four rows in one statement, the change position in one (services/first_send.py).
SUBMISSION_STATEMENTS = 8
FEWER_ON_POSTGRESQL = 4
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
                             language="vi",
                             body="{organisation}: hồ sơ {code} bị từ chối: {reason}"),
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
            # A reminder's day comes naive from the answers; a draft's expiry is an aware moment.
            moment = backoffice.at("2026-11-02 08:00")
            extra = dict(EXTRA, date=moment if key == "draft_expiring" else moment.replace(tzinfo=None))
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


def _statements_of(engine, action) -> list[str]:
    """Each SQL statement `action` runs, on one line."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


def test_a_submission_writes_its_notices_promise_in_fewer_statements(client, db, office):
    form = office["forms"]["HN"]
    page = client.get(f"/w/test/vi/f/{form.slug}").get_data(as_text=True)
    data = {"form_token": form_token(page), "name": "Lan", "email": "lan@example.org",
            "phone": "0912 345 678"}
    statements = _statements_of(db.engine, lambda: client.post(f"/w/test/vi/f/{form.slug}", data=data))
    fewer = FEWER_ON_POSTGRESQL if db.engine.dialect.name == "postgresql" else 0
    assert len(statements) == SUBMISSION_STATEMENTS - fewer, "\n".join(statements)
    assert not [line for line in statements if "outbox" in line or "notification_" in line]
    assert [line for line in statements if "notice_promises" in line] == [
        line for line in statements if "INSERT INTO notice_promises" in line] != []
    # One worker poll later the person has their e-mail and SMS.
    assert db.session.scalars(select(OutboxItem.channel)).all() == []
    assert compose_promised() == 1
    assert sorted(db.session.scalars(select(OutboxItem.channel))) == ["email", "sms"]


# --- nothing lost, nothing twice --------------------------------------------------------------

def _one_promise(db, people, key="refused", note="Not ours to decide."):
    request = db.session.get(Request, people["vi"].id)
    event = Event(kind=key, note=note)
    request.events.append(event)
    queue_notices(request, [event])
    db.session.commit()
    return request


class Crash(Exception):
    """A composition that breaks half-way (after the box item and the first message)."""


def _breaking_on_second_channel(monkeypatch, error):
    from widget.notify import notices
    real, calls = notices.compose, []

    def breaking(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise error
        return real(*args, **kwargs)
    monkeypatch.setattr(notices, "compose", breaking)
    return lambda: monkeypatch.setattr(notices, "compose", real)


def test_a_composition_that_breaks_half_way_is_redone_later_once(db, people, monkeypatch,
                                                                   frozen_clock):
    _one_promise(db, people)
    mend = _breaking_on_second_channel(monkeypatch, Crash("half-way"))
    assert compose_promised() == 0
    assert _written(db) == []  # neither the box item nor the first message was kept
    db.session.expire_all()
    promise = db.session.scalars(select(NoticePromise)).one()
    assert (promise.attempts, promise.last_error) == (1, "Crash: half-way")
    mend()
    assert compose_promised() == 0  # put off a while, not hammered
    frozen_clock.shift(timedelta(minutes=2))
    assert compose_promised() == 1
    assert [row[0] for row in _written(db)] == ["email", "sms", "inbox"]
    assert compose_promised() == 0
    assert [row[0] for row in _written(db)] == ["email", "sms", "inbox"]
    assert db.session.scalars(select(NoticePromise)).all() == []


def test_a_worker_that_dies_mid_composition_leaves_the_promise_for_the_next(db, people,
                                                                            monkeypatch):
    _one_promise(db, people)
    mend = _breaking_on_second_channel(monkeypatch, SystemExit(1))  # the process goes away
    with pytest.raises(SystemExit):
        compose_promised()
    db.session.rollback()  # what its closed connection does
    db.session.remove()
    mend()
    assert _written(db) == []
    assert compose_promised() == 1  # at once: nothing was noted against it
    assert [row[0] for row in _written(db)] == ["email", "sms", "inbox"]


def test_a_later_change_does_not_reword_a_notice_not_composed_yet(db, people, office):
    request = db.session.get(Request, people["en"].id)
    first = Event(kind="deadline_changed")
    request.events.append(first)
    queue_notices(request, [first])
    db.session.commit()
    request.due_at = backoffice.at("2026-12-01 17:00")
    request.journal_number = "HN-2026-999999"
    second = Event(kind="deadline_changed")
    request.events.append(second)
    queue_notices(request, [second])
    db.session.commit()
    assert compose_promised() == 2
    sms = db.session.scalars(select(OutboxItem.body_text).where(OutboxItem.channel == "sms")
                             .order_by(OutboxItem.id)).all()
    # A Vietnamese organisation's SMS writes deadlines short (16/12 17:00).
    assert "23/10 17:00" in sms[0] and "01/12 17:00" in sms[1]


def test_two_workers_never_compose_one_promise_twice(app, db, people, monkeypatch):
    _one_promise(db, people)
    from widget.notify import notices
    real, inside, go_on = notices.write_notices, threading.Event(), threading.Event()

    def pausing(*args, **kwargs):
        inside.set()
        assert go_on.wait(10)
        return real(*args, **kwargs)
    monkeypatch.setattr("widget.notify.promises.write_notices", pausing)
    kept = {}

    def work(name):
        with app.app_context():
            kept[name] = compose_promised()

    first = threading.Thread(target=work, args=("first",))
    first.start()
    assert inside.wait(10)  # the first worker holds the promise, composing
    inside.clear()
    second = threading.Thread(target=work, args=("second",))
    second.start()
    if db.engine.dialect.name == "postgresql":
        second.join(10)  # skips the locked promise at once, not waiting for the first
        assert kept == {"second": 0} and not inside.is_set()
    go_on.set()
    first.join(10)
    second.join(10)
    assert sorted(kept.values()) == [0, 1]
    db.session.remove()
    assert [row[0] for row in _written(db)] == ["email", "sms", "inbox"]


def test_a_signed_in_persons_box_gets_the_notice_within_a_second_of_worker_rest(app):
    from widget.notify import worker
    idle = next(param for param in app.cli.commands["worker"].params if param.name == "idle")
    assert idle.default == worker.IDLE_SECONDS < 1
    assert worker.run.__defaults__[-1] == worker.IDLE_SECONDS


def test_a_draft_deleted_before_its_expiry_notice_was_composed_takes_the_promise_along(
        app, db, people):
    from widget.services.draft_expiry import forget_expired_drafts
    from widget.uploads import configured_store
    request = db.session.get(Request, people["en"].id)
    request.status, request.code, request.resume_code = S.DRAFT.value, None, "7KQ2M9XD4TAB"
    request.updated_at = backoffice.at("2026-01-01 09:00")
    queue_notice(request, "draft_expiring", {"date": backoffice.at("2026-10-16 09:00"),
                                             "resume_code": "7KQ2-M9XD-4TAB"})
    db.session.commit()
    assert forget_expired_drafts(30, configured_store()) == 1
    assert db.session.scalars(select(NoticePromise)).all() == []
    assert compose_promised() == 0 and _written(db) == []


def test_notices_composed_late_go_out_before_messages_caused_after_them(db, people, frozen_clock):
    from widget.models import OutboxChannel
    from widget.notify.outbox import RetryPolicy, claim, enqueue
    request = _one_promise(db, people)  # the worker is away for ten minutes
    changed = db.session.scalars(select(NoticePromise.created_at)).one()
    frozen_clock.shift(timedelta(minutes=10))
    enqueue(request.organization_id, OutboxChannel.EMAIL, "lan@example.org", "a later code")
    db.session.commit()
    compose_promised()
    claimed = claim("w", 10, RetryPolicy())
    assert [item.body_text for item in claimed][-1] == "a later code"
    assert {item.created_at for item in claimed[:-1]} == {changed}
