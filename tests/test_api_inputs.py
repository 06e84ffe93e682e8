"""Every writing endpoint of the REST API, as a table: each JSON field refuses a value of the
wrong type (422, a problem naming the field, in the caller's language) and changes nothing;
each action honours expected_version (409 with the request as it is now, nothing changed)."""
from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import func, select

from tests import backoffice
from widget.models import AuditEntry, Event, FormProposal, Letter, Message, OutboxItem, Request
from widget.services.api_clients import create_api_client

office, received = backoffice.office, backoffice.received

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
# A body each endpoint takes (its fields' right types); expected_version is added per test.
ACTIONS = {
    "register": {"unit_id": None},
    "assign": {"executor_id": 1},
    "start": {},
    "pause": {"reason": "supplement", "note": "Please bring your ID card"},
    "resume": {},
    "result": {"handover": "desk", "note": "At the front desk"},
    "refuse": {"reason": "Not ours"},
    "close": {},
    "deadline": {"date": "2031-01-06", "reason": "Waiting for the survey"},
    "messages": {"body": "Hello"},
    "fee": {"amount": "12.50"},
    "letters": {"title": "Answer", "body": "Dear Lan",
                "file": {"filename": "answer.pdf",
                         "content_base64": base64.b64encode(PDF).decode()}},
}
# Each field's kind: what the values of the wrong type are.
KINDS = {
    "expected_version": "integer", "unit_id": "integer", "executor_id": "integer",
    "reason": "text", "note": "text", "handover": "text", "date": "date", "body": "text",
    "amount": "text", "title": "text", "file": "file",
    "file.filename": "text", "file.content_base64": "base64",
}
WRONG = {
    "integer": [True, False, "7", "", 7.0, 7.5, [7], {"value": 7}, 0, -1, 2**31, 10**30],
    "text": [True, 7, 7.5, ["x"], {"x": "y"}],
    "date": [True, 20310106, "06/01/2031", "2031-13-01", ["2031-01-06"]],
    "file": ["JVBERi0=", [1], True, 7],
    "base64": [7, True, ["JVBERi0="], "not base64!"],
}
# The fields that may not be left out (null); a letter's body may, when its PDF is there.
REQUIRED = {"executor_id", "reason", "handover", "body", "amount", "title", "date",
            "file.content_base64"}


def _required(action: str, name: str) -> bool:
    return name in REQUIRED and (action, name) != ("letters", "body")


@pytest.fixture
def key(office):
    return create_api_client(office["people"]["admin"], "CRM", [])[1]


def post(client, path, key, body, language="en"):
    return client.post(f"/api/v1{path}", json=body, headers={
        "Authorization": f"Bearer {key}",
        "Idempotency-Key": hashlib.sha256(f"{path}-{body!r}-{language}".encode()).hexdigest(),
        "Accept-Language": language})


def _with(body: dict, field: str, value) -> dict:
    """The body with one field (file.x: inside the file object) set to `value`."""
    body = {name: (dict(value) if isinstance(value, dict) else value)
            for name, value in body.items()}
    if field.startswith("file."):
        body["file"][field.removeprefix("file.")] = value
    else:
        body[field] = value
    return body


def _footprint(db, request_id: int) -> tuple:
    """What an action leaves: the request's version and status, and the rows made."""
    db.session.expire_all()
    request = db.session.get(Request, request_id)
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (Event, Message, Letter, AuditEntry, OutboxItem, FormProposal))
    return request.lock_version, request.status, counts


def test_every_field_of_every_action_refuses_a_value_of_the_wrong_type(client, db, key, received):
    request = received()
    before = _footprint(db, request.id)
    tried = 0
    for action, fields in ACTIONS.items():
        body = {"expected_version": request.lock_version, **fields}
        names = ["expected_version", *fields] + (
            ["file.filename", "file.content_base64"] if "file" in fields else [])
        for name in names:
            values = WRONG[KINDS[name]] + ([None] if _required(action, name) else [])
            for value in values:
                answer = post(client, f"/requests/{request.id}/{action}", key,
                              _with(body, name, value))
                assert answer.status_code == 422, (action, name, value, answer.get_data(True))
                assert answer.headers["Content-Type"] == "application/problem+json"
                assert list(answer.json["errors"]) == [name], (action, name, value)
                assert f"'{name}'" in answer.json["detail"]
                tried += 1
    assert tried > 200  # every field of the twelve actions, several wrong values each
    assert _footprint(db, request.id) == before


def test_a_wrong_type_is_named_in_the_callers_language(client, db, key, received):
    request = received()
    english = post(client, f"/requests/{request.id}/refuse", key, {"reason": 7}).json
    for language in ("vi", "fa", "ru"):
        answer = post(client, f"/requests/{request.id}/refuse", key, {"reason": 7}, language)
        assert answer.status_code == 422 and "'reason'" in answer.json["detail"]
        assert answer.json["detail"] != english["detail"], language
        assert answer.json["errors"] == {"reason": answer.json["detail"]}


def test_a_pushed_form_definition_refuses_wrong_types_by_field(client, db, key):
    good = {"slug": "permit", "titles": {"en": "Permit"}, "processing_days": 5,
            "fields": [{"key": "name", "type": "text", "labels": {"en": "Name"},
                        "required": True}]}
    before = _footprint_forms(db)
    for path, value in (("processing_days", True), ("processing_days", "5"),
                        ("processing_days", 5.0), ("slug", 7), ("titles", ["Permit"]),
                        ("fields", {"key": "name"}), ("fields[0].required", "yes"),
                        ("fields[0].required", 1), ("fields[0].key", 7),
                        ("fields[0].labels", "Name")):
        body = {**good, "fields": [dict(good["fields"][0])]}
        if path.startswith("fields[0]."):
            body["fields"][0][path.removeprefix("fields[0].")] = value
        else:
            body[path] = value
        answer = post(client, "/forms", key, body)
        assert answer.status_code == 422, (path, value, answer.get_data(True))
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert path in answer.json["errors"], (path, value, answer.json)
    assert _footprint_forms(db) == before


def _footprint_forms(db) -> int:
    return db.session.scalar(select(func.count()).select_from(FormProposal))


def test_every_action_honours_expected_version_and_a_409_tells_the_request_now(
        client, db, office, key, received):
    request = received()
    actions = {**ACTIONS, "assign": {"executor_id": office["people"]["head"].id}}
    # Someone changed the request since the system read it: version 1 is stale.
    assert post(client, f"/requests/{request.id}/messages", key, {"body": "First"}).status_code == 200
    before = _footprint(db, request.id)
    version, status = before[0], before[1]
    for action, fields in actions.items():
        answer = post(client, f"/requests/{request.id}/{action}", key,
                      {"expected_version": version - 1, **fields})
        assert answer.status_code == 409, (action, answer.get_data(True))
        assert answer.headers["Content-Type"] == "application/problem+json"
        now = answer.json["request"]
        assert (now["id"], now["version"], now["status"]) == (request.id, version, status), action
    assert _footprint(db, request.id) == before
    # With the version as it is, a message and a letter go through and move it on.
    for action in ("messages", "letters"):
        done = post(client, f"/requests/{request.id}/{action}", key,
                    {"expected_version": version, **ACTIONS[action]})
        assert done.status_code == 200, done.get_data(True)
        assert done.json["version"] > version
        version = done.json["version"]
