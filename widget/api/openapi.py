"""The OpenAPI 3.1 document of REST v1, served at /api/v1/openapi.json. A test compares its
paths and methods with the app's routes, and schemathesis calls every operation with data drawn
from it and checks the answers against it: neither can drift from the code unnoticed."""
from __future__ import annotations

from widget.api import bp
from widget.untrusted import MAX_ID

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
LANGUAGE_TEXT = {"type": "string", "pattern": "\\S", "maxLength": 500}
TEXTS = {"type": "object", "propertyNames": {"enum": ["en", "vi", "fa", "ru"]},
         "additionalProperties": LANGUAGE_TEXT, "description": "Texts by language: en, vi, fa, ru."}
# What a form definition must give: at least one language.
SOME_TEXTS = dict(TEXTS, minProperties=1)
ID_INTEGER = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ID_PARAM = {"in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": MAX_ID}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
               "description": "Unique per intended change: a repeat with the same body gets the "
                              "first answer again (Idempotent-Replayed: true); with another body, "
                              "422.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                          "pattern": "^[\\x20-\\x7e]+$"}}


ERROR_NAMES = {400: "The input is malformed", 401: "No valid API key",
               404: "Not among what this key may see", 409: "Changed meanwhile, or in progress",
               422: "Refused: the input or the request's state does not allow it",
               429: "Too many calls", 503: "The file store does not answer; try again later"}
ERROR_DETAILS = {400: "Send a JSON object (Content-Type: application/json).",
                 401: "Send a valid API key: Authorization: Bearer fd_...",
                 404: "No such resource among those this key may see.",
                 409: "The request changed since the version you sent.",
                 422: "This action is not possible in the request's current status.",
                 429: "Too many calls with this key: wait the Retry-After seconds.",
                 503: "The file store does not answer; nothing was changed. Try again later."}
ERROR_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict",
                422: "Unprocessable Content", 429: "Too Many Requests",
                503: "Service Unavailable"}
PROBLEM_SLUGS = {400: "bad-request", 401: "unauthorized", 404: "not-found", 409: "conflict",
                 422: "unprocessable", 429: "rate-limited", 503: "unavailable"}


def _errors(*codes: int) -> dict:
    return {str(code): {"description": ERROR_NAMES[code], "content": {
        "application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {"type": f"https://frontdesk.example/api/v1/problems#{PROBLEM_SLUGS[code]}",
                        "title": ERROR_TITLES[code], "status": code,
                        "detail": ERROR_DETAILS[code]}}}}
            for code in codes}


def _json(schema_name: str, description: str, example: dict) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_name}"}, "example": example}}}


def _action(operation_id: str, summary: str, example: dict, body: dict | None = None,
            errors: tuple = ()) -> dict:
    properties = {"expected_version": dict(ID_INTEGER, description=(
        "The request's version you saw; 409 (with the request as it is now) if it changed."))}
    properties.update((body or {}).get("properties", {}))
    return {"post": {
        "operationId": operation_id, "summary": summary, "tags": ["requests"],
        "parameters": [dict(ID_PARAM, name="request_id"), IDEMPOTENCY],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": properties,
            "required": (body or {}).get("required", [])}, "example": example}}},
        "responses": {"200": _json("Request", "The request as it is now", REQUEST_EXAMPLE),
                      **_errors(400, 401, 404, 409, 422, 429, *errors)}}}


FILE = {"type": "object", "required": ["id", "filename", "content_type", "size"], "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"},
    "content_type": {"type": "string"}, "size": {"type": "integer"},
    "sha256": {"type": "string"}}}
FILES = {"type": "array", "items": {"$ref": "#/components/schemas/File"}}
CHOICES = {"type": "array", "items": {"type": "object", "required": ["value"], "properties": {
    "value": {"type": "string", "minLength": 1, "maxLength": 64}, "labels": TEXTS}}}
FIELD_TYPES = ["text", "long_text", "number", "date", "email", "phone", "choice", "multi_choice",
               "checkbox", "file"]
PREFILLS = ["name", "email", "phone", "address", "birth_date", "document_number"]
# A field as pushed and as read back: the same keys both ways.
FIELD = {"type": "object", "required": ["key", "type", "labels"], "properties": {
    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
    "type": {"enum": FIELD_TYPES}, "required": {"type": "boolean"}, "labels": SOME_TEXTS,
    "helps": TEXTS,
    "min_length": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
    "max_length": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
    "min_value": {"type": ["number", "null"]}, "max_value": {"type": ["number", "null"]},
    "prefill": {"enum": PREFILLS + [None]}, "choices": CHOICES}}

FIELD_EXAMPLE = {"key": "address", "type": "text", "required": True,
                 "labels": {"en": "Address", "vi": "Địa chỉ"}, "helps": {},
                 "min_length": None, "max_length": 200, "min_value": None, "max_value": None,
                 "prefill": "address", "choices": []}
