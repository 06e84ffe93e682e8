"""The administrators' dashboard: requests per day and form, the status mix, the share closed on
time, and what is overdue per unit, as charts drawn on the server with the numbers beside them."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup

from admin import bp
from admin.auth import unit_heads_and_administrators
from admin.hub import admin_section
from admin.routes import current_staff
from widget.i18n import text_direction
from widget.public.presenters import STATUS_LABELS
from widget.services.dashboard import PERIODS, Dashboard, dashboard
from widget.svg_charts import NARROW, PALETTE, WIDTH, Series, bars, stacked_columns

DEFAULT_DAYS = 30
MOST_FORMS = len(PALETTE) - 1  # the other forms share the last colour


def _number(value: float) -> str:
    return format_decimal(value)


def _percent(share: float | None) -> str:
    return format_percent(share / 100, format="#,##0%") if share is not None else "—"


def _series(data: Dashboard) -> list[Series]:
    """One series per form, the busiest first; forms beyond the palette are summed as one."""
    shown = [Series(form.title, PALETTE[index], form.per_day)
             for index, form in enumerate(data.forms[:MOST_FORMS])]
    others = data.forms[MOST_FORMS:]
    if others:
        summed = [sum(form.per_day[day] for form in others) for day in range(data.days)]
        shown.append(Series(_("Other forms"), PALETTE[-1], summed))
    return shown


def _charts(data: Dashboard) -> dict:
    rtl = text_direction(str(get_locale())) == "rtl"
    period = _("%(first)s to %(last)s", first=format_date(data.first_day, "long"),
               last=format_date(data.last_day, "long"))
    series = _series(data)
    statuses = [(str(STATUS_LABELS.get(status, status)), count, _number(count))
                for status, count in sorted(data.statuses.items(), key=lambda item: -item[1])]
    months = [(format_date(month.month, "LLLL yyyy"), month.percent or 0, _percent(month.percent))
              for month in data.months]
    units = [(name or _("No unit"), count, _number(count)) for name, count in data.overdue_units]
    return {
        "series": series,
        "statuses": statuses,
        "months": months,
        "units": units,
        "day_totals": [sum(one.values[day] for one in series) for day in range(data.days)],
        "overall_share": _percent(data.overall.percent),
        **_both_widths(data, period, series, statuses, months, units, rtl),
    }


def _drawn(data: Dashboard, period: str, series, statuses, months, units, rtl: bool,
           width: int, suffix: str) -> dict:
    return {
        "per_day": stacked_columns(
            "chart-per-day" + suffix, _("Requests received per day and form"),
            _("%(period)s: %(count)s requests. The table below has every number.",
              period=period, count=_number(data.received)),
            [format_date(day, "d MMM") for day in data.day_list], series, rtl, _number, width=width),
        "status_mix": bars(
            "chart-statuses" + suffix, _("Status of the requests received in the period"),
            period, statuses, rtl=rtl, colour=PALETTE[0], width=width),
        "on_time": bars(
            "chart-on-time" + suffix, _("Share of requests closed on time, by month"),
            _("Closed no later than their deadline: %(share)s overall.",
              share=_percent(data.overall.percent)),
            months, maximum=100, rtl=rtl, colour=PALETTE[2], width=width),
        "overdue": bars(
            "chart-overdue" + suffix, _("Overdue requests by unit"),
            _("Requests still open past their deadline, now."), units, rtl=rtl,
            colour=PALETTE[1], width=width),
    }


def _both_widths(data: Dashboard, period: str, series, statuses, months, units,
                 rtl: bool) -> dict:
    """Each chart drawn twice, for a screen and for a phone (reports.css shows one): scaled
    down, a screen's chart would have 5-pixel text on a 360-pixel phone."""
    wide = _drawn(data, period, series, statuses, months, units, rtl, WIDTH, "")
    narrow = _drawn(data, period, series, statuses, months, units, rtl, NARROW, "-narrow")
    return {name: Markup('<div class="chart-wide">{}</div><div class="chart-narrow">{}</div>')
            .format(wide[name], narrow[name]) for name in wide}


@admin_section(_l("Dashboard"),
               _l("Charts of the requests: per day and form, by status, on time, overdue."),
               order=5)
@bp.get("/dashboard")
@unit_heads_and_administrators
def dashboard_page():
    """The dashboard for the last 7, 30 or 90 days."""
    typed = request.args.get("days", str(DEFAULT_DAYS))
    days = int(typed) if typed in {str(period) for period in PERIODS} else DEFAULT_DAYS
    # A period that makes no sense is left out, as the inbox's filters are: the page still shows.
    problems = {} if typed == str(days) else {"days": _("Please choose 7, 30 or 90 days.")}
    data = dashboard(current_staff(), days, str(get_locale()))
    return render_template("admin/dashboard.html", data=data, periods=PERIODS,
                           problems=problems, **_charts(data))
