"""The benchmark's floor (benchmarks/floor_app.py) must write what the product writes, or its
rate means nothing: a request sent through it is a sent request the product finds and shows,
with its event, its change position and one outbox row, and it reads what the product wrote.
(bench_core.py runs both on one database.) No timing here."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, tracking_code
from widget import codes
from widget.demo import load_demo_data
from widget.models import Event, EventKind, OutboxItem, Request, RequestStatus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import floor_app  # noqa: E402

ANSWERS = {"action": "send", "topic": "delay", "email": "a@example.com",
           "message": "The bus to the district office was late again this week"}


@pytest.fixture
def floor(app, app_settings, monkeypatch):
    """The floor's test client, on the test's database with the demo data."""
    load_demo_data("http://localhost:8000")
    for key in ("DATABASE_URL", "SECRET_KEY"):
        monkeypatch.setenv(f"FRONTDESK_{key}", app_settings[key])
    floor_app_ = floor_app.create_app()
    yield floor_app_.test_client()
    floor_app_.extensions["floor"].engine.dispose()


def a_fresh_token(client) -> str:
    return form_token(client.get("/w/demo/en/f/complaint").get_data(as_text=True))


@pytest.mark.parametrize("language", ["en", "vi", "fa", "ru"])
def test_a_request_sent_through_the_floor_is_one_the_product_shows(floor, client, db,
                                                                    language):
    token = a_fresh_token(client)
    first = floor.post(f"/w/demo/{language}/f/complaint", data={**ANSWERS, "form_token": token})
    again = floor.post(f"/w/demo/{language}/f/complaint", data={**ANSWERS, "form_token": token})

    assert first.status_code == again.status_code == 200
    code = codes.parse(tracking_code(first.get_data(as_text=True)))
    assert code and codes.parse(tracking_code(again.get_data(as_text=True))) == code
    request = db.session.scalar(select(Request).where(Request.code == code))
    assert request.status == RequestStatus.RECEIVED.value and request.language == language
    assert request.answers["email"] == "a@example.com" and request.due_at is not None
    assert [event.kind for event in request.events] == [EventKind.RECEIVED.value]
    assert request.change_position is not None
    assert db.session.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.request_id == request.id)) == 1
    status = client.post(f"/w/demo/{language}/track", data={"code": code})
    assert status.status_code == 200 and '<dd class="status">' in status.get_data(as_text=True)


def test_the_floor_and_the_product_share_the_change_positions(floor, client, db):
    client.post("/w/demo/en/f/complaint", data={**ANSWERS, "form_token": a_fresh_token(client)})
    floor.post("/w/demo/en/f/complaint", data={**ANSWERS, "form_token": a_fresh_token(client)})
    client.post("/w/demo/en/f/complaint", data={**ANSWERS, "form_token": a_fresh_token(client)})

    sent = db.session.scalars(select(Request).where(Request.code.is_not(None))
                              .order_by(Request.id)).all()
    positions = [request.change_position for request in sent[-3:]]
    assert positions == sorted(positions) and len(set(positions)) == 3


def test_the_floor_looks_up_what_the_product_wrote(floor, client):
    receipt = client.post("/w/demo/en/f/complaint",
                          data={**ANSWERS, "form_token": a_fresh_token(client)})
    code = tracking_code(receipt.get_data(as_text=True))

    found = floor.post("/w/demo/ru/track", data={"code": code})
    assert found.status_code == 200
    assert '<dd class="status">Получено, ожидает регистрации</dd>' in found.get_data(as_text=True)
    assert floor.post("/w/demo/ru/track", data={"code": "0" * 14}).status_code in (404, 422)


def test_the_floor_refuses_what_the_product_refuses(floor, client, db):
    before = db.session.scalar(select(func.count()).select_from(Event))
    bad_token = floor.post("/w/demo/en/f/complaint", data={**ANSWERS, "form_token": "forged"})
    bad_email = floor.post("/w/demo/en/f/complaint",
                           data={**ANSWERS, "email": "nope", "form_token": a_fresh_token(client)})

    assert (bad_token.status_code, bad_email.status_code) == (400, 422)
    assert db.session.scalar(select(func.count()).select_from(Event)) == before
