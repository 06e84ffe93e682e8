"""Notifications in the back office: staff words for a message's delivery, and the
administrators' page of dead letters with "Send again"."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l, pgettext

from admin import bp
from admin.auth import administrators_only
from admin.routes import ID, current_staff, page_number
from widget.models import AttemptOutcome, DeliveryAttempt, OutboxChannel, OutboxItem, OutboxStatus
from widget.notify.catalog import INBOX
from widget.services.access import NotAllowed
from widget.services.deliveries import dead_letters, retry_dead_letter

SUMMARY_LENGTH = 80
DELIVERY_CHANNELS = {
    OutboxChannel.EMAIL.value: _l("E-mail"),
    OutboxChannel.SMS.value: _l("SMS"),
    OutboxChannel.WEBHOOK.value: _l("Webhook"),
    INBOX: _l("Notification box"),
}
OUTCOMES = {
    AttemptOutcome.TEMPORARY.value: _l("Failed, to be tried again"),
    AttemptOutcome.PERMANENT.value: _l("Refused for good"),
    AttemptOutcome.LEASE_EXPIRED.value: _l("Interrupted: the sending process stopped answering"),
}


def delivery_status(item: OutboxItem) -> str:
    """A message's status in staff words."""
    # A context, because "Sent" alone is already translated as the date a request was sent.
    if item.status == OutboxStatus.QUEUED.value and item.attempts > 0 and item.last_error:
        return pgettext("delivery status", "Failed — will retry")
    words = {
        OutboxStatus.QUEUED.value: pgettext("delivery status", "Queued"),
        OutboxStatus.SENDING.value: pgettext("delivery status", "Sending"),
        OutboxStatus.SENT.value: pgettext("delivery status", "Sent"),
        OutboxStatus.DEAD.value: pgettext("delivery status", "Dead letter"),
    }
    return words.get(item.status, item.status)


def attempt_outcome(attempt: DeliveryAttempt) -> str:
    """How one attempt at sending ended, in staff words."""
    if attempt.outcome == AttemptOutcome.SENT.value:
        return pgettext("delivery status", "Sent")
    return str(OUTCOMES.get(attempt.outcome, attempt.outcome))


def delivery_summary(item: OutboxItem) -> str:
    """What a message is about: its subject, or the start of its text (an SMS has no subject)."""
    if item.subject.strip():
        return item.subject.strip()
    text = " ".join(item.body_text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH].rstrip() + "…"


@bp.context_processor
def delivery_labels():
    """Staff words for notifications, on every admin page (the request page lists them)."""
    return {"DELIVERY_CHANNELS": DELIVERY_CHANNELS, "delivery_status": delivery_status,
            "attempt_outcome": attempt_outcome, "delivery_summary": delivery_summary}


def render_dead_letters(error=None, status: int = 200):
    """The dead letters page, with the reason a retry was refused, if one was."""
    page = dead_letters(current_staff(), page_number())
    return render_template("admin/dead_letters.html", page=page, error=error), status


@bp.get("/notifications/dead")
@administrators_only
def dead_letter_list():
    """The organisation's messages that could not be delivered, newest first."""
    return render_dead_letters()


@bp.post(f"/notifications/dead/<{ID}:item_id>/retry")
@administrators_only
def dead_letter_retry(item_id):
    """Send a dead letter again, then come back to the page it was on."""
    try:
        retry_dead_letter(current_staff(), item_id)
    except NotAllowed as error:
        return render_dead_letters(error=error.message, status=422)
    flash(_("The message is queued and will be sent again in a moment."), "success")
    return redirect(url_for("admin.dead_letter_list", page=page_number()))
