"""One answer of a request as a person reads it, in plain text: the wording of a reminder quotes
it ("{card_number}") and the export has a column for it. Read in the current locale."""
from __future__ import annotations

from datetime import date

from flask_babel import format_decimal, gettext as _

from widget.i18n import format_day
from widget.models import Field, FieldType


def answer_text(field: Field, value, language: str) -> str:
    """The answer to a field as text: dates and numbers in the locale, choices by their label,
    ticks as Yes / No; files and what the field cannot hold give an empty text."""
    if value in (None, "", []):
        return ""
    kind = field.type
    try:
        if kind == FieldType.DATE.value:
            return format_day(date.fromisoformat(str(value)))
        if kind == FieldType.NUMBER.value:
            return format_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        return str(value)
    if kind == FieldType.CHECKBOX.value:
        return _("Yes") if value else _("No")
    if kind == FieldType.CHOICE.value:
        return field.choice_label(value, language)
    if kind == FieldType.MULTI_CHOICE.value and isinstance(value, list):
        return ", ".join(field.choice_label(item, language) for item in value)
    if kind == FieldType.FILE.value or not isinstance(value, str):
        return ""
    return " ".join(value.split())

