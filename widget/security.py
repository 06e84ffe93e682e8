"""Security primitives: signed tokens (one salt per purpose) and framing rules.

The widget lives in a cross-site iframe where browsers drop third-party cookies, so it cannot use
a cookie-bound CSRF token. Instead every widget form carries a signed form token (site, form,
version, nonce, draft, issue time). It proves the page came from us, bounds how long a page may
stay open, gives the minimum fill time for the spam check, and its nonce makes a replayed POST
find the request it already created. Cross-site POSTs are refused on top of that by
Sec-Fetch-Site / Origin (see public.routes).
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

FORM_TOKEN_SALT = "frontdesk.form-token"
STATUS_TOKEN_SALT = "frontdesk.status-access"
CHALLENGE_TOKEN_SALT = "frontdesk.one-time-code"
HELD_FILES_TOKEN_SALT = "frontdesk.held-message-files"


class TokenError(Exception):
    """A token that is tampered with, expired or meant for another form."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


@dataclass(frozen=True)
class FormToken:
    site_id: int
    form_id: int
    version_id: int
    nonce: str
    draft_id: int | None
    issued_at: float

    def age(self, now: float | None = None) -> float:
        """Seconds since the page with this token was served."""
        return (time.time() if now is None else now) - self.issued_at


@lru_cache(maxsize=64)
def _signed(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """The serializer for one secret and purpose, made once per process (it keeps no state
    between calls: safe for threads); a form and a status page each sign and verify a token."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return _signed(secret_key, FORM_TOKEN_SALT)


def issue_form_token(secret_key: str, site_id: int, form_id: int, version_id: int,
                     draft_id: int | None = None) -> str:
    """Sign a fresh token for one rendering of a form."""
    payload = {
        "s": site_id, "f": form_id, "v": version_id, "d": draft_id,
        "n": secrets.token_hex(16), "t": time.time(),
    }
    return _serializer(secret_key).dumps(payload)


def read_form_token(secret_key: str, token: str, max_age: int) -> FormToken:
    """Verify a form token; raise TokenError("expired"|"invalid")."""
    try:
        payload = _serializer(secret_key).loads(token or "", max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    try:
        return FormToken(
            site_id=int(payload["s"]), form_id=int(payload["f"]), version_id=int(payload["v"]),
            nonce=str(payload["n"]), draft_id=payload["d"] and int(payload["d"]),
            issued_at=float(payload["t"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("invalid") from exc


# scheme://host[:port] and nothing else: anything more could smuggle directives into the header.
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9a-f:]+\](:[0-9]{1,5})?$")


def is_origin(text: str) -> bool:
    """True for a plain web origin such as https://city.example or http://localhost:8000."""
    return bool(_ORIGIN.match(text or ""))


def _sign_id(secret_key: str, salt: str, row_id: int) -> str:
    return _signed(secret_key, salt).dumps({"r": row_id})


def _read_id(secret_key: str, salt: str, token: str, max_age: int) -> int:
    return _id_in(_read_signed(secret_key, salt, token, max_age))


def _read_signed(secret_key: str, salt: str, token: str, max_age: int) -> dict:
    try:
        payload = _signed(secret_key, salt).loads(token or "", max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(payload, dict):
        raise TokenError("invalid")
    return payload


def _id_in(payload: dict) -> int:
    try:
        return int(payload["r"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("invalid") from exc


@dataclass(frozen=True)
class StatusAccess:
    request_id: int
    # When the page carrying the token was served (None for a token from before it was kept):
    # what the page sent after that moment is a replay of it.
    served_at: float | None


def issue_status_token(secret_key: str, request_id: int) -> str:
    """After a code look-up, what lets the same page reply or download without the code again."""
    return _signed(secret_key, STATUS_TOKEN_SALT).dumps(
        {"r": request_id, "t": time.time()})


def read_status_token(secret_key: str, token: str, max_age: int) -> StatusAccess:
    """The request a status token opens, and when its page was served; raise
    TokenError("expired"|"invalid")."""
    payload = _read_signed(secret_key, STATUS_TOKEN_SALT, token, max_age)
    served_at = payload.get("t")
    return StatusAccess(_id_in(payload),
                        float(served_at) if isinstance(served_at, (int, float)) else None)


def issue_challenge_token(secret_key: str, code_id: int) -> str:
    """Carries the one-time code a page asks for from the page that sent it to the next one."""
    return _sign_id(secret_key, CHALLENGE_TOKEN_SALT, code_id)


def read_challenge_token(secret_key: str, token: str, max_age: int = 3600) -> int:
    """The one-time code row a challenge token names; raise TokenError."""
    return _read_id(secret_key, CHALLENGE_TOKEN_SALT, token, max_age)


@dataclass(frozen=True)
class HeldFiles:
    request_id: int  # the request the message is written to: its files are for it alone
    nonce: str       # the row holding them (services/message_files.py)


def issue_held_files_token(secret_key: str, request_id: int, nonce: str) -> str:
    """Names the files a status page holds for the message written to request_id."""
    return _signed(secret_key, HELD_FILES_TOKEN_SALT).dumps({"r": request_id, "n": nonce})


def read_held_files_token(secret_key: str, token: str, max_age: int) -> HeldFiles:
    """What a held files token names; raise TokenError("expired"|"invalid")."""
    payload = _read_signed(secret_key, HELD_FILES_TOKEN_SALT, token, max_age)
    nonce = payload.get("n")
    if not isinstance(nonce, str) or not nonce:
        raise TokenError("invalid")
    return HeldFiles(_id_in(payload), nonce)


def frame_origins(origins: list[str] | None) -> list[str]:
    """The plain web origins among a site's: the only ones a page may be framed by."""
    return [origin for origin in origins or [] if is_origin(origin)]


def frame_ancestors_header(origins: list[str] | None) -> str:
    """The CSP frame-ancestors directive for a page: the site's origins, or nobody."""
    allowed = frame_origins(origins)
    if not allowed:
        return "frame-ancestors 'none'"
    return "frame-ancestors " + " ".join(allowed)


def is_cross_site_post(sec_fetch_site: str | None, origin: str | None, own_origin: str) -> bool:
    """True for a state-changing request that another site made the browser send."""
    if sec_fetch_site:
        return sec_fetch_site not in {"same-origin", "none"}
    # Browsers without Fetch Metadata: compare the Origin header when there is one.
    # "null" (sandboxed frames, opaque redirects) counts as foreign.
    return bool(origin) and origin != own_origin
