"""The administrators' dashboard: counts of the organisation's requests over a period, each
aggregated by the database (GROUP BY). Days and months are the organisation's: their bounds are
computed here in its time zone and the database sorts moments between them with CASE, which
SQLite and PostgreSQL read alike (their date functions differ, and neither knows the zone)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from widget.extensions import db
from widget.models import OPEN_STATUSES, Form, FormVersion, Request, StaffUser, Unit
from widget.models._types import localized, utcnow
from widget.services.access import NotAllowed, require_unit_head, visible_to

PERIODS = (7, 30, 90)


@dataclass
class FormSeries:
    form_id: int
    title: str
    per_day: list[int]     # one count per day of the period, oldest first

    @property
    def total(self) -> int:
        """Requests of this form in the period."""
        return sum(self.per_day)


@dataclass
class MonthShare:
    month: date            # the first day of the month
    closed: int            # requests closed in the period and this month that had a deadline
    on_time: int           # ...closed no later than their deadline

    @property
    def percent(self) -> float | None:
        """Share closed on time, 0-100; None when nothing was closed."""
        return 100 * self.on_time / self.closed if self.closed else None


@dataclass
class Dashboard:
    days: int
    first_day: date
    last_day: date
    day_list: list[date]
    forms: list[FormSeries]
    statuses: dict[str, int]                 # requests sent in the period, by status now
    months: list[MonthShare]
    overall: MonthShare                      # the whole period (its month is the first day)
    overdue_units: list[tuple[str, int]]     # open requests past their deadline, by unit, now
    received: int = field(default=0)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # In UTC, as the database holds moments (SQLite would drop any other offset unconverted).
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def _bucket(column, bounds: list[datetime]):
    """The index of the interval [bounds[i], bounds[i+1]) a moment falls in (-1: none)."""
    return case(*[(column < upper, index) for index, upper in enumerate(bounds[1:])], else_=-1)


def dashboard(staff: StaffUser, days: int, language: str, now: datetime | None = None) -> Dashboard:
    """The dashboard's numbers for the last `days` days (one of PERIODS), today included, of
    the requests the staff member may see (unit heads: their units')."""
    require_unit_head(staff)
    if days not in PERIODS:
        raise NotAllowed(_l("Please choose 7, 30 or 90 days."))
    now = now or utcnow()
    zone = ZoneInfo(staff.organization.timezone)
    last_day = now.astimezone(zone).date()
    day_list = [last_day - timedelta(days=days - 1 - offset) for offset in range(days)]
    bounds = [_local_midnight(day, zone) for day in day_list + [last_day + timedelta(days=1)]]
    start, end = bounds[0], bounds[-1]
    seen = visible_to(staff)

    # Requests a day, per form: the day is computed in a subquery, grouped by outside (a CASE
    # with parameters in GROUP BY is not the same expression to PostgreSQL as in SELECT).
    sent = select(_bucket(Request.submitted_at, bounds).label("day"),
                  FormVersion.form_id.label("form_id")).join(FormVersion).where(
        seen, Request.submitted_at >= start, Request.submitted_at < end).subquery()
    per_form: dict[int, list[int]] = {}
    for day, form_id, count in db.session.execute(
            select(sent.c.day, sent.c.form_id, func.count()).group_by(sent.c.day, sent.c.form_id)):
        if day >= 0:
            per_form.setdefault(form_id, [0] * days)[day] += count
    titles = dict(db.session.execute(select(Form.id, Form.titles).where(
        Form.organization_id == staff.organization_id)).all())
    forms = sorted((FormSeries(form_id, localized(titles.get(form_id), language), counts)
                    for form_id, counts in per_form.items()),
                   key=lambda series: (-series.total, series.title))

    statuses = dict(db.session.execute(
        select(Request.status, func.count()).where(
            seen, Request.submitted_at >= start, Request.submitted_at < end)
        .group_by(Request.status)).all())

    months, overall = _on_time(seen, bounds[0], end, zone)

    overdue = db.session.execute(
        select(Request.unit_id, func.count()).where(
            seen, Request.status.in_(OPEN_STATUSES), Request.due_at < now)
        .group_by(Request.unit_id)).all()
    unit_names = dict(db.session.execute(select(Unit.id, Unit.names).where(
        Unit.organization_id == staff.organization_id)).all())
    overdue_units = sorted(((localized(unit_names.get(unit_id), language) if unit_id else "", count)
                            for unit_id, count in overdue), key=lambda item: (-item[1], item[0]))
    return Dashboard(days, day_list[0], last_day, day_list, forms, statuses, months, overall,
                     overdue_units, received=sum(statuses.values()))


def _on_time(seen, start: datetime, end: datetime, zone: ZoneInfo):
    """Requests closed in the period that had a deadline, and how many of them on time, per
    month of the organisation's calendar and overall."""
    first_day, end_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    firsts = [first_day.replace(day=1)]
    while (following := (firsts[-1] + timedelta(days=32)).replace(day=1)) < end_day:
        firsts.append(following)
    bounds = [max(start, _local_midnight(first, zone)) for first in firsts] + [end]
    on_time = case((Request.closed_at <= Request.due_at, 1), else_=0)
    closed = select(_bucket(Request.closed_at, bounds).label("month"),
                    on_time.label("on_time")).where(
        seen, Request.closed_at.isnot(None), Request.due_at.isnot(None),
        Request.closed_at >= start, Request.closed_at < end).subquery()
    months = [MonthShare(first, 0, 0) for first in firsts]
    for month, count, in_time in db.session.execute(
            select(closed.c.month, func.count(), func.sum(closed.c.on_time))
            .group_by(closed.c.month)):
        if month >= 0:
            months[month].closed, months[month].on_time = count, int(in_time or 0)
    overall = MonthShare(firsts[0], sum(m.closed for m in months), sum(m.on_time for m in months))
    return months, overall
