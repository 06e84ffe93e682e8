"""Turning new timeline events into outbox rows: which notices, to whom, on which channels, in
whose words. Called by the services in the transaction that records the events."""
from __future__ import annotations

import re
import string
from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import format_decimal
from sqlalchemy import select

from widget import codes
from widget.contacts import parse_contact
from widget.extensions import db
from widget.i18n import format_day, format_due, reading_as, text_direction
from widget.models import (Event, FieldType, InboxItem, NotificationRule, NotificationTemplate, Organization,
                           OutboxChannel, OutboxItem, Request)
from widget.notify import sms_text
from widget.notify.catalog import (ALL_PLACEHOLDERS, EMAIL, EMAIL_AUTOMATIC, EMAIL_FOLLOW,
                                   EMAIL_FOLLOW_ANY, INBOX, NOTICES, SMS, notice_key)
from widget.notify.outbox import enqueue
from widget.notify.webhooks import queue_webhooks


DEFAULT_COLOUR = "#0b5cad"


class TemplateError(ValueError):
    """An organisation's wording uses a placeholder the notice does not have, or bad braces."""


def template_problems(text: str, allowed: Iterable[str]) -> list[str]:
    """What is wrong with a wording: unknown placeholders, formats or unbalanced braces."""
    allowed = set(allowed)
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion
                  in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        return [f"braces: {error}"]
    problems = []
    for name, spec, conversion in fields:
        # Only bare names: "{code.__class__}" or "{code!r}" would reach into Python objects.
        if name not in allowed or spec or conversion:
            problems.append(name or "{}")
    return problems


def fill(text: str, values: dict[str, str]) -> str:
    """The wording with its placeholders replaced; raises TemplateError on any problem."""
    problems = template_problems(text, values)
    if problems:
        raise TemplateError(", ".join(problems))
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(values[name])
    # An empty optional placeholder ("{note}") must not leave double or trailing spaces.
    return re.sub(r"[ \t]{2,}", " ", "".join(parts)).strip()


def contacts(request: Request) -> dict[str, str]:
    """Where the person can be reached: the first e-mail address and mobile number among the
    answers of their form (parse_contact decides: an SMS goes to no premium-rate, landline or
    satellite number a form's phone field accepts)."""
    found = {}
    channels = {FieldType.EMAIL.value: EMAIL, FieldType.PHONE.value: SMS}
    for field in request.form_version.fields:
        channel = channels.get(field.type)
        value = request.answers.get(field.key)
        if channel is None or channel in found or not value:
            continue
        # A draft keeps what was typed, unchecked, as lists: only a real address or number is
        # written to, never a list of them or a header someone typed into the field.
        typed = value if isinstance(value, str) else next(
            (item for item in value if isinstance(item, str) and item.strip()), "")
        contact = parse_contact(typed, request.organization.country)
        if contact is not None and contact.channel == channel:
            found[channel] = typed.strip() if isinstance(value, str) else contact.value
    return found


def queue_notices(request: Request, events: Iterable[Event]) -> list[OutboxItem]:
    """Outbox rows for these new events, added to the caller's (uncommitted) transaction: the
    person's notices, and the webhooks of the systems that asked for these events."""
    events = list(events)
    queued = []
    for event in events:
        key = notice_key(event.kind, event.data or {}, request.channel, request.status)
        if key is not None and event.public is not False:  # None: not flushed yet, public by default
            queued += queue_notice(request, key, event_values(request, event), event)
    return queued + queue_webhooks(request, events)


def queue_notice(request: Request, key: str, extra: dict[str, str],
                 event: Event | None = None) -> list[OutboxItem]:
    """One notice to the person on every channel its rules allow and they can be reached on:
    the outbox for e-mail and SMS, the notification box of their account at once."""
    reachable = contacts(request)
    channels = channels_for(request, key)
    if INBOX in channels and request.account is not None:
        to_inbox(request, key, extra)
    items = []
    for channel in sorted(channels & reachable.keys()):
        subject, text, html = compose(request, key, channel, extra)
        item = enqueue(request.organization.id, OutboxChannel(channel), reachable[channel], text,
                       language=request.language, subject=subject, html_body=html)
        item.request, item.event = request, event  # objects: both may not have an id yet
        items.append(item)
    return items


