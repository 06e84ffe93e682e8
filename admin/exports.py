"""The administrators' export of requests: the inbox's filters, then a CSV or Excel file of
every matching request of the organisation, streamed while it is written."""
from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from admin import bp
from admin.auth import unit_heads_and_administrators
from admin.forms import INBOX_STATUSES, inbox_query
from admin.hub import admin_section
from admin.presenters import CHANNELS, VIEWS
from admin.routes import current_staff
from widget import codes
from widget.public.presenters import STATUS_LABELS
from widget.services.exports import ExportRow, RequestExport, export_requests
from widget.services.inbox import View, forms_of
from widget.spreadsheets import csv_chunks, xlsx_chunks

EXPORT = "/export"
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Excel column widths, in characters, of the fixed columns (codes, moments, contacts...); the
# answers' columns are sized by their header.
COLUMN_WIDTHS = [22, 18, 30, 24, 16, 14, 17, 17, 17, 17, 22, 26, 30, 17, 10]
# The inbox opens on new requests; an export is of every request unless a view is chosen.
DEFAULT_VIEW = View.ALL.value


def _header() -> list[str]:
    return [_("Tracking code"), _("Journal number"), _("Form"), _("Unit"), _("Status"),
            _("Channel"), _("Received"), _("Registered"), _("Due"), _("Closed"), _("Executor"),
            _("Person"), _("E-mail address"), _("Phone number"), _("Overdue")]


def _cells(rows, yes: str, no: str):
    """Each export row as the file's cells: the fixed columns, then the form's answers."""
    # Labels are translated once, not per row: a large file repeats the same few words.
    statuses = {key: str(text) for key, text in STATUS_LABELS.items()}
    channels = {key: str(text) for key, text in CHANNELS.items()}
    row: ExportRow
    for row in rows:
        # A file travels (mail, shared folders): the code's middle stays hidden, as on a letter,
        # for the whole code opens the request to whoever reads it.
        yield [codes.masked(row.code), row.journal_number, row.form, row.unit,
               statuses.get(row.status, row.status), channels.get(row.channel, row.channel),
               row.received, row.registered, row.due, row.closed, row.executor, row.person,
               row.email, row.phone, yes if row.overdue else no, *row.answers]


def _export_page(params: dict, problems: dict | None = None, status: int = 200):
    staff = current_staff()
    # A unit head chooses among their own units (the export holds only theirs anyway).
    units = sorted(staff.organization.units if staff.is_admin else staff.units,
                   key=lambda unit: unit.code)
    return render_template(
        "admin/export.html", params=params, problems=problems or {}, forms=forms_of(staff),
        units=units, statuses=INBOX_STATUSES, views=VIEWS), status


def _typed(values) -> dict:
    """What was typed in the filter form, to show again (only the filters' own names)."""
    typed = {key: values.get(key, "") for key in ("q", "form", "unit", "status", "from", "to")}
    return typed | {"view": values.get("view") or DEFAULT_VIEW}


@admin_section(_l("Export requests"),
               _l("Download the requests you choose as a CSV or Excel file."), order=60)
@bp.get(EXPORT)
@unit_heads_and_administrators
def export_page():
    """The filters of an export and its two buttons (filters may come in the address)."""
    return _export_page(_typed(request.args))


@bp.post(EXPORT)
@unit_heads_and_administrators
def export_download():
    """The file of every request matching the filters, written while it is sent."""
    typed = _typed(request.form)
    query, _params, problems = inbox_query(typed)
    file_format = request.form.get("format", "")
    if file_format not in MIMETYPES:
        problems["format"] = _l("Please choose CSV or Excel.")
    if problems:
        return _export_page(typed, {key: str(text) for key, text in problems.items()}, 422)
    return export_file(export_requests(current_staff(), query, file_format, str(get_locale())),
                       file_format)


def export_file(export: RequestExport, file_format: str) -> Response:
    """An export as the CSV or Excel download, written while it is sent."""
    yes, no = _("Yes"), _("No")
    rows = _cells(export.rows, yes, no)
    header = _header() + export.fields
    chunks = (csv_chunks(header, rows) if file_format == "csv" else
              xlsx_chunks(header, rows, _("Requests"), widths=COLUMN_WIDTHS))
    filename = f"requests-{export.day.isoformat()}.{file_format}"
    response = Response(stream_with_context(chunks), mimetype=MIMETYPES[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
