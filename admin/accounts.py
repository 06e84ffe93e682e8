"""The administrators' pages about people's accounts: the list with its search, one account with
its requests and the agent switch, and the changes of registered details people asked for.
Other staff get "page not found", as for the notification settings."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import administrators_only
from admin.presenters import inbox_rows
from admin.routes import ID, current_staff, page_number
from widget.i18n import format_day
from widget.models import REGISTERED_DETAILS, ChangeStatus
from widget.notify.account_notices import DETAIL_LABELS
from widget.services.access import NotAllowed
from widget.services.account_admin import (NOTE_MAX, account_for_staff, decide_detail_change,
                                           list_accounts, pending_detail_changes, set_agent)

ACCOUNTS = "/accounts"
# Staff words; the widget words these for the person ("waiting for staff").
CHANGE_STATUSES = {
    ChangeStatus.PENDING.value: _l("Waiting for a decision"),
    ChangeStatus.APPROVED.value: _l("Approved"),
    ChangeStatus.REFUSED.value: _l("Refused"),
}


def detail_value(field: str, value) -> str:
    """A registered detail as staff read it: a date of birth in the reader's locale."""
    if value is None or value == "":
        return ""
    if field == "birth_date":
        try:
            return format_day(value if isinstance(value, date) else date.fromisoformat(value))
        except ValueError:
            return value  # as the person typed it: the page says it is no date
    return str(value)


@bp.context_processor
def account_labels():
    """Labels of registered details and of the asks to change them, for the account pages."""
    return {"DETAIL_LABELS": DETAIL_LABELS, "REGISTERED_DETAILS": REGISTERED_DETAILS,
            "CHANGE_STATUSES": CHANGE_STATUSES, "detail_value": detail_value}


@bp.get(ACCOUNTS)
@administrators_only
def account_list():
    """The organisation's accounts, newest first, searched by name, e-mail or phone."""
    page = list_accounts(current_staff(), request.args.get("q", ""), page_number())
    return render_template("admin/accounts.html", page=page)


@bp.get(f"{ACCOUNTS}/<{ID}:account_id>")
@administrators_only
def account_page(account_id):
    """One account: contacts, registered details, the agent switch and its requests."""
    view = account_for_staff(current_staff(), account_id)
    return render_template("admin/account.html", view=view, account=view.account,
                           requests=inbox_rows(view.requests),
                           on_behalf=inbox_rows(view.on_behalf))


@bp.post(f"{ACCOUNTS}/<{ID}:account_id>/agent")
@administrators_only
def account_agent(account_id):
    """Let the account send requests on behalf of other people, or stop it."""
    is_agent = request.form.get("is_agent") == "1"
    set_agent(current_staff(), account_id, is_agent)
    flash(_("The account may now send requests on behalf of other people.") if is_agent
          else _("The account may no longer send requests on behalf of other people."), "success")
    return redirect(url_for("admin.account_page", account_id=account_id, _anchor="agent"))


def _changes_page(error: str | None = None, failed_id: int | None = None, typed: str = "",
                  status: int = 200):
    """The changes waiting for a decision; after a refused decision, why, and the note typed."""
    changes = pending_detail_changes(current_staff())
    return render_template("admin/account_changes.html", changes=changes, error=error,
                           failed_id=failed_id, typed=typed, note_max=NOTE_MAX), status


@bp.get(f"{ACCOUNTS}/changes")
@administrators_only
def account_changes():
    """Changes of registered details people asked for, oldest first, to approve or refuse."""
    return _changes_page()


@bp.post(f"{ACCOUNTS}/changes/<{ID}:change_id>")
@administrators_only
def account_change_decide(change_id):
    """Approve or refuse one change; the person is told either way."""
    decision = request.form.get("decision")
    if decision not in ("approve", "refuse"):
        abort(400)
    note = request.form.get("note", "")
    try:
        decide_detail_change(current_staff(), change_id, decision == "approve", note)
    except NotAllowed as error:
        # str(): a lazy string is trusted as HTML by Jinja.
        return _changes_page(str(error.message), change_id, note, status=422)
    flash(_("The change is approved: the account shows the new value, and the person is told.")
          if decision == "approve" else _("The change is refused, and the person is told why."),
          "success")
    return redirect(url_for("admin.account_changes"))
