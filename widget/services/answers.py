"""Validation of a form's answers, shared by every channel that files requests.

Each field type has a cleaner that turns what was typed into the stored value or raises
FieldError with a translated message. Drafts are cleaned with partial=True: what is there must
be well-formed, but nothing is required yet.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from widget.calendars import parse_solar_hijri
from widget.contacts import NotAMobile, e164, phone_number, sms_number
from widget.models import Field, FieldType
from widget.textnorm import fold_digits, strip_controls
from widget.untrusted import EARLIEST_YEAR, LATEST_YEAR, parse_day

DEFAULT_MAX_LENGTH = {FieldType.TEXT.value: 200, FieldType.LONG_TEXT.value: 5000}
_WRITTEN_DAY = re.compile(r"[0-9]{4,}-[0-9]{2}-[0-9]{2}")
# Values longer than this are refused before any parsing, whatever the field type.
HARD_MAX_LENGTH = 20000


class FieldError(ValueError):
    """A value the person must correct; the message is translated lazily."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _clean_text(field: Field, values: list[str], region: str):
    multiline = field.type == FieldType.LONG_TEXT.value
    text = strip_controls(values[0] if values else "", keep_newlines=multiline).strip()
    max_length = field.max_length or DEFAULT_MAX_LENGTH[field.type]
    if len(text) > max_length:
        raise FieldError(_l("Please shorten this to %(max)d characters (now %(count)d).",
                            max=max_length, count=len(text)))
    if text and field.min_length and len(text) < field.min_length:
        raise FieldError(_l("Please write at least %(min)d characters.", min=field.min_length))
    return text


def _clean_number(field: Field, values: list[str], region: str):
    text = fold_digits(values[0] if values else "").strip().replace(" ", "").replace(",", ".")
    if not text:
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldError(_l("Please enter a number, for example 42 or 3.5.")) from None
    if not number.is_finite():
        raise FieldError(_l("Please enter a number, for example 42 or 3.5."))
    if field.min_value is not None and number < field.min_value:
        raise FieldError(_l("Please enter %(min)s or more.", min=_plain(field.min_value)))
    if field.max_value is not None and number > field.max_value:
        raise FieldError(_l("Please enter %(max)s or less.", max=_plain(field.max_value)))
    return _plain(number)


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 12.50 -> 12.5, 1E+2 -> 100."""
    return format(number.normalize(), "f")


def _clean_date(field: Field, values: list[str], region: str):
    text = fold_digits(values[0] if values else "").strip()
    if not text:
        return ""
    day = parse_day(text) or parse_solar_hijri(text)
    if day is not None:
        return day.isoformat()
    if _WRITTEN_DAY.fullmatch(text) and not EARLIEST_YEAR <= int(text[:-6]) <= LATEST_YEAR:
        # Well written, but the year 0001, 9999 or 10000 is no one's.
        raise FieldError(_l("Please enter a date in the years 1900 to 2999."))
    raise FieldError(_l("Please enter a date as year-month-day, for example 2026-03-31."))


def _clean_email(field: Field, values: list[str], region: str):
    text = strip_controls(values[0] if values else "").strip()
    if not text:
        return ""
    if len(text) > 254:
        raise FieldError(_l("Please enter a valid e-mail address, for example name@example.com."))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldError(_l("Please enter a valid e-mail address, for example name@example.com.")) from None


_NOT_A_PHONE_NUMBER = _l("Please enter a valid phone number, with the country code if it is not local.")


def _clean_phone(field: Field, values: list[str], region: str):
    text = fold_digits(strip_controls(values[0] if values else "")).strip()
    if not text:
        return ""
    number = phone_number(text, region)
    if number is None:
        raise FieldError(_NOT_A_PHONE_NUMBER)
    if _promises_sms(field):
        try:  # the same rule as the lost-code page and account sign-up
            return sms_number(text, region)
        except NotAMobile as error:
            raise FieldError(error.message) from None
    return e164(number)


def _promises_sms(field: Field) -> bool:
    """Whether notices may text the number this field holds. compose.contacts texts the first
    mobile number among ALL the phone fields of a form, so on a form that sends SMS
    (Form.sends_sms) every phone field is an SMS destination, and takes a mobile number only;
    on a form that sends none a phone field is a number to call, and a landline is fine."""
    return field.form_sends_sms


def _clean_choice(field: Field, values: list[str], region: str):
    value = values[0] if values else ""
    if value and value not in {choice["value"] for choice in field.choices}:
        raise FieldError(_l("Please choose one of the options."))
    return value


def _clean_multi_choice(field: Field, values: list[str], region: str):
    known = [choice["value"] for choice in field.choices]
    chosen = [value for value in values if value]
    if any(value not in known for value in chosen):
        raise FieldError(_l("Please choose among the options shown."))
    return [value for value in known if value in chosen]  # the form's order, no duplicates


def _clean_checkbox(field: Field, values: list[str], region: str):
    return bool(values and values[0] in {"y", "on", "1", "true"})


_CLEANERS: dict[str, Callable[[Field, list[str], str], object]] = {
    FieldType.TEXT.value: _clean_text,
    FieldType.LONG_TEXT.value: _clean_text,
    FieldType.NUMBER.value: _clean_number,
    FieldType.DATE.value: _clean_date,
    FieldType.EMAIL.value: _clean_email,
    FieldType.PHONE.value: _clean_phone,
    FieldType.CHOICE.value: _clean_choice,
    FieldType.MULTI_CHOICE.value: _clean_multi_choice,
    FieldType.CHECKBOX.value: _clean_checkbox,
}


# What to do with a required field left empty, when "fill in" is not the right verb.
_EMPTY_REQUIRED = {
    FieldType.CHECKBOX.value: _l("Please tick this box to go on."),
    FieldType.CHOICE.value: _l("Please choose one of the options."),
    FieldType.MULTI_CHOICE.value: _l("Please choose at least one option."),
}


def _is_empty(value) -> bool:
    return value in ("", None, False, [])


def clean_answers(fields: Sequence[Field], raw: Mapping[str, list[str]], region: str,
                  partial: bool = False, files_present: Mapping[str, int] | None = None
                  ) -> tuple[dict, dict]:
    """Clean every non-file field; return (answers, errors by field key).

    files_present counts the files each file field will hold, for its required check.
    """
    answers: dict = {}
    errors: dict = {}
    files_present = files_present or {}
    for field in fields:
        if field.type == FieldType.FILE.value:
            if not partial and field.required and not files_present.get(field.key):
                errors[field.key] = _l("Please attach a file.")
            continue
        values = [value for value in raw.get(field.key, []) if isinstance(value, str)]
        if sum(len(value) for value in values) > HARD_MAX_LENGTH:
            errors[field.key] = _l("This answer is far too long.")
            continue
        try:
            value = _CLEANERS[field.type](field, values, region)
        except FieldError as error:
            errors[field.key] = error.message
            continue
        if not partial and field.required and _is_empty(value):
            errors[field.key] = _EMPTY_REQUIRED.get(field.type, _l("Please fill in this field."))
            continue
        answers[field.key] = value
    return answers, errors
