"""A real SMTP server on loopback (aiosmtpd) that records what it receives and can be told to
refuse, to answer "try later", to stall, or to go down and come back on the same port."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's naming
        mode = self.server.mode
        if mode == "stall":
            await asyncio.sleep(self.server.stall_seconds)
            return "451 4.3.0 too slow"
        if mode == "refuse":
            return "550 5.1.1 no such mailbox"
        if mode == "busy":
            return "451 4.3.2 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(message)
            self.server.envelope_recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class MailServer:
    """Start with .start(); .stop() takes it down (the port stays reserved for .start())."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.mode = "accept"        # accept | refuse | busy | stall
        self.stall_seconds = 30.0
        self.received: list[email.message.EmailMessage] = []
        # The RCPT TO addresses of each received message (where it really went), in order.
        self.envelope_recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(message["Message-ID"]) for message in self.received]
