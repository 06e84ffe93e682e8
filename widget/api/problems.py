"""What every API view shares: the key check, Idempotency-Key on POSTs, and errors as
application/problem+json (RFC 9457)."""
from __future__ import annotations

import functools
import hashlib

from flask import current_app, g, make_response, request
from werkzeug.exceptions import HTTPException

from widget.api import bp
from widget.api.keys import verified_client
from widget.api.problem_types import PROBLEM, listing, problem_response
from widget.api.documents import request_summary
from widget.db_outage import answer_outages
from widget.file_stores import StoredFileMissing, StoreUnavailable
from widget.models import IdempotencyRecord
from widget.rate_limits import retry_after
from widget.services import idempotency
from widget.services.access import ActionError, Conflict, NotFound
from widget.services.api_requests import request_for_system


class Problem(Exception):
    """An API error with its HTTP status and a sentence for the integrator."""

    def __init__(self, status: int, title: str, detail: str = "", errors: dict | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


@bp.get("/problems")
def problem_types():
    """The problem types errors carry, with when each is used: where their `type` URIs point."""
    return listing()


@bp.errorhandler(Problem)
def _problem(error: Problem):
    headers = {"WWW-Authenticate": 'Bearer realm="frontdesk"'} if error.status == 401 else None
    return problem_response(error.status, error.title, error.detail, error.errors, headers)


@bp.errorhandler(NotFound)
def _not_found(_error):
    return problem_response(404, "Not Found", "No such resource among those this key may see.")


@bp.errorhandler(Conflict)
def _conflict(error):
    # The request as it is now (its version and status among the rest): the caller decides
    # from it whether to do the change again, without another call.
    return problem_response(409, "Conflict", str(error.message), extra=_request_now())


def _request_now() -> dict:
    request_id = (request.view_args or {}).get("request_id")
    staff = g.get("staff")
    if request_id is None or staff is None:
        return {}
    try:
        return {"request": request_summary(request_for_system(staff, request_id))}
    except NotFound:
        return {}


@bp.errorhandler(ActionError)
def _refused(error):
    return problem_response(422, "Unprocessable Content", str(error.message))


@bp.errorhandler(StoreUnavailable)
def _store_unavailable(error):
    current_app.logger.warning("file store unavailable: %s", error)
    return problem_response(503, "Service Unavailable", "The file store does not answer; nothing "
                            "was changed. Try again later.", headers={"Retry-After": "60"})


@bp.errorhandler(StoredFileMissing)
def _stored_file_missing(error):
    current_app.logger.error("stored file missing: key %s", error)
    return problem_response(404, "Not Found", "The file is listed, but its content is no longer "
                            "stored.")


# By code: the app's own 429 handler (a page for people) would otherwise answer first.
@bp.errorhandler(429)
def _too_many(_error):
    return problem_response(429, "Too Many Requests", "This key's calls (or, without a valid key, "
                            "this address's) are spent for now: try again after Retry-After "
                            "seconds.", headers={"Retry-After": retry_after()})


@bp.errorhandler(HTTPException)
def _http(error: HTTPException):
    return problem_response(error.code or 500, error.name, error.description or "")


answer_outages(bp, lambda: problem_response(
    503, "Service Unavailable", "The database is unreachable for a moment: send the call "
    "again after Retry-After seconds (a POST with the same Idempotency-Key)."))


def key_required(view):
    """The connected system a key (Authorization: Bearer ...) belongs to, in g.client."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        client = verified_client()
        if client is None:
            raise Problem(401, "Unauthorized", "Send a valid API key: Authorization: Bearer fd_...")
        g.client, g.staff = client, client.staff_user
        return view(*args, **kwargs)
    return wrapper


def idempotent(view):
    """POSTs carry an Idempotency-Key: the same key and body get the first answer again; the same
    key with another body is refused (422); a key whose first request is still running, 409."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 200 or not key.isprintable():
            raise Problem(400, "Bad Request", "Send an Idempotency-Key header (1-200 printable "
                                              "characters) with every POST.")
        fingerprint = hashlib.sha256(b"%s %s\n%s" % (
            request.method.encode(), request.path.encode(), request.get_data())).hexdigest()
        client_id = g.client.id
        claimed, earlier = idempotency.claim(client_id, key, fingerprint)
        if not claimed:
            return _replay(earlier, fingerprint)
        try:
            response = _respond(view, args, kwargs)
        except Exception:
            idempotency.forget(client_id, key)
            raise
        if response.status_code >= 500:
            idempotency.forget(client_id, key)
        else:
            idempotency.keep_answer(client_id, key, response.status_code,
                                    response.get_data(as_text=True))
        return response
    return wrapper


def _respond(view, args, kwargs):
    # A refusal is an answer too: the same key gets the same refusal, so it is kept like one.
    try:
        return make_response(view(*args, **kwargs))
    except Problem as error:
        return make_response(_problem(error))
    except NotFound as error:
        return make_response(_not_found(error))
    except Conflict as error:
        return make_response(_conflict(error))
    except ActionError as error:
        return make_response(_refused(error))
    except HTTPException as error:
        return make_response(_http(error))


def _replay(record: IdempotencyRecord | None, fingerprint: str):
    if record is None:  # its first request failed and was forgotten meanwhile
        raise Problem(409, "Conflict", "This Idempotency-Key was just in use; send it again.")
    if record.fingerprint != fingerprint:
        raise Problem(422, "Unprocessable Content",
                      "This Idempotency-Key was used with another request.")
    if record.status_code == idempotency.IN_PROGRESS:
        raise Problem(409, "Conflict", "The first request with this Idempotency-Key is still "
                                       "being answered.")
    content_type = PROBLEM if record.status_code >= 400 else "application/json"
    return record.response_body, record.status_code, {"Content-Type": content_type,
                                                       "Idempotent-Replayed": "true"}
