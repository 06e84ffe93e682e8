"""The administrators' page on the organisation's upload limits: the size of one file, of all
files of a request, their number and their kinds. Forms may narrow them on their access page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from admin import bp
from admin.auth import administrators_only
from admin.routes import current_staff
from widget.services.upload_limits import (NUMBER_KEYS, LimitsRefused, organisation_limits,
                                           set_organisation_limits)


def _limits_page(typed=None, problems=None, status=200):
    stored, defaults, effective, ceiling = organisation_limits(current_staff())
    return render_template("admin/upload_limits.html", stored=stored, defaults=defaults,
                           effective=effective, ceiling=ceiling, typed=typed,
                           problems=problems or {}), status


@bp.get("/uploads")
@administrators_only
def upload_limits():
    """The organisation's upload limits, with the deployment's defaults beside them."""
    return _limits_page()


@bp.post("/uploads")
@administrators_only
def upload_limits_save():
    """Save the organisation's upload limits."""
    typed = {key: request.form.get(key, "") for key in NUMBER_KEYS}
    types = request.form.getlist("types")
    try:
        set_organisation_limits(current_staff(), typed, types)
    except LimitsRefused as error:
        return _limits_page({**typed, "types": types},
                            {key: str(value) for key, value in error.problems.items()},
                            status=422)
    flash(_("The upload limits are saved. Forms that set narrower limits keep them."), "success")
    return redirect(url_for("admin.upload_limits"))
