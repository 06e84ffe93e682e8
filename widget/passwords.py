"""Passwords of staff and of people with an account: one KDF, one length rule, one way to check
that takes the same time whether or not there is an account to check against."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # scrypt hashes anything, but nobody types more; keeps hashing cheap
# Compared against when there is no account, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


def hash_password(password: str) -> str:
    """A scrypt hash (werkzeug's default KDF) of a password."""
    return generate_password_hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """True when the password is right; with no hash, False after the same work."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return False
    return check_password_hash(password_hash, password or "")
