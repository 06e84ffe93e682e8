"""An issued letter's document: the PDF rendered once, when the letter is issued, in the
person's language and calendar, and stored with its SHA-256 so its bytes never change."""
from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext as _

from widget.file_stores import FileStore, save_all
from widget.i18n import format_day, text_direction
from widget.letters.pdf import LetterDocument, render_letter
from widget.models import LETTER_DOCUMENT, Attachment, Letter, Request
from widget.services.letter_verification import display_verification_code, new_verification_code


def verification_url(code: str) -> str:
    """The public page that verifies a letter: what its QR code opens."""
    return f"{current_app.config['FRONTDESK_PUBLIC_URL'].rstrip('/')}/v/{code}"


def document_of(request: Request, letter: Letter, now: datetime,
                enclosures: list[str]) -> LetterDocument:
    """What the letter's page prints, worded for the person (their language, their calendar:
    Solar Hijri first in Persian) on the organisation's local day."""
    language, organization = request.language, request.organization
    day = now.astimezone(ZoneInfo(organization.timezone or "UTC")).date()
    url = verification_url(letter.verification_code)
    with force_locale(language):
        return LetterDocument(
            language=language, right_to_left=text_direction(language) == "rtl",
            organisation=organization.name(language),
            unit=letter.unit.name(language) if letter.unit else "",
            journal_line=_("Journal number %(number)s", number=letter.journal_number)
            if letter.journal_number else "",
            date_line=_("Date: %(date)s", date=format_day(day)),
            title=letter.title, body=letter.body or "", verify_url=url,
            verify_line=_("To check that this letter is genuine, open %(url)s or scan the code, "
                          "and compare the file with the one issued. Verification code: "
                          "%(code)s", url=url,
                          code=display_verification_code(letter.verification_code)),
            enclosures=tuple(_("Enclosed: %(name)s", name=name) for name in enclosures),
            issued_at=now)


def attach_document(request: Request, letter: Letter, now: datetime, store: FileStore,
                    enclosures: list[str]) -> str:
    """Issue the letter as a document: give it a verification code and its issuer, render its
    PDF, store it and attach it as the letter's file; returns the storage key (for the caller
    to delete should the change fail after it)."""
    letter.verification_code = new_verification_code()
    letter.unit, letter.journal_number = request.unit, request.journal_number
    data = render_letter(document_of(request, letter, now, enclosures))
    letter.document_sha256 = hashlib.sha256(data).hexdigest()
    key = save_all(store, [data])[0]
    # Named by what identifies it in every language: the journal number (else the code).
    name = f"{(letter.journal_number or letter.verification_code).replace('/', '-')}.pdf"
    letter.attachments.append(Attachment(
        request_id=request.id, field_key=LETTER_DOCUMENT, filename=name,
        content_type="application/pdf", size=len(data), sha256=letter.document_sha256,
        storage_key=key))
    return key