def to_inbox(request: Request, key: str, extra: dict[str, str]) -> InboxItem:
    """The notice in the account's box, worded as its e-mail (nothing to send: it is there);
    its key and values are kept, so that the box words it in the language of its page."""
    account = request.account
    with reading_as(account.language, request.organization.timezone):
        subject, body = worded(request.organization, key, EMAIL, account.language,
                               _values(request, account.language, extra))
    # The deadline as it was then: a later move must not rewrite what the notice said.
    kept = _storable(extra) | ({DUE_KEPT: request.due_at.isoformat()} if request.due_at else {})
    item = InboxItem(account_id=account.id, request=request, subject=subject, body=body,
                     notice_key=key, notice_values=kept)
    db.session.add(item)
    return item


def inbox_words(item: InboxItem, language: str) -> tuple[str, str]:
    """(subject, body) of a notice in the box, worded in `language`: again from its key and
    values while its request exists, else as it was first written."""
    request = item.request
    if request is None or item.notice_key not in NOTICES:
        return item.subject, item.body
    stored = dict(item.notice_values or {})
    due = stored.pop(DUE_KEPT, None)
    with reading_as(language, request.organization.timezone):
        values = _values(request, language, _restored(stored))
        if due:
            values["due"] = format_due(datetime.fromisoformat(due))
        return worded(request.organization, item.notice_key, EMAIL, language, values)


# A date among a notice's values is kept as {DATE_MARK: ISO text}: JSON has no dates, and the
# box formats it for each language.
DATE_MARK = "date"
DUE_KEPT = "_due"  # not a placeholder's name (those are words), so never one of the values


def _storable(extra: dict) -> dict:
    return {name: {DATE_MARK: value.isoformat()} if isinstance(value, date) else str(value)
            for name, value in extra.items()}


def _restored(values: dict) -> dict:
    restored = {}
    for name, value in values.items():
        if isinstance(value, dict):
            text = str(value.get(DATE_MARK, ""))
            restored[name] = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        else:
            restored[name] = value
    return restored


def organisation_channels(organization_id: int, key: str) -> set[str]:
    """The channels a notice goes on for an organisation: its rules over the defaults."""
    channels = set(NOTICES[key].channels)
    for rule in db.session.scalars(select(NotificationRule).where(
            NotificationRule.organization_id == organization_id,
            NotificationRule.event_key == key)):
        (channels.add if rule.enabled else channels.discard)(rule.channel)
    return channels


def channels_for(request: Request, key: str) -> set[str]:
    """The channels a notice goes on for this request: the organisation's, less SMS where the
    form has SMS off or is settled the same day."""
    channels = organisation_channels(request.organization_id, key)
    form = request.form_version.form
    if not form.sends_sms:
        channels.discard(SMS)
    return channels


def event_values(request: Request, event: Event) -> dict[str, str]:
    """The placeholders an event adds to the common ones."""
    data = event.data or {}
    return {"note": event.note or "", "reason": event.note or request.refusal_reason or "",
            "title": data.get("title", ""), "receipt": data.get("receipt_number", ""),
            "item_number": data.get("item_number", "")}


def compose(request: Request, key: str, channel: str, extra: dict[str, str]) -> tuple[str, str, str]:
    """(subject, text, html) of one notice about a request, in the person's language and the
    organisation's wording if it has its own."""
    organization = request.organization
    with reading_as(request.language, organization.timezone):
        return render_notice(organization, key, channel, request.language,
                             _values(request, request.language, extra), status_link(request))


def _values(request: Request, language: str, extra: dict) -> dict[str, str]:
    """Every placeholder's value for a notice about a request; call it reading as the person."""
    return _common_values(request, language) | {
        name: format_day(value) if isinstance(value, date) else value
        for name, value in extra.items()}


