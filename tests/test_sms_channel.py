"""The SMS channels against a real local HTTP server: what arrives on the wire, and how each
kind of gateway answer is classified."""
from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from widget.notify.channels import Delivery, PermanentFailure, TemporaryFailure
from widget.notify.channels.sms import ConsoleSms, HttpSms, sms_channel_from_config

SECRET = "Bearer s3cr3t-token-XYZ"
AUTH = f"Authorization: {SECRET}"
OK_PATTERN = r'"status"\s*:\s*"ok".*?"id"\s*:\s*"(?P<id>[^"]+)"'
TEXT = ('He said "hi" \\ back\nLine two. '
        "Vietnamese: Hồ sơ của bạn đã được tiếp nhận. "
        "Persian: درخواست شما ثبت شد. "
        "Russian: Ваша заявка принята.")
STALL_SECONDS = 1.0


def free_port() -> int:
    """A port nobody listens on right now (bind to 0, read it, release it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gateway(BaseHTTPRequestHandler):
    """Records each request and answers as the test told `server.mode`."""

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append({"method": self.command, "path": self.path,
                                     "headers": dict(self.headers), "body": body})
        mode = self.server.mode
        if mode == "stall":
            time.sleep(STALL_SECONDS)  # longer than the client's timeout, short enough to shut down
        status, payload, extra = {
            "ok": (200, b'{"status":"ok","id":"abc123"}', {}),
            "error": (200, b'{"status":"error"}', {}),
            "500": (500, b"internal error", {}),
            "429": (429, b"slow down", {}),
            # echoes the credential, so the test can check it is kept out of the reason
            "400": (400, f"bad number; you sent {self.headers.get('Authorization')}".encode(), {}),
            "redirect": (302, b"", {"Location": "http://127.0.0.1:1/elsewhere"}),
            "stall": (200, b'{"status":"ok","id":"late"}', {}),
        }[mode]
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout test); nothing left to answer

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, format, *args):
        pass


@pytest.fixture
def gateway():
    """A real HTTP gateway on 127.0.0.1 in a background thread, closed after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    server.daemon_threads = False  # so server_close() waits for the stalled handler
    server.requests, server.mode = [], "ok"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def url_of(server, path="/send") -> str:
    """The gateway's URL with the given path."""
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def delivery(text=TEXT, reference="req-42-sms-1") -> Delivery:
    """An SMS delivery with the given text."""
    return Delivery(reference=reference, recipient="+31612345678", text=text)


JSON_BODY = '{"to": "$to", "message": {"body": "$text"}, "ref": "$reference", "from": "$sender"}'


def test_json_body_arrives_valid_and_escaped_with_auth_and_idempotency_key(gateway):
    """Quotes, newline and non-Latin scripts survive as valid JSON; id comes from the pattern."""
    channel = HttpSms(url_of(gateway), auth_header=AUTH, body_template=JSON_BODY,
                      success_pattern=OK_PATTERN, sender="Frontdesk")
    assert channel.send(delivery()) == "abc123"
    (request,) = gateway.requests
    assert request["method"] == "POST" and request["path"] == "/send"
    assert json.loads(request["body"].decode("utf-8")) == {
        "to": "+31612345678", "message": {"body": TEXT}, "ref": "req-42-sms-1", "from": "Frontdesk"}
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Authorization"] == SECRET
    assert request["headers"]["Idempotency-Key"] == "req-42-sms-1"


def test_form_encoded_body_arrives_decoded(gateway):
    """Values are percent-encoded; literal template text is left alone."""
    channel = HttpSms(url_of(gateway), content_type="application/x-www-form-urlencoded",
                      body_template="dst=$to&msg=$text&id=${reference}&x=a+b")
    assert channel.send(delivery()) is None
    body = gateway.requests[0]["body"].decode("ascii")
    assert urllib.parse.parse_qs(body, strict_parsing=True) == {
        "dst": ["+31612345678"], "msg": [TEXT], "id": ["req-42-sms-1"], "x": ["a b"]}


def test_default_form_body_is_used_when_no_template_given(gateway):
    """Without a template the form default is used, and '&' / '=' in text are encoded."""
    HttpSms(url_of(gateway), content_type="application/x-www-form-urlencoded").send(delivery("a&b=c"))
    assert urllib.parse.parse_qs(gateway.requests[0]["body"].decode()) == {
        "to": ["+31612345678"], "text": ["a&b=c"], "reference": ["req-42-sms-1"]}


def test_get_puts_the_filled_template_in_the_query_string(gateway):
    """GET sends no body and appends to an existing query string with '&'."""
    channel = HttpSms(url_of(gateway, "/api?key=1"), method="GET", auth_header=AUTH,
                      body_template="to=$to&text=$text")
    channel.send(delivery())
    (request,) = gateway.requests
    assert request["method"] == "GET" and request["body"] == b""
    path, _, query = request["path"].partition("?")
    assert path == "/api"
    assert urllib.parse.parse_qs(query) == {"key": ["1"], "to": ["+31612345678"], "text": [TEXT]}
    assert request["headers"]["Idempotency-Key"] == "req-42-sms-1"
    assert request["headers"]["Authorization"] == SECRET


def test_pattern_without_id_group_returns_none(gateway):
    """A matching pattern without an `id` group means success with no provider id."""
    assert HttpSms(url_of(gateway), success_pattern='"status":"ok"').send(delivery()) is None


