"""E-mail addresses and mobile numbers a person types: read them the one way everywhere, and
hash them for limits without keeping them."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from widget.models import OutboxChannel
from widget.textnorm import fold_digits, strip_controls


# The numbers a text reaches at an ordinary price. Not premium-rate, shared-cost or toll-free
# lines, landlines or pagers, nor the international networks (satellite, +881/+882/+883): those
# are where SMS pumping sends the codes anyone can ask for, to be paid for their traffic.
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_INTERNATIONAL_NETWORKS = "001"


@dataclass(frozen=True)
class Contact:
    channel: str   # OutboxChannel value
    value: str     # e-mail address in lower case, or E.164 phone number


def parse_contact(typed: str, region: str) -> Contact | None:
    """An e-mail address or a mobile number of a country (local numbers read in the
    organisation's country)."""
    text = fold_digits(strip_controls(typed or "")).strip()[:254]
    if "@" in text:
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
        return Contact(OutboxChannel.EMAIL.value, address.lower())
    try:
        number = phonenumbers.parse(text[:40], region)
    except phonenumbers.NumberParseException:
        return None
    if (not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE
            or phonenumbers.region_code_for_number(number) == _INTERNATIONAL_NETWORKS):
        return None
    return Contact(OutboxChannel.SMS.value,
                   phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


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
