"""E-mail addresses and mobile numbers a person types: read them the one way everywhere, and
hash them for limits without keeping them."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from widget.models import OutboxChannel
from widget.textnorm import fold_digits, strip_controls


# The numbers a text reaches at an ordinary price. Not premium-rate, shared-cost or toll-free
# lines, landlines or pagers, nor the international networks (satellite, +881/+882/+883): those
# are where SMS pumping sends the codes anyone can ask for, to be paid for their traffic.
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_INTERNATIONAL_NETWORKS = "001"
NOT_A_MOBILE = _l("This number cannot receive text messages: please enter a mobile number.")


class NotAMobile(ValueError):
    """A real phone number no ordinary text reaches (a landline, a toll-free or premium-rate
    line...): the person is told to give a mobile number instead."""

    message = NOT_A_MOBILE


@dataclass(frozen=True)
class Contact:
    channel: str   # OutboxChannel value
    value: str     # e-mail address in lower case, or E.164 phone number


def phone_number(typed: str, region: str) -> phonenumbers.PhoneNumber | None:
    """A valid phone number of the numbering plan (local numbers read in the organisation's
    country), or None."""
    text = fold_digits(strip_controls(typed or "")).strip()
    try:
        number = phonenumbers.parse(text[:40], region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(number: phonenumbers.PhoneNumber) -> str:
    """A number as it is stored and sent to: +84912345678."""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_number(typed: str, region: str) -> str | None:
    """The E.164 form of a mobile number, the one rule for every field and page that promises
    SMS; None when the text is no phone number at all. Raises NotAMobile for a real number no
    ordinary text reaches."""
    number = phone_number(typed, region)
    if number is None:
        return None
    if (phonenumbers.number_type(number) not in _MOBILE
            or phonenumbers.region_code_for_number(number) == _INTERNATIONAL_NETWORKS):
        raise NotAMobile(e164(number))
    return e164(number)


def read_contact(typed: str, region: str) -> Contact | None:
    """An e-mail address or a mobile number (sms_number), or None; raises NotAMobile for a
    phone number no SMS reaches, so that the person is told why."""
    text = fold_digits(strip_controls(typed or "")).strip()[:254]
    if "@" in text:
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
        return Contact(OutboxChannel.EMAIL.value, address.lower())
    number = sms_number(text, region)
    return Contact(OutboxChannel.SMS.value, number) if number else None


def parse_contact(typed: str, region: str) -> Contact | None:
    """An e-mail address or a mobile number of a country (local numbers read in the
    organisation's country); None for anything else, landlines included."""
    try:
        return read_contact(typed, region)
    except NotAMobile:
        return None


def contact_hash(secret: str, contact: Contact) -> str:
    """A keyed hash of a contact: enough to count asks, useless to anyone without the key."""
    return hmac.new(secret.encode(), f"{contact.channel}:{contact.value}".encode(),
                    hashlib.sha256).hexdigest()


def masked(contact: Contact) -> str:
    """A contact as a page may show it to someone who has not proved they hold it:
    t•••@example.org, +84•••••4567."""
    if contact.channel == OutboxChannel.EMAIL.value:
        local, _, domain = contact.value.partition("@")
        return f"{local[:1]}•••@{domain}"
    return f"{contact.value[:3]}•••••{contact.value[-4:]}"


# Keys whose text answer is most likely the person's name, best first.
NAME_KEYS = ("name", "full_name", "applicant", "holder", "parent_name")


def name_in_answers(fields, answers: dict) -> str:
    """The person's name if a text answer looks like one, else the first text answer (fields:
    the request's form version's fields)."""
    texts = {f.key: answers.get(f.key) for f in fields if f.type == "text"}
    texts = {key: value.strip() for key, value in texts.items()
             if isinstance(value, str) and value.strip()}
    named = [key for key in NAME_KEYS if key in texts] + [key for key in texts if "name" in key]
    key = (named or list(texts) or [None])[0]
    return texts[key][:120] if key else ""