CHOICE_EXAMPLE = {"key": "kind", "type": "choice", "required": False, "labels": {"en": "Kind"},
                  "helps": {"en": "Who will use the water"}, "min_length": None,
                  "max_length": None, "min_value": None, "max_value": None, "prefill": None,
                  "choices": [{"value": "home", "labels": {"en": "Home"}},
                              {"value": "shop", "labels": {"en": "Shop"}}]}
DEFINITION_EXAMPLE = {"slug": "water-connection", "processing_days": 7, "unit_id": 3,
                      "group_id": None, "titles": {"en": "Water connection"},
                      "descriptions": {"en": "<p>Connect a building to the water main.</p>"},
                      "fields": [FIELD_EXAMPLE, CHOICE_EXAMPLE]}
FORM_EXAMPLE = dict(DEFINITION_EXAMPLE, published=True, version=2,
                    group={"en": "Applications"}, group_id=1)
PROPOSAL_EXAMPLE = {"id": 12, "slug": "water-connection", "status": "pending", "reason": None,
                    "created_at": "2026-10-16T03:00:00+00:00", "decided_at": None}
UNIT_EXAMPLE = {"id": 3, "code": "HN", "names": {"en": "Hanoi office", "vi": "Văn phòng Hà Nội"},
                "active": True}
SUMMARY_EXAMPLE = {"id": 4711, "code": "7K3M-9QX2-HR4T-B5", "status": "registered",
                   "form": "building-permit", "form_version": 2, "channel": "web",
                   "language": "vi", "unit": "HN", "journal_number": "HN-2026-000123",
                   "executor": None, "submitted_at": "2026-10-16T03:00:00+00:00",
                   "due_at": "2026-10-23T10:00:00+00:00", "updated_at": "2026-10-16T04:00:00+00:00",
                   "version": 2}
REQUEST_EXAMPLE = dict(SUMMARY_EXAMPLE, answers={"name": "Lan", "address": "12 Hang Bac"},
                       pause_reason=None, handover=None, refusal_reason=None, fee_status=None,
                       fee_amount=None, timeline=[
                           {"id": 812, "kind": "received", "at": "2026-10-16T03:00:00+00:00",
                            "actor": None, "note": None, "public": True,
                            "data": {"channel": "web"}},
                           {"id": 813, "kind": "registered", "at": "2026-10-16T04:00:00+00:00",
                            "actor": "CRM", "note": None, "public": True, "data": {}}],
                       messages=[], letters=[], files=[
                           {"id": 51, "filename": "plan.pdf", "content_type": "application/pdf",
                            "size": 48213, "sha256": "9f2c" + "0" * 60}])

NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}

SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
        "type": {"type": "string", "format": "uri-reference", "description":
                 "One of the types GET /problems lists."},
        "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "By field: why its value was refused."},
        "request": {"$ref": "#/components/schemas/RequestSummary",
                    "description": "With a 409 conflict: the request as it is now."}}},
    "Field": FIELD,
    "Form": {"type": "object", "required": ["slug", "titles", "published", "fields"], "properties": {
        "slug": {"type": "string"}, "titles": TEXTS, "descriptions": TEXTS,
        "published": {"type": "boolean"},
        "group": {"type": ["object", "null"], "description": "The group's titles by language."},
        "group_id": NULLABLE_ID, "unit_id": NULLABLE_ID,
        "processing_days": {"type": "integer"}, "version": {"type": ["integer", "null"]},
        "fields": {"type": "array", "items": {"$ref": "#/components/schemas/Field"}}}},
    "FormDefinition": {"type": "object", "required": ["slug", "titles", "processing_days", "fields"],
                       "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "titles": SOME_TEXTS, "descriptions": TEXTS,
        "processing_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "unit_id": dict(NULLABLE_ID, description=(
            "The unit whose inbox gets the form's requests: one of GET /units. None: the "
            "administrator chooses it when approving.")),
        "group_id": dict(NULLABLE_ID, description="The catalogue group the form is listed in "
                                                  "(the group_id of a form of GET /forms)."),
        "fields": {"type": "array", "minItems": 1, "maxItems": 100,
                   "items": {"$ref": "#/components/schemas/Field"}}}},
    "Proposal": {"type": "object", "required": ["id", "slug", "status"], "properties": {
        "id": {"type": "integer"}, "slug": {"type": "string"},
        "status": {"enum": ["pending", "approved", "rejected"]}, "reason": NULLABLE_TEXT,
        "created_at": NULLABLE_TIME, "decided_at": NULLABLE_TIME}},
    "Unit": {"type": "object", "required": ["id", "code", "names", "active"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "names": TEXTS,
        "active": {"type": "boolean", "description": "A closed unit takes no new forms."}}},
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
    "File": FILE,
    "Event": {"type": "object", "required": ["id", "kind", "at", "public"], "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "at": NULLABLE_TIME,
        "actor": NULLABLE_TEXT, "note": NULLABLE_TEXT,
        "public": {"type": "boolean", "description": "false: an internal note"},
        "data": {"type": "object"}}},
    "Message": {"type": "object", "required": ["id", "from_staff", "body", "files"], "properties": {
        "id": {"type": "integer"}, "from_staff": {"type": "boolean"}, "body": {"type": "string"},
        "at": NULLABLE_TIME, "files": FILES}},
    "Letter": {"type": "object", "required": ["id", "title", "files"], "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "body": NULLABLE_TEXT,
        "at": NULLABLE_TIME, "files": FILES}},
    "Request": {"allOf": [{"$ref": "#/components/schemas/RequestSummary"}, {
        "type": "object", "required": ["answers", "timeline", "messages", "letters", "files"],
        "properties": {
            "answers": {"type": "object"},
            "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
            "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
            "letters": {"type": "array", "items": {"$ref": "#/components/schemas/Letter"}},
            "files": FILES}}]},
    "ProblemTypes": {"type": "object", "required": ["types"], "properties": {"types": {
        "type": "array", "items": {"type": "object", "required": ["type", "status", "title", "when"],
                                   "properties": {
            "type": {"type": "string"}, "status": {"type": "integer"},
            "title": {"type": "string"}, "when": {"type": "string"}}}}}},
}


