"""Upload limits set by administrators: the organisation's, and a form's, which may only narrow
them. Stored as {"max_file_mb", "max_total_mb", "max_files", "types"}; a missing key keeps the
deployment's default (or, for a form, the organisation's). widget.uploads.effective_limits
combines them wherever files arrive."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from widget.extensions import db
from widget.models import Form, Organization, StaffUser
from widget.services.access import NotAllowed, require_admin
from widget.services.audit_log import record_change
from widget.services.form_access import form_of
from widget.uploads import (KINDS, KIND_NAMES, MEGABYTE, UploadLimits, ceiling_mb,
                            configured_limits, effective_limits)

NUMBER_KEYS = ("max_file_mb", "max_total_mb", "max_files")
MAX_FILES_CEILING = 50  # a request is a procedure's papers, not an archive


class LimitsRefused(NotAllowed):
    """Limits that cannot be saved; `problems` says why, by field."""

    def __init__(self, problems: dict):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


def organisation_limits(staff: StaffUser) -> tuple[dict, UploadLimits, UploadLimits, int]:
    """(the stored limits, the deployment's defaults, the effective limits, the ceiling in MB)."""
    require_admin(staff)
    org = db.session.get(Organization, staff.organization_id)
    defaults, ceiling = configured_limits(), ceiling_mb()
    return (dict(org.upload_limits or {}), defaults,
            effective_limits(org.upload_limits, None, defaults, ceiling), ceiling)


def _parse(typed: dict, types: list[str], ceiling: int) -> tuple[dict, dict]:
    """(limits, problems) from what was typed: empty numbers are left out (the default)."""
    limits, problems = {}, {}
    bounds = {"max_file_mb": ceiling, "max_total_mb": ceiling, "max_files": MAX_FILES_CEILING}
    for key in NUMBER_KEYS:
        text = str(typed.get(key) or "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit() and len(text) <= 6) or not \
                1 <= int(text) <= bounds[key]:
            problems[key] = _l("Please enter a whole number from 1 to %(max)d.", max=bounds[key])
            continue
        limits[key] = int(text)
    chosen = [kind for kind in KINDS if kind in set(types or ())]
    if set(types or ()) - set(KINDS):
        problems["types"] = _l("There is no such kind of file.")
    elif not chosen:
        problems["types"] = _l("Please tick at least one kind of file.")
    else:
        limits["types"] = chosen
    return limits, problems


def _check_sizes(limits: UploadLimits, problems: dict) -> None:
    if limits.max_file_bytes > limits.max_total_bytes and "max_file_mb" not in problems:
        problems["max_file_mb"] = _l("One file may not be larger than all files together "
                                     "(%(limit)d MB).", limit=limits.max_total_bytes // MEGABYTE)


def _save(staff: StaffUser, owner, limits: dict, action: str, subject: dict) -> None:
    before = dict(owner.upload_limits or {})
    if before != limits:
        owner.upload_limits = limits
        record_change(staff, action, {**subject, **before}, {**subject, **limits})
    db.session.commit()


def set_organisation_limits(staff: StaffUser, typed: dict, types: list[str]) -> dict:
    """The organisation's limits; every kind ticked keeps the default (all). Commits."""
    require_admin(staff)
    org = db.session.get(Organization, staff.organization_id)
    ceiling = ceiling_mb()
    limits, problems = _parse(typed, types, ceiling)
    if limits.get("types") == list(KINDS):
        del limits["types"]
    _check_sizes(effective_limits(limits, None, configured_limits(), ceiling), problems)
    if problems:
        raise LimitsRefused(problems)
    _save(staff, org, limits, "upload_limits_changed", {})
    return limits


def set_form_limits(staff: StaffUser, form_id: int, typed: dict, types: list[str]) -> Form:
    """A form's limits: no wider than the organisation's (each refusal says the organisation's
    limit); what equals the organisation's is left to follow it. Commits."""
    form = form_of(staff, form_id)
    org = db.session.get(Organization, staff.organization_id)
    ceiling = ceiling_mb()
    outer = effective_limits(org.upload_limits, None, configured_limits(), ceiling)
    limits, problems = _parse(typed, types, ceiling)
    widest = {"max_file_mb": outer.max_file_bytes // MEGABYTE,
              "max_total_mb": outer.max_total_bytes // MEGABYTE, "max_files": outer.max_files}
    messages = {
        "max_file_mb": _l("The organisation allows at most %(limit)d MB per file: a form may "
                          "only allow less.", limit=widest["max_file_mb"]),
        "max_total_mb": _l("The organisation allows at most %(limit)d MB of files a request: a "
                           "form may only allow less.", limit=widest["max_total_mb"]),
        "max_files": _l("The organisation allows at most %(limit)d files a request: a form may "
                        "only allow fewer.", limit=widest["max_files"]),
    }
    for key in NUMBER_KEYS:
        if key in limits and limits[key] > widest[key]:
            problems[key] = messages[key]
    if "types" in limits:
        wider = [kind for kind in limits["types"] if kind not in outer.types]
        if wider:
            problems["types"] = _l(
                "The organisation does not accept %(kinds)s: a form may only accept fewer kinds.",
                kinds=", ".join(str(KIND_NAMES[kind]) for kind in wider))
        elif set(limits["types"]) == set(outer.types):
            del limits["types"]
    _check_sizes(effective_limits(org.upload_limits, limits, configured_limits(), ceiling),
                 problems)
    if problems:
        raise LimitsRefused(problems)
    _save(staff, form, limits, "form_upload_limits_changed", {"form_id": form.id})
    return form
