"""The webhook channel: POSTs an event's JSON to a connected system's URL, signed with its secret.

Every attempt is signed afresh (the signature holds the moment of sending, so a receiver can
refuse replays) while the body and `Frontdesk-Webhook-Id` stay the same across retries, so a
receiver can drop a repeat it already handled.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

from widget import webhook_signature

from . import Delivery, PermanentFailure, TemporaryFailure

USER_AGENT = "Frontdesk-Webhooks/1"
_MAX_RESPONSE = 16 * 1024  # only a short excerpt goes into the history: never buffer more


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST becomes a body-less GET in urllib, and a moved receiver is a setting
    # to fix, not something to follow silently: a 3xx is a refusal.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _header_safe(value: str) -> bool:
    return bool(value) and value.isascii() and not any(c in value for c in "\r\n\0")


def _short(body: bytes) -> str:
    return " ".join(body[:300].decode("utf-8", "replace").split())[:200]


class WebhookChannel:
    """Signed JSON POSTs; the answer's status decides: 2xx sent, 408/429/5xx and no answer try
    again, anything else (other 4xx, redirects) refused for good."""

    def __init__(self, timeout: float = 10.0):
        self.timeout = float(timeout)
        if self.timeout <= 0:
            raise ValueError("WEBHOOK_TIMEOUT must be positive")
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _request(self, delivery: Delivery) -> urllib.request.Request:
        body = delivery.text.encode("utf-8")
        signed = webhook_signature.sign(delivery.secret, int(time.time()), body)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   webhook_signature.HEADER: signed, "Frontdesk-Webhook-Id": delivery.reference}
        return urllib.request.Request(delivery.recipient, data=body, headers=headers, method="POST")

    def send(self, delivery: Delivery) -> None:
        """POST one event; return on a 2xx, else raise TemporaryFailure or PermanentFailure."""
        if not delivery.secret:
            raise PermanentFailure("the system has no webhook secret")
        if not _header_safe(delivery.reference):
            raise PermanentFailure("reference is not usable as a Frontdesk-Webhook-Id header")
        if urllib.parse.urlsplit(delivery.recipient).scheme not in ("http", "https"):
            raise PermanentFailure("the webhook's address is not an http:// or https:// URL")
        try:
            with self._opener.open(self._request(delivery), timeout=self.timeout) as response:
                status = response.status
                response.read(_MAX_RESPONSE)  # read the answer so the connection ends cleanly
        except urllib.error.HTTPError as exc:
            with exc:
                try:
                    detail = _short(exc.read(_MAX_RESPONSE) if exc.fp else b"")
                except (OSError, HTTPException):
                    detail = ""
            reason = f"HTTP {exc.code}" + (f": {detail}" if detail else "")
            if exc.code in (408, 429) or exc.code >= 500:
                raise TemporaryFailure(reason) from None
            if 300 <= exc.code < 400:
                reason = f"HTTP {exc.code}: the receiver redirects, which is not followed; fix the URL"
            raise PermanentFailure(reason) from None
        except ValueError as exc:  # http.client.InvalidURL: a bad port, a space in the address
            raise PermanentFailure(f"the webhook's address is not usable: {exc}"[:200]) from None
        except (OSError, HTTPException) as exc:  # URLError and TimeoutError are OSErrors
            cause = getattr(exc, "reason", exc)
            if isinstance(cause, TimeoutError):
                raise TemporaryFailure(f"the receiver timed out after {self.timeout:g} s") from None
            raise TemporaryFailure(f"receiver unreachable: {type(cause).__name__}: {cause}"[:200]) from None
        if not 200 <= status < 300:  # a 1xx or other oddity that urllib did not raise for
            raise PermanentFailure(f"HTTP {status}: unexpected status")
        return None
