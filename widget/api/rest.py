"""REST API v1: thin views over the services the back office uses, so rules, scopes, audit and
notices are the same whether staff click or a system calls."""
from __future__ import annotations

from flask import g, request

from widget.api import bp
from widget.api.documents import (form_document, proposal_document, request_document,
                                  request_summary, unit_document)
from widget.api.fields import body, day, expected_version, integer, pdf, text
from widget.api.keys import api_limit
from widget.api.problems import Problem, idempotent, key_required
from widget.downloads import file_response
from widget.services import api_requests, fees, form_proposals, messaging, transfer, workflow
from widget.services.api_requests import BadCursor
from widget.uploads import configured_limits, configured_store

ID = "id"  # widget.request_guard.IdConverter: ASCII digits within the database's integer




def _done(req):
    return request_document(req), 200


# Every route here, the OpenAPI document too, draws on the caller's one API budget.
api_limit(bp)


# -- forms -----------------------------------------------------------------------------------

@bp.get("/forms")
@key_required
def list_forms():
    return {"forms": [form_document(form) for form in api_requests.forms_of(g.staff)]}


@bp.post("/forms")
@key_required
@idempotent
def push_form():
    try:
        proposal = form_proposals.propose_form(g.client, body())
    except form_proposals.InvalidDefinition as error:
        raise Problem(422, "Unprocessable Content", "The form definition has errors.",
                      error.errors) from None
    return proposal_document(proposal), 202


@bp.get(f"/forms/proposals/<{ID}:proposal_id>")
@key_required
def form_proposal(proposal_id):
    proposal = form_proposals.proposal_for_client(g.client, proposal_id)
    if proposal is None:
        raise Problem(404, "Not Found", "No such proposal from this system.")
    return proposal_document(proposal)


# -- units -----------------------------------------------------------------------------------

@bp.get("/units")
@key_required
def list_units():
    return {"units": [unit_document(unit) for unit in api_requests.units_of(g.staff)]}


# -- requests --------------------------------------------------------------------------------

@bp.get("/requests")
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
@key_required
def read_request(request_id):
    return request_document(api_requests.request_for_system(g.staff, request_id))


@bp.get(f"/requests/<{ID}:request_id>/files/<{ID}:file_id>")
@key_required
def download_file(request_id, file_id):
    attachment = api_requests.file_for_system(g.staff, request_id, file_id)
    return file_response(configured_store().read(attachment.storage_key), attachment.content_type,
                         attachment.filename)


def _action(name: str, run):
    """A POST /requests/{id}/<name> that runs one workflow service with the JSON body."""
    def view(request_id):
        return _done(run(g.staff, request_id, body()))
    view.__name__ = f"action_{name}"
    bp.add_url_rule(f"/requests/<{ID}:request_id>/{name}", view_func=key_required(
        idempotent(view)), methods=["POST"])


_action("register", lambda s, r, d: workflow.register_request(
    s, r, expected_version(d), integer(d, "unit_id")))
_action("assign", lambda s, r, d: workflow.assign_request(
    s, r, expected_version(d), integer(d, "executor_id", required=True)))
_action("start", lambda s, r, d: workflow.start_work(s, r, expected_version(d)))
_action("pause", lambda s, r, d: workflow.pause_request(
    s, r, expected_version(d), text(d, "reason"), text(d, "note", required=False),
    text(d, "person_note", required=False)))
_action("resume", lambda s, r, d: workflow.resume_request(s, r, expected_version(d)))
_action("result", lambda s, r, d: workflow.mark_result_ready(
    s, r, expected_version(d), text(d, "handover"), text(d, "note", required=False),
    text(d, "person_note", required=False)))
_action("refuse", lambda s, r, d: workflow.refuse_request(
    s, r, expected_version(d), text(d, "reason"), text(d, "person_note", required=False)))
_action("close", lambda s, r, d: workflow.close_request(s, r, expected_version(d)))
_action("deadline", lambda s, r, d: workflow.change_deadline(
    s, r, expected_version(d), day(d, "date"), text(d, "reason"),
    text(d, "person_note", required=False)))
_action("transfer", lambda s, r, d: transfer.transfer_request(
    s, r, expected_version(d), integer(d, "unit_id", required=True), text(d, "reason")))
_action("messages", lambda s, r, d: messaging.send_staff_message(
    s, r, text(d, "body"), [], configured_limits(), configured_store(),
    expected_version=expected_version(d)))
_action("fee", lambda s, r, d: fees.request_fee(s, r, expected_version(d), text(d, "amount")))
_action("letters", lambda s, r, d: messaging.issue_letter(
    s, r, text(d, "title"), text(d, "body", required=False), pdf(d), configured_limits(),
    configured_store(), expected_version=expected_version(d)))
