"""Tracking codes are bearer secrets: the code alone opens a request's status page, its files and
its reply box. No answer of the REST API shows the code of a request its caller may not see, and
no Open311 answer shows any code at all (its ids are opaque); every Open311 answer is scoped to
the key's units as the REST API is. Every route of both blueprints is called, by an unrestricted
key, a key limited to one unit, another organisation's key and no key, and each raw body is
searched for every known code in every spelling."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests import backoffice
from tests.test_open311 import validate
from widget import codes
from widget.models import Event, EventKind, OutboxItem, Request, RequestStatus, Role
from widget.services import workflow
from widget.services.api_clients import WEBHOOK_EVENTS, create_api_client
from widget.services.staff import create_staff

office, received = backoffice.office, backoffice.received
FROZEN = datetime(2026, 10, 20, 3, 0, tzinfo=timezone.utc)
WINDOW = {"start_date": "2026-10-01T00:00:00Z", "end_date": "2026-10-25T00:00:00Z"}
ACTIONS = ("register", "assign", "start", "pause", "resume", "result", "refuse", "close",
           "deadline", "messages", "fee", "letters", "transfer")


@pytest.fixture
def world(time_machine, db, office, received, create_site, create_form):
    """Office requests of unit HN, of unit XD and of no unit (administrators only), another
    organisation's request, each with a public timeline event; the callers' keys."""
    time_machine.move_to(FROZEN, tick=False)
    admin = office["people"]["admin"]
    made = {"hn": received("HN"), "xd": received("XD"), "nounit": received("HN")}
    made["nounit"].unit_id = None
    site = create_site(key="other", slug="org-other")
    form = create_form(site, slug="form-other")
    other_admin = create_staff(site.organization, "a@other.test", "A", backoffice.PASSWORD,
                               Role.ADMIN)
    made["other"] = Request(organization_id=site.organization_id, site_id=site.id,
                            form_version_id=form.versions[0].id, status=RequestStatus.RECEIVED.value,
                            code=codes.generate(), answers={"name": "Hoa"},
                            submitted_at=backoffice.at("2026-10-16 09:00"))
    db.session.add(made["other"])
    for request in made.values():
        request.events.append(Event(kind=EventKind.RECEIVED.value, data={}))
    db.session.commit()
    keys = {"full": create_api_client(admin, "CRM", [])[1],
            "hn": create_api_client(admin, "HN system", [office["units"]["HN"].id])[1],
            "theirs": create_api_client(other_admin, "Theirs", [])[1], "none": ""}
    scope = {"full": {"hn", "xd", "nounit"}, "hn": {"hn"}, "theirs": {"other"}, "none": set()}
    return {"requests": made, "keys": keys, "scope": scope, "office": office, "admin": admin}


def every_spelling(code: str) -> set[str]:
    """A code as it may be written: grouped or not, upper or lower case."""
    shown = codes.display(code)
    return {code, shown, code.lower(), shown.lower()}


def codes_in(body: str, world, names) -> list[str]:
    """The names of the requests among `names` whose code appears in the body."""
    loose = body.upper().replace("-", "")
    return sorted(name for name in names
                  if any(spelling in body for spelling in every_spelling(world["requests"][name].code))
                  or world["requests"][name].code in loose)


def new_codes_in(db, body: str, known: set[str]) -> list[str]:
    """Codes of requests made during the test (Open311 POSTs) found in the body."""
    made = db.session.scalars(select(Request.code).where(Request.code.is_not(None))).all()
    loose = body.upper().replace("-", "")
    return [code for code in made if code not in known and code in loose]


def endpoint_of(app, method: str, path: str) -> str:
    return app.url_map.bind("localhost").match(path.split("?")[0], method)[0]


def rest_calls(world) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of every REST route, for every request of the test."""
    calls = [("GET", "/api/v1/forms", None), ("GET", "/api/v1/openapi.json", None),
             ("GET", "/api/v1/requests?limit=200", None), ("GET", "/api/v1/forms/proposals/1", None),
             ("POST", "/api/v1/forms", {"slug": "x"}), ("GET", "/api/v1/units", None),
             ("GET", "/api/v1/problems", None)]
    for request in world["requests"].values():
        calls.append(("GET", f"/api/v1/requests/{request.id}", None))
        calls.append(("GET", f"/api/v1/requests/{request.id}/files/1", None))
        calls.extend(("POST", f"/api/v1/requests/{request.id}/{action}", {"reason": "x"})
                     for action in ACTIONS)
    return calls


