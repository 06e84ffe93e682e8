"""REST API v1: keys and scopes, cursor pages, the actions (the back office's own services),
Idempotency-Key, pushed forms, problem documents, and the OpenAPI document against the code."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests import backoffice
from tests.notices import compose_promised
from widget.models import AuditEntry, Event, Form, FormProposal, OutboxItem, StaffUser
from widget.services.api_clients import create_api_client, revoke_api_client
from widget.services.form_proposals import decide_proposal

office, received = backoffice.office, backoffice.received
CONTACTS = {"name": "Lan", "email": "lan@example.org", "phone": "+84912345678"}


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def key(admin):
    """A key for every unit of the office's organisation."""
    return create_api_client(admin, "CRM", [])[1]


@pytest.fixture
def hn_key(admin, office):
    """A key for unit HN only."""
    return create_api_client(admin, "HN system", [office["units"]["HN"].id])[1]


def call(client, method, path, key, json=None, idem=None, **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if method == "POST":
        headers["Idempotency-Key"] = idem or f"k-{path}-{len(str(json))}-{id(json)}"
    return client.open(f"/api/v1{path}", method=method, json=json, headers=headers, **kwargs)


def test_no_key_a_wrong_key_and_a_revoked_key_get_401_problems(client, admin, key):
    for sent in (None, "fd_000000000000_nope", key[:-1] + ("x" if key[-1] != "x" else "y")):
        answer = call(client, "GET", "/forms", sent)
        assert answer.status_code == 401
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json["status"] == 401 and "WWW-Authenticate" in answer.headers
    assert call(client, "GET", "/forms", key).status_code == 200
    client_row = admin.organization_id and revoke_api_client(admin, 1)
    assert client_row.revoked_at is not None
    assert call(client, "GET", "/forms", key).status_code == 401


def test_a_key_sees_only_its_organisation_and_units(client, db, office, admin, hn_key, received,
                                                    create_site):
    hn, xd = received("HN"), received("XD")
    assert call(client, "GET", f"/requests/{hn.id}", hn_key).status_code == 200
    outside = call(client, "GET", f"/requests/{xd.id}", hn_key)
    assert outside.status_code == 404 and outside.json["title"] == "Not Found"
    assert call(client, "POST", f"/requests/{xd.id}/register", hn_key, {}).status_code == 404
    listed = call(client, "GET", "/requests", hn_key).json["requests"]
    assert [row["id"] for row in listed] == [hn.id]
    # Another organisation's key sees none of these.
    from widget.models import Role
    from widget.services.staff import create_staff
    other_org = create_site(key="other", slug="org-other").organization
    other_admin = create_staff(other_org, "a@other.test", "A", "correct horse battery", Role.ADMIN)
    other_key = create_api_client(other_admin, "Theirs", [])[1]
    assert call(client, "GET", f"/requests/{hn.id}", other_key).status_code == 404
    assert call(client, "GET", "/requests", other_key).json["requests"] == []


def test_requests_come_in_stable_cursor_pages_and_a_change_comes_again(client, db, key, received):
    made = [received(answers=dict(CONTACTS)) for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        page = call(client, "GET", "/requests?limit=2" + (f"&cursor={cursor}" if cursor else ""), key).json
        seen += [row["id"] for row in page["requests"]]
        cursor, pages = page["next_cursor"], pages + 1
        if not page["has_more"]:
            break
    assert sorted(seen) == sorted(request.id for request in made) and pages == 3
    # Nothing new: the same cursor answers an empty page and keeps the cursor.
    empty = call(client, "GET", f"/requests?cursor={cursor}", key).json
    assert empty == {"requests": [], "next_cursor": cursor, "has_more": False}
    call(client, "POST", f"/requests/{made[1].id}/register", key, {})
    again = call(client, "GET", f"/requests?cursor={cursor}", key).json["requests"]
    assert [row["id"] for row in again] == [made[1].id] and again[0]["status"] == "registered"
    for bad in ("nope", "12.x", "1" * 17 + ".1", "%%%", "p", "p-1", "p" + "9" * 19, "p1.5"):
        answer = call(client, "GET", f"/requests?cursor={bad}", key)
        assert answer.status_code == 400 and answer.headers["Content-Type"] == "application/problem+json"
    assert call(client, "GET", "/requests?limit=0", key).status_code == 400


def test_a_time_cursor_given_out_before_positions_goes_on(client, db, key, received):
    """Cursors were "<microseconds>.<id>" once: one a system kept still works, and is answered
    with a cursor of today's kind."""
    made = [received(answers=dict(CONTACTS)) for _ in range(3)]
    start = call(client, "GET", "/requests?cursor=0.0", key).json
    assert [row["id"] for row in start["requests"]] == [request.id for request in made]
    assert start["next_cursor"] == call(client, "GET", "/requests", key).json["next_cursor"]
    # After the second request's change: the third, and what changes later.
    second = made[1].updated_at.replace(tzinfo=timezone.utc)
    micros = (second - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    after = call(client, "GET", f"/requests?cursor={micros}.{made[1].id}", key).json
    assert [row["id"] for row in after["requests"]] == [made[2].id]
    # Far in the future, and an id past 32 bits (PostgreSQL's integer): nothing, not an error.
    far = call(client, "GET", f"/requests?cursor={'9' * 16}.9999999999", key)
    assert far.status_code == 200 and far.json["requests"] == []
    call(client, "POST", f"/requests/{made[0].id}/register", key, {})
    assert [row["id"] for row in call(client, "GET", f"/requests?cursor={far.json['next_cursor']}",
                                      key).json["requests"]] == [made[0].id]


def test_an_action_is_the_back_offices_own_with_audit_and_notices(client, db, office, key, received):
    request = received(answers=dict(CONTACTS))
    done = call(client, "POST", f"/requests/{request.id}/register", key, {"expected_version": 1})
    assert done.status_code == 200
    body = done.json
    assert body["status"] == "registered" and re.match(r"HN-\d{4}-\d{6}", body["journal_number"])
    assert body["timeline"][-1]["kind"] == "registered" and body["timeline"][-1]["actor"] == "CRM"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "register"))
    assert audit.request_id == request.id
    assert db.session.get(StaffUser, audit.staff_user_id).is_system
    compose_promised()
    channels = {item.channel for item in db.session.scalars(
        select(OutboxItem).where(OutboxItem.request_id == request.id))}
    assert {"email", "sms"} <= channels  # the person hears as if staff had clicked
    stale = call(client, "POST", f"/requests/{request.id}/start", key, {"expected_version": 1})
    assert stale.status_code == 409
    refused = call(client, "POST", f"/requests/{request.id}/pause", key, {"reason": "holiday"})
    assert refused.status_code == 422 and refused.json["detail"]
    message = call(client, "POST", f"/requests/{request.id}/messages", key, {"body": "Hello"})
    assert message.status_code == 200 and message.json["messages"][-1]["body"] == "Hello"


def test_idempotency_key_replays_refuses_another_body_and_is_required(client, db, key, received):
    request = received()
    first = call(client, "POST", f"/requests/{request.id}/register", key, {}, idem="abc")
    again = call(client, "POST", f"/requests/{request.id}/register", key, {}, idem="abc")
    assert first.status_code == again.status_code == 200
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(Event.id)).where(
        Event.request_id == request.id, Event.kind == "registered")) == 1
    other = call(client, "POST", f"/requests/{request.id}/register", key, {"unit_id": 5}, idem="abc")
    assert other.status_code == 422 and "another request" in other.json["detail"]
    bare = client.post(f"/api/v1/requests/{request.id}/start", json={},
                       headers={"Authorization": f"Bearer {key}"})
    assert bare.status_code == 400 and "Idempotency-Key" in bare.json["detail"]
    # A refusal is an answer too: replayed as it was.
    no = call(client, "POST", f"/requests/{request.id}/close", key, {}, idem="close-1")
    assert no.status_code == 422
    assert call(client, "POST", f"/requests/{request.id}/close", key, {}, idem="close-1").json == no.json


