"""The administrators' pages about connected back-office systems: their API keys (shown once,
on the page that made them), their webhooks, and the form definitions they push, approved or
rejected here. Other staff get "page not found", as for the notification settings."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user

from admin import bp
from admin.auth import administrators_only
from admin.forms import served_moment, served_now
from admin.presenters import STAFF_EVENT_LABELS
from admin.proposal_view import FIELD_CHANGES, FIELD_TYPES, proposal_view
from admin.routes import ID, current_staff, posted_ids
from widget.models import ApiClient
from widget.public.presenters import EVENT_LABELS
from widget.services.access import NotAllowed
from widget.services.api_clients import (WEBHOOK_EVENTS, api_clients, client_of,
                                         create_api_client, revoke_api_client, set_webhook)
from widget.services.access import AdministratorsOnly
from widget.services.form_builder import group_choices, unit_choices
from widget.services.form_proposals import decide_proposal, pending_proposals, proposed_placement
from widget.textnorm import strip_controls

INTEGRATIONS = "/integrations"
PROPOSALS = "/forms/proposals"
REASON_MAX = 2000  # what decide_proposal keeps
# The timeline's words for each event a webhook may announce; staff read "received" for every
# channel and the person's message as the person's, not as "your message".
WEBHOOK_EVENT_LABELS = {kind: EVENT_LABELS.get(kind, kind) for kind in WEBHOOK_EVENTS} | {
    kind: text for kind, text in STAFF_EVENT_LABELS.items() if kind in WEBHOOK_EVENTS} | {
    "received": _l("Request received (online, at the desk or by post)")}


@bp.context_processor
def integration_labels():
    """Event and field-type labels, and the nav's count of forms waiting for approval."""
    return {"WEBHOOK_EVENT_LABELS": WEBHOOK_EVENT_LABELS, "FIELD_TYPES": FIELD_TYPES,
            "FIELD_CHANGES": FIELD_CHANGES, "pending_form_proposals": _pending_count}


def _pending_count() -> int:
    # Called by the nav only for administrators: one query, usually returning nothing.
    staff = current_user._get_current_object()
    try:
        return len(pending_proposals(staff)) if staff.is_authenticated else 0
    except AdministratorsOnly:
        return 0


def _systems_page(created: tuple[ApiClient, str] | None = None,
                  secret_of: ApiClient | None = None, error: str | None = None,
                  problem: str | None = None, failed_id: int | None = None,
                  typed: dict | None = None, status: int = 200,
                  connected_again: ApiClient | None = None):
    """The systems page; `created` shows a new key once, `secret_of` a webhook signing secret,
    `connected_again` says a resent page made nothing new, `error` with `problem` (the field it
    is about) and `failed_id` (the system, or None for the new one) a refusal beside what was
    typed."""
    staff = current_staff()
    clients = api_clients(staff)
    units = sorted(staff.organization.units, key=lambda unit: unit.code)
    return render_template(
        "admin/integrations.html", clients=clients, units=units, events=WEBHOOK_EVENTS,
        created=created, secret_of=secret_of, connected_again=connected_again, error=error,
        problem=problem, failed_id=failed_id, typed=typed or {},
        served_at=served_now()), status


def _client(client_id: int) -> ApiClient:
    try:
        return client_of(current_staff(), client_id)
    except NotAllowed:  # not an administrator, or no such system of this organisation
        abort(404)


@bp.get(INTEGRATIONS)
@administrators_only
def integration_list():
    """The connected systems, newest first, with their webhooks, and the form to connect one."""
    return _systems_page()


@bp.post(INTEGRATIONS)
@administrators_only
def integration_create():
    """Connect a system: its key is on the page this answers with, and nowhere else, ever."""
    staff = current_staff()
    typed = {"name": request.form.get("name", ""), "units": posted_ids(request.form.getlist("units")),
             "webhook_url": request.form.get("webhook_url", ""),
             "events": request.form.getlist("events")}
    try:
        created = create_api_client(staff, typed["name"], typed["units"], typed["webhook_url"],
                                    typed["events"], served_moment(request.form.get("served_at")))
    except NotAllowed as error:
        # Which field the refusal is about, in the order the service checks them.
        own_units = {unit.id for unit in staff.organization.units}
        problem = ("name" if not strip_controls(typed["name"]).strip() else
                   "units" if not set(typed["units"]) <= own_units else "webhook_url")
        return _systems_page(error=str(error.message), problem=problem, typed=typed, status=422)
    if not created[1]:  # this page was sent again: the system exists, its key was shown once
        return _systems_page(connected_again=created[0])
    # Rendered, not redirected: a redirect would have to carry the key in a URL or the session.
    return _systems_page(created=created)


