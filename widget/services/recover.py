"""Lost tracking codes, recovered without an account: the person gives the e-mail address or
mobile number they sent requests with, and that contact receives the codes.

Nothing tells a visitor whether a contact is known (OWASP Forgot Password cheat sheet, ASVS 5.0
6.3.8): the page answers alike, and the web request does the same work either way (record the
ask); the worker looks the contact up later and writes only to the contact itself. Limits: a few
asks per contact a day (any excess is recorded and dropped silently), the route's per-address
rate limit, and a daily SMS budget per organisation, so the form cannot be used to pump SMS.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import CodeRecovery, OutboxChannel, Site
from widget.models._types import utcnow
from widget.services.access import NotAllowed
from widget.textnorm import fold_digits, strip_controls

PENDING, LIMITED = "pending", "limited"


@dataclass(frozen=True)
class Contact:
    channel: str   # OutboxChannel value
    value: str     # e-mail address in lower case, or E.164 phone number


def parse_contact(typed: str, region: str) -> Contact | None:
    """An e-mail address or a phone number (local numbers read in the organisation's country)."""
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
    if not phonenumbers.is_valid_number(number):
        return None
    return Contact(OutboxChannel.SMS.value,
                   phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def contact_hash(secret: str, contact: Contact) -> str:
    """A keyed hash of a contact: enough to count asks, useless to anyone without the key."""
    return hmac.new(secret.encode(), f"{contact.channel}:{contact.value}".encode(),
                    hashlib.sha256).hexdigest()


def ask_for_codes(site: Site, typed: str, language: str, secret: str, per_contact_per_day: int,
                  now: datetime | None = None) -> None:
    """Record an ask for the codes sent with this contact; the worker answers it. Raises
    NotAllowed when the text is neither an e-mail address nor a phone number."""
    contact = parse_contact(typed, site.organization.country)
    if contact is None:
        raise NotAllowed(_l("Please enter the e-mail address or the mobile number you gave with "
                            "your request."))
    now = now or utcnow()
    digest = contact_hash(secret, contact)
    asked = db.session.scalar(select(func.count()).select_from(CodeRecovery).where(
        CodeRecovery.organization_id == site.organization_id,
        CodeRecovery.contact_hash == digest, CodeRecovery.created_at > now - timedelta(days=1)))
    limited = asked >= per_contact_per_day
    db.session.add(CodeRecovery(
        organization_id=site.organization_id, site_id=site.id, language=language,
        channel=contact.channel, contact="" if limited else contact.value, contact_hash=digest,
        status=LIMITED if limited else PENDING, created_at=now))
    db.session.commit()
