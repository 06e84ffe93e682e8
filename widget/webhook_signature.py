"""Signing webhooks, and checking a signature as a receiver would: pure functions, no Flask.

The header is `Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC keyed with
the system's webhook secret over `f"{t}.{body}"` (the body exactly as sent, in bytes). Signing the
moment with the body lets a receiver refuse a captured request played again later; several `v1=`
values are accepted so that a secret can be rotated without a gap.
"""
from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Frontdesk-Signature"
TOLERANCE_SECONDS = 300
_MAX_HEADER = 1024  # a real header is ~80 characters: never parse an endless one


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def signature(secret: str, timestamp: int, body: str | bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` under the secret."""
    message = str(int(timestamp)).encode("ascii") + b"." + _bytes(body)
    return hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: str | bytes) -> str:
    """The Frontdesk-Signature header's value for a body sent at `timestamp` (unix seconds)."""
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    if not isinstance(header, str) or not header or len(header) > _MAX_HEADER:
        return None
    timestamp, candidates = None, []
    for part in header.split(","):
        name, equals, value = part.strip().partition("=")
        if not equals:
            return None
        if name == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return None
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value.strip())
        # Other schemes (v0, a future v2) are ignored, so a newer sender does not break us.
    if timestamp is None or not candidates:
        return None
    return timestamp, candidates


def verify(secret: str, header: str, body: str | bytes, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True when the header signs this body with this secret at a moment within `tolerance`
    seconds of `now` (either way); False for a wrong, malformed or stale signature."""
    parsed = _parse(header)
    if parsed is None or not secret:
        return False
    timestamp, candidates = parsed
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False  # a replay of an old request, or a clock far off
    expected = signature(secret, timestamp, body)
    # compare_digest on every candidate: the time taken says nothing about how much matched.
    return any(hmac.compare_digest(expected.encode(), candidate.encode("utf-8", "replace"))
               for candidate in candidates)
