"""A page's first send writes its rows by prebuilt statements (services/first_send.py), not by
the ORM's unit of work and the session hooks that ride on it. Whatever a person sends, in any
language, signed in or not, to any kind of form, at awkward hours, the rows written must be the
very rows the ORM path writes (services/submit.py's mark_sent), and the receipt the same page:
a column, a hook or a default the fast path forgets shows here as a difference.

Each case sends the same answers twice at the same frozen instant: once by the ORM path (the
fast one refused for that post), once as it runs in production, and compares the request, its
event, the person's notice promise, the staff notices' pending row, the change position, the
notices the worker then composes (e-mail and the account's box) and the receipt.
"""
from __future__ import annotations

import re
from itertools import product

import pytest
from sqlalchemy import select

from tests import backoffice
from tests.conftest import AWKWARD_INSTANTS, form_token, tracking_code
from widget import codes
from widget.extensions import db as _db
from widget.models import (Account, Event, InboxItem, NoticePromise, OutboxItem,
                           PendingStaffNotice, Request, StaffNotice)
from widget.models._types import utcnow
from widget.notify import worker
from widget.passwords import hash_password
from widget.services import first_send

office = backoffice.office

H = {"Sec-Fetch-Site": "same-origin"}
PASSWORD = "a long and private pass phrase"
FIELDS = [
    {"key": "name", "type": "text", "required": True, "max_length": 80},
    {"key": "message", "type": "long_text", "required": True},
    {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"},
    {"key": "colour", "type": "choice", "choices": [
        {"value": "red", "labels": {"en": "Red", "vi": "Đỏ", "fa": "قرمز", "ru": "Красный"}},
        {"value": "blue", "labels": {"en": "Blue", "vi": "Xanh", "fa": "آبی", "ru": "Синий"}}]},
    {"key": "extras", "type": "multi_choice", "choices": [
        {"value": "a", "labels": {"en": "A"}}, {"value": "b", "labels": {"en": "B"}}]},
    {"key": "agree", "type": "checkbox"},
    {"key": "count", "type": "number"},
    {"key": "day", "type": "date"},
]
ANSWERS = {
    "en": {"name": "Lan Nguyen", "message": "The street light is out.\nSince Monday.",
           "email": "lan@example.org", "phone": "0912 345 678", "colour": "red",
           "extras": ["a", "b"], "agree": "y", "count": "3", "day": "2026-11-02"},
    "vi": {"name": "Nguyễn Thị Lan", "message": "Đèn đường bị hỏng.", "email": "LAN@Example.org",
           "phone": "+84 912 345 678", "colour": "blue", "count": "١٢"},
    "fa": {"name": "زهرا احمدی", "message": "چراغ خیابان خاموش است <script>alert(1)</script>",
           "phone": "۰۹۱۲ ۳۴۵ ۶۷۸", "extras": ["b"], "day": "2026-12-31"},
    "ru": {"name": "Иван Петров", "message": "Фонарь не горит — с понедельника.",
           "email": "ivan@example.ru", "agree": "y"},
}
# How the form hands over its result: no choice, the only way there is, a choice made.
HANDOVERS = {"none": ([], ""), "only": (["post"], ""), "chosen": (["desk", "post"], "post")}
SIGNED_IN = ("nobody", "person", "agent")


@pytest.fixture
def world(db, office, create_form):
    """The back office's organisation (units with staff, administrators) with a form per way of
    hand-over, and a person's and an agent's account."""
    site = office["site"]
    forms = {}
    for name, (offered, _chosen) in HANDOVERS.items():
        form = create_form(site, slug=f"form-{name}", fields=FIELDS, processing_days=3)
        form.handovers = offered
        forms[name] = form
    people = {}
    for kind in SIGNED_IN[1:]:
        people[kind] = Account(organization_id=site.organization_id, name=kind.title(),
                               email=f"{kind}@example.org", is_agent=kind == "agent",
                               password_hash=hash_password(PASSWORD), email_verified_at=utcnow(),
                               language="en")
        db.session.add(people[kind])
    db.session.commit()
    return {"site": site, "forms": forms, "people": people}


def _send(client, lang: str, slug: str, chosen: str) -> str:
    token = form_token(client.get(f"/w/test/{lang}/f/{slug}").get_data(as_text=True))
    response = client.post(f"/w/test/{lang}/f/{slug}", content_type="multipart/form-data",
                           data={"form_token": token, "action": "send", "_handover": chosen,
                                 **ANSWERS[lang]})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _rows(db, code: str) -> dict:
    """Everything the send wrote, with what is the request's own (ids, codes, nonce, position)
    replaced by names, so that two sends compare."""
    request = db.session.scalar(select(Request).where(Request.code == code))
    def named(value):
        if isinstance(value, dict):
            return {key: named(item) for key, item in value.items()}
        if isinstance(value, list):
            return [named(item) for item in value]
        return _without_code(value, code)

    columns = {column.key: getattr(request, column.key) for column in Request.__table__.columns}
    for own in ("id", "code", "open311_id", "submit_nonce", "change_position"):
        assert columns.pop(own) is not None, own
    events = db.session.scalars(select(Event).where(Event.request_id == request.id)).all()
    promises = db.session.scalars(
        select(NoticePromise).where(NoticePromise.request_id == request.id)).all()
    pending = db.session.scalars(select(PendingStaffNotice).where(
        PendingStaffNotice.event_id.in_([event.id for event in events]))).all()
    return {
        "request": named(columns),
        "events": [named({c.key: getattr(e, c.key) for c in Event.__table__.columns
                          if c.key not in ("id", "request_id")}) for e in events],
        "promises": [named({c.key: getattr(p, c.key) for c in NoticePromise.__table__.columns
                            if c.key not in ("id", "request_id", "event_id")})
                     | {"of_the_event": p.event_id == events[0].id} for p in promises],
        "pending": [(p.created_at, p.event_id == events[0].id) for p in pending],
        "position": request.change_position,
    }


def _told(db, code: str) -> dict:
    """What the worker composed from the send's promise: the e-mails and the account's box."""
    request = db.session.scalar(select(Request).where(Request.code == code))
    outbox = db.session.scalars(select(OutboxItem).where(OutboxItem.request_id == request.id)
                                .order_by(OutboxItem.id)).all()
    inbox = db.session.scalars(select(InboxItem).where(InboxItem.request_id == request.id)
                               .order_by(InboxItem.id)).all()
    staff = db.session.scalars(select(StaffNotice).where(StaffNotice.request_id == request.id)
                               .order_by(StaffNotice.id)).all()
    told = {"outbox": [(item.channel, item.recipient, item.notice, item.language, item.subject,
                        item.body_text, item.body_html) for item in outbox],
            "inbox": [(item.account_id, item.notice_key, item.subject, item.body,
                       repr(item.notice_values)) for item in inbox],
            "staff": [(item.staff_user_id, item.kind, repr(item.data), item.created_at)
                      for item in staff]}
    return {kind: [tuple(_without_code(part, code) for part in row) for row in rows]
            for kind, rows in told.items()}


def _without_code(value, code: str):
    """A text with the request's code in any spelling replaced by a name."""
    if not isinstance(value, str):
        return value
    for spelling in (codes.display(code), code):
        value = value.replace(spelling, "<code>").replace(spelling.lower(), "<code>")
    return value


def _receipt(html: str, code: str) -> str:
    return re.sub(r'name="form_token" value="[^"]+"', "", _without_code(html, code))


# Every language, way of hand-over and kind of sender, each at one of the awkward instants in
# turn (around midnights in Hanoi, Tehran and UTC, at turns of week, month and year).
CASES = [pytest.param(lang, handover, signed_in, instant, id=f"{lang}-{handover}-{signed_in}-{name}")
         for n, (lang, handover, signed_in) in enumerate(product(sorted(ANSWERS), sorted(HANDOVERS),
                                                                 SIGNED_IN))
         for name, instant in [list(AWKWARD_INSTANTS.items())[n % len(AWKWARD_INSTANTS)]]]


@pytest.mark.parametrize("lang, handover, signed_in, instant", CASES)
def test_the_fast_path_writes_what_the_orm_path_writes(client, db, world, frozen_clock,
                                                       monkeypatch, lang, handover, signed_in,
                                                       instant):
    frozen_clock.move_to(instant, tick=False)
    if signed_in != "nobody":
        answer = client.post("/w/test/en/account/signin", headers=H,
                             data={"contact": f"{signed_in}@example.org", "password": PASSWORD})
        assert answer.status_code == 303
    taken = []
    fits = first_send.fits

    def sends(orm: bool) -> tuple[str, str]:
        frozen_clock.move_to(instant, tick=False)  # both sends at the same moment
        monkeypatch.setattr(first_send, "fits",
                            lambda sub: taken.append(not orm) or (not orm and fits(sub)))
        html = _send(client, lang, f"form-{handover}", HANDOVERS[handover][1])
        return html, codes.normalize(tracking_code(html))

    by_orm, orm_code = sends(orm=True)
    fast, fast_code = sends(orm=False)
    assert taken == [False, True]
    orm_rows, fast_rows = _rows(db, orm_code), _rows(db, fast_code)
    assert fast_rows.pop("position") == orm_rows.pop("position") + 1
    assert fast_rows == orm_rows
    assert orm_rows["promises"] and orm_rows["pending"]  # the case wrote them at all
    assert _receipt(fast, fast_code) == _receipt(by_orm, orm_code)

    assert worker.compose_promised() == 2 and worker.staff_notices() > 0
    _db.session.expire_all()
    told = _told(db, orm_code)
    assert told["outbox"] and told["staff"]
    assert _told(db, fast_code) == told