@bp.post(f"{INTEGRATIONS}/<{ID}:client_id>/revoke")
@administrators_only
def integration_revoke(client_id):
    """Stop a system's key for good (and its webhooks with it)."""
    try:
        revoke_api_client(current_staff(), client_id)
    except NotAllowed:
        abort(404)
    flash(_("The system is disconnected: its key no longer works and it is told of no more "
            "events."), "success")
    return redirect(url_for("admin.integration_list"))


@bp.post(f"{INTEGRATIONS}/<{ID}:client_id>/webhook")
@administrators_only
def integration_webhook(client_id):
    """Where a system is told of events, and which; the first address makes a signing secret,
    shown on the page this answers with."""
    client = _client(client_id)
    url, events = request.form.get("webhook_url", ""), request.form.getlist("events")
    typed = {"webhook_url": url, "events": events}
    if not client.is_active:
        return _systems_page(error=_("This system is disconnected: its webhook cannot change."),
                             problem="webhook_url", failed_id=client.id, typed=typed, status=422)
    had_secret = bool(client.webhook_secret)
    try:
        client = set_webhook(current_staff(), client.id, url, events)
    except NotAllowed as error:
        return _systems_page(error=str(error.message), problem="webhook_url",
                             failed_id=client.id, typed=typed, status=422)
    if client.webhook_url and not had_secret:
        return _systems_page(secret_of=client)
    flash(_("The webhook is saved.") if client.webhook_url else
          _("The webhook is removed: the system is told of no events."), "success")
    return redirect(url_for("admin.integration_list", _anchor=f"system-{client.id}"))


@bp.post(f"{INTEGRATIONS}/<{ID}:client_id>/secret")
@administrators_only
def integration_secret(client_id):
    """Show a system's webhook signing secret again (a POST: never in a URL or the history)."""
    client = _client(client_id)
    if not client.is_active or not client.webhook_secret:
        abort(404)
    return _systems_page(secret_of=client)


# --- forms pushed for approval -------------------------------------------------------------------

def _proposals_page(error: str | None = None, failed_id: int | None = None,
                    typed: dict | None = None, status: int = 200):
    """The proposals waiting, oldest first, each with the unit and group it would be published
    into (the pushed ones, else the form's own, else none chosen yet); after a refused decision,
    why, and what was typed."""
    staff = current_staff()
    proposals = pending_proposals(staff)
    language = str(get_locale())
    placements = {}
    for proposal in proposals:
        unit_id, group_id = proposed_placement(proposal)
        placements[proposal.id] = {"reason": "", "unit_id": str(unit_id or ""),
                                   "group_id": str(group_id or "")}
    if failed_id in placements and typed is not None:
        placements[failed_id] = typed
    return render_template(
        "admin/form_proposals.html", proposals=[proposal_view(p, language) for p in proposals],
        error=error, failed_id=failed_id, placements=placements, reason_max=REASON_MAX,
        units=unit_choices(staff), groups=group_choices(staff)), status


def _posted_id(name: str) -> int | None:
    """A chosen id; 0 for the empty choice (none); None when the field was not sent at all."""
    if name not in request.form:
        return None
    text = request.form[name]
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0


@bp.get(PROPOSALS)
@administrators_only
def proposal_list():
    """Form definitions pushed by connected systems, oldest first, to approve or reject."""
    return _proposals_page()


@bp.post(f"{PROPOSALS}/<{ID}:proposal_id>")
@administrators_only
def proposal_decide(proposal_id):
    """Publish a proposal (a new form or a new version) or reject it with a reason."""
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    reason = request.form.get("reason", "")
    # The page sends both, starting from the pushed unit and group (or the form's own): an
    # empty unit is "none chosen" (refused on approval), an empty group is "no group".
    try:
        decide_proposal(current_staff(), proposal_id, decision == "approve", reason,
                        unit_id=_posted_id("unit_id"), group_id=_posted_id("group_id"))
    except NotAllowed as error:
        # str(): a lazy string is trusted as HTML by Jinja.
        typed = {"reason": reason, "unit_id": request.form.get("unit_id", "")[:12],
                 "group_id": request.form.get("group_id", "")[:12],
                 "problem": "unit_id" if decision == "approve" else "reason"}
        return _proposals_page(str(error.message), proposal_id, typed, status=422)
    flash(_("The form is published: people can fill it in now. Requests already sent keep the "
            "version they were sent on.") if decision == "approve" else
          _("The form is rejected. The system that sent it can read your reason."), "success")
    return redirect(url_for("admin.proposal_list"))
