"""The problem documents (RFC 9457) every machine-facing answer uses for its errors: one type per
kind of error, each a URI into the list GET /api/v1/problems serves, so that a client can tell
errors apart by `type` and a developer can open the URI to read what it means."""
from __future__ import annotations

import json

from flask import request, url_for
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM = "application/problem+json"
# Path prefixes whose every error is a problem document, routed or not: systems call them.
MACHINE_PREFIXES = ("/api", "/open311")

# status: (type slug, title, when it is used). docs/api.md, "REST API", lists the same.
PROBLEM_TYPES: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad Request",
          "The call is malformed: the body is not a JSON object, the Idempotency-Key header is "
          "missing, a cursor or limit is not one this API gives out."),
    401: ("unauthorized", "Unauthorized",
          "No valid API key: send Authorization: Bearer fd_... with a key that is not revoked."),
    404: ("not-found", "Not Found",
          "No such path, or nothing this key may see there (another organisation's or another "
          "unit's request answers the same)."),
    405: ("method-not-allowed", "Method Not Allowed",
          "The path exists but not with this method; the Allow header lists the methods it "
          "takes."),
    409: ("conflict", "Conflict",
          "The request changed since the expected_version sent, or the first call with this "
          "Idempotency-Key is still being answered: read again, then decide."),
    413: ("too-large", "Content Too Large", "The body is larger than this API accepts."),
    422: ("unprocessable", "Unprocessable Content",
          "Well-formed but refused: a field's value (`errors` names each), the request's state "
          "or the rules do not allow it, or an Idempotency-Key was used with another body."),
    429: ("rate-limited", "Too Many Requests",
          "Too many calls with this key: wait the Retry-After seconds."),
    500: ("server-error", "Internal Server Error",
          "A fault on our side; nothing is kept for a POST, so send it again with the same "
          "Idempotency-Key."),
    503: ("unavailable", "Service Unavailable",
          "The database or the file store does not answer for a moment; nothing was changed. "
          "Send the call again after Retry-After seconds."),
}


def type_uri(status: int) -> str:
    """The URI of the problem type of an HTTP status (about:blank for one without its own)."""
    known = PROBLEM_TYPES.get(status)
    if known is None:
        return "about:blank"
    return url_for("api.problem_types", _external=True) + "#" + known[0]


def is_machine_path(path: str) -> bool:
    """Whether a path is the REST API's or Open311's, routed or not."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in MACHINE_PREFIXES)


def problem_response(status: int, title: str = "", detail: str = "", errors: dict | None = None,
                     headers: dict | None = None, extra: dict | None = None):
    """A problem document answer: type, title, status, detail (and errors by field, and any
    `extra` members, such as a 409's request as it is now)."""
    title = title or PROBLEM_TYPES.get(status, ("", HTTP_STATUS_CODES.get(status, "Error"), ""))[1]
    body = {"type": type_uri(status), "title": title, "status": status,
            "detail": detail or PROBLEM_TYPES.get(status, ("", "", title))[2]}
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return (json.dumps(body, ensure_ascii=False), status,
            {"Content-Type": PROBLEM, **(headers or {})})


def routing_problem(status: int, allowed: list[str] | None = None):
    """The answer to a path or method no view takes under the machine prefixes: 404, or 405
    with Allow listing the methods the path takes."""
    if status == 405:
        return problem_response(405, detail=f"{request.method} is not allowed here; this path "
                                f"takes {', '.join(sorted(allowed or []))}.",
                                headers={"Allow": ", ".join(sorted(allowed or []))})
    return problem_response(status)


def listing() -> dict:
    """Every problem type with its status and when it is used (GET /api/v1/problems)."""
    return {"types": [{"type": type_uri(status), "status": status, "title": title, "when": when}
                      for status, (_slug, title, when) in PROBLEM_TYPES.items()]}
