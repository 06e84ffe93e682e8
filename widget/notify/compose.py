"""A person's notices worded: which channels, which addresses, in whose words, with which
values. The services promise notices (widget.notify.notices.queue_notices) in the transaction
that records the events; the delivery worker writes them from the promise
(widget.notify.notices.write_notices), worded by the functions below."""
from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import date

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
from widget.models import (Event, FieldType, FormReminder, NotificationRule, NotificationTemplate,
                           Organization, Request)
from widget.models._types import as_utc
from widget.notify import sms_text
from widget.notify.catalog import (ALL_PLACEHOLDERS, EMAIL, EMAIL_AUTOMATIC, EMAIL_FOLLOW,
                                   EMAIL_FOLLOW_ANY, NOTICES, SMS)
from widget.notify.request_state import RequestState


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
        # takes the version of that language, else the note as written (placeholder_values).
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
        values = placeholder_values(request, request.language, extra, state)
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


def placeholder_values(request: Request, language: str, extra: dict,
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

