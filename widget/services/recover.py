"""Lost tracking codes, recovered without an account: the person gives the e-mail address or
mobile number they sent requests with, and that contact receives the codes.

Nothing tells a visitor whether a contact is known (OWASP Forgot Password cheat sheet, ASVS 5.0
6.3.8): the page answers alike, and the web request does the same work either way (record the
ask); the worker looks the contact up later and writes only to the contact itself. Limits: a few
asks per contact a day (any excess is recorded and dropped silently), the route's per-address
rate limit, and a daily SMS budget per organisation, so the form cannot be used to pump SMS.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.contacts import NotAMobile, contact_hash, read_contact
from widget.extensions import db
from widget.models import CodeRecovery, Site
from widget.models._types import utcnow
from widget.services.access import NotAllowed

PENDING, LIMITED = "pending", "limited"


def ask_for_codes(site: Site, typed: str, language: str, secret: str, per_contact_per_day: int,
                  now: datetime | None = None) -> None:
    """Record an ask for the codes sent with this contact; the worker answers it. Raises
    NotAllowed when the text is neither an e-mail address nor a mobile number."""
    try:
        contact = read_contact(typed, site.organization.country)
    except NotAMobile as error:  # the form's phone fields refuse it alike (contacts.sms_number)
        raise NotAllowed(error.message) from None
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
