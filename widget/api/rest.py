"""REST API v1: thin views over the services the back office uses, so rules, scopes, audit and
notices are the same whether staff click or a system calls."""
from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import g, request

from widget.api import bp
from widget.api.documents import (form_document, proposal_document, request_document,
                                  request_summary)
from widget.api.problems import Problem, idempotent, key_required
from widget.config import setting
from widget.downloads import file_response
from widget.extensions import limiter
from widget.services import api_requests, fees, form_proposals, messaging, workflow
from widget.services.api_requests import BadCursor
from widget.untrusted import json_id, parse_day
from widget.uploads import IncomingFile, configured_limits, configured_store

ID = "id"  # widget.request_guard.IdConverter: ASCII digits within the database's integer


def _key_of_caller() -> str:
    return (request.headers.get("Authorization") or "")[7:19] or request.remote_addr or "?"


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Problem(400, "Bad Request", "Send a JSON object (Content-Type: application/json).")
    return data


def _text(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Problem(422, "Unprocessable Content", f"'{name}' must be a string.",
                      {name: "a string"})
    return value


def _version(data: dict) -> int | None:
    value = data.get("expected_version")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Problem(422, "Unprocessable Content", "'expected_version' must be an integer.",
                      {"expected_version": "an integer"})
    return value


def _done(req):
    return request_document(req), 200


limit = limiter.limit(lambda: setting("RATE_LIMIT_API"), key_func=_key_of_caller)


# -- forms -----------------------------------------------------------------------------------

@bp.get("/forms")
@limit
@key_required
def list_forms():
    return {"forms": [form_document(form) for form in api_requests.forms_of(g.staff)]}


@bp.post("/forms")
@limit
@key_required
@idempotent
def push_form():
    try:
        proposal = form_proposals.propose_form(g.client, _body())
    except form_proposals.InvalidDefinition as error:
        raise Problem(422, "Unprocessable Content", "The form definition has errors.",
                      error.errors) from None
    return proposal_document(proposal), 202


@bp.get(f"/forms/proposals/<{ID}:proposal_id>")
@limit
@key_required
def form_proposal(proposal_id):
    proposal = form_proposals.proposal_for_client(g.client, proposal_id)
    if proposal is None:
        raise Problem(404, "Not Found", "No such proposal from this system.")
    return proposal_document(proposal)


# -- requests --------------------------------------------------------------------------------

@bp.get("/requests")
@limit
@key_required
def list_requests():
    text = request.args.get("limit", "50")
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= api_requests.MAX_PAGE):
        raise Problem(400, "Bad Request", f"'limit' must be 1 to {api_requests.MAX_PAGE}.")
    try:
        page, cursor, more = api_requests.changed_requests(g.staff, request.args.get("cursor"),
                                                           int(text))
    except BadCursor:
        raise Problem(400, "Bad Request", "This cursor was not given out by this API.") from None
    return {"requests": [request_summary(req) for req in page], "next_cursor": cursor,
            "has_more": more}


@bp.get(f"/requests/<{ID}:request_id>")
@limit
@key_required
def read_request(request_id):
    return request_document(api_requests.request_for_system(g.staff, request_id))


@bp.get(f"/requests/<{ID}:request_id>/files/<{ID}:file_id>")
@limit
@key_required
def download_file(request_id, file_id):
    attachment = api_requests.file_for_system(g.staff, request_id, file_id)
    return file_response(configured_store().read(attachment.storage_key), attachment.content_type,
                         attachment.filename)


def _action(name: str, run):
    """A POST /requests/{id}/<name> that runs one workflow service with the JSON body."""
    def view(request_id):
        return _done(run(g.staff, request_id, _body()))
    view.__name__ = f"action_{name}"
    bp.add_url_rule(f"/requests/<{ID}:request_id>/{name}", view_func=limit(key_required(
        idempotent(view))), methods=["POST"])


_action("register", lambda s, r, d: workflow.register_request(
    s, r, _version(d), json_id(d.get("unit_id"))))
_action("assign", lambda s, r, d: workflow.assign_request(
    s, r, _version(d), json_id(d.get("executor_id")) or 0))
_action("start", lambda s, r, d: workflow.start_work(s, r, _version(d)))
_action("pause", lambda s, r, d: workflow.pause_request(
    s, r, _version(d), _text(d, "reason"), _text(d, "note", required=False)))
_action("resume", lambda s, r, d: workflow.resume_request(s, r, _version(d)))
_action("result", lambda s, r, d: workflow.mark_result_ready(
    s, r, _version(d), _text(d, "handover"), _text(d, "note", required=False)))
_action("refuse", lambda s, r, d: workflow.refuse_request(s, r, _version(d), _text(d, "reason")))
_action("close", lambda s, r, d: workflow.close_request(s, r, _version(d)))


def _deadline(data: dict) -> date:
    day = parse_day(_text(data, "date"))
    if day is None:
        raise Problem(422, "Unprocessable Content", "'date' must be a YYYY-MM-DD day of the years "
                      "1900 to 2999.", {"date": "a date"})
    return day


_action("deadline", lambda s, r, d: workflow.change_deadline(
    s, r, _version(d), _deadline(d), _text(d, "reason")))
_action("messages", lambda s, r, d: messaging.send_staff_message(
    s, r, _text(d, "body"), [], configured_limits(), configured_store()))
_action("fee", lambda s, r, d: fees.request_fee(s, r, _version(d), _text(d, "amount")))


def _pdf(data: dict) -> IncomingFile | None:
    file = data.get("file")
    if file is None:
        return None
    if not isinstance(file, dict) or not isinstance(file.get("content_base64"), str):
        raise Problem(422, "Unprocessable Content", "'file' must be {filename, content_base64}.",
                      {"file": "an object"})
    try:
        content = base64.b64decode(file["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "Unprocessable Content", "'file.content_base64' is not base64.",
                      {"file.content_base64": "base64"}) from None
    return IncomingFile("letter", str(file.get("filename") or "letter.pdf")[:255], content)


_action("letters", lambda s, r, d: messaging.issue_letter(
    s, r, _text(d, "title"), _text(d, "body", required=False), _pdf(d), configured_limits(), configured_store()))
