"""The key a call to the REST API or Open311 presents, verified once per call, and the one
rate-limit budget the call draws on.

The budget is keyed on the verified key (its connected system), and shared by every REST and
Open311 route. A call without a key, or whose key does not verify (unknown, forged, revoked),
counts against its client address instead: forged keys that copy a real key's public prefix
never spend that key's budget, and are refused (401 REST, 403 Open311) either way.
"""
from __future__ import annotations

from flask import request

from widget.config import setting
from widget.extensions import limiter
from widget.models import ApiClient
from widget.services.api_clients import authenticate_key

# The blueprint whose clients may send the key as a parameter, as the GeoReport v2 spec says.
KEY_AS_PARAMETER = "open311"
_VERIFIED = "frontdesk.api_client"


def presented_key() -> str:
    """The key the call sends: `Authorization: Bearer ...`, or Open311's `api_key` parameter."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if request.blueprint == KEY_AS_PARAMETER:
        return request.values.get("api_key", "").strip()
    return ""


def verified_client() -> ApiClient | None:
    """The active connected system the call's key belongs to (None without a valid key); the key
    is checked once per call, whether the rate limit or the view asks first."""
    # Kept in the call's WSGI environ, not in `g`: an app context (and its `g`) may outlive one
    # call, as in tests that hold one, and a key must never be taken from an earlier call.
    if _VERIFIED not in request.environ:
        key = presented_key()
        request.environ[_VERIFIED] = authenticate_key(key) if key else None
    return request.environ[_VERIFIED]


def budget_key() -> str:
    """What a call's rate limit counts against: its verified system, else its client address."""
    client = verified_client()
    return f"api-client:{client.id}" if client else f"address:{request.remote_addr or '?'}"


# One limit object, so both blueprints count in the same bucket ("api") per budget key.
api_limit = limiter.shared_limit(lambda: setting("RATE_LIMIT_API"), scope="api",
                                 key_func=budget_key)

