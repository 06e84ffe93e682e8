"""The worker's half of code recovery (widget.services.recover records the asks): find the
requests sent with the contact and write their codes to that contact, and to nobody else."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import String, cast, func, select

from widget import codes
from widget.extensions import db
from widget.i18n import format_day, reading_as
from widget.models import CodeRecovery, OutboxChannel, Request, RequestStatus, Site
from widget.models._types import utcnow
from widget.notify.catalog import SMS
from widget.notify.compose import (contacts, empty_values, organisation_channels, render_notice,
                                   track_link)
from widget.notify.outbox import enqueue
from widget.services.one_time import sms_spent_today

KEY = "codes_recovered"
SMS_CODES = 5  # an SMS lists the newest few; an e-mail lists them all


def answer_code_recoveries(sms_daily_budget: int, now: datetime | None = None) -> int:
    """Answer the pending asks; return how many got their codes."""
    now = now or utcnow()
    answered = 0
    for recovery in db.session.scalars(select(CodeRecovery).where(
            CodeRecovery.status == "pending").order_by(CodeRecovery.id).limit(100)).all():
        recovery.status = _answer(recovery, sms_daily_budget, now)
        answered += recovery.status == "sent"
        recovery.contact, recovery.handled_at = "", now  # the contact is not kept
        db.session.commit()
    return answered


def _answer(recovery: CodeRecovery, sms_daily_budget: int, now: datetime) -> str:
    found = requests_sent_with(recovery.organization_id, recovery.channel, recovery.contact)
    if not found:
        return "unknown"
    if recovery.channel not in organisation_channels(recovery.organization_id, KEY):
        return "channel_off"
    # One budget for every SMS anyone can ask for without signing in: account codes too.
    if recovery.channel == SMS and sms_spent_today(recovery.organization_id, now) >= sms_daily_budget:
        return "over_budget"
    site = db.session.get(Site, recovery.site_id)
    organization = site.organization
    with reading_as(recovery.language, organization.timezone):
        shown = found[:SMS_CODES] if recovery.channel == SMS else found
        lines = [_line(request, recovery) for request in shown]
        values = empty_values() | {"organisation": organization.name(recovery.language),
                                   "codes": ("\n" if recovery.channel != SMS else ", ").join(lines)}
        subject, text, html = render_notice(organization, KEY, recovery.channel,
                                            recovery.language, values,
                                            track_link(site, recovery.language))
    enqueue(organization.id, OutboxChannel(recovery.channel), recovery.contact, text,
            language=recovery.language, subject=subject, html_body=html)
    return "sent"


def requests_sent_with(organization_id: int, channel: str, contact: str) -> list[Request]:
    """The organisation's sent requests whose person gave this contact, newest first."""
    candidates = db.session.scalars(select(Request).where(
        Request.organization_id == organization_id, Request.code.is_not(None),
        Request.status != RequestStatus.DRAFT.value,
        # A cheap filter in the database; the exact check is the contact of each request.
        func.lower(cast(Request.answers, String)).contains(contact.lower()))
        .order_by(Request.submitted_at.desc(), Request.id.desc()))
    return [request for request in candidates
            if contacts(request).get(channel, "").lower() == contact.lower()]


def _line(request: Request, recovery: CodeRecovery) -> str:
    code = codes.display(request.code)
    if recovery.channel == SMS:
        return code
    sent = format_day(request.submitted_at.replace(tzinfo=timezone.utc)) if request.submitted_at else ""
    return f"{code} — {request.form_version.form.title(recovery.language)} ({sent})"
