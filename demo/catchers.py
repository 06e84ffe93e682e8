"""Demo-only stand-ins for a person's mailbox and phone: an SMTP catcher and an SMS gateway
(demo/viewer.py shows what both received). `python -m demo.serve` starts them; the widget app
never imports this module.

Each has start(port) / stop(); tests start them on free ports. Everything is kept in memory and
lost when the demo stops.
"""
from __future__ import annotations

import email
import email.policy
import errno
import json
import os
import socket
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


HOST = "127.0.0.1"
MAIL_PORT, SMS_PORT, VIEWER_PORT = 8025, 8026, 8027
SMS_PATH = "/sms"
# What the SMS catcher answers, and the pattern that reads its id back (HttpSms success pattern).
SMS_SUCCESS_PATTERN = r'"status":\s*"ok".*"id":\s*"(?P<id>\d+)"'
_MAX_SMS_BODY = 64 * 1024

Announce = Callable[[str], None]


class PortInUse(RuntimeError):
    """A demo port is taken; the message says which and what to do."""

    def __init__(self, what: str, host: str, port: int):
        super().__init__(
            f"{what}: port {port} on {host} is already in use (is another `make run` still "
            f"running?). Stop whatever listens there (`ss -ltnp 'sport = :{port}'` shows it) and "
            f"start the demo again.")


def _now() -> datetime:
    return datetime.now().astimezone()