def worded(organization: Organization, key: str, channel: str, language: str,
           values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of a notice in the organisation's wording, or the default; call it
    reading as the recipient."""
    wording = db.session.scalar(select(NotificationTemplate).where(
        NotificationTemplate.organization_id == organization.id,
        NotificationTemplate.event_key == key, NotificationTemplate.channel == channel,
        NotificationTemplate.language == language))
    notice = NOTICES[key]
    subject_text, body_text = str(notice.subject), str(notice.body)
    if wording is not None:
        subject_text, body_text = wording.subject or subject_text, wording.body
    return fill(subject_text, values), fill(body_text, values)


def render_notice(organization: Organization, key: str, channel: str, language: str,
                  values: dict[str, str], link: str) -> tuple[str, str, str]:
    """(subject, text, html) of a notice with its values; call it reading as the recipient."""
    subject, body = worded(organization, key, channel, language, values)
    if channel == SMS:
        return "", sms_body(organization, body), ""
    # One request's page is reached with its code; several requests' from the track page.
    follow = fill(str(EMAIL_FOLLOW if values.get("code") else EMAIL_FOLLOW_ANY), values)
    return (subject, *email_parts(organization, language, values["organisation"], subject, body,
                                  follow, link))


def sms_body(organization: Organization, body: str, min_segments: int = 1) -> str:
    """An SMS as the organisation writes them: GSM-7 typography, without diacritics if it chose
    so, cut to its number of parts (but never below `min_segments`). Every SMS is composed here,
    so what the editor counts, the outbox keeps and the gateway sends are the same text."""
    if organization.sms_without_diacritics:
        body = sms_text.strip_diacritics(body)  # which ends with to_gsm
    else:
        body = sms_text.to_gsm(body)
    return sms_text.truncate_to_segments(body, max(organization.sms_max_segments, min_segments))


def email_parts(organization: Organization, language: str, organisation_name: str, subject: str,
                body: str, follow: str, link: str) -> tuple[str, str]:
    """(text, html) of an e-mail: the body, a line leading to the link, the automatic-message
    footer; in the organisation's colour and the language's direction."""
    text = "\n\n".join(part for part in (body, f"{follow}\n{link}" if link else "",
                                          str(EMAIL_AUTOMATIC)) if part)
    html = render_template("email/notice.html", lang=language, dir=text_direction(language),
                           organisation=organisation_name, subject=subject, body=body,
                           follow=follow, link=link, automatic=str(EMAIL_AUTOMATIC),
                           colour=theme_colour(organization))
    return text, html


def empty_values() -> dict[str, str]:
    """Every placeholder with no value: a notice fills those it has."""
    return dict.fromkeys(ALL_PLACEHOLDERS, "")


def theme_colour(organization) -> str:
    """The organisation's colour for a style attribute: a #rrggbb hex, else the default."""
    colour = organization.theme_color or ""
    return colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else DEFAULT_COLOUR


def track_link(site, language: str, code: str = "") -> str:
    """The widget's track page at the public address, a code in the fragment (which browsers
    never send to a server); empty when there is no public address."""
    base = current_app.config["FRONTDESK_PUBLIC_URL"].rstrip("/")
    if not base:
        return ""
    return f"{base}/w/{site.key}/{language}/track" + (f"#{code}" if code else "")


def status_link(request: Request) -> str:
    """A request's status page, opened with its code."""
    site = request.site or next(iter(request.organization.sites), None)
    if site is None or not request.code:
        return ""
    return track_link(site, request.language, codes.display(request.code))


def _common_values(request: Request, language: str) -> dict[str, str]:
    code = codes.display(request.code) if request.code else ""
    # Every placeholder has a value (empty where a notice does not use it), so that a wording
    # checked against its notice's placeholders always fills.
    return empty_values() | {
        "code": code,
        "form": request.form_version.form.title(language),
        "organisation": request.organization.name(language),
        "due": format_due(request.due_at) if request.due_at else "",
        "number": request.journal_number or code,
        "amount": format_decimal(request.fee_amount, format="#,##0.##")
        if request.fee_amount is not None else "",
    }

