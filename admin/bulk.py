"""The inbox's actions on the ticked requests (a unit head's): assign, register, export. Each
request is checked as on its own page; the page after says what was done and what was not."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale, lazy_gettext as _l

from admin import bp
from admin.exports import export_file
from admin.routes import current_staff, posted_id
from widget.services import bulk
from widget.services.access import NotAllowed
from widget.services.exports import export_selection

# Each button's action and the report's caption.
ACTIONS = {"assign": _l("Assign"), "register": _l("Register"),
           "export_csv": _l("Download CSV"), "export_xlsx": _l("Download Excel")}


@bp.post("/inbox/selected")
def inbox_selected():
    """Do one action on every ticked request; a report of each, or the export's file."""
    action = request.form.get("action")
    if action not in ACTIONS:
        abort(400)  # the inbox's buttons always say which
    staff = current_staff()
    chosen = bulk.parse_selection(request.form.getlist("selected"))
    try:
        if action.startswith("export_"):
            file_format = action.removeprefix("export_")
            ids, refused = bulk.exportable(staff, chosen)
            if not refused:
                return export_file(export_selection(staff, ids, file_format, str(get_locale())),
                                   file_format)
            outcomes = refused
        elif action == "assign":
            outcomes = bulk.assign_selected(staff, chosen, posted_id(request.form.get("executor")))
        else:
            outcomes = bulk.register_selected(staff, chosen)
    except NotAllowed as error:
        return render_template("admin/bulk_report.html", action=action, outcomes=[],
                               error=str(error.message), caption=ACTIONS[action]), 422
    status = 200 if all(outcome.done for outcome in outcomes) else 422
    return render_template("admin/bulk_report.html", action=action, outcomes=outcomes,
                           error=None, caption=ACTIONS[action]), status