def _list(schema_name: str, key: str, description: str, example: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": [key], "properties": {key: {
            "type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}}}},
        "example": {key: [example]}}}}


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    reason = {"type": "string", "minLength": 1}
    # The same note in the request's own language (its `language`): readers of that language
    # see it on the status page and in their notices, everyone else the note itself.
    person_note = {"type": "string", "maxLength": 2000, "description":
                   "The note again, in the language of the request (optional)."}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Frontdesk REST API", "version": "1.0.0", "description":
                 "For connected back-office systems: forms, units, requests and the actions "
                 "staff take on them. Authenticate with Authorization: Bearer <key>. Errors are "
                 "application/problem+json (RFC 9457); GET /problems lists their types. Texts "
                 "are Unicode without NUL (U+0000) or lone surrogates, bodies at most 32 levels "
                 "deep, numbers finite: anything else is a 400."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": SCHEMAS},
        "paths": {
            "/forms": {
                "get": {"operationId": "listForms", "summary": "The organisation's forms, each "
                        "as a definition POST /forms takes", "tags": ["forms"], "responses": {
                            "200": _list("Form", "forms", "Forms", FORM_EXAMPLE),
                            **_errors(401, 429)}},
                "post": {"operationId": "pushForm",
                         "summary": "Push a form definition; it waits for an administrator's "
                                    "approval", "tags": ["forms"], "parameters": [IDEMPOTENCY],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/FormDefinition"},
                             "example": DEFINITION_EXAMPLE}}},
                         "responses": {"202": _json("Proposal", "Kept, pending approval",
                                                    PROPOSAL_EXAMPLE),
                                       **_errors(400, 401, 409, 422, 429)}}},
            "/forms/proposals/{proposal_id}": {"get": {
                "operationId": "getFormProposal",
                "summary": "A pushed definition's decision", "tags": ["forms"],
                "parameters": [dict(ID_PARAM, name="proposal_id")],
                "responses": {"200": _json("Proposal", "The proposal",
                                           dict(PROPOSAL_EXAMPLE, status="approved",
                                                decided_at="2026-10-16T05:00:00+00:00")),
                              **_errors(401, 404, 429)}}},
            "/units": {"get": {
                "operationId": "listUnits", "summary": "The units this key may see (all the "
                "organisation's for a key limited to none)", "tags": ["units"],
                "responses": {"200": _list("Unit", "units", "Units", UNIT_EXAMPLE),
                              **_errors(401, 429)}}},
            "/requests": {"get": {
                "operationId": "listChangedRequests",
                "summary": "Requests changed since a cursor, oldest change first", "tags": ["requests"],
                "parameters": [
                    {"name": "cursor", "in": "query", "description":
                     "next_cursor of the previous page, opaque (none: from the beginning). "
                     "Pages follow the order changes committed in, so a system that keeps "
                     "asking with the last next_cursor sees every change.",
                     "schema": {"type": "string",
                                "pattern": "^(p[0-9]{1,18}|[0-9]{1,16}\\.[0-9]{1,10})$"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                "maximum": 200, "default": 50}}],
                "responses": {"200": _json("RequestPage", "A page", {
                    "requests": [SUMMARY_EXAMPLE], "next_cursor": "1792119600000000.4711",
                    "has_more": False}), **_errors(400, 401, 429)}}},
            "/requests/{request_id}": {"get": {
                "operationId": "getRequest",
                "summary": "One request with its timeline, messages, letters and files",
                "tags": ["requests"], "parameters": [dict(ID_PARAM, name="request_id")],
                "responses": {"200": _json("Request", "The request", REQUEST_EXAMPLE),
                              **_errors(401, 404, 429)}}},
            "/requests/{request_id}/files/{file_id}": {"get": {
                "operationId": "downloadRequestFile",
                "summary": "Download one file of the request", "tags": ["requests"],
                "parameters": [dict(ID_PARAM, name="request_id"), dict(ID_PARAM, name="file_id")],
                "responses": {"200": {"description": "The file, as an attachment",
                                      "content": {"application/octet-stream": {}}},
                              **_errors(401, 404, 429, 503)}}},
            "/requests/{request_id}/register": _action(
                "registerRequest", "Register (journal number)", {"expected_version": 1},
                {"properties": {"unit_id": ID_INTEGER}}),
            "/requests/{request_id}/assign": _action(
                "assignRequest", "Assign to an executor", {"expected_version": 2, "executor_id": 7},
                {"properties": {"executor_id": ID_INTEGER}, "required": ["executor_id"]}),
            "/requests/{request_id}/start": _action("startWork", "Start work",
                                                    {"expected_version": 3}),
            "/requests/{request_id}/pause": _action(
                "pauseRequest", "Pause the clock", {"expected_version": 4, "reason": "supplement",
                                                    "note": "Please bring a copy of your ID card"},
                {"properties": {
                    "reason": {"enum": ["supplement", "third_party", "inspection", "person_request"]},
                    "note": {"type": "string"}, "person_note": person_note},
                 "required": ["reason"]}),
            "/requests/{request_id}/resume": _action("resumeRequest", "Resume the clock",
                                                     {"expected_version": 5}),
            "/requests/{request_id}/result": _action(
                "markResultReady", "The result is ready",
                {"expected_version": 6, "handover": "desk", "note": "Window 3"},
                {"properties": {"handover": {"enum": ["desk", "post", "online"]},
                                "note": {"type": "string"}, "person_note": person_note},
                 "required": ["handover"]}),
            "/requests/{request_id}/refuse": _action(
                "refuseRequest", "Refuse, with a reason the person reads",
                {"expected_version": 3, "reason": "The plot is outside the district."},
                {"properties": {"reason": reason, "person_note": person_note},
                 "required": ["reason"]}),
            "/requests/{request_id}/close": _action("closeRequest", "Close",
                                                    {"expected_version": 7}),
            "/requests/{request_id}/deadline": _action(
                "changeDeadline", "Set a new deadline",
                {"expected_version": 3, "date": "2026-11-06", "reason": "Site visit needed"},
                {"properties": {"date": {"type": "string", "format": "date"}, "reason": reason,
                                "person_note": person_note},
                 "required": ["date", "reason"]}),
            "/requests/{request_id}/transfer": _action(
                "transferRequest", "Move to another unit of the organisation, with a reason "
                "staff read (the deadline stays, or restarts if the form says so)",
                {"expected_version": 3, "unit_id": 2, "reason": "Land matters are unit XD's."},
                {"properties": {"unit_id": ID_INTEGER, "reason": reason},
                 "required": ["unit_id", "reason"]}),
            "/requests/{request_id}/messages": _action(
                "sendMessage", "Write to the person", {"body": "We received your plan."},
                {"properties": {"body": reason}, "required": ["body"]}),
            "/requests/{request_id}/fee": _action(
                "requestFee", "Ask for a fee", {"expected_version": 3, "amount": "50000"},
                {"properties": {"amount": {"type": "string",
                                           "pattern": "^[0-9]+([.,][0-9]{1,2})?$"}},
                 "required": ["amount"]}),
            "/requests/{request_id}/letters": _action(
                "issueLetter", "Answer with a letter (text and/or PDF)",
                {"title": "Decision", "body": "Your permit is granted.",
                 "file": {"filename": "decision.pdf", "content_base64": "JVBERi0xLjQK"}},
                {"properties": {"title": reason, "body": {"type": "string"},
                                "file": {"type": "object", "required": ["content_base64"],
                                         "properties": {"filename": {"type": "string"},
                                                        "content_base64": {"type": "string"}}}},
                 "required": ["title"]}, errors=(503,)),
            "/problems": {"get": {
                "operationId": "listProblemTypes", "security": [],
                "summary": "The problem types errors carry (where their type URIs point)",
                "tags": ["errors"], "responses": {
                    "200": _json("ProblemTypes", "Every problem type and when it is used", {
                        "types": [{"type": "https://frontdesk.example/api/v1/problems#not-found",
                                   "status": 404, "title": "Not Found",
                                   "when": "No such path, or nothing this key may see there."}]})}}},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document, for client generators and schemathesis."""
    return document()
