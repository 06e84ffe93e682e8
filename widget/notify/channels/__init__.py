"""Delivery channels. Each turns one Delivery into one message on the wire and reports how it
went by returning (sent) or raising TemporaryFailure (try again later) or PermanentFailure
(never try again: a dead letter)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient, ready to send."""

    reference: str          # stable across retries, so a receiver can recognise a repeat
    recipient: str          # an e-mail address, a phone number in E.164, or a webhook's URL
    text: str               # the plain text (the whole SMS; the text part of an e-mail; a webhook's JSON)
    subject: str = ""       # e-mail only
    html: str = ""          # e-mail only
    language: str = "en"
    # Webhooks only: the system's signing secret. Never in a repr, so never in a log line.
    secret: str = field(default="", repr=False)


class DeliveryError(Exception):
    """A send that did not go through; `reason` is kept in the delivery history."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:500]


class TemporaryFailure(DeliveryError):
    """The gateway is down, slow or busy: the worker retries with backoff."""


class PermanentFailure(DeliveryError):
    """The gateway refused this message for good (bad number, rejected address)."""


class Channel(Protocol):
    def send(self, delivery: Delivery) -> str | None:
        """Send; return the provider's message id when it gives one."""
