"""Turning new timeline events into notices: which notices, to whom, on which channels, in
whose words. The services call queue_notices in the transaction that records the events: it
writes one promise row per notice (and the webhooks' outbox rows); the delivery worker composes
the notices from the promise (widget.notify.promises), with the functions below."""
from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal as babel_decimal
from flask import current_app, render_template
from flask_babel import format_decimal, to_user_timezone
from sqlalchemy import select

from widget import codes
from widget.answer_text import answer_text
from widget.contacts import parse_contact
from widget.config_cache import read_in_transaction
from widget.extensions import db
from widget.i18n import format_day, format_due, reading_as, text_direction
from widget.models import (Event, FieldType, FormReminder, InboxItem, NoticePromise,
                           NotificationRule, NotificationTemplate, Organization, OutboxChannel,
                           OutboxItem, Request)
from widget.models._types import as_utc
from widget.notify import sms_text
from widget.notify.catalog import (ALL_PLACEHOLDERS, EMAIL, EMAIL_AUTOMATIC, EMAIL_FOLLOW,
                                   EMAIL_FOLLOW_ANY, INBOX, NOTICES, SMS, notice_key)
from widget.notify.outbox import enqueue
from widget.notify.webhooks import queue_webhooks


DEFAULT_COLOUR = "#0b5cad"
# Countries whose SMS write dates and amounts short (16/12 17:00, 30.000đ): seed 001's Vietnam.
CONCISE_SMS_COUNTRIES = frozenset({"VN"})
# A notice whose staff note would take an SMS past this many parts links to the status page.
NOTE_PARTS = 2
NOTE_PLACEHOLDERS = ("note", "reason")


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
    return reachable_at(request.answers, request.form_version.fields, request.organization.country)


def reachable_at(answers: dict, fields: Iterable, country: str) -> dict[str, str]:
    """contacts() of answers to these fields (stored or cached ones), numbers read in `country`."""
    found = {}
    channels = {FieldType.EMAIL.value: EMAIL, FieldType.PHONE.value: SMS}
    for field in fields:
        channel = channels.get(field.type)
        value = answers.get(field.key)
        if channel is None or channel in found or not value:
            continue
        # A draft keeps what was typed, unchecked, as lists: only a real address or number is
        # written to, never a list of them or a header someone typed into the field.
        typed = value if isinstance(value, str) else next(
            (item for item in value if isinstance(item, str) and item.strip()), "")
        contact = parse_contact(typed, country)
        if contact is not None and contact.channel == channel:
            found[channel] = typed.strip() if isinstance(value, str) else contact.value
    return found


@dataclass(frozen=True)
class RequestState:
    """What a notice names of a request that later changes may alter (its deadline, journal
    number, fee), as it was at the change the notice tells of."""

    code: str | None
    due_at: datetime | None
    journal_number: str | None
    fee_amount: Decimal | None
    # Where the notice goes ({channel: address}) when that was fixed at the change: a draft's
    # resume code goes to the address it held when saved, not one typed into it later.
    reach: dict[str, str] | None = None

    @classmethod
    def of(cls, request: Request, reach: dict[str, str] | None = None) -> RequestState:
        """The request as it is now, in this (maybe uncommitted) transaction."""
        return cls(request.code, request.due_at, request.journal_number, request.fee_amount,
                   reach)

    def stored(self) -> dict:
        """The state as a promise keeps it (JSON)."""
        kept = {"code": self.code, "due_at": self.due_at.isoformat() if self.due_at else None,
                "journal_number": self.journal_number,
                "fee_amount": str(self.fee_amount) if self.fee_amount is not None else None}
        return kept | ({"reach": self.reach} if self.reach is not None else {})

    @classmethod
    def from_stored(cls, data: dict) -> RequestState:
        """The state a promise kept."""
        due, fee = data.get("due_at"), data.get("fee_amount")
        return cls(data.get("code"), datetime.fromisoformat(due) if due else None,
                   data.get("journal_number"), Decimal(fee) if fee is not None else None,
                   data.get("reach"))


def stored_values(extra: dict) -> dict:
    """A notice's own placeholder values as a promise keeps them (JSON): dates tagged, so
    that they are formatted in the reader's language when the notice is composed."""
    return {name: ["datetime" if isinstance(value, datetime) else "date", value.isoformat()]
            if isinstance(value, date) else value for name, value in extra.items()}


def read_values(stored: dict) -> dict:
    """The placeholder values a promise kept, dates as dates again."""
    kinds = {"datetime": datetime.fromisoformat, "date": date.fromisoformat}
    return {name: kinds[value[0]](value[1]) if isinstance(value, list) else value
            for name, value in stored.items()}


