"""The actions on a request's page: one POST route and a table from each action's name to the
service it calls and the message that confirms it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm

from admin import bp
from admin.forms import ACTION_FORMS, served_moment
from admin.routes import ID, current_staff, render_detail
from widget.extensions import db
from widget.services import fees, messaging, transfer, workflow
from widget.services.access import ActionError, Conflict, NotAllowed, NotFound, find_for_staff
from widget.untrusted import parse_id
from widget.uploads import IncomingFile, configured_limits, configured_store


@dataclass(frozen=True)
class Action:
    # (staff, request id, version seen, the posted form) -> calls one service
    run: Callable
    done: LazyString  # the confirmation shown after it
    versioned: bool = True


def _id(value: str | None, problem) -> int:
    """An id chosen in a select, or the service's own refusal for a choice that is not one."""
    number = parse_id(value)
    if number is None:
        raise NotAllowed(problem)
    return number


def _unit(form) -> int | None:
    # Only administrators see the unit select; an empty choice keeps the request's unit.
    if "unit" not in form or not form.unit.data:
        return None
    return _id(form.unit.data, _l("Please choose a unit of this organisation."))


def _day(form):
    if form.day.data is None:
        raise NotAllowed(_l("Please enter the new deadline as a date."))
    return form.day.data


def _files(storages) -> list[IncomingFile]:
    return [IncomingFile("files", storage.filename or "", storage.read())
            for storage in storages or [] if storage and storage.filename]


ACTIONS: dict[str, Action] = {
    "register": Action(lambda s, r, v, f: workflow.register_request(s, r, v, _unit(f)),
                       _l("The request is registered.")),
    "assign": Action(lambda s, r, v, f: workflow.assign_request(s, r, v, _id(
        f.executor.data, _l("Please choose an active colleague of the request's unit."))),
        _l("The request is assigned.")),
    "deadline": Action(lambda s, r, v, f: workflow.change_deadline(
        s, r, v, _day(f), f.reason.data, f.person_note.data or ""), _l("The deadline is changed.")),
    "start": Action(lambda s, r, v, f: workflow.start_work(s, r, v), _l("Work has started.")),
    "pause": Action(lambda s, r, v, f: workflow.pause_request(
        s, r, v, f.reason.data or "", f.note.data or "", f.person_note.data or ""),
        _l("The request is paused.")),
    "resume": Action(lambda s, r, v, f: workflow.resume_request(s, r, v),
                     _l("The request is resumed; the deadline moved by the time it waited.")),
    "result_ready": Action(lambda s, r, v, f: workflow.mark_result_ready(
        s, r, v, f.handover.data or "", f.note.data or "", f.person_note.data or ""),
        _l("The result is marked as ready.")),
    "refuse": Action(lambda s, r, v, f: workflow.refuse_request(
        s, r, v, f.reason.data, f.person_note.data or ""), _l("The request is refused.")),
    "close": Action(lambda s, r, v, f: workflow.close_request(s, r, v), _l("The request is closed.")),
    "message": Action(lambda s, r, v, f: messaging.send_staff_message(
        s, r, f.body.data, _files(f.files.data), configured_limits(), configured_store(),
        served_moment(f.served_at.data)), _l("Your message was sent to the person."),
        versioned=False),
    "note": Action(lambda s, r, v, f: messaging.add_internal_note(
        s, r, f.body.data, served_moment(f.served_at.data)), _l("The internal note is saved."),
        versioned=False),
    "letter": Action(lambda s, r, v, f: messaging.issue_letter(
        s, r, f.title.data, f.body.data, (_files([f.pdf.data]) or [None])[0], configured_limits(),
        configured_store(), served_moment(f.served_at.data)), _l("The letter is issued."),
        versioned=False),
    "fee_request": Action(lambda s, r, v, f: fees.request_fee(s, r, v, f.amount.data),
                          _l("The fee is requested.")),
    "fee_paid": Action(lambda s, r, v, f: fees.mark_fee_paid(s, r, v, f.receipt_number.data),
                       _l("The payment is recorded.")),
    "fee_waive": Action(lambda s, r, v, f: fees.waive_fee(s, r, v, f.reason.data),
                        _l("The fee is waived.")),
    "post_sent": Action(lambda s, r, v, f: fees.record_post_sent(s, r, v, f.item_number.data),
                        _l("The postal item is recorded.")),
    "post_received": Action(lambda s, r, v, f: fees.record_post_received(
        s, r, v, f.item_number.data), _l("The arrival by post is recorded.")),
    "transfer": Action(lambda s, r, v, f: transfer.transfer_request(s, r, v, _id(
        f.unit.data, _l("Please choose an active unit of the organisation.")), f.reason.data),
        _l("The request is moved to the other unit.")),
}


@bp.post(f"/requests/<{ID}:request_id>/<action>")
def act(request_id, action):
    """Do one action on a request; when refused, show the request again with the reason."""
    spec = ACTIONS.get(action) or abort(404)
    form: FlaskForm = ACTION_FORMS[action](prefix=action)
    version = form.version.data if spec.versioned else None
    if spec.versioned and version is None:
        abort(400)  # our pages always send the version they showed
    staff = current_staff()
    try:
        spec.run(staff, request_id, version, form)
    except NotFound:
        raise
    except ActionError as error:
        # A refusal from inside a change may leave the session half-changed: forget it all.
        db.session.rollback()
        return render_detail(find_for_staff(staff, request_id), failed=action, failed_form=form,
                             error=error.message, status=409 if isinstance(error, Conflict) else 422)
    flash(str(spec.done), "success")
    try:
        find_for_staff(staff, request_id)
    except NotFound:  # moved to a unit this staff member does not see: back to the inbox
        return redirect(url_for("admin.inbox"))
    return redirect(url_for("admin.detail", request_id=request_id))
