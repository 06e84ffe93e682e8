"""The webhook channel: POSTs an event's JSON to a connected system's URL, signed with its secret.

Every attempt is signed afresh (the signature holds the moment of sending, so a receiver can
refuse replays) while the body and `Frontdesk-Webhook-Id` stay the same across retries, so a
receiver can drop a repeat it already handled.
"""
from __future__ import annotations

import time
import urllib.parse
import urllib.request

from widget import webhook_signature

from . import Delivery, PermanentFailure
from .address_guard import CheckedHTTPHandler, CheckedHTTPSHandler, Network
from .http import NoRedirect, exchange

USER_AGENT = "Frontdesk-Webhooks/1"
_MAX_RESPONSE = 16 * 1024  # only a short excerpt goes into the history: never buffer more


def _header_safe(value: str) -> bool:
    return bool(value) and value.isascii() and not any(c in value for c in "\r\n\0")


class WebhookChannel:
    """Signed JSON POSTs; the answer's status decides: 2xx sent, 408/429/5xx and no answer try
    again, anything else (other 4xx, redirects, an address it may not reach) refused for good.
    Only public addresses are reached, and the `private_networks` listed (address_guard)."""

    def __init__(self, timeout: float = 10.0, private_networks: tuple[Network, ...] = ()):
        self.timeout = float(timeout)
        if self.timeout <= 0:
            raise ValueError("WEBHOOK_TIMEOUT must be positive")
        self.private_networks = private_networks
        self._opener = urllib.request.build_opener(NoRedirect, CheckedHTTPHandler(private_networks),
                                                   CheckedHTTPSHandler(private_networks))

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
            exchange(self._opener, self._request(delivery), self.timeout, _MAX_RESPONSE,
                     "receiver")
        except ValueError as exc:  # http.client.InvalidURL: a bad port, a space in the address
            raise PermanentFailure(f"the webhook's address is not usable: {exc}"[:200]) from None
        return None