def queue_notices(request: Request, events: Iterable[Event]) -> list[OutboxItem]:
    """Promise the person the notices of these new events, and queue the webhooks of the
    systems that asked for them, in the caller's (uncommitted) transaction; return the
    webhooks' outbox rows (the notices are composed by the delivery worker)."""
    events = list(events)
    for event in events:
        key = notice_key(event.kind, event.data or {}, request.channel, request.status)
        if key is not None and event.public is not False:  # None: not flushed yet, public by default
            queue_notice(request, key, event_values(request, event), event)
    return queue_webhooks(request, events)


def queue_notice(request: Request, key: str, extra: dict, event: Event | None = None,
                 only: set[str] | None = None, reach: dict[str, str] | None = None
                 ) -> NoticePromise:
    """Promise one notice to the person, in the caller's transaction: one small row, from
    which the delivery worker composes it on every channel its rules allow (or `only` those, a
    form reminder's own) and the person can be reached on (write_notices; `reach` those
    addresses, as they are now, instead of the request's when composed). Nothing is read from
    the database here."""
    # A new request has its organisation's id only once flushed; a stored one without loading it.
    organization_id = request.organization_id or request.organization.id
    promise = NoticePromise(organization_id=organization_id, notice_key=key,
                            values=stored_values(extra), state=RequestState.of(request, reach).stored(),
                            only_channels=sorted(only) if only is not None else None)
    promise.request, promise.event = request, event  # objects: both may not have an id yet
    db.session.add(promise)
    return promise


def write_notices(request: Request, key: str, extra: dict, state: RequestState,
                  event_id: int | None = None, created_at: datetime | None = None,
                  only: set[str] | None = None) -> list[OutboxItem]:
    """One notice to the person on every channel its rules allow (or `only` those) and they can
    be reached on: the outbox for e-mail and SMS, the notification box of their account; in the
    caller's transaction (the worker's, which keeps the promise in the same one)."""
    reachable = contacts(request) if state.reach is None else state.reach
    channels = channels_for(request, key, only)
    if INBOX in channels and request.account is not None:
        to_inbox(request, key, extra, state, created_at)
    items = []
    for channel in sorted(channels & reachable.keys()):
        subject, text, html = compose(request, key, channel, extra, state)
        item = enqueue(request.organization.id, OutboxChannel(channel), reachable[channel], text,
                       request_id=request.id, event_id=event_id, language=request.language,
                       subject=subject, html_body=html)
        item.notice = key  # for the delivery report: who was told what
        if created_at is not None:
            # When the change was made, as the history shows it; and due since then, so that
            # it goes out before messages caused later (a worker claims the oldest due first).
            item.created_at = item.next_attempt_at = created_at
        items.append(item)
    return items


def to_inbox(request: Request, key: str, extra: dict, state: RequestState | None = None,
             created_at: datetime | None = None) -> InboxItem:
    """The notice in the account's box, worded as its e-mail (nothing to send: it is there);
    its key and values are kept, so that the box words it in the language of its page."""
    account = request.account
    state = state or RequestState.of(request)
    with reading_as(account.language, request.organization.timezone):
        subject, body = worded(request.organization, key, EMAIL, account.language,
                               _values(request, account.language, extra, state))
    # The request as it was then (deadline, journal number, fee): a later change must not
    # rewrite what the notice said.
    kept = stored_values(extra) | {STATE_KEPT: state.stored()}
    item = InboxItem(account_id=account.id, request=request, subject=subject, body=body,
                     notice_key=key, notice_values=kept)
    if created_at is not None:
        item.created_at = created_at  # the box shows when it happened, not when it was worded
    db.session.add(item)
    return item


def inbox_words(item: InboxItem, language: str) -> tuple[str, str]:
    """(subject, body) of a notice in the box, worded in `language`: again from its key and
    values while its request exists, else as it was first written."""
    request = item.request
    if request is None or item.notice_key not in NOTICES:
        return item.subject, item.body
    stored = dict(item.notice_values or {})
    kept_state = stored.pop(STATE_KEPT, None)
    state = RequestState.from_stored(kept_state) if kept_state else None
    with reading_as(language, request.organization.timezone):
        values = _values(request, language, read_values(stored), state)
        return worded(request.organization, item.notice_key, EMAIL, language, values)


STATE_KEPT = "_state"  # not a placeholder's name (those are words), so never one of the values