def test_a_pushed_form_waits_for_approval_then_is_published(client, db, office, admin, key):
    definition = {"slug": "water-connection", "processing_days": 7,
                  "titles": {"en": "Water connection", "vi": "Đấu nối nước"},
                  "descriptions": {"en": "<p onclick='x()'>Connect <script>a()</script>us</p>"},
                  "fields": [{"key": "address", "type": "text", "required": True,
                              "labels": {"en": "Address"}},
                             {"key": "kind", "type": "choice", "labels": {"en": "Kind"},
                              "choices": [{"value": "home", "labels": {"en": "Home"}}]}]}
    pushed = call(client, "POST", "/forms", key, definition)
    assert pushed.status_code == 202 and pushed.json["status"] == "pending"
    assert db.session.scalar(select(Form).where(Form.slug == "water-connection")) is None
    bad = call(client, "POST", "/forms", key, {"slug": "Bad Slug", "fields": [{"key": "1"}]})
    assert bad.status_code == 422 and {"slug", "processing_days", "fields[0].key",
                                       "fields[0].type"} <= bad.json["errors"].keys()
    decide_proposal(admin, pushed.json["id"], True, "", unit_id=office["units"]["HN"].id)
    status = call(client, "GET", f"/forms/proposals/{pushed.json['id']}", key).json
    assert status["status"] == "approved"
    form = db.session.scalar(select(Form).where(Form.slug == "water-connection"))
    assert form.is_published and [f.key for f in form.current_version.fields] == ["address", "kind"]
    assert "onclick" not in form.descriptions["en"] and "<script" not in form.descriptions["en"]
    listed = {row["slug"]: row for row in call(client, "GET", "/forms", key).json["forms"]}
    assert listed["water-connection"]["version"] == 1
    # Pushed again with a change: a second version once approved; requests keep theirs.
    definition["fields"][0]["labels"] = {"en": "Street address"}
    again = call(client, "POST", "/forms", key, definition, idem="second")
    decide_proposal(admin, again.json["id"], True, "")
    assert len(db.session.scalar(select(Form).where(Form.slug == "water-connection")).versions) == 2
    assert db.session.scalar(select(func.count(FormProposal.id))) == 2


def test_files_are_read_only_through_their_own_request(client, db, office, key, received, tmp_path):
    from flask import current_app

    from widget.models import Attachment
    from widget.uploads import LocalFileStore
    store = LocalFileStore(current_app.config["FRONTDESK_UPLOAD_DIR"])
    one, two = received(), received()
    storage = store.save(b"%PDF-1.4 proof")
    one.attachments.append(Attachment(field_key="proof", filename="proof.pdf",
                                      content_type="application/pdf", size=14, sha256="x",
                                      storage_key=storage))
    db.session.commit()
    file_id = one.attachments[0].id
    got = call(client, "GET", f"/requests/{one.id}/files/{file_id}", key)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 proof"
    assert "attachment" in got.headers["Content-Disposition"]
    assert call(client, "GET", f"/requests/{two.id}/files/{file_id}", key).status_code == 404


def test_the_openapi_document_lists_exactly_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.rule != "/api/v1/openapi.json":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