def test_gateway_saying_no_in_a_200_is_permanent(gateway):
    """A 200 whose body fails the success pattern is the provider refusing."""
    gateway.mode = "error"
    with pytest.raises(PermanentFailure, match="declined") as failure:
        HttpSms(url_of(gateway), success_pattern=OK_PATTERN).send(delivery())
    assert '"status":"error"' in failure.value.reason


@pytest.mark.parametrize("mode, failure, reason", [
    ("500", TemporaryFailure, "HTTP 500: internal error"),
    ("429", TemporaryFailure, "HTTP 429: slow down"),
    ("400", PermanentFailure, "HTTP 400: bad number; you sent ***"),
    ("redirect", PermanentFailure, "HTTP 302: gateway redirects"),
])
def test_http_status_classification(gateway, mode, failure, reason):
    """429/5xx are retried; other 4xx and redirects are not; the credential stays out."""
    gateway.mode = mode
    with pytest.raises(failure) as raised:
        HttpSms(url_of(gateway), auth_header=AUTH, success_pattern=OK_PATTERN).send(delivery())
    assert raised.type is failure  # not merely a DeliveryError of the other kind
    assert raised.value.reason.startswith(reason)
    assert "s3cr3t" not in raised.value.reason and len(raised.value.reason) <= 300
    assert len(gateway.requests) == 1  # a redirect is not followed


def test_a_stalled_gateway_is_a_temporary_failure(gateway):
    """The client gives up after its timeout instead of waiting for the gateway."""
    gateway.mode = "stall"
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="timed out"):
        HttpSms(url_of(gateway), timeout=0.5).send(delivery())
    assert time.monotonic() - started < STALL_SECONDS


def test_nothing_listening_is_a_temporary_failure():
    """Connection refused is retried later."""
    with pytest.raises(TemporaryFailure, match="unreachable"):
        HttpSms(f"http://127.0.0.1:{free_port()}/send", auth_header=AUTH, timeout=2).send(delivery())


@pytest.mark.parametrize("kwargs, message", [
    ({"body_template": '{"to": "$to", "pin": "$pin"}'}, "unknown placeholder.*pin"),
    ({"body_template": '{"price": "5 $"}'}, "stray"),
    ({"auth_header": "Authorization: Bearer x\r\nX-Evil: 1"}, "CR, LF"),
    ({"auth_header": "Authorization: Bearer x\nX-Evil: 1"}, "CR, LF"),
    ({"auth_header": "Bearer only-a-token"}, "Name: value"),
    ({"content_type": "application/json\r\nX-Evil: 1"}, "CONTENT_TYPE"),
    ({"success_pattern": "(unclosed"}, "regex"),
    ({"method": "DELETE"}, "METHOD"),
    ({"url": "file:///etc/passwd"}, "http"),
])
def test_bad_configuration_is_refused_at_construction(kwargs, message):
    """Misconfiguration fails when the channel is built, not when an SMS is sent."""
    kwargs = {"url": "http://127.0.0.1:9/send", **kwargs}
    with pytest.raises(ValueError, match=message):
        HttpSms(**kwargs)


def test_literal_braces_and_dollars_in_a_template(gateway):
    """Braces are plain text and $$ is a literal dollar."""
    HttpSms(url_of(gateway), body_template='{"t": "$text", "fee": "$$1 {x}"}').send(delivery("{hi}"))
    assert json.loads(gateway.requests[0]["body"]) == {"t": "{hi}", "fee": "$1 {x}"}


def test_console_sms_writes_one_line_to_a_stream():
    """ConsoleSms writes one line, its newline escaped."""
    stream = io.StringIO()
    assert ConsoleSms(stream).send(delivery("two\nlines")) is None
    assert stream.getvalue() == 'SMS ref=req-42-sms-1 to=+31612345678 text="two\\nlines"\n'


def test_console_sms_prints_what_it_would_send_by_default(capsys):
    """Without a stream ConsoleSms prints the SMS (recipient and text) on standard output, so
    that `flask worker` and the demo show it whatever the logging settings."""
    ConsoleSms().send(delivery("Ваша заявка"))
    assert capsys.readouterr().out == 'SMS ref=req-42-sms-1 to=+31612345678 text="Ваша заявка"\n'


def test_channel_from_config(gateway):
    """Settings build a console or HTTP channel; an unknown backend is refused."""
    assert isinstance(sms_channel_from_config({"SMS_BACKEND": "console"}), ConsoleSms)
    channel = sms_channel_from_config({
        "SMS_BACKEND": "http", "SMS_HTTP_URL": url_of(gateway), "SMS_HTTP_METHOD": "POST",
        "SMS_HTTP_AUTH_HEADER": AUTH, "SMS_HTTP_BODY": "", "SMS_HTTP_CONTENT_TYPE": "application/json",
        "SMS_HTTP_SUCCESS_PATTERN": OK_PATTERN, "SMS_HTTP_TIMEOUT": 3.0})
    assert isinstance(channel, HttpSms) and channel.timeout == 3.0
    assert channel.send(delivery()) == "abc123"
    assert json.loads(gateway.requests[0]["body"])["text"] == TEXT
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        sms_channel_from_config({"SMS_BACKEND": "carrier-pigeon"})
