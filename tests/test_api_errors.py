"""What an integrator's client meets when it gets a path or a method wrong: every path under
/api/v1 and /open311 (routed or not) answers 404 and 405 as application/problem+json (RFC 9457),
405 with Allow; Retry-After only where waiting helps (429, 503); every problem type documented;
and the OpenAPI document complete enough to generate a client from (operationIds, examples,
typed arrays, problem responses)."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from widget.api.openapi import document

DRAFT = "https://json-schema.org/draft/2020-12/schema"
PREFIXES = ("/api/v1", "/open311")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
PROBLEM = "application/problem+json"
API_DOC = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
# A value each path converter takes, so the path routes to the rule.
SAMPLES = {"IntegerConverter": "1", "IdConverter": "1", "UnicodeConverter": "x"}


def _sample_path(rule) -> str:
    def value(match):
        name = match.group(1)
        if name == "fmt":
            return "json"
        return SAMPLES[type(rule._converters[name]).__name__]
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


def api_paths(app) -> dict[str, set[str]]:
    """Each routed path under the API prefixes (parameters filled in) and the methods it takes."""
    paths: dict[str, set[str]] = defaultdict(set)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIXES):
            paths[_sample_path(rule)] |= rule.methods
    return paths


def assert_problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == PROBLEM, answer.headers
    body = answer.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["type"], body
    return body


def test_every_method_a_path_does_not_take_is_a_405_problem_naming_those_it_takes(app, client):
    paths = api_paths(app)
    assert len(paths) >= 20  # the walk found the routes
    for path, allowed in paths.items():
        for method in set(METHODS) - allowed:
            answer = client.open(path, method=method)
            if method == "HEAD":  # no body to read: the status and the headers say it
                assert answer.status_code == 405 and answer.mimetype == PROBLEM, (path, method)
            else:
                assert_problem(answer, 405)
            listed = {name.strip() for name in answer.headers.get("Allow", "").split(",")}
            assert listed == allowed, (path, method, listed)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_paths_under_the_api_prefixes_are_404_problems(app, client, method):
    unknown = {"/api/v1", "/api/v1/", "/api/v1/nope", "/api/v2/forms", "/api/v1/forms/",
               "/api/v1/requests/abc", "/api/v1/requests/1/nope/2",
               "/open311", "/open311/v2", "/open311/v2/", "/open311/v2/nope.json",
               "/open311/v3/services.json", "/open311/v2/services/a/b.xml"}
    unknown |= {path.rstrip("/") + "/nope" for path in api_paths(app)}
    for path in sorted(unknown):
        body = assert_problem(client.open(path, method=method), 404)
        assert "<" not in body["detail"]


def test_problem_types_are_documented_and_their_page_answers(app, client):
    seen = {}
    for path, method, status in (("/api/v1/nope", "GET", 404), ("/api/v1/forms", "PUT", 405),
                                 ("/api/v1/forms", "GET", 401), ("/open311/v2/x", "GET", 404),
                                 ("/open311/v2/services.json", "POST", 405)):
        seen[assert_problem(client.open(path, method=method), status)["type"]] = status
    from widget.api.problem_types import PROBLEM_TYPES
    listed = client.get("/api/v1/problems")
    assert listed.status_code == 200 and listed.mimetype == "application/json"
    described = {item["type"]: item for item in listed.json["types"]}
    for status, (slug, _title, _when) in PROBLEM_TYPES.items():
        assert f"`{slug}`" in API_DOC.split("## REST API", 1)[1].split("\n## ", 1)[0], slug
    for uri, status in seen.items():
        assert uri in described and described[uri]["status"] == status, uri
        page = urlsplit(uri)
        assert client.get(page.path).status_code == 200


def test_no_answer_but_429_and_503_carries_retry_after(limited_app):
    app = limited_app("rl", RATE_LIMIT_API="3 per minute")
    client = app.test_client()
    answers = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith("/static"):
            try:
                path = _sample_path(rule)
            except KeyError:  # a converter the samples do not cover
                path = re.sub(r"<[^>]+>", "1", rule.rule)
            answers.append((path, client.get(path)))
    answers += [("/api/v1/forms", client.get("/api/v1/forms")) for _ in range(4)]
    statuses = {answer.status_code for _, answer in answers}
    assert 429 in statuses and len(statuses) > 3
    for path, answer in answers:
        if answer.status_code in (429, 503):
            assert answer.headers.get("Retry-After", "").isdigit(), path
        else:
            assert "Retry-After" not in answer.headers, (path, answer.status_code)
    limited = [answer for path, answer in answers if path == "/api/v1/forms"
               and answer.status_code == 429]
    assert_problem(limited[0], 429)


def _walk(node, where="#"):
    """Every (where, mapping) in a JSON document."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def test_the_openapi_document_is_complete_enough_to_generate_a_client():
    spec = document()
    operations = [(path, method, operation) for path, item in spec["paths"].items()
                  for method, operation in item.items()]
    ids = [operation.get("operationId") for _, _, operation in operations]
    assert all(ids) and len(ids) == len(set(ids)), ids
    for where, node in _walk(spec):
        kind = node.get("type")
        if kind == "array" or isinstance(kind, list) and "array" in kind:
            assert isinstance(node.get("items"), dict) and node["items"], where
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, method, operation in operations:
        label = f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == [PROBLEM], (label, status)
                assert response["content"][PROBLEM]["schema"] == problem, (label, status)
            elif "application/json" in response.get("content", {}):
                assert "example" in response["content"]["application/json"], (label, status)
        body = operation.get("requestBody")
        if body:
            assert "example" in body["content"]["application/json"], label


def test_the_openapi_examples_hold_to_their_schemas():
    spec = document()
    validator = jsonschema.validators.validator_for({"$schema": DRAFT})
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            contents = [operation.get("requestBody", {}).get("content", {})] + [
                response.get("content", {}) for response in operation["responses"].values()]
            for content in contents:
                for media in content.values():
                    if "example" in media:
                        schema = {"$schema": DRAFT, "components": spec["components"],
                                  **media["schema"]}
                        errors = list(validator(schema).iter_errors(media["example"]))
                        assert not errors, (method, path, [e.message for e in errors])
