"""Turning requests into what the widget shows: labels, answer rows, the QR code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_decimal, lazy_gettext as _l
from flask_babel import gettext as _

from widget import codes, qr
from widget.i18n import format_day
from widget.models import (Channel, EventKind, FieldType, Handover, PauseReason, Request,
                           RequestStatus)
from widget.services.status_page import public_note
from widget.services.submission import HANDOVER_KEY
from widget.uploads import megabytes

STATUS_LABELS = {
    RequestStatus.DRAFT.value: _l("Draft, not sent yet"),
    RequestStatus.RECEIVED.value: _l("Received, waiting to be registered"),
    RequestStatus.REGISTERED.value: _l("Registered"),
    RequestStatus.IN_PROGRESS.value: _l("In progress"),
    RequestStatus.PAUSED.value: _l("Paused"),
    RequestStatus.RESULT_READY.value: _l("Result ready"),
    RequestStatus.REFUSED.value: _l("Refused"),
    RequestStatus.CLOSED.value: _l("Closed"),
}
EVENT_LABELS = {
    EventKind.DRAFT_SAVED.value: _l("Draft saved"),
    EventKind.RECEIVED.value: _l("Request received online"),
    EventKind.REGISTERED.value: _l("Registered"),
    EventKind.ASSIGNED.value: _l("Assigned to a specialist"),
    EventKind.STARTED.value: _l("Work started"),
    EventKind.DEADLINE_CHANGED.value: _l("Deadline changed"),
    EventKind.PAUSED.value: _l("Paused"),
    EventKind.RESUMED.value: _l("Resumed"),
    EventKind.RESULT_READY.value: _l("Result ready"),
    EventKind.REFUSED.value: _l("Refused"),
    EventKind.CLOSED.value: _l("Closed"),
    EventKind.LETTER_ISSUED.value: _l("Answer letter issued"),
    EventKind.STAFF_MESSAGE.value: _l("Message from the organisation"),
    EventKind.CITIZEN_MESSAGE.value: _l("Your message"),
    EventKind.NOTE.value: _l("Internal note"),
    EventKind.FEE_REQUESTED.value: _l("Fee requested"),
    EventKind.FEE_PAID.value: _l("Fee paid"),
    EventKind.FEE_WAIVED.value: _l("Fee waived"),
    EventKind.POST_SENT.value: _l("Sent by post"),
    EventKind.POST_RECEIVED.value: _l("Received by post"),
    EventKind.TRANSFERRED.value: _l("Passed to another unit"),
}
# Received at the desk or by post rather than online.
CHANNEL_EVENT_LABELS = {
    Channel.DESK.value: _l("Request received at the desk"),
    Channel.POST.value: _l("Request received by post"),
}
PAUSE_REASON_LABELS = {
    PauseReason.SUPPLEMENT.value: _l("waiting for you to supplement documents"),
    PauseReason.THIRD_PARTY.value: _l("waiting for another authority"),
    PauseReason.INSPECTION.value: _l("a site inspection"),
    PauseReason.PERSON_REQUEST.value: _l("paused at your request"),
}
HANDOVER_LABELS = {
    Handover.DESK.value: _l("collect it at the desk"),
    Handover.POST.value: _l("it is sent to you by post"),
    Handover.ONLINE.value: _l("download it on this page"),
}

CHANGE_STATUS_LABELS = {
    "pending": _l("waiting for staff"),
    "approved": _l("approved"),
    "refused": _l("refused"),
}


@dataclass
class AnswerRow:
    label: str
    value: str | list[str]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


def timeline_label(event) -> str:
    """An event as the person reads it; receipt at the desk or by post says so."""
    channel = (event.data or {}).get("channel")
    if event.kind == EventKind.RECEIVED.value and channel in CHANNEL_EVENT_LABELS:
        return str(CHANNEL_EVENT_LABELS[channel])
    return event_label(event.kind)


def pause_reason_label(reason: str | None) -> str:
    return str(PAUSE_REASON_LABELS.get(reason or "", reason or ""))


def handover_label(mode: str | None) -> str:
    return str(HANDOVER_LABELS.get(mode or "", mode or ""))


def amount(value) -> str:
    """A fee in the reader's locale: 50000 -> 50,000 (en), 50.000 (vi)."""
    return format_decimal(value, format="#,##0.##") if value is not None else ""


def answer_rows(request: Request, language: str, files=None, fields=None) -> list[AnswerRow]:
    """Each field of the request's form version with what was sent, in the reader's language
    (files: the request's own files as read already, each with field_key and filename; fields:
    that version's fields when the caller has them already, the configuration cache's)."""
    rows = []
    files = request.attachments if files is None else files
    for field in fields if fields is not None else request.form_version.fields:
        if field.type == FieldType.FILE.value:
            names = [a.filename for a in files if a.field_key == field.key]
            if names:
                rows.append(AnswerRow(field.label(language), names))
            continue
        value = request.answers.get(field.key)
        if value in (None, "", []):
            continue
        rows.append(AnswerRow(field.label(language), _display_value(field, value, language)))
    return rows


def display_answer(field, value, language: str):
    """One answer as the person reads it: a text, or a list of texts for several choices."""
    return _display_value(field, value, language)


def _display_value(field, value, language: str):
    if field.type == FieldType.CHECKBOX.value:
        return _("Yes") if value else _("No")
    if field.type == FieldType.CHOICE.value:
        return field.choice_label(value, language)
    if field.type == FieldType.MULTI_CHOICE.value:
        return [field.choice_label(item, language) for item in value]
    if field.type == FieldType.DATE.value:
        return format_day(date.fromisoformat(value))
    if field.type == FieldType.NUMBER.value:
        return format_decimal(value)
    return value


def qr_svg(url: str) -> str:
    """An inline SVG QR code for a URL (its fragment included), titled for screen readers."""
    return qr.qr_svg(url, _("QR code that opens the status page of this request"))


def file_size(size: int) -> str:
    """An attached file's size for people, in the page's language: "240 KB", "3.5 MB"."""
    # Numbers, not texts: the translation domain writes them in the page's digits.
    if size < 1024 * 1024:
        return _("%(size)s KB", size=max(1, round(size / 1024)))
    return _("%(size)s MB", size=Decimal(str(round(size / (1024 * 1024), 1))))


def display_code(code: str | None) -> str:
    return codes.display(code) if code else ""


TEMPLATE_FILTERS = {"code": display_code, "status_label": status_label,
                    "event_label": event_label, "timeline_label": timeline_label,
                    "pause_reason_label": pause_reason_label, "handover_label": handover_label,
                    "amount": amount, "megabytes": megabytes, "public_note": public_note,
                    "file_size": file_size}


def draft_values(draft: Request) -> dict[str, list[str]]:
    """What a resumed draft's form shows: the answers typed, and the hand-over chosen."""
    return {**draft.answers, HANDOVER_KEY: [draft.handover]} if draft.handover else draft.answers
