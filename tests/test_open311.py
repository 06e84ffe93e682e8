"""Open311 GeoReport v2 under /open311/v2: every JSON answer checked against the official schemas
(tests/open311_schemas), every XML answer read back and compared with its JSON twin."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from tests.notices import compose_promised
from widget import codes
from widget.models import (AuditEntry, Event, OutboxItem, Request, RequestStatus, Role, Unit)
from widget.services import messaging, workflow
from widget.services.api_clients import create_api_client, revoke_api_client
from widget.services.staff import create_staff

BASE = "/open311/v2"
# What service_request_id looks like (models.requests.new_open311_id): never a tracking code.
OPEN311_ID = re.compile(r"[0-9a-f]{20}")
# A copy of the official schemas (open311/schema-validation, schema/georeport-v2/): CI clones
# the project alone, without the shared folder it came from.
SCHEMA_DIR = Path(__file__).resolve().parent / "open311_schemas"
PASSWORD = "correct horse battery"
# Element names whose children are the items of a JSON array (the spec's "Spark convention").
LIST_TAGS = {"services", "service_requests", "service_request_updates", "errors", "attributes",
             "values", "endpoints", "formats"}

EMAIL, PHONE, PHONE_E164 = "lan.nguyen@example.com", "0912345678", "+84912345678"
NAME, STORY, PLACE = "Nguyen Thi Lan", "A deep hole in front of house 12", "12 Hang Bac street"

FIELDS = [
    {"key": "name", "type": "text", "required": True, "max_length": 80, "prefill": "name"},
    {"key": "story", "type": "long_text", "required": True},
    {"key": "place", "type": "text", "prefill": "address"},
    {"key": "size", "type": "number", "min_value": 1, "max_value": 100},
    {"key": "seen_on", "type": "date"},
    {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"},
    {"key": "kind", "type": "choice", "required": True,
     "choices": [{"value": "pothole", "labels": {"en": "Pothole"}},
                 {"value": "light", "labels": {"en": "Street light"}}]},
    {"key": "extras", "type": "multi_choice",
     "choices": [{"value": "wet", "labels": {"en": "Wet"}}, {"value": "dark", "labels": {"en": "Dark"}}]},
    {"key": "agree", "type": "checkbox", "required": True},
    {"key": "photo", "type": "file"},
]


# --- schemas and XML ---------------------------------------------------------------------------

def _schemas():
    """Each official schema with the folder as its base URI, and a registry of all of them."""
    base = SCHEMA_DIR.as_uri() + "/"
    loaded = {path.name: {"$id": base + path.name, **json.loads(path.read_text())}
              for path in SCHEMA_DIR.glob("*.json")}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in loaded.values())
    return loaded, registry


SCHEMAS, REGISTRY = _schemas()
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _w3c_date_time(value) -> bool:
    # jsonschema checks date-time only with rfc3339-validator installed; the spec's rule is
    # ISO 8601 with a "T" and a UTC offset (Z or +HH:MM).
    return not isinstance(value, str) or (
        "T" in value and datetime.fromisoformat(value).tzinfo is not None)


def validate(instance, name: str, required: list[str] | None = None) -> None:
    """Validate against an official schema, by the validator its $schema names (none of the
    five declares one, so jsonschema's default applies). `required` narrows the items of
    requests.json for answers the spec gives only some fields of (POST, tokens)."""
    schema = SCHEMAS[name]
    if required is not None:
        schema = {"type": "array", "items": {**SCHEMAS["request.json"], "required": required}}
    validator = validator_for(schema)(schema, registry=REGISTRY, format_checker=FORMATS)
    validator.validate(instance)


def from_xml(element: ET.Element):
    if element.tag in LIST_TAGS:
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text or ""


def as_text(value):
    """JSON as it reads in XML: null is empty, booleans are true/false, numbers are digits."""
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_xml(response, json_data, root: str) -> None:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(body)
    assert element.tag == root
    assert from_xml(element) == as_text(json_data)


def get_both(client, path: str, root: str, expect: int = 200, **params):
    """GET path.json and path.xml; check the XML says what the JSON says; return the JSON."""
    as_json = client.get(f"{BASE}/{path}.json", query_string=params)
    assert as_json.status_code == expect, as_json.get_data(as_text=True)
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    data = as_json.get_json()
    as_xml = client.get(f"{BASE}/{path}.xml", query_string=params)
    assert as_xml.status_code == expect
    check_xml(as_xml, data, root)
    return data


def assert_error(data, code: int, *words: str) -> None:
    assert isinstance(data, list) and data and all(set(item) == {"code", "description"} for item in data)
    assert all(item["code"] == code for item in data)
    text = " ".join(item["description"] for item in data)
    assert all(word in text for word in words), text


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture
def desk(db, create_site, create_form):
    """Organisation A (site "test") with a unit, a report form, a form needing a file and a
    draft form; its administrator and an API key."""
    site = create_site()
    org = site.organization
    unit = Unit(organization_id=org.id, code="RD", names={"en": "Roads", "vi": "Đường bộ"})
    db.session.add(unit)
    db.session.commit()
    report = create_form(site, slug="road-damage", fields=FIELDS, group_title="Streets")
    report.unit_id = unit.id
    report.descriptions = {"en": "<p>Holes &amp; cracks in <strong>roads</strong>.</p>"}
    needs_file = create_form(site, slug="permit", group_title=None, fields=[
        {"key": "name", "type": "text", "required": True},
        {"key": "plan", "type": "file", "required": True}])
    create_form(site, slug="hidden", published=False)
    create_form(site, slug="plain", fields=[], group_title=None)
    db.session.commit()
    admin = create_staff(org, "admin@a.test", "Admin A", PASSWORD, Role.ADMIN)
    client_a, key = create_api_client(admin, "CRM", [])
    return {"site": site, "org": org, "unit": unit, "report": report, "needs_file": needs_file,
            "admin": admin, "api_client": client_a, "key": key}


@pytest.fixture
def other(db, create_site, create_form):
    """Organisation B (site "other") with its own report form and key."""
    site = create_site("other")
    create_form(site, slug="road-damage", fields=FIELDS)
    admin = create_staff(site.organization, "admin@b.test", "Admin B", PASSWORD, Role.ADMIN)
    _client, key = create_api_client(admin, "CRM B", [])
    return {"site": site, "key": key}


def good_post(key: str, **extra) -> dict:
    return {"api_key": key, "service_code": "road-damage", "attribute[kind]": "pothole",
            "attribute[agree]": "true", "attribute[extras][]": ["dark", "wet"],
            "attribute[size]": "3.5", "attribute[seen_on]": "2026-10-15T08:30:00+07:00",
            "email": EMAIL, "phone": PHONE, "first_name": "Nguyen Thi", "last_name": "Lan",
            "description": STORY, "address_string": PLACE, "lat": "21.03", "long": "105.85",
            **extra}


def filed(db, service_request_id: str) -> Request:
    """The request Open311 names by this id."""
    return db.session.scalar(select(Request).where(Request.open311_id == service_request_id))


def post_request(client, key: str, fmt: str = "json", **extra) -> str:
    """POST a good request; return its service_request_id."""
    response = client.post(f"{BASE}/requests.{fmt}", data=good_post(key, **extra))
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "xml":
        return ET.fromstring(response.get_data()).findtext("request/service_request_id")
    return response.get_json()[0]["service_request_id"]


# --- discovery and services --------------------------------------------------------------------

def test_discovery_in_both_formats(client, desk):
    data = get_both(client, "discovery", "discovery", jurisdiction_id="test")
    assert data["endpoints"][0]["url"] == "http://localhost/open311/v2"
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert datetime.fromisoformat(data["changeset"]).utcoffset() == timedelta(hours=7)
    assert get_both(client, "discovery", "discovery")["endpoints"][0]["specification"] == \
        "http://wiki.open311.org/GeoReport_v2"


def test_any_site_may_read_the_answers_and_none_gets_a_cookie_through(client, desk):
    """Open311 answers are readable from other sites' pages (CORS), errors too; a preflight for
    a Bearer key is answered; credentials (cookies) are never invited."""
    origin = {"Origin": "https://map.city.example"}
    for response in (client.get(f"{BASE}/services.json?jurisdiction_id=test", headers=origin),
                     client.get(f"{BASE}/services.xml?jurisdiction_id=nope", headers=origin),
                     client.post(f"{BASE}/requests.json", data={"jurisdiction_id": "test"},
                                 headers=origin)):
        assert response.headers["Access-Control-Allow-Origin"] == "*", response.status_code
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(f"{BASE}/requests.json", headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    # Only Open311: the REST API and the people's pages are not opened to other sites.
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/forms", headers=origin).headers
    assert "Access-Control-Allow-Origin" not in client.get("/w/test/en/", headers=origin).headers


def test_services_are_the_published_forms(client, desk):
    services = get_both(client, "services", "services", jurisdiction_id="test")
    validate(services, "services.json")
    by_code = {item["service_code"]: item for item in services}
    # The widget catalogue's order (forms in no group last); the unpublished form is not one.
    assert list(by_code) == ["road-damage", "permit", "plain"]
    assert by_code["road-damage"] == {
        "service_code": "road-damage", "service_name": "Road-Damage",
        "description": "Holes & cracks in roads.", "metadata": True, "type": "realtime",
        "keywords": None, "group": "Streets"}
    assert by_code["plain"]["metadata"] is False and by_code["plain"]["group"] is None
    # With a key, the key's organisation; neither: 400; an unknown site: 404.
    assert get_both(client, "services", "services", api_key=desk["key"]) == services
    assert_error(get_both(client, "services", "errors", 400), 400, "jurisdiction_id")
    assert_error(get_both(client, "services", "errors", 404, jurisdiction_id="nope"), 404)
    assert client.get(f"{BASE}/services.csv?jurisdiction_id=test").status_code == 404


def test_service_definition_maps_fields_to_attributes(client, desk):
    definition = get_both(client, "services/road-damage", "service_definition",
                          jurisdiction_id="test")
    validate(definition, "service-definition.json")
    attributes = {item["code"]: item for item in definition["attributes"]}
    assert {code: item["datatype"] for code, item in attributes.items() if item["variable"]} == {
        "name": "string", "story": "text", "place": "string", "size": "number",
        "seen_on": "datetime", "email": "string", "phone": "string", "kind": "singlevaluelist",
        "extras": "multivaluelist", "agree": "singlevaluelist"}
    assert "photo" not in attributes  # a file cannot travel through Open311
    assert attributes["_files"]["variable"] is False and "photo" in attributes["_files"]["description"]
    assert [item["order"] for item in definition["attributes"]] == list(range(1, 12))
    assert attributes["kind"]["values"] == [{"key": "pothole", "name": "Pothole"},
                                            {"key": "light", "name": "Street light"}]
    assert attributes["agree"]["values"] == [{"key": "true", "name": "Yes"},
                                             {"key": "false", "name": "No"}]
    assert attributes["name"]["required"] is True and attributes["place"]["required"] is False
    needs_file = get_both(client, "services/permit", "service_definition", jurisdiction_id="test")
    validate(needs_file, "service-definition.json")
    assert "refused" in needs_file["attributes"][-1]["description"]
    for code in ("hidden", "no-such-form"):
        assert_error(get_both(client, f"services/{code}", "errors", 404, jurisdiction_id="test"),
                     404, "service_code")


# --- POST requests -----------------------------------------------------------------------------

def test_post_files_a_request_like_the_widget(client, db, desk):
    service_request_id = post_request(client, desk["key"])
    assert OPEN311_ID.fullmatch(service_request_id)  # not the tracking code: see test_code_exposure
    request = filed(db, service_request_id)
    assert codes.is_valid(request.code)
    assert request.status == RequestStatus.RECEIVED.value and request.channel == "web"
    assert request.unit_id == desk["unit"].id and request.due_at is not None
    assert request.language == "en" and request.site_id is None  # no locale, no jurisdiction_id
    assert request.answers == {"name": NAME, "story": STORY, "place": PLACE, "size": "3.5",
                               "seen_on": "2026-10-15", "email": EMAIL, "phone": PHONE_E164,
                               "kind": "pothole", "extras": ["wet", "dark"], "agree": True}
    [received] = request.events
    assert received.kind == "received" and received.actor == "CRM"
    assert received.data == {"channel": "web", "via": "open311"}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.request_id == request.id)).action \
        == "open311_request"
    compose_promised()
    outbox = db.session.scalars(select(OutboxItem).where(OutboxItem.request_id == request.id)).all()
    assert {(item.channel, item.recipient) for item in outbox} == {("email", EMAIL),
                                                                  ("sms", PHONE_E164)}
    # The widget's track page finds it by the code, which the person's notices carry.
    page = client.post("/w/test/en/track", data={"code": codes.display(request.code)})
    assert page.status_code == 200 and "Received, waiting to be registered" in page.get_data(as_text=True)


def test_post_answers_in_both_formats(client, desk):
    response = client.post(f"{BASE}/requests.json", data=good_post(desk["key"]))
    data = response.get_json()
    validate(data, "requests.json", required=["service_request_id"])
    assert set(data[0]) == {"service_request_id", "service_notice", "account_id"}
    assert data[0]["account_id"] is None and "5 working days" in data[0]["service_notice"]
    as_xml = client.post(f"{BASE}/requests.xml", data=good_post(desk["key"]))
    request = ET.fromstring(as_xml.get_data()).find("request")
    assert [child.tag for child in request] == ["service_request_id", "service_notice", "account_id"]
    assert OPEN311_ID.fullmatch(request.findtext("service_request_id"))
    assert request.findtext("account_id") == ""


def test_attributes_win_over_contact_parameters(client, db, desk):
    service_request_id = post_request(client, desk["key"], locale="vi-VN", **{
        "attribute[email]": "own@example.com", "attribute[extras]": ["wet"]})
    request = filed(db, service_request_id)
    assert request.language == "vi"  # the language of the person's notices
    assert request.answers["email"] == "own@example.com"
    assert request.answers["extras"] == ["wet", "dark"]  # attribute[x] and attribute[x][] add up


def test_post_with_errors_creates_nothing(client, db, desk):
    before = db.session.scalar(select(func.count(Request.id)))
    post = good_post(desk["key"], **{"attribute[kind]": "crater", "attribute[size]": "lots",
                                     "attribute[agree]": "false", "attribute[name]": "",
                                     "first_name": "", "last_name": ""})
    for fmt in ("json", "xml"):
        # The caller's language does not matter: Open311 answers in English.
        response = client.post(f"{BASE}/requests.{fmt}", data=post, headers={"Accept-Language": "vi"})
        assert response.status_code == 400
    data = client.post(f"{BASE}/requests.json", data=post).get_json()
    assert_error(data, 400, "attribute[kind]: Please choose one of the options",
                 "attribute[size]: Please enter a number", "attribute[agree]: Please tick",
                 "attribute[name]: Please fill in this field")
    check_xml(response, data, "errors")
    assert db.session.scalar(select(func.count(Request.id))) == before
    assert db.session.scalar(select(func.count(OutboxItem.id))) == 0


def test_post_refusals(client, db, desk, other):
    post = good_post(desk["key"])
    cases = [
        ({**post, "api_key": ""}, 403, "api_key"),
        ({**post, "api_key": "fd_000000000000_wrong"}, 403, "api_key"),
        ({**post, "api_key": other["key"], "service_code": "plain"}, 404, "service_code"),
        ({**post, "service_code": ""}, 400, "service_code"),
        ({**post, "service_code": "hidden"}, 404, "service_code"),
        ({"api_key": desk["key"], "service_code": "permit", "attribute[name]": "Lan"}, 400,
         "needs a file (plan)"),
        ({**post, "jurisdiction_id": "other"}, 404, "jurisdiction_id"),
    ]
    for data, status, words in cases:
        response = client.post(f"{BASE}/requests.json", data=data)
        assert response.status_code == status, (data, response.get_data(as_text=True))
        assert_error(response.get_json(), status, words)
    assert db.session.scalar(select(func.count(Request.id))) == 0


# --- GET requests ------------------------------------------------------------------------------

def test_list_is_scoped_to_the_key_and_carries_no_personal_data(client, desk, other):
    mine = [post_request(client, desk["key"]) for _ in range(2)]
    theirs = post_request(client, other["key"])
    for params in ({}, {"service_request_id": ",".join([*mine, theirs])}):
        listed = get_both(client, "requests", "service_requests", api_key=desk["key"], **params)
        validate(listed, "requests.json")
        assert [item["service_request_id"] for item in listed] == mine
    body = json.dumps(listed) + client.get(f"{BASE}/requests.xml", query_string={
        "api_key": desk["key"]}).get_data(as_text=True)
    for private in (EMAIL, "lan.nguyen", PHONE, PHONE_E164[1:], NAME, "Nguyen", STORY, PLACE,
                    "Hang Bac", "pothole", "21.03", "105.85"):
        assert private not in body
    first = listed[0]
    assert first["status"] == "open" and first["status_notes"] == "Received, waiting to be registered"
    assert first["service_code"] == "road-damage" and first["service_name"] == "Road-Damage"
    assert first["agency_responsible"] == "Roads" and first["description"] is None
    assert datetime.fromisoformat(first["requested_datetime"]).utcoffset() == timedelta(hours=7)
    assert datetime.fromisoformat(first["expected_datetime"]) > datetime.fromisoformat(
        first["requested_datetime"])


@pytest.mark.parametrize("key", ["", "fd_000000000000_nope", "revoked"])
def test_list_needs_a_valid_key(client, desk, key):
    if key == "revoked":
        revoke_api_client(desk["admin"], desk["api_client"].id)
        key = desk["key"]
    params = {"api_key": key} if key else {}
    assert_error(get_both(client, "requests", "errors", 403, **params), 403, "api_key")
    assert_error(get_both(client, "servicerequestupdates", "errors", 403, **params), 403, "api_key")


def test_list_filters(client, db, desk):
    first, second = post_request(client, desk["key"]), post_request(client, desk["key"])
    request = filed(db, first)
    workflow.register_request(desk["admin"], request.id, None)
    workflow.mark_result_ready(desk["admin"], request.id, None, "desk")

    def ids(**params):
        listed = get_both(client, "requests", "service_requests", api_key=desk["key"], **params)
        validate(listed, "requests.json")
        return [item["service_request_id"] for item in listed]

    assert ids(status="closed") == [first] and ids(status="open") == [second]
    assert ids(status="open,closed") == [first, second]
    assert ids(service_code="plain") == [] and ids(service_code="plain,road-damage") == [first, second]
    now = datetime.now(timezone.utc)
    assert ids(start_date=(now + timedelta(hours=1)).isoformat()) == []
    assert ids(end_date=(now - timedelta(hours=1)).isoformat()) == []
    # An unencoded "+" of the offset arrives as a space; it is read as the "+" it was.
    assert ids(start_date=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S 00:00")) == \
        [first, second]
    closed = get_both(client, "requests", "service_requests", api_key=desk["key"],
                      service_request_id=first)[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "Result ready"
    for params, words in (({"status": "pending"}, "status"),
                          ({"start_date": "yesterday"}, "start_date"),
                          ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
                           "90 days"),
                          ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
                           "before")):
        assert_error(get_both(client, "requests", "errors", 400, api_key=desk["key"], **params),
                     400, words)


def test_one_request_by_its_id_with_a_key_or_by_its_code_without(client, db, desk, other):
    service_request_id = post_request(client, desk["key"])
    code = codes.display(filed(db, service_request_id).code)
    found = get_both(client, f"requests/{service_request_id}", "service_requests",
                     api_key=desk["key"])
    validate(found, "requests.json")
    assert found[0]["service_request_id"] == service_request_id and found[0]["status"] == "open"
    # The person's code opens it without a key; the answer names it by its id alone.
    for typed in (code, code.lower().replace("-", "")):
        assert get_both(client, f"requests/{typed}", "service_requests") == found
    assert get_both(client, f"requests/{code}", "service_requests", jurisdiction_id="test") == found
    # Another organisation's site or key, an id without a key, an unknown code, a typo: all the
    # same 404.
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    for path, params in ((f"requests/{code}", {"jurisdiction_id": "other"}),
                         (f"requests/{code}", {"api_key": other["key"]}),
                         (f"requests/{service_request_id}", {"api_key": other["key"]}),
                         (f"requests/{service_request_id}", {"jurisdiction_id": "test"}),
                         (f"requests/{service_request_id}", {}),
                         (f"requests/{codes.display(codes.generate())}", {}),
                         (f"requests/{typo}", {})):
        assert_error(get_both(client, path, "errors", 404, **params), 404)


def test_tokens_are_the_ids(client, db, desk):
    service_request_id = post_request(client, desk["key"])
    answer = get_both(client, f"tokens/{service_request_id}", "service_requests",
                      api_key=desk["key"])
    validate(answer, "requests.json", required=["service_request_id"])
    assert answer == [{"service_request_id": service_request_id, "token": service_request_id}]
    # Found by the person's code, it is named by its id all the same: the code is not written.
    code = codes.display(filed(db, service_request_id).code)
    assert get_both(client, f"tokens/{code}", "service_requests") == answer
    assert_error(get_both(client, f"tokens/{codes.display(codes.generate())}", "errors", 404), 404)


# --- servicerequestupdates ---------------------------------------------------------------------

def test_updates_list_the_public_timeline_only(client, db, desk, other):
    service_request_id = post_request(client, desk["key"])
    post_request(client, other["key"])
    request = filed(db, service_request_id)
    admin = desk["admin"]
    workflow.register_request(admin, request.id, None)
    messaging.add_internal_note(admin, request.id, "Secret: the neighbour complained twice")
    workflow.mark_result_ready(admin, request.id, None, "desk")
    updates = get_both(client, "servicerequestupdates", "service_request_updates",
                       api_key=desk["key"])
    events = db.session.scalars(select(Event).where(Event.request_id == request.id)
                                .order_by(Event.id)).all()
    public = [event for event in events if event.public]
    assert [item["update_id"] for item in updates] == [str(event.id) for event in public]
    assert [(item["service_request_id"], item["status"], item["description"]) for item in updates] \
        == [(service_request_id, "open", "Request received online"),
            (service_request_id, "open", "Registered"), (service_request_id, "closed", "Result ready")]
    assert all(datetime.fromisoformat(item["updated_datetime"]).tzinfo for item in updates)
    body = json.dumps(updates) + client.get(f"{BASE}/servicerequestupdates.xml", query_string={
        "api_key": desk["key"]}).get_data(as_text=True)
    for hidden in ("Secret", "neighbour", "Internal note", EMAIL, STORY):
        assert hidden not in body
    later = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    assert get_both(client, "servicerequestupdates", "service_request_updates",
                    api_key=desk["key"], start_date=later) == []


def test_calls_are_rate_limited_per_key(limited_app):
    client = limited_app(RATE_LIMIT_API="2 per minute").test_client()
    answers = [client.get(f"{BASE}/services.xml?jurisdiction_id=rl") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    error = ET.fromstring(answers[2].get_data())
    assert error.tag == "errors" and error.findtext("error/code") == "429"
    # A key that does not verify counts against the address too (see test_api_limits).
    other = client.get(f"{BASE}/services.json", headers={"Authorization": "Bearer fd_aaaaaaaaaaaa_x"})
    assert other.status_code == 429
