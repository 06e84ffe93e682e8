"""Verifying an issued letter: its verification code opens what the organisation vouches for
(issuer, date, journal number, the document's SHA-256), and tells whether a PDF someone holds
is, byte for byte, the document that was issued.

A verification code is 16 random Crockford base32 symbols (80 bits from `secrets`) and a Damm
check symbol, typed as people type tracking codes (widget.codes folds case, dashes, look-alike
letters and Persian digits). It is not derived from the tracking code, which stays the person's
secret, and is too long to guess: together with the lookup rate limit, nobody lists letters.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from widget import codes
from widget.extensions import db
from widget.models import Letter

DATA_LENGTH = 16
CODE_LENGTH = DATA_LENGTH + 1


@dataclass(frozen=True)
class IssuedLetter:
    """What the verification page shows: nothing of the person or of the letter's text."""
    code: str
    organisation_names: dict
    unit_names: dict
    issued_at: datetime
    journal_number: str | None
    sha256: str
    timezone: str


def new_verification_code() -> str:
    """A fresh random verification code in normal form."""
    data = "".join(secrets.choice(codes.ALPHABET) for _ in range(DATA_LENGTH))
    return data + codes.check_symbol(data)


def parse_verification_code(text: str | None) -> str | None:
    """What someone typed as a verification code, in normal form; None if it cannot be one."""
    code = codes.normalize((text or "")[:100])
    if len(code) != CODE_LENGTH or any(symbol not in codes.ALPHABET for symbol in code):
        return None
    return code if codes.check_symbol(code[:-1]) == code[-1] else None


def display_verification_code(code: str) -> str:
    """A verification code grouped by four for reading."""
    return codes.display(code)


def issued_letter(typed: str | None) -> IssuedLetter | None:
    """The issued document a verification code names, or None (unknown, mistyped, or a letter
    from before documents were rendered)."""
    code = parse_verification_code(typed)
    if code is None:
        return None
    letter = db.session.scalar(select(Letter).where(Letter.verification_code == code))
    if letter is None or letter.document_sha256 is None:
        return None
    organization = letter.request.organization
    return IssuedLetter(code, dict(organization.names or {}),
                        dict(letter.unit.names or {}) if letter.unit else {}, letter.created_at,
                        letter.journal_number, letter.document_sha256, organization.timezone)


def is_issued_document(letter: IssuedLetter, data: bytes) -> bool:
    """Whether these bytes are exactly the document issued (one changed byte is not)."""
    return secrets.compare_digest(hashlib.sha256(data).hexdigest(), letter.sha256)
