"""Back-office pages: the inbox, a request's page and its file downloads. Thin views: parse the
input, call the service, render."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from admin import bp, presenters
from admin.forms import ACTION_FORMS, INBOX_STATUSES, inbox_query
from admin.person_notes import offer_person_notes
from admin.presenters import (HANDOVERS, PAUSE_REASONS, available_actions, files_of, inbox_rows,
                              is_overdue, letter_draft, person_name, timeline)
from widget.downloads import file_response
from widget.models import Request, StaffUser
from widget.public.presenters import answer_rows
from widget.services.access import AdministratorsOnly, NotFound, find_for_staff
from widget.services.bulk import bulk_executors
from widget.services.deliveries import deliveries_of
from widget.services.inbox import forms_of, list_inbox
from widget.services.messaging import mark_citizen_messages_read
from widget.services.staff_notices import note_look, unread_of
from widget.services.transfer import transfer_targets
from widget.services.workflow import executors_for
from widget.untrusted import parse_id
from widget.uploads import configured_store

# Ids bounded to what the database holds: a larger number is "not found", never an error.
ID = "id"  # widget.request_guard.IdConverter: ASCII digits within the database's integer


def current_staff() -> StaffUser:
    """The signed-in staff member (the real object, not Flask-Login's proxy)."""
    return current_user._get_current_object()


def page_number() -> int:
    """The page asked for in the query string; 1 when it is no number."""
    # Out of range is no error: the services show the nearest page there is.
    text = request.args.get("page", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 1


def posted_id(text: str | None) -> int | None:
    """A chosen row's id from a form: None when nothing is chosen, 0 when the text is no id (no
    row has it, so the service refuses it in its own words)."""
    if not text:
        return None
    return parse_id(text) or 0


def posted_ids(values: list[str]) -> list[int]:
    """Chosen rows' ids from a form (see posted_id; an empty value is no id either)."""
    return [posted_id(value) or 0 for value in values]


@bp.context_processor
def admin_labels():
    """Staff-worded labels for the admin templates."""
    return {"label": presenters.label, "message_author": presenters.message_author,
            "VIEWS": presenters.VIEWS, "SORTS": presenters.SORTS, "CHANNELS": presenters.CHANNELS,
            "FEE_STATUSES": presenters.FEE_STATUSES, "PAUSE_REASONS": PAUSE_REASONS,
            "HANDOVERS": HANDOVERS, "LETTER_TEMPLATES": presenters.LETTER_TEMPLATES}


@bp.errorhandler(NotFound)
@bp.errorhandler(AdministratorsOnly)
@bp.errorhandler(404)
def not_found(error):
    """Another unit's request looks exactly like a request that does not exist, and an
    administration page like a page that does not exist to staff who are not administrators."""
    message = error.message if isinstance(error, NotFound) else _(
        "The address may be mistyped, or the page no longer exists.")
    return render_template("admin/error.html", title=_("Page not found"), message=message), 404


@bp.get("/")
def inbox():
    """The inbox: a tab per view with counts, filters, sorting and pages."""
    staff = current_staff()
    query, params, problems = inbox_query(request.args)
    page = list_inbox(staff, query)
    return render_template(
        "admin/inbox.html", page=page, rows=inbox_rows(page.requests), query=query,
        unread=unread_of(staff, [req.id for req in page.requests]),
        params=params, problems=problems, statuses=INBOX_STATUSES, forms=forms_of(staff),
        executors=bulk_executors(staff) if staff.is_unit_head else None)


@bp.get(f"/requests/<{ID}:request_id>")
def detail(request_id):
    """Everything about one request, and the forms of the actions allowed now."""
    staff = current_staff()
    req = find_for_staff(staff, request_id)
    unread = {m.id for m in req.messages if not m.from_staff and m.read_at is None}
    mark_citizen_messages_read(staff, req)
    note_look(staff, req)
    return render_detail(req, unread=unread, letter_template=request.args.get("letter_template"))


def render_detail(req: Request, failed: str | None = None, failed_form: FlaskForm | None = None,
                  error=None, unread=frozenset(), letter_template: str | None = None,
                  status: int = 200):
    """The request's page; after a refused action, with its reason and what was typed."""
    staff = current_staff()
    lang = str(get_locale())
    actions = available_actions(staff, req)
    forms = {name: failed_form if name == failed and failed_form is not None
             else ACTION_FORMS[name](formdata=None, prefix=name) for name in actions}
    _fill_choices(forms, req, staff, lang)
    draft = letter_draft(letter_template, req)
    if draft and failed != "letter":
        forms["letter"].title.data, forms["letter"].body.data = draft
    return render_template(
        "admin/detail.html", req=req, forms=forms, failed=failed, error=error, unread=unread,
        open_action=failed or ("letter" if draft else None), rows=answer_rows(req, lang),
        person=person_name(req), overdue=is_overdue(req), timeline=timeline(req),
        deliveries=deliveries_of(staff, req.id), letter_template=letter_template), status


def _fill_choices(forms: dict, req: Request, staff: StaffUser, lang: str) -> None:
    for form in forms.values():
        if "version" in form:
            # Always the version shown now: after a conflict the page shows the request as it is.
            form.version.data, form.version.raw_data = req.lock_version, []
        if "day" in form and form.day.data is None:
            form.day.raw_data = []  # a date input shows a date or nothing
    if "register" in forms and not staff.is_admin:
        del forms["register"]["unit"]  # only administrators move a request to another unit
    elif "register" in forms:
        forms["register"].unit.choices = [(str(unit.id), unit.name(lang))
                                          for unit in req.organization.units]
        forms["register"].unit.data = forms["register"].unit.data or str(req.unit_id or "")
    if "transfer" in forms:
        # No unit chosen beforehand: moving a request is a decision, never a default.
        forms["transfer"].unit.choices = [("", _("Choose a unit"))] + [
            (str(unit.id), unit.name(lang)) for unit in transfer_targets(staff, req)]
    if "assign" in forms:
        forms["assign"].executor.choices = [("", _("Choose a colleague"))] + [
            (str(person.id), person.name) for person in executors_for(req)]
        forms["assign"].executor.data = forms["assign"].executor.data or str(req.executor_id or "")
    if "pause" in forms:
        forms["pause"].reason.choices = [(key, str(text)) for key, text in PAUSE_REASONS.items()]
    if "result_ready" in forms:
        forms["result_ready"].handover.choices = [(key, str(text)) for key, text in HANDOVERS.items()]
    offer_person_notes(forms, req, lang)


@bp.get(f"/requests/<{ID}:request_id>/files/<{ID}:attachment_id>")
def download(request_id, attachment_id):
    """A file of a request this staff member may see, as a download that never runs as a page."""
    req = find_for_staff(current_staff(), request_id)
    attachment = files_of(req).get(attachment_id) or abort(404)
    # A file the store lost, or a store that does not answer: the app's error pages.
    data = configured_store().read(attachment.storage_key)
    return file_response(data, attachment.content_type, attachment.filename)
