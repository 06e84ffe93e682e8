"""The OpenAPI 3.1 document of REST v1, served at /api/v1/openapi.json. A test compares its
paths and methods with the app's routes, and schemathesis calls every operation with data drawn
from it and checks the answers against it: neither can drift from the code unnoticed."""
from __future__ import annotations

from widget.api import bp

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
LANGUAGE_TEXT = {"type": "string", "pattern": "\\S", "maxLength": 500}
TEXTS = {"type": "object", "propertyNames": {"enum": ["en", "vi", "fa", "ru"]},
         "additionalProperties": LANGUAGE_TEXT, "description": "Texts by language: en, vi, fa, ru."}
# What a form definition must give: at least one language.
SOME_TEXTS = dict(TEXTS, minProperties=1)
ID_PARAM = {"in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": 2147483647}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
               "description": "Unique per intended change: a repeat with the same body gets the "
                              "first answer again (Idempotent-Replayed: true); with another body, "
                              "422.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                          "pattern": "^[\\x20-\\x7e]+$"}}


def _errors(*codes: int) -> dict:
    names = {400: "The input is malformed", 401: "No valid API key",
             404: "Not among what this key may see", 409: "Changed meanwhile, or in progress",
             422: "Refused: the input or the request's state does not allow it",
             429: "Too many calls", 503: "The file store does not answer; try again later"}
    return {str(code): {"description": names[code], "content": PROBLEM} for code in codes}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}


def _action(summary: str, body: dict | None = None, errors: tuple = ()) -> dict:
    properties = {"expected_version": {"type": "integer", "description":
                                       "The request's version you saw; 409 if it changed."}}
    properties.update((body or {}).get("properties", {}))
    return {"post": {
        "summary": summary, "tags": ["requests"],
        "parameters": [dict(ID_PARAM, name="request_id"), IDEMPOTENCY],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": properties,
            "required": (body or {}).get("required", [])}}}},
        "responses": {"200": _json("Request", "The request as it is now"),
                      **_errors(400, 401, 404, 409, 422, 429, *errors)}}}


SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "Form": {"type": "object", "required": ["slug", "titles", "published", "fields"], "properties": {
        "slug": {"type": "string"}, "titles": TEXTS, "published": {"type": "boolean"},
        "group": {"type": ["object", "null"]}, "unit_id": {"type": ["integer", "null"]},
        "processing_days": {"type": "integer"}, "version": {"type": ["integer", "null"]},
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "type": {"type": "string"},
            "required": {"type": "boolean"}, "labels": TEXTS,
            "choices": {"type": "array", "items": {"type": "string"}}}}}}},
    "FormDefinition": {"type": "object", "required": ["slug", "titles", "processing_days", "fields"],
                       "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "titles": SOME_TEXTS, "descriptions": TEXTS,
        "processing_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "fields": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
            "type": "object", "required": ["key", "type", "labels"], "properties": {
                "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
                "type": {"enum": ["text", "long_text", "number", "date", "email", "phone",
                                  "choice", "multi_choice", "checkbox", "file"]},
                "required": {"type": "boolean"}, "labels": SOME_TEXTS, "helps": TEXTS,
                "min_length": {"type": "integer"}, "max_length": {"type": "integer"},
                "min_value": {"type": "number"}, "max_value": {"type": "number"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {
                    "value": {"type": "string"}, "labels": TEXTS}}}}}}}},
    "Proposal": {"type": "object", "required": ["id", "slug", "status"], "properties": {
        "id": {"type": "integer"}, "slug": {"type": "string"},
        "status": {"enum": ["pending", "approved", "rejected"]}, "reason": NULLABLE_TEXT,
        "created_at": NULLABLE_TIME, "decided_at": NULLABLE_TIME}},
    "RequestSummary": {"type": "object", "required": ["id", "status", "form", "version"],
                       "properties": {
        "id": {"type": "integer"}, "code": NULLABLE_TEXT,
        "status": {"enum": ["received", "registered", "in_progress", "paused", "result_ready",
                            "refused", "closed"]},
        "form": {"type": "string"}, "form_version": {"type": "integer"},
        "channel": {"type": "string"}, "language": {"type": "string"}, "unit": NULLABLE_TEXT,
        "journal_number": NULLABLE_TEXT, "executor": NULLABLE_TEXT,
        "submitted_at": NULLABLE_TIME, "due_at": NULLABLE_TIME, "updated_at": NULLABLE_TIME,
        "version": {"type": "integer"}}},
    "RequestPage": {"type": "object", "required": ["requests", "next_cursor", "has_more"],
                    "properties": {
        "requests": {"type": "array", "items": {"$ref": "#/components/schemas/RequestSummary"}},
        "next_cursor": NULLABLE_TEXT, "has_more": {"type": "boolean"}}},
    "Request": {"allOf": [{"$ref": "#/components/schemas/RequestSummary"}, {
        "type": "object", "required": ["answers", "timeline", "messages", "letters", "files"],
        "properties": {
            "answers": {"type": "object"}, "timeline": {"type": "array"},
            "messages": {"type": "array"}, "letters": {"type": "array"},
            "files": {"type": "array"}}}]},
}


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    reason = {"type": "string", "minLength": 1}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Frontdesk REST API", "version": "1.0.0", "description":
                 "For connected back-office systems: forms, requests and the actions staff take "
                 "on them. Authenticate with Authorization: Bearer <key>. Errors are "
                 "application/problem+json (RFC 9457). Texts are Unicode without NUL (U+0000) "
                 "or lone surrogates, bodies at most 32 levels deep, numbers finite: anything "
                 "else is a 400."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": SCHEMAS},
        "paths": {
            "/forms": {
                "get": {"summary": "The organisation's forms", "tags": ["forms"], "responses": {
                    "200": {"description": "Forms", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["forms"], "properties": {"forms": {
                            "type": "array", "items": {"$ref": "#/components/schemas/Form"}}}}}}},
                    **_errors(401, 429)}},
                "post": {"summary": "Push a form definition; it waits for an administrator's "
                                    "approval", "tags": ["forms"], "parameters": [IDEMPOTENCY],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/FormDefinition"}}}},
                         "responses": {"202": _json("Proposal", "Kept, pending approval"),
                                       **_errors(400, 401, 409, 422, 429)}}},
            "/forms/proposals/{proposal_id}": {"get": {
                "summary": "A pushed definition's decision", "tags": ["forms"],
                "parameters": [dict(ID_PARAM, name="proposal_id")],
                "responses": {"200": _json("Proposal", "The proposal"), **_errors(401, 404, 429)}}},
            "/requests": {"get": {
                "summary": "Requests changed since a cursor, oldest change first", "tags": ["requests"],
                "parameters": [
                    {"name": "cursor", "in": "query", "description":
                     "next_cursor of the previous page (none: from the beginning)",
                     "schema": {"type": "string", "pattern": "^[0-9]{1,16}\\.[0-9]{1,10}$"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                "maximum": 200, "default": 50}}],
                "responses": {"200": _json("RequestPage", "A page"), **_errors(400, 401, 429)}}},
            "/requests/{request_id}": {"get": {
                "summary": "One request with its timeline, messages, letters and files",
                "tags": ["requests"], "parameters": [dict(ID_PARAM, name="request_id")],
                "responses": {"200": _json("Request", "The request"), **_errors(401, 404, 429)}}},
            "/requests/{request_id}/files/{file_id}": {"get": {
                "summary": "Download one file of the request", "tags": ["requests"],
                "parameters": [dict(ID_PARAM, name="request_id"), dict(ID_PARAM, name="file_id")],
                "responses": {"200": {"description": "The file, as an attachment",
                                      "content": {"application/octet-stream": {}}},
                              **_errors(401, 404, 429, 503)}}},
            "/requests/{request_id}/register": _action("Register (journal number)", {
                "properties": {"unit_id": {"type": "integer"}}}),
            "/requests/{request_id}/assign": _action("Assign to an executor", {
                "properties": {"executor_id": {"type": "integer"}}, "required": ["executor_id"]}),
            "/requests/{request_id}/start": _action("Start work"),
            "/requests/{request_id}/pause": _action("Pause the clock", {"properties": {
                "reason": {"enum": ["supplement", "third_party", "inspection", "person_request"]},
                "note": {"type": "string"}}, "required": ["reason"]}),
            "/requests/{request_id}/resume": _action("Resume the clock"),
            "/requests/{request_id}/result": _action("The result is ready", {"properties": {
                "handover": {"enum": ["desk", "post", "online"]}, "note": {"type": "string"}},
                "required": ["handover"]}),
            "/requests/{request_id}/refuse": _action("Refuse, with a reason the person reads", {
                "properties": {"reason": reason}, "required": ["reason"]}),
            "/requests/{request_id}/close": _action("Close"),
            "/requests/{request_id}/deadline": _action("Set a new deadline", {"properties": {
                "date": {"type": "string", "format": "date"}, "reason": reason},
                "required": ["date", "reason"]}),
            "/requests/{request_id}/messages": _action("Write to the person", {
                "properties": {"body": reason}, "required": ["body"]}),
            "/requests/{request_id}/fee": _action("Ask for a fee", {
                "properties": {"amount": {"type": "string", "pattern": "^[0-9]+([.,][0-9]{1,2})?$"}},
                "required": ["amount"]}),
            "/requests/{request_id}/letters": _action("Answer with a letter (text and/or PDF)", {
                "properties": {"title": reason, "body": {"type": "string"},
                               "file": {"type": "object", "required": ["content_base64"],
                                        "properties": {"filename": {"type": "string"},
                                                       "content_base64": {"type": "string"}}}},
                "required": ["title"]}, errors=(503,)),
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return document()