def organisation_channels(organization_id: int, key: str) -> set[str]:
    """The channels a notice goes on for an organisation: its rules over the defaults."""
    return ruled_channels(key, {(rule.event_key, rule.channel): rule.enabled
                                for rule in db.session.scalars(select(NotificationRule).where(
                                    NotificationRule.organization_id == organization_id,
                                    NotificationRule.event_key == key))})


def ruled_channels(key: str, rules: Mapping[tuple[str, str], bool]) -> set[str]:
    """The channels of a notice under rules ((event key, channel) -> enabled) over the defaults."""
    channels = set(NOTICES[key].channels)
    for (event_key, channel), enabled in rules.items():
        if event_key == key:
            (channels.add if enabled else channels.discard)(channel)
    return channels


def channels_for(request: Request, key: str, only: set[str] | None = None) -> set[str]:
    """The channels a notice goes on for this request: the organisation's (or `only` those),
    less SMS where the form has SMS off or is settled the same day."""
    channels = organisation_channels(request.organization_id, key) if only is None else set(only)
    if not request.form_version.form.sends_sms:
        channels.discard(SMS)
    return channels


# Not a placeholder's name (those are words): the staff note's versions by language.
NOTES_KEPT = "_notes"


def event_values(request: Request, event: Event) -> dict:
    """The placeholders an event adds to the common ones."""
    data = event.data or {}
    note = event.note or ""
    values = {"note": note, "reason": note or request.refusal_reason or "",
              "title": data.get("title", ""), "receipt": data.get("receipt_number", ""),
              "item_number": data.get("item_number", "")}
    written = data.get("notes")
    if isinstance(written, dict) and note:
        # The versions staff wrote by language, kept with the values: each notice is worded in
        # one language (the e-mail in the request's, the account's box in its reader's) and
        # takes the version of that language, else the note as written (_values).
        values[NOTES_KEPT] = {language: text for language, text in written.items()
                              if isinstance(language, str) and isinstance(text, str) and text}
    return values


