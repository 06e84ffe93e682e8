"""A real HTTP SMS gateway on loopback for the load and fault run: it counts every message it
accepts by its Idempotency-Key (the outbox row's reference) and can be told to fail with 503
for a while, as a provider's outage looks to the worker, or to accept but answer only later."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.mailserver import free_port


class _Handler(BaseHTTPRequestHandler):
    server: SmsGateway

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        gateway, key = self.server, self.headers.get("Idempotency-Key", "")
        with gateway.lock:
            failing = time.monotonic() < gateway.failing_until
            if failing:
                gateway.refused += 1
            else:
                gateway.accepted[key] += 1
                gateway.recipients[key] = json.loads(body)["to"]
            stalling = gateway.stalling_until - time.monotonic()
        if stalling > 0:  # taken, but the answer comes late
            time.sleep(stalling)
        status, answer = (503, b'{"status":"unavailable"}') if failing else \
            (200, json.dumps({"status": "ok", "id": key}).encode())
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # the worker was killed while it waited for this answer

    def log_message(self, format, *args):  # noqa: A002 - http.server's naming
        pass


class SmsGateway(ThreadingHTTPServer):
    """Start with .start(); .fail_for(seconds) answers 503 meanwhile; .stall_for(seconds)
    accepts meanwhile but answers when the time is up; .stop() when done."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/send"
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()   # Idempotency-Key -> times accepted
        self.recipients: dict[str, str] = {}
        self.refused = 0
        self.failing_until = self.stalling_until = 0.0
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)

    def start(self) -> SmsGateway:
        self._thread.start()
        return self

    def fail_for(self, seconds: float) -> None:
        with self.lock:
            self.failing_until = time.monotonic() + seconds

    def stall_for(self, seconds: float) -> None:
        with self.lock:
            self.stalling_until = time.monotonic() + seconds

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