def _check_free(what: str, host: str, port: int) -> None:
    """Fail fast with a clear message: aiosmtpd would only report a bind error after a timeout."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(what, host, port) from None
            raise


# --- e-mail -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaughtMail:
    """One message as the SMTP catcher received it."""

    number: int
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    def header(self, name: str) -> str:
        try:
            return str(self.message.get(name, ""))
        except Exception:  # a malformed header must not break the page
            return ""

    def _part(self, subtype: str) -> str:
        try:
            part = self.message.get_body((subtype,))
            return part.get_content() if part is not None else ""
        except Exception:  # unknown charset, broken MIME: show the rest of the message
            return ""

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")


class _MailHandler:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's naming
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.catcher._add(envelope.mail_from or "", tuple(envelope.rcpt_tos), message)
        return "250 OK: caught by the demo"


class MailCatcher:
    """An SMTP server on loopback that accepts every message and keeps it in memory."""

    def __init__(self, announce: Announce | None = None):
        self.announce = announce
        self.host, self.port = HOST, 0
        self._mails: list[CaughtMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self, port: int = MAIL_PORT, host: str = HOST) -> MailCatcher:
        _check_free("SMTP catcher", host, port)
        # A fixed server_hostname: the default (socket.getfqdn()) can wait seconds on DNS.
        controller = Controller(_MailHandler(self), hostname=host, port=port,
                                server_hostname="frontdesk-demo.localhost")
        try:
            controller.start()
        except OSError as error:  # taken between the check and the bind
            controller.loop.close()
            if error.errno == errno.EADDRINUSE:
                raise PortInUse("SMTP catcher", host, port) from None
            raise
        self._controller, self.host, self.port = controller, host, port
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()  # also closes its event loop

    def _add(self, mail_from: str, rcpt_tos: tuple[str, ...], message: EmailMessage) -> None:
        with self._lock:
            mail = CaughtMail(len(self._mails) + 1, _now(), mail_from, rcpt_tos, message)
            self._mails.append(mail)
        if self.announce:
            self.announce(f"e-mail to {', '.join(rcpt_tos)}: {mail.header('Subject')!r}")

    def mails(self) -> list[CaughtMail]:
        """Every message received, oldest first."""
        with self._lock:
            return list(self._mails)


# --- SMS ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaughtSms:
    """One SMS as the gateway stand-in received it."""

    id: str
    received_at: datetime
    to: str
    text: str
    reference: str
    sender: str = ""


def _read_sms(content_type: str, body: bytes) -> Mapping[str, object]:
    """The request body as a mapping: JSON (the `http` backend's default) or a form."""
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        return {key: values[0] for key, values in
                urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


class _SmsHandler(BaseHTTPRequestHandler):
    server: OwnedServer
    server_version = "FrontdeskDemoSms/1"

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server's naming
        if urllib.parse.urlsplit(self.path).path != SMS_PATH:
            return self._answer(HTTPStatus.NOT_FOUND, {"status": "error", "error": f"POST to {SMS_PATH}"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= _MAX_SMS_BODY:
            return self._answer(HTTPStatus.BAD_REQUEST, {"status": "error", "error": "bad length"})
        try:
            data = _read_sms(self.headers.get("Content-Type", ""), self.rfile.read(length))
            to, text = str(data["to"]), str(data["text"])
        except (ValueError, KeyError) as error:  # JSONDecodeError and UnicodeError are ValueErrors
            return self._answer(HTTPStatus.BAD_REQUEST, {"status": "error", "error": str(error)[:200]})
        sms = self.server.owner._add(to, text, str(data.get("reference") or ""),
                                       str(data.get("sender") or data.get("from") or ""))
        self._answer(HTTPStatus.OK, {"status": "ok", "id": sms.id})

    do_PUT = do_POST

    def log_message(self, format, *args):  # the demo announces each SMS itself
        pass


class OwnedServer(ThreadingHTTPServer):
    owner: object  # the service whose requests its handler answers


class HttpService:
    """One of the demo's HTTP servers, in a thread of its own: start(port) / stop()."""

    handler: type[BaseHTTPRequestHandler]
    what = "HTTP server"
    default_port = 0

    def __init__(self):
        self.host, self.port = HOST, 0
        self._server: OwnedServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int | None = None, host: str = HOST):
        self._server = bind_server(OwnedServer, self.handler, self.what, host,
                                   self.default_port if port is None else port)
        self._server.owner = self
        self.host, self.port = host, self._server.server_address[1]
        self._thread = run_in_thread(self._server)
        return self

    def stop(self) -> None:
        stop_server(self._server, self._thread)
        self._server = self._thread = None


class SmsCatcher(HttpService):
    """An SMS gateway on loopback for the `http` backend: POST {"to", "text", "reference"} to
    /sms, answered 200 {"status":"ok","id":"<n>"}. Keeps every message in memory."""

    handler = _SmsHandler
    what, default_port = "SMS catcher", SMS_PORT

    def __init__(self, announce: Announce | None = None):
        super().__init__()
        self.announce = announce
        self._messages: list[CaughtSms] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{SMS_PATH}"

    def _add(self, to: str, text: str, reference: str, sender: str) -> CaughtSms:
        with self._lock:
            sms = CaughtSms(str(len(self._messages) + 1), _now(), to, text, reference, sender)
            self._messages.append(sms)
        if self.announce:
            self.announce(f"SMS to {to}: {text!r}")
        return sms

    def messages(self) -> list[CaughtSms]:
        """Every SMS received, oldest first."""
        with self._lock:
            return list(self._messages)


# --- shared -------------------------------------------------------------------------------------

def bind_server(server_class, handler, what: str, host: str, port: int):
    try:
        return server_class((host, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(what, host, port) from None
        raise


def run_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    return thread


def stop_server(server: ThreadingHTTPServer | None, thread: threading.Thread | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(5)


# --- the app's settings -------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoSettings:
    """Settings that send the app's notifications to the catchers, and what was left alone."""

    overrides: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)  # group -> the FRONTDESK_* variables that decided it


def settings_for_catchers(mail_port: int = MAIL_PORT, sms_port: int = SMS_PORT,
                          environ: Mapping[str, str] | None = None, host: str = HOST) -> DemoSettings:
    """Overrides for create_app that point e-mail and SMS at the catchers.

    Whatever the person set as FRONTDESK_* wins: a key they set is never overridden, and once they
    chose where e-mail (MAIL_SERVER, MAIL_PORT) or SMS (SMS_BACKEND, SMS_HTTP_URL) goes, the demo
    leaves that whole group to them (a success pattern for the catcher would fail a real gateway).
    """
    environ = os.environ if environ is None else environ
    groups = {
        "e-mail": (("MAIL_SERVER", "MAIL_PORT"), {"MAIL_SERVER": host, "MAIL_PORT": mail_port}),
        "SMS": (("SMS_BACKEND", "SMS_HTTP_URL"), {
            "SMS_BACKEND": "http", "SMS_HTTP_URL": f"http://{host}:{sms_port}{SMS_PATH}",
            "SMS_HTTP_SUCCESS_PATTERN": SMS_SUCCESS_PATTERN}),
    }
    overrides: dict = {}
    kept: dict = {}
    for group, (deciding, values) in groups.items():
        chosen = {f"FRONTDESK_{key}": environ[f"FRONTDESK_{key}"] for key in deciding
                  if f"FRONTDESK_{key}" in environ}
        if chosen:
            kept[group] = chosen
            continue
        overrides.update({key: value for key, value in values.items()
                          if f"FRONTDESK_{key}" not in environ})
    return DemoSettings(overrides, kept)
