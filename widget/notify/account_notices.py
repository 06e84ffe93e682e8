"""Messages about a person's account: confirmation and password codes, "you already have an
account", codes to add a request to the cabinet, staff's answer to an ask to change a detail.

Unlike the notices about requests these have fixed wording and always go on the channel of the
contact they are about: an organisation switching them off, or rewording away the code, would
lock people out. They go through the outbox like every other message.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from widget.extensions import db
from widget.i18n import reading_as
from widget.models import Account, InboxItem, Organization, OutboxChannel, OutboxItem
from widget.notify.catalog import SMS
from widget.notify.compose import email_parts, fill, sms_body
from widget.notify.outbox import enqueue

MESSAGES = {
    "signup": (_l("Your confirmation code"), _l(
        "{organisation}: your code to confirm your account is {otp}. It expires in {minutes} "
        "minutes. If you did not sign up, ignore this message.")),
    "signup_exists": (_l("You already have an account"), _l(
        "{organisation}: someone tried to sign up with this address or number, but you already "
        "have an account. Sign in, or set a new password if you forgot it. If it was not you, "
        "ignore this message.")),
    "reset": (_l("Your code to set a new password"), _l(
        "{organisation}: your code to set a new password is {otp}. It expires in {minutes} "
        "minutes. If you did not ask for it, ignore this message: your password stays as it "
        "is.")),
    "contact": (_l("Your code to confirm this address or number"), _l(
        "{organisation}: your code to add this address or number to your account is {otp}. It "
        "expires in {minutes} minutes. If you did not ask for it, ignore this message.")),
    "claim": (_l("Your code to add request {code} to your account"), _l(
        "{organisation}: your code to add request {code} to your account is {otp}. It expires in "
        "{minutes} minutes. If you did not ask for it, ignore this message.")),
    "detail_approved": (_l("Your registered details are changed"), _l(
        "{organisation} changed a registered detail of your account as you asked: {detail}. "
        "{note}")),
    "detail_refused": (_l("Your registered details stay as they were"), _l(
        "{organisation} did not change a registered detail of your account: {detail}. The "
        "reason: {note}")),
}
LINK_INVITATION = _l("Or open this link:")

# A person's registered details (widget.models.accounts.REGISTERED_DETAILS), named in the
# messages above and on the pages of the widget and the back office.
DETAIL_LABELS = {
    "name": _l("Full name"),
    "birth_date": _l("Date of birth"),
    "document_number": _l("Identity document number"),
}


def _filled(organization: Organization, kind: str, language: str,
            values: dict) -> tuple[str, str, dict[str, str]]:
    """(subject, body, values) of an account message; call it reading as the recipient, so
    that lazy values (a detail's label) come out in their language."""
    subject_text, body_text = MESSAGES[kind]
    values = {name: str(value) for name, value in (
        {"organisation": organization.name(language), "otp": "", "code": "", "minutes": "",
         "detail": "", "note": ""} | values).items()}
    return fill(str(subject_text), values), fill(str(body_text), values), values


def to_account_box(account: Account, kind: str, values: dict) -> InboxItem:
    """An account message in the person's notification box, in their language; in the caller's
    transaction."""
    organization = account.organization
    with reading_as(account.language, organization.timezone):
        subject, body, _values = _filled(organization, kind, account.language, values)
    item = InboxItem(account_id=account.id, subject=subject, body=body)
    db.session.add(item)
    return item


def queue_account_message(organization: Organization, kind: str, channel: str, recipient: str,
                          language: str, values: dict[str, str], link: str = "") -> OutboxItem:
    """Write one account message to the outbox, in the caller's transaction."""
    subject, text, html = compose_account_message(organization, kind, channel, language, values, link)
    return enqueue(organization.id, OutboxChannel(channel), recipient, text, language=language,
                   subject=subject, html_body=html)


def compose_account_message(organization: Organization, kind: str, channel: str, language: str,
                            values: dict[str, str], link: str = "") -> tuple[str, str, str]:
    """(subject, text, html) of an account message; subject and html are empty for SMS."""
    with reading_as(language, organization.timezone):
        subject, body, values = _filled(organization, kind, language, values)
        if channel == SMS:
            # At least two parts: a code cut off by a one-part limit would lock the person out.
            return "", sms_body(organization, body, min_segments=2), ""
        text, html = email_parts(organization, language, values["organisation"], subject, body,
                                 str(LINK_INVITATION), link)
    return subject, text, html
