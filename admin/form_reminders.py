"""The form builder's reminders: add one (date field, days before, channels, wording per
language) or remove one. Refusals show the builder again with what was typed."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from admin import bp
from admin.auth import administrators_only
from admin.form_builder import FORM, _builder_page
from admin.routes import ID, current_staff
from widget.services.form_proposals import LANGUAGES
from widget.services.form_reminders import (NoSuchReminder, ReminderInput, ReminderRefused,
                                            add_reminder, remove_reminder)
from widget.services.form_builder import NoSuchForm

REMINDERS = f"{FORM}/reminders"


def _typed() -> ReminderInput:
    return ReminderInput(
        date_field=request.form.get("date_field", ""),
        days_before=request.form.get("days_before", ""),
        channels=request.form.getlist("channels"),
        wordings={language: request.form.get(f"wording_{language}", "")
                  for language in LANGUAGES})


@bp.post(REMINDERS)
@administrators_only
def form_reminder_add(form_id):
    """Add a reminder to a form, checked before it is kept."""
    typed = _typed()
    try:
        add_reminder(current_staff(), form_id, typed)
    except NoSuchForm:
        abort(404)
    except ReminderRefused as refused:
        return _builder_page(form_id, "reminders", refused.problems, vars(typed), 422)
    flash(_("The reminder is saved: it is sent from now on."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor="reminders"))


@bp.post(f"{REMINDERS}/<{ID}:reminder_id>/remove")
@administrators_only
def form_reminder_remove(form_id, reminder_id):
    """Remove a reminder of a form: nothing more is sent for it."""
    try:
        remove_reminder(current_staff(), form_id, reminder_id)
    except (NoSuchForm, NoSuchReminder):
        abort(404)
    flash(_("The reminder is removed."), "success")
    return redirect(url_for("admin.form_edit", form_id=form_id, _anchor="reminders"))
