"""Who was notified: the administrators' delivery report per notice and period (sent, failed,
pending per channel, and to whom), on the page and as an Excel file."""
from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext

from admin import bp
from admin.auth import administrators_only
from admin.deliveries import DELIVERY_CHANNELS
from admin.hub import admin_section
from admin.routes import current_staff
from widget import codes
from widget.services.access import NotAllowed
from widget.services.notice_report import (FAILED, PENDING, SENT, SHOWN, channel_counts, notified,
                                           record_report_export, report_query)
from widget.services.notice_settings import NOTICE_NAMES
from widget.spreadsheets import xlsx_chunks

REPORT = "/notifications/report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# "Sent" with a context: alone it is already the date a request was sent.
OUTCOMES = {SENT: lazy_pgettext("delivery status", "Sent"), FAILED: _l("Failed"),
            PENDING: _l("Pending")}


def _typed(values) -> dict:
    return {name: (values.get(name) or "").strip() for name in ("notice", "from", "to")}


def _page(typed: dict, error: str | None = None, status: int = 200):
    staff = current_staff()
    counts, people = [], []
    if error is None:
        try:
            query = report_query(staff, typed["notice"], typed["from"], typed["to"])
        except NotAllowed as refused:
            error, status = str(refused.message), 422
        else:
            typed = typed | {"from": query.first.isoformat(), "to": query.last.isoformat()}
            counts = channel_counts(staff, query)
            people = list(notified(staff, query, limit=SHOWN))
    return render_template("admin/notice_report.html", typed=typed, error=error, counts=counts,
                           people=people, shown=SHOWN, notice_names=NOTICE_NAMES,
                           outcomes=OUTCOMES), status


@admin_section(_l("Who was notified"),
               _l("Notices sent, failed and pending per channel over a period, and to whom; "
                  "as an Excel file too."), order=62)
@bp.get(REPORT)
@administrators_only
def notice_report():
    """The delivery report for the chosen notice and days (the last 30 days by default)."""
    return _page(_typed(request.args))


@bp.post(f"{REPORT}/xlsx")
@administrators_only
def notice_report_download():
    """The report's messages as an Excel workbook; the download is audited (it names people)."""
    typed = _typed(request.form)
    staff = current_staff()
    try:
        query = report_query(staff, typed["notice"], typed["from"], typed["to"])
    except NotAllowed as refused:
        return _page(typed, str(refused.message), 422)
    record_report_export(staff, query)
    names = {key: str(name) for key, name in NOTICE_NAMES.items()}
    channels = {key: str(name) for key, name in DELIVERY_CHANNELS.items()}
    outcomes = {key: str(name) for key, name in OUTCOMES.items()}
    header = [_("Queued at"), _("Notice"), _("Channel"), _("Recipient"), _("Tracking code"),
              _("Outcome"), _("Last error")]
    rows = ([row.queued, names.get(row.notice, row.notice), channels.get(row.channel, row.channel),
             # A file travels: the code's middle hidden, or the file would pair each
             # contact with the key to their request.
             row.recipient, codes.masked(row.code), outcomes[row.outcome], row.error]
            for row in notified(staff, query))
    response = Response(stream_with_context(xlsx_chunks(header, rows, _("Who was notified"))),
                        mimetype=XLSX)
    filename = f"notified-{query.first.isoformat()}-{query.last.isoformat()}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
