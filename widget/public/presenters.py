"""Turning requests into what the widget shows: labels, answer rows, the QR code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import segno
from flask_babel import format_decimal, lazy_gettext as _l
from flask_babel import gettext as _

from widget import codes
from widget.i18n import format_day
from widget.models import EventKind, FieldType, Request, RequestStatus
from widget.uploads import megabytes

STATUS_LABELS = {
    RequestStatus.DRAFT.value: _l("Draft, not sent yet"),
    RequestStatus.RECEIVED.value: _l("Received, waiting to be registered"),
}
EVENT_LABELS = {
    EventKind.DRAFT_SAVED.value: _l("Draft saved"),
    EventKind.RECEIVED.value: _l("Request received online"),
}


@dataclass
class AnswerRow:
    label: str
    value: str | list[str]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


def answer_rows(request: Request, language: str) -> list[AnswerRow]:
    """Each field of the request's form version with what was sent, in the reader's language."""
    rows = []
    for field in request.form_version.fields:
        if field.type == FieldType.FILE.value:
            names = [a.filename for a in request.attachments if a.field_key == field.key]
            if names:
                rows.append(AnswerRow(field.label(language), names))
            continue
        value = request.answers.get(field.key)
        if value in (None, "", []):
            continue
        rows.append(AnswerRow(field.label(language), _display_value(field, value, language)))
    return rows


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
    # A fixed mask: choosing the best of eight costs most of a submission's time, and any
    # mask scans.
    return segno.make(url, error="m", mask=0).svg_inline(
        scale=3, border=2, dark="#000", light="#fff",
        title=_("QR code that opens the status page of this request"))


def display_code(code: str | None) -> str:
    return codes.display(code) if code else ""


TEMPLATE_FILTERS = {"code": display_code, "status_label": status_label,
                    "event_label": event_label, "megabytes": megabytes}
