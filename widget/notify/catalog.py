"""What the person is told, and where: every notice Frontdesk can send, its default channels and
its default wording.

A notice is named by its key: the event kind, and for events that read differently by case, the
case after a dot (`paused.supplement`, `result_ready.post`). The default rules cover the 18 SMS
situations of a Vietnamese one-stop centre (seed 000): received online or by post (never by SMS
for a request handed in at the desk), registration, four kinds of clock stop, three ways of
handing over the result, refusal, the overdue warning, two kinds of payment due, two postal
confirmations and two fee notices. E-mail and the notification box (for people with an account)
go for every notice.

Texts are gettext messages with `{name}` placeholders (not %-style: organisations override them
with their own wording, checked against PLACEHOLDERS before it is saved).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from widget.models import OutboxChannel

EMAIL, SMS = OutboxChannel.EMAIL.value, OutboxChannel.SMS.value
# The notification box of a person with an account: written at once, nothing to send.
INBOX = "inbox"
# Every notice may use these; a few more are listed per notice below.
COMMON = frozenset({"code", "form", "organisation", "due", "number"})


@dataclass(frozen=True)
class Notice:
    subject: LazyString
    body: LazyString            # the SMS, and the e-mail's first paragraph
    channels: frozenset[str]    # the default rule
    extra: frozenset[str] = frozenset()  # placeholders beyond COMMON

    @property
    def placeholders(self) -> frozenset[str]:
        return COMMON | self.extra


def _n(subject, body, sms: bool = True, extra: tuple[str, ...] = ()) -> Notice:
    return Notice(subject, body, frozenset({EMAIL, SMS, INBOX} if sms else {EMAIL, INBOX}),
                  frozenset(extra))


_PAUSED = _l("Request {code} is paused")
_READY = _l("Request {code}: the result is ready")
_FEE_DUE = _l("Request {code}: a fee is due")

NOTICES: dict[str, Notice] = {
    "received.web": _n(_l("Request {code} received"), _l(
        "{organisation}: we received your request {code} ({form}). The answer is due by {due}.")),
    "received.post": _n(_l("Request {code} received"), _l(
        "{organisation}: your request {code} ({form}) sent by post has arrived. The answer is due "
        "by {due}.")),
    "received.desk": _n(_l("Request {code} received"), _l(
        "{organisation}: we received your request {code} ({form}) at the desk. The answer is due "
        "by {due}."), sms=False),
    "registered": _n(_l("Request {code} registered"), _l(
        "{organisation}: your request {code} is registered under number {number}. The answer is "
        "due by {due}.")),
    "assigned": _n(_l("Request {code}: a specialist is working on it"), _l(
        "{organisation}: a specialist is now in charge of your request {code}."), sms=False),
    "deadline_changed": _n(_l("Request {code}: new deadline"), _l(
        "{organisation}: the answer to your request {code} is now due by {due}. {note}"),
        extra=("note",)),
    "paused.supplement": _n(_PAUSED, _l(
        "{organisation}: your request {code} waits for documents from you. The waiting time is "
        "added to the deadline. {note}"), extra=("note",)),
    "paused.third_party": _n(_PAUSED, _l(
        "{organisation}: your request {code} waits for an answer from another authority. The "
        "waiting time is added to the deadline. {note}"), extra=("note",)),
    "paused.inspection": _n(_PAUSED, _l(
        "{organisation}: your request {code} waits for a site inspection. The waiting time is "
        "added to the deadline. {note}"), extra=("note",)),
    "paused.person_request": _n(_PAUSED, _l(
        "{organisation}: your request {code} is paused as you asked. The waiting time is added to "
        "the deadline. {note}"), extra=("note",)),
    "resumed": _n(_l("Request {code} resumed"), _l(
        "{organisation}: work on your request {code} has resumed. The answer is due by {due}.")),
    "result_ready.desk": _n(_READY, _l(
        "{organisation}: the result of your request {code} is ready. Please collect it at the "
        "desk. {note}"), extra=("note",)),
    "result_ready.post": _n(_READY, _l(
        "{organisation}: the result of your request {code} is ready and is sent to you by post. "
        "{note}"), extra=("note",)),
    "result_ready.online": _n(_READY, _l(
        "{organisation}: the result of your request {code} is ready. Read and download it on the "
        "status page with your code. {note}"), extra=("note",)),
    "refused": _n(_l("Request {code} refused"), _l(
        "{organisation}: your request {code} was refused. Reason: {reason}"), extra=("reason",)),
    "closed": _n(_l("Request {code} closed"), _l(
        "{organisation}: your request {code} is closed."), sms=False),
    "letter_issued": _n(_l("Request {code}: an answer letter"), _l(
        "{organisation}: a letter answering your request {code} is on its status page: {title}"),
        sms=False, extra=("title",)),
    "staff_message": _n(_l("Request {code}: a message from {organisation}"), _l(
        "{organisation} wrote to you about your request {code}. Read it and answer on the status "
        "page."), sms=False),
    "fee_requested.before_result": _n(_FEE_DUE, _l(
        "{organisation}: a fee of {amount} is due for your request {code}. Please pay it before "
        "you collect the result."), extra=("amount",)),
    "fee_requested.before_submission": _n(_FEE_DUE, _l(
        "{organisation}: a fee of {amount} is due for your request {code}. We start on your "
        "request once it is paid."), extra=("amount",)),
    "fee_paid": _n(_l("Request {code}: payment received"), _l(
        "{organisation}: we received your payment of {amount} for request {code}, receipt number "
        "{receipt}."), extra=("amount", "receipt")),
    "fee_waived": _n(_l("Request {code}: no fee to pay"), _l(
        "{organisation}: the fee for your request {code} is waived; you have nothing to pay."),
        extra=()),
    "post_sent": _n(_l("Request {code}: sent by post"), _l(
        "{organisation}: the documents of your request {code} are on their way by post, item "
        "number {item_number}."), extra=("item_number",)),
    "post_received": _n(_l("Request {code}: documents received by post"), _l(
        "{organisation}: we received the documents for your request {code} by post, item number "
        "{item_number}."), extra=("item_number",)),
    "due_soon": _n(_l("Request {code}: the answer is not ready yet"), _l(
        "{organisation}: the answer to your request {code} is due by {due} and is not ready yet. "
        "We are sorry for the wait.")),
    "draft_expiring": _n(_l("Your draft of {form} expires on {date}"), _l(
        "{organisation}: your unsent draft of {form} is kept until {date}. To send it, continue it "
        "with the code {resume_code}."), sms=False, extra=("date", "resume_code")),
    "draft_code": _n(_l("Your draft of {form}: the code to continue it"), _l(
        "{organisation}: your draft of {form} is saved. To continue it, enter the code "
        "{resume_code} under \"Continue a draft\"."), extra=("resume_code",)),
    "codes_recovered": _n(_l("Your tracking codes"), _l(
        "{organisation}: the requests sent with this address or number, and their tracking "
        "codes:\n{codes}"), extra=("codes",)),
    "reminder": _n(_l("Reminder: {field} on {date}"), _l(
        "{organisation}: a reminder about your request {code}: {field} is on {date}."),
        extra=("field", "date")),
}

# Every placeholder any notice has: a notice's values give each a text, empty where unused.
ALL_PLACEHOLDERS = frozenset().union(*(notice.placeholders for notice in NOTICES.values()))

# Closing lines of every e-mail (not of SMS, where every character costs).
EMAIL_FOLLOW = _l("Follow your request with its tracking code {code}:")
EMAIL_FOLLOW_ANY = _l("Follow your requests with their tracking codes on the status page:")
EMAIL_AUTOMATIC = _l("This message was sent automatically. Please do not answer it: write to us "
                     "on your request's status page.")


def notice_key(kind: str, data: dict, channel: str, status: str) -> str | None:
    """The notice an event gives, or None when it gives none (drafts, the person's own message,
    internal notes, work started)."""
    if kind == "received":
        return f"received.{channel}"
    if kind == "paused":
        return f"paused.{data.get('reason', 'supplement')}"
    if kind == "result_ready":
        return f"result_ready.{data.get('handover', 'desk')}"
    if kind == "fee_requested":
        # Asked for while the request is still being taken in: it waits for the payment.
        early = status in ("received", "registered")
        return "fee_requested.before_submission" if early else "fee_requested.before_result"
    return kind if kind in NOTICES else None
