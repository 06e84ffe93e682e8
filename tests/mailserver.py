"""A real SMTP server on loopback (aiosmtpd) that records what it receives and can be told to
refuse, to answer "try later", to stall, or to go down and come back on the same port.

`python -m tests.mailserver PORT JOURNAL` runs one in its own process (the load and fault run
stops it and starts it again): each accepted message adds a JSON line (Message-ID, To) to the
JOURNAL file before the server answers 250; SIGTERM shuts it down as a mail server does, with
"421" to whatever still arrives, then closes."""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import signal
import socket
import sys
import threading
import time
from pathlib import Path

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
        if mode == "closing":
            return "421 4.3.2 shutting down"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(message)
            self.server.envelope_recipients.append(list(envelope.rcpt_tos))
            if self.server.journal is not None:
                line = {"message_id": str(message["Message-ID"]), "to": envelope.rcpt_tos}
                self.server.journal.write(json.dumps(line) + "\n")
                self.server.journal.flush()
        return "250 OK"


class MailServer:
    """Start with .start(); .stop() takes it down (the port stays reserved for .start())."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.mode = "accept"        # accept | refuse | busy | stall | closing
        self.stall_seconds = 30.0
        self.received: list[email.message.EmailMessage] = []
        # The RCPT TO addresses of each received message (where it really went), in order.
        self.envelope_recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self.journal = None         # an open text file: one JSON line per accepted message
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


def serve(port: int, journal: Path) -> None:
    """Accept mail on `port` until SIGTERM, journalling every message; then shut down politely."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    server = MailServer(port)
    with open(journal, "a", encoding="utf-8") as server.journal:
        server.start()
        print(f"SMTP on 127.0.0.1:{port}", flush=True)
        stopping.wait()
        # A message in DATA when the signal came is journalled and answered 250 before this
        # ends; any later one gets 421 and is tried again by its sender. Nothing is half-taken.
        server.mode = "closing"
        time.sleep(0.3)
        server.stop()


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
