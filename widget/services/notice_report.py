"""Who was notified (seed 001): an organisation's notices of one kind, or all, over a period of
its local days: how many were sent, failed or are still pending on each channel, and to whom.
Read from the outbox, where every e-mail and SMS to a person is kept with its notice."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from widget.extensions import db
from widget.models import OutboxItem, OutboxStatus, Request, StaffUser
from widget.models._types import as_utc, utcnow
from widget.notify.catalog import NOTICES
from widget.services.access import NotAllowed, require_admin
from widget.services.audit_log import record_change

MAX_DAYS = 366        # a longer period is a mistake or an export of everything
SHOWN = 200           # people listed on the page; the Excel file has them all
BATCH = 500
SENT, FAILED, PENDING = "sent", "failed", "pending"


@dataclass(frozen=True)
class ReportQuery:
    """A checked query: a notice key (None: every notice) and a period of local days."""

    notice: str | None
    first: date
    last: date


@dataclass(frozen=True)
class ChannelCount:
    notice: str
    channel: str
    sent: int
    failed: int
    pending: int


@dataclass(frozen=True)
class Notified:
    """One message: when it was queued (the organisation's local time), about what, to whom."""

    queued: datetime
    notice: str
    channel: str
    recipient: str
    code: str | None
    outcome: str          # SENT, FAILED or PENDING
    error: str


def report_query(staff: StaffUser, notice: str, first: str, last: str,
                 now: datetime | None = None) -> ReportQuery:
    """The typed filters checked: a known notice or none, ISO days in order (the last 30 days
    by default); NotAllowed with a translated message otherwise."""
    require_admin(staff)
    today = as_utc(now or utcnow()).astimezone(ZoneInfo(staff.organization.timezone)).date()
    if notice and notice not in NOTICES:
        raise NotAllowed(_l("There is no such notice or channel."))
    try:
        start = date.fromisoformat(first) if first else today - timedelta(days=29)
        end = date.fromisoformat(last) if last else today
    except ValueError:
        raise NotAllowed(_l("Please enter the days as YYYY-MM-DD, for example 2026-12-31.")) \
            from None
    if end < start or (end - start).days >= MAX_DAYS:
        raise NotAllowed(_l("The period ends on or after its first day and is at most %(num)d "
                            "days long.", num=MAX_DAYS))
    return ReportQuery(notice or None, start, end)


def _where(staff: StaffUser, query: ReportQuery) -> list:
    zone = ZoneInfo(staff.organization.timezone)
    begin = datetime.combine(query.first, time(), zone).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(query.last + timedelta(days=1), time(), zone).astimezone(ZoneInfo("UTC"))
    # Stored naive in UTC on SQLite, aware on PostgreSQL: compare as the column holds them.
    conditions = [OutboxItem.organization_id == staff.organization_id,
                  OutboxItem.notice.is_not(None),
                  OutboxItem.created_at >= begin.replace(tzinfo=None),
                  OutboxItem.created_at < end.replace(tzinfo=None)]
    if query.notice:
        conditions.append(OutboxItem.notice == query.notice)
    return conditions


def record_report_export(staff: StaffUser, query: ReportQuery) -> None:
    """Audit a download of the report before its first row (it names people). Commits."""
    require_admin(staff)
    record_change(staff, "notice_report_exported", {},
                  {"notice": query.notice, "from": query.first.isoformat(),
                   "to": query.last.isoformat()})
    db.session.commit()


def _outcome_of(status: str) -> str:
    if status == OutboxStatus.SENT.value:
        return SENT
    return FAILED if status == OutboxStatus.DEAD.value else PENDING


def channel_counts(staff: StaffUser, query: ReportQuery) -> list[ChannelCount]:
    """Sent, failed (dead letters) and pending (queued or sending) messages per notice and
    channel, in the catalog's order."""
    require_admin(staff)

    def counted(status: str):
        return func.sum(case((OutboxItem.status == status, 1), else_=0))
    rows = db.session.execute(
        select(OutboxItem.notice, OutboxItem.channel, counted(OutboxStatus.SENT.value),
               counted(OutboxStatus.DEAD.value), func.count(OutboxItem.id))
        .where(*_where(staff, query)).group_by(OutboxItem.notice, OutboxItem.channel)).all()
    order = {key: position for position, key in enumerate(NOTICES)}
    counts = [ChannelCount(notice, channel, int(sent or 0), int(dead or 0),
                           int(total) - int(sent or 0) - int(dead or 0))
              for notice, channel, sent, dead, total in rows]
    return sorted(counts, key=lambda row: (order.get(row.notice, len(order)), row.channel))


def notified(staff: StaffUser, query: ReportQuery, limit: int | None = None) -> Iterator[Notified]:
    """Every message of the report, newest first, read in batches (`limit`: the first ones)."""
    require_admin(staff)
    zone = ZoneInfo(staff.organization.timezone)
    statement = (select(OutboxItem.created_at, OutboxItem.notice, OutboxItem.channel,
                        OutboxItem.recipient, Request.code, OutboxItem.status,
                        OutboxItem.last_error)
                 .outerjoin(Request, and_(Request.id == OutboxItem.request_id))
                 .where(*_where(staff, query))
                 .order_by(OutboxItem.created_at.desc(), OutboxItem.id.desc()))
    if limit is not None:
        statement = statement.limit(limit)
    for queued, notice, channel, recipient, code, status, error in db.session.execute(
            statement.execution_options(yield_per=BATCH)):
        outcome = _outcome_of(status)
        yield Notified(as_utc(queued).astimezone(zone).replace(tzinfo=None), notice, channel,
                       recipient, code, outcome, (error or "") if outcome != SENT else "")
