"""What the HTTP channels (the SMS gateway, webhooks) share: redirects are never followed, and an
answer is read one way into sent, try again later (408, 429, 5xx, no answer) or refused for good
(any other 4xx, a redirect, an odd status)."""
from __future__ import annotations

import urllib.error
import urllib.request
from http.client import HTTPException

from . import PermanentFailure, TemporaryFailure
from .address_guard import AddressNotAllowed


class NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would replay credentials to wherever a redirect points and turn a POST into a
    # body-less GET; a peer that redirects is a setting to fix, not something to follow.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def short(body: bytes, secret: str = "") -> str:
    """An answer's first words for the delivery history, with a credential masked."""
    text = " ".join(body[:300].decode("utf-8", "replace").split())[:200]
    return text.replace(secret, "***") if secret else text


def exchange(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
             timeout: float, max_response: int, peer: str, secret: str = "") -> bytes:
    """Send a request; return the body of a 2xx answer (at most `max_response` bytes), else
    raise TemporaryFailure or PermanentFailure with a reason naming the `peer`."""
    try:
        with opener.open(request, timeout=timeout) as response:
            status, body = response.status, response.read(max_response)
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                detail = short(exc.read(max_response) if exc.fp else b"", secret)
            except (OSError, HTTPException):
                detail = ""
        reason = f"HTTP {exc.code}" + (f": {detail}" if detail else "")
        if exc.code in (408, 429) or exc.code >= 500:
            raise TemporaryFailure(reason) from None
        if 300 <= exc.code < 400:
            reason = f"HTTP {exc.code}: {peer} redirects, which is not followed; fix the URL"
        raise PermanentFailure(reason) from None
    except (OSError, HTTPException) as exc:  # URLError and TimeoutError are OSErrors
        cause = getattr(exc, "reason", exc)
        if isinstance(cause, AddressNotAllowed):  # asking again would not change the answer
            raise PermanentFailure(str(cause)) from None
        if isinstance(cause, TimeoutError):
            raise TemporaryFailure(f"{peer} timed out after {timeout:g} s") from None
        raise TemporaryFailure(f"{peer} unreachable: {type(cause).__name__}: {cause}"[:200]) from None
    if not 200 <= status < 300:  # a 1xx or other oddity that urllib did not raise for
        raise PermanentFailure(f"HTTP {status}: unexpected status")
    return body