def test_no_rest_answer_shows_a_code_its_key_may_not_see(app, client, db, world):
    called = set()
    for caller, key in world["keys"].items():
        outside = set(world["requests"]) - world["scope"][caller]
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        for n, (method, path, body) in enumerate(rest_calls(world)):
            called.add(endpoint_of(app, method, path))
            answer = client.open(path, method=method, json=body,
                                 headers={**headers, "Idempotency-Key": f"{caller}-{n}"})
            assert answer.status_code < 500, (caller, path)
            leaked = codes_in(answer.get_data(as_text=True), world, outside)
            assert not leaked, (caller, method, path, leaked)
        listed = client.get("/api/v1/requests?limit=200", headers=headers)
        if key:  # the search finds what is there: the codes of the key's own requests
            assert codes_in(listed.get_data(as_text=True), world, world["requests"]) == \
                sorted(world["scope"][caller])
    assert called == {rule.endpoint for rule in app.url_map.iter_rules()
                      if rule.endpoint.startswith("api.")}


def open311_calls(world, ids: list[str]) -> list[tuple[str, str, dict, str | None]]:
    """(method, path, parameters, schema) of every Open311 route in JSON and XML, with every
    request's tracking code and every service_request_id given out."""
    office = world["office"]
    typed = [request.code for request in world["requests"].values()]
    typed += [codes.display(code).lower() for code in typed] + ids
    calls = []
    for fmt in ("json", "xml"):
        schema = (lambda name: name) if fmt == "json" else (lambda name: None)
        calls += [("GET", f"discovery.{fmt}", {}, None),
                  ("GET", f"services.{fmt}", {}, schema("services.json")),
                  ("GET", f"requests.{fmt}", WINDOW, schema("requests.json")),
                  ("GET", f"requests.{fmt}", {"service_request_id": ",".join(typed)},
                   schema("requests.json")),
                  ("GET", f"servicerequestupdates.{fmt}", WINDOW, None),
                  ("POST", f"requests.{fmt}", {"service_code": "form-hn", "attribute[name]": "Lan"},
                   schema("created")),
                  ("POST", f"requests.{fmt}", {"service_code": "form-xd", "attribute[name]": "Lan"},
                   schema("created"))]
        calls += [("GET", f"services/{form.slug}.{fmt}", {}, schema("service-definition.json"))
                  for form in office["forms"].values()]
        for one in typed:
            calls += [("GET", f"requests/{one}.{fmt}", {}, schema("requests.json")),
                      ("GET", f"tokens/{one}.{fmt}", {}, schema("token"))]
    return calls


def open311_ids(client, key: str) -> list[str]:
    listed = client.get("/open311/v2/requests.json", query_string={"api_key": key, **WINDOW})
    return [item["service_request_id"] for item in listed.get_json()]


def test_no_open311_answer_shows_a_code(app, client, db, world):
    ids = open311_ids(client, world["keys"]["full"])
    known = {request.code for request in world["requests"].values()}
    called = set()
    for caller, key in world["keys"].items():
        for method, path, params, schema in open311_calls(world, ids):
            called.add(endpoint_of(app, method, f"/open311/v2/{path}"))
            # The key as the spec's parameter, or none: then the site's jurisdiction_id.
            params = {**params, "api_key": key} if key else {**params, "jurisdiction_id": "test"}
            if method == "GET":
                answer = client.get(f"/open311/v2/{path}", query_string=params)
            else:
                answer = client.post(f"/open311/v2/{path}", data=params)
            body = answer.get_data(as_text=True)
            assert answer.status_code < 500, (caller, path)
            assert not codes_in(body, world, world["requests"]), (caller, method, path, body)
            assert not new_codes_in(db, body, known), (caller, method, path, body)
            if answer.status_code == 200 and schema == "created":
                validate(answer.get_json(), "requests.json", required=["service_request_id"])
            elif answer.status_code == 200 and schema == "token":
                validate(answer.get_json(), "requests.json", required=["service_request_id"])
            elif answer.status_code == 200 and schema:
                validate(answer.get_json(), schema)
    assert called == {rule.endpoint for rule in app.url_map.iter_rules()
                      if rule.endpoint.startswith("open311.")}