def compose(request: Request, key: str, channel: str, extra: dict,
            state: RequestState | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of one notice about a request, in the person's language and the
    organisation's wording if it has its own; `state`: the request as the notice tells it
    (by default as it is now)."""
    organization = request.organization
    state = state or RequestState.of(request)
    with reading_as(request.language, organization.timezone):
        values = _values(request, request.language, extra, state)
        if channel == SMS and organization.country in CONCISE_SMS_COUNTRIES:
            values |= concise_values(request, extra, state)
        return render_notice(organization, key, channel, request.language, values,
                             status_link(request, state.code))


def concise_values(request: Request, extra: dict, state: RequestState) -> dict[str, str]:
    """Dates and amounts as a Vietnamese SMS writes them (seed 001): 16/12 17:00 for a
    deadline, 22/09/2018 for a day, 30.000đ for a fee; call it reading as the person."""
    values = {name: value.strftime("%d/%m/%Y") for name, value in extra.items()
              if isinstance(value, date)}
    if state.due_at:
        values["due"] = to_user_timezone(as_utc(state.due_at)).strftime("%d/%m %H:%M")
    if state.fee_amount is not None:
        # Whole dong: the currency has no smaller unit in use.
        values["amount"] = babel_decimal(state.fee_amount, "#,##0", locale="vi") + "đ"
    return values


def _values(request: Request, language: str, extra: dict,
            state: RequestState | None = None) -> dict[str, str]:
    """Every placeholder's value for a notice about a request; call it reading as the person."""
    extra = dict(extra)
    notes = extra.pop(NOTES_KEPT, None) or {}
    if notes.get(language):
        extra["note"] = extra["reason"] = notes[language]
    return answer_values(request, language) | _common_values(
        request, language, state or RequestState.of(request)) | {
        name: format_day(value) if isinstance(value, date) else value
        for name, value in extra.items()}


def worded(organization: Organization, key: str, channel: str, language: str,
           values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of a notice in the organisation's wording, or the default; call it
    reading as the recipient."""
    # A widget page (the notification box words every notice again) has the organisation's
    # checked configuration at hand: no statement per notice. The worker reads the table.
    configuration = read_in_transaction(db.session, organization.id)
    if configuration is not None:
        wording = configuration.notice_wordings.get((key, channel, language))
    else:
        wording = db.session.scalar(select(NotificationTemplate).where(
            NotificationTemplate.organization_id == organization.id,
            NotificationTemplate.event_key == key, NotificationTemplate.channel == channel,
            NotificationTemplate.language == language))
    notice = NOTICES[key]
    subject_text, body_text = str(notice.subject), str(notice.body)
    if wording is not None:
        subject_text, body_text = wording.subject or subject_text, wording.body
    body_text = reminder_wording(values.get("reminder_id"), language) or body_text
    return fill(subject_text, values), fill(body_text, values)


def reminder_wording(reminder_id: str | None, language: str) -> str | None:
    """A form reminder's own wording in a language, if it has one (checked when it was saved;
    the catalog's wording of "reminder" otherwise)."""
    if not reminder_id:
        return None
    reminder = db.session.get(FormReminder, int(reminder_id))
    return (reminder.wordings or {}).get(language) if reminder is not None else None


def render_notice(organization: Organization, key: str, channel: str, language: str,
                  values: dict[str, str], link: str) -> tuple[str, str, str]:
    """(subject, text, html) of a notice with its values; call it reading as the recipient."""
    if channel == SMS and organization.sms_name:
        values = values | {"organisation": organization.sms_name}
    subject, body = worded(organization, key, channel, language, values)
    if channel == SMS:
        notes = {name: link for name in NOTE_PLACEHOLDERS if values.get(name)}
        if link and notes and sms_text.segments(sms_letters(organization, body)) > NOTE_PARTS:
            # Staff's note would make the SMS long (or be cut mid-word): the status page
            # shows it whole, so the SMS points there instead.
            body = worded(organization, key, channel, language, values | notes)[1]
        return "", sms_body(organization, body), ""
    # One request's page is reached with its code; several requests' from the track page.
    follow = fill(str(EMAIL_FOLLOW if values.get("code") else EMAIL_FOLLOW_ANY), values)
    return (subject, *email_parts(organization, language, values["organisation"], subject, body,
                                  follow, link))


def sms_body(organization: Organization, body: str, min_segments: int = 1) -> str:
    """An SMS as the organisation writes them: GSM-7 typography, without diacritics if it chose
    so, cut to its number of parts (but never below `min_segments`). Every SMS is composed here,
    so what the editor counts, the outbox keeps and the gateway sends are the same text."""
    return sms_text.truncate_to_segments(sms_letters(organization, body),
                                         max(organization.sms_max_segments, min_segments))


def sms_letters(organization: Organization, body: str) -> str:
    """An SMS's text before it is cut to length: GSM-7 typography, and without diacritics where
    the organisation sends them so (by default in Vietnam)."""
    if organization.sms_drops_diacritics:
        return sms_text.strip_diacritics(body)  # which ends with to_gsm
    return sms_text.to_gsm(body)


def email_parts(organization: Organization, language: str, organisation_name: str, subject: str,
                body: str, follow: str, link: str) -> tuple[str, str]:
    """(text, html) of an e-mail: the body, a line leading to the link, the automatic-message
    footer; in the organisation's colour and the language's direction."""
    direction = text_direction(language)
    # In a right-to-left text part a code's groups would be reordered or split across lines;
    # the HTML part keeps every code in one left-to-right span that does not wrap.
    keep = codes.unbroken_in_text if direction == "rtl" else str
    text = "\n\n".join(part for part in (keep(body), f"{keep(follow)}\n{link}" if link else "",
                                          str(EMAIL_AUTOMATIC)) if part)
    html = render_template("email/notice.html", lang=language, dir=direction,
                           organisation=organisation_name, subject=subject,
                           body=codes.unbroken_in_html(body), follow=codes.unbroken_in_html(follow),
                           link=link, automatic=str(EMAIL_AUTOMATIC),
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


def status_link(request: Request, code: str | None) -> str:
    """A request's status page, opened with its code."""
    site = request.site or next(iter(request.organization.sites), None)
    if site is None or not code:
        return ""
    return track_link(site, request.language, codes.display(code))


def answer_values(request: Request, language: str) -> dict[str, str]:
    """The request's own answers by field key, as the person reads them: a form reminder's
    wording quotes them ("{card_number}"). Files and unanswered fields are empty."""
    return {field.key: answer_text(field, request.answers.get(field.key), language)
            for field in request.form_version.fields}


def _common_values(request: Request, language: str, state: RequestState) -> dict[str, str]:
    code = codes.display(state.code) if state.code else ""
    # Every placeholder has a value (empty where a notice does not use it), so that a wording
    # checked against its notice's placeholders always fills.
    return empty_values() | {
        "code": code,
        "form": request.form_version.form.title(language),
        "organisation": request.organization.name(language),
        "due": format_due(state.due_at) if state.due_at else "",
        "number": state.journal_number or code,
        "amount": format_decimal(state.fee_amount, format="#,##0.##")
        if state.fee_amount is not None else "",
    }