def test_open311_answers_are_scoped_to_the_keys_units(client, db, world):
    """What the unit-limited key reads and files is what it sees through the REST API."""
    full, hn = world["keys"]["full"], world["keys"]["hn"]
    made = world["requests"]
    by_id = dict(zip(open311_ids(client, full), ("hn", "xd", "nounit")))
    assert sorted(by_id.values()) == ["hn", "nounit", "xd"]
    # The ids are stable, and not the codes in any form.
    assert list(by_id) == open311_ids(client, full)
    assert not any(codes.parse(one) for one in by_id)
    assert [by_id[one] for one in open311_ids(client, hn)] == ["hn"]
    updates = client.get("/open311/v2/servicerequestupdates.json",
                         query_string={"api_key": hn, **WINDOW}).get_json()
    assert [by_id[item["service_request_id"]] for item in updates] == ["hn"]
    for one, name in by_id.items():
        for path in (f"requests/{one}.json", f"tokens/{one}.json",
                     f"requests/{made[name].code}.json"):
            seen = client.get(f"/open311/v2/{path}", query_string={"api_key": hn})
            assert seen.status_code == (200 if name == "hn" else 404), (path, name)
            if name == "hn":
                assert seen.get_json()[0]["service_request_id"] == one
        # The id is the key's to use: without a key it opens nothing; the code is the person's.
        assert client.get(f"/open311/v2/requests/{one}.json").status_code == 404
        anonymous = client.get(f"/open311/v2/requests/{made[name].code}.json")
        assert anonymous.status_code == 200 and anonymous.get_json()[0]["service_request_id"] == one
    services = client.get("/open311/v2/services.json", query_string={"api_key": hn}).get_json()
    assert [item["service_code"] for item in services] == ["form-hn"]
    assert client.get("/open311/v2/services/form-xd.json",
                      query_string={"api_key": hn}).status_code == 404
    before = db.session.scalar(select(func.count(Request.id)))
    refused = client.post("/open311/v2/requests.json", data={
        "api_key": hn, "service_code": "form-xd", "attribute[name]": "Lan"})
    assert refused.status_code == 404 and "service_code" in json.dumps(refused.get_json())
    assert db.session.scalar(select(func.count(Request.id))) == before
    filed = client.post("/open311/v2/requests.json", data={
        "api_key": hn, "service_code": "form-hn", "attribute[name]": "Lan"}).get_json()
    assert client.get(f"/open311/v2/requests/{filed[0]['service_request_id']}.json",
                      query_string={"api_key": hn}).status_code == 200


def test_webhooks_carry_codes_only_to_systems_that_may_see_them(db, world, received):
    """Every event of every request goes out to an unrestricted and a unit-limited system; each
    payload the limited one gets names only its unit's requests, also when a request moves."""
    office, admin = world["office"], world["admin"]
    systems = {"full": create_api_client(admin, "All", [], "https://crm.example/hook",
                                         list(WEBHOOK_EVENTS))[0],
               "hn": create_api_client(admin, "HN", [office["units"]["HN"].id],
                                       "https://hn.example/hook", list(WEBHOOK_EVENTS))[0]}
    made = world["requests"]
    made["moved"] = received("HN")
    world["scope"]["full"].add("moved")
    workflow.register_request(admin, made["hn"].id, None)
    workflow.register_request(admin, made["xd"].id, None)
    workflow.register_request(admin, made["nounit"].id, None, office["units"]["XD"].id)
    workflow.register_request(admin, made["moved"].id, None, office["units"]["XD"].id)
    for name in ("hn", "xd", "nounit", "moved"):
        workflow.start_work(admin, made[name].id, None)
    queued = db.session.scalars(select(OutboxItem).where(OutboxItem.channel == "webhook")).all()
    heard = {name: [item for item in queued if item.api_client_id == system.id]
             for name, system in systems.items()}
    assert len(heard["full"]) == 8 and len(heard["hn"]) == 2  # hn: registered, started
    for name, items in heard.items():
        outside = set(made) - world["scope"][name]
        for item in items:
            assert not codes_in(item.body_text, world, outside), (name, item.body_text)
