"""SMS channels: ConsoleSms for development and HttpSms for any HTTP gateway.

HttpSms body templates use string.Template syntax: `$to`, `$text`, `$reference`, `$sender`
(or `${to}` ...), and `$$` for a literal dollar. Braces are plain text, so a JSON template is
written as-is: {"to": "$to", "text": "$text"}. Values are escaped for the content type, so
the template supplies the quotes around JSON strings.
"""
from __future__ import annotations

import json
import re
import sys
import urllib.parse
import urllib.request
from string import Template
from typing import TextIO

from . import Delivery, PermanentFailure
from .http import NoRedirect, exchange, short

PLACEHOLDERS = frozenset({"to", "text", "reference", "sender"})
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DEFAULT_BODIES = {
    JSON: '{"to": "$to", "text": "$text", "reference": "$reference"}',
    FORM: "to=$to&text=$text&reference=$reference",
}
SMS_SETTINGS_DEFAULTS = {
    "SMS_BACKEND": "console",
    "SMS_HTTP_URL": "",
    "SMS_HTTP_METHOD": "POST",
    "SMS_HTTP_AUTH_HEADER": "",
    "SMS_HTTP_BODY": "",  # empty: the default body for the content type
    "SMS_HTTP_CONTENT_TYPE": JSON,
    "SMS_HTTP_SENDER": "",
    "SMS_HTTP_SUCCESS_PATTERN": "",
    "SMS_HTTP_TIMEOUT": 10.0,
}
_MAX_RESPONSE = 64 * 1024  # a gateway's answer is small; never buffer an endless one
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class ConsoleSms:
    """Development channel: prints each SMS as one line instead of sending it."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    def send(self, delivery: Delivery) -> None:
        """Write one line with reference, recipient and text (quoted so newlines stay escaped)
        to the stream, standard output by default: printed, not logged, so that the SMS shows
        whatever the logging settings (the text is what a developer wants to see here)."""
        text = json.dumps(delivery.text, ensure_ascii=False)
        line = f"SMS ref={delivery.reference} to={delivery.recipient} text={text}"
        stream = self.stream if self.stream is not None else sys.stdout
        stream.write(line + "\n")
        stream.flush()
        return None


def _escape_json(value: str) -> str:
    return json.dumps(value)[1:-1]  # ASCII-only \u escapes survive any gateway's decoding


def _escape_form(value: str) -> str:
    return urllib.parse.quote_plus(value, safe="", encoding="utf-8")


def _header_safe(value: str) -> bool:
    return not any(c in value for c in "\r\n\0") and all(ord(c) < 256 for c in value)


def _check_header(name: str, value: str) -> None:
    if not _header_safe(name + value):  # CR/LF would let a setting inject extra headers
        raise ValueError(f"SMS header {name!r} must not contain CR, LF, NUL or non-Latin-1 text")
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"SMS header name {name!r} is not a valid HTTP header name")


class HttpSms:
    """A configurable HTTP SMS gateway: fills a template, sends it, classifies the answer."""

    def __init__(self, url: str, method: str = "POST", auth_header: str = "",
                 body_template: str | None = None, content_type: str = JSON,
                 success_pattern: str = "", timeout: float = 10.0, sender: str = ""):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("SMS_HTTP_URL must be an http:// or https:// URL")
        self.url, self.method, self.timeout, self.sender = url, method.upper(), float(timeout), sender
        if self.method not in ("GET", "POST", "PUT"):
            raise ValueError(f"SMS_HTTP_METHOD must be GET, POST or PUT, not {method!r}")
        if self.timeout <= 0:
            raise ValueError("SMS_HTTP_TIMEOUT must be positive")
        media_type = content_type.split(";")[0].strip().lower()
        if self.method == "GET":
            media_type = FORM  # a query string is always percent-encoded
        elif media_type not in DEFAULT_BODIES:
            raise ValueError(f"SMS_HTTP_CONTENT_TYPE must be {JSON} or {FORM}, not {content_type!r}")
        self.content_type = content_type
        self._escape = _escape_json if media_type == JSON else _escape_form
        self.template = self._parse_template(body_template or DEFAULT_BODIES[media_type])
        self.headers = {"Content-Type": content_type} if self.method != "GET" else {}
        self._secret = ""
        if auth_header:
            name, colon, value = auth_header.partition(":")
            if not colon:
                raise ValueError("SMS_HTTP_AUTH_HEADER must look like 'Name: value'")
            name, value = name.strip(), value.strip()
            self.headers[name], self._secret = value, value
        for name, value in self.headers.items():
            _check_header(name, value)
        try:
            self.success = re.compile(success_pattern) if success_pattern else None
        except re.error as exc:
            raise ValueError(f"SMS_HTTP_SUCCESS_PATTERN is not a valid regex: {exc}") from None
        self._opener = urllib.request.build_opener(NoRedirect)

    @staticmethod
    def _parse_template(text: str) -> Template:
        template = Template(text)
        if not template.is_valid():
            raise ValueError("SMS_HTTP_BODY has a stray '$' (write $$ for a literal dollar)")
        unknown = set(template.get_identifiers()) - PLACEHOLDERS
        if unknown:
            raise ValueError(f"SMS_HTTP_BODY has unknown placeholder(s) {sorted(unknown)}; "
                             f"known: {sorted(PLACEHOLDERS)}")
        return template

    def _request(self, delivery: Delivery) -> urllib.request.Request:
        values = {"to": delivery.recipient, "text": delivery.text,
                  "reference": delivery.reference, "sender": self.sender}
        filled = self.template.substitute({k: self._escape(v) for k, v in values.items()})
        headers = {**self.headers, "Idempotency-Key": delivery.reference,
                   "User-Agent": "Frontdesk-SMS/1"}
        if self.method == "GET":
            url = self.url + ("&" if urllib.parse.urlsplit(self.url).query else "?") + filled
            return urllib.request.Request(url, headers=headers, method="GET")
        return urllib.request.Request(self.url, data=filled.encode("utf-8"), headers=headers,
                                      method=self.method)

    def send(self, delivery: Delivery) -> str | None:
        """Send one SMS; return the provider's id, or raise TemporaryFailure/PermanentFailure."""
        if not delivery.reference or not _header_safe(delivery.reference):
            raise PermanentFailure("reference is not usable as an Idempotency-Key header")
        body = exchange(self._opener, self._request(delivery), self.timeout, _MAX_RESPONSE,
                        "gateway", self._secret)
        if self.success is None:
            return None
        match = self.success.search(body.decode("utf-8", "replace"))
        if match is None:
            raise PermanentFailure(f"gateway declined: {short(body, self._secret) or 'empty answer'}")
        if "id" in self.success.groupindex and match.group("id"):
            return match.group("id")
        return None


def sms_channel_from_config(config: dict) -> ConsoleSms | HttpSms:
    """Build the SMS channel that the SMS_* settings describe (missing keys take defaults)."""
    given = {k: v for k, v in config.items() if k.startswith("SMS_") and v is not None}
    settings = {**SMS_SETTINGS_DEFAULTS, **given}  # None means unset, e.g. an absent variable
    backend = str(settings["SMS_BACKEND"]).strip().lower()
    if backend == "console":
        return ConsoleSms()
    if backend == "http":
        return HttpSms(settings["SMS_HTTP_URL"], method=settings["SMS_HTTP_METHOD"],
                       auth_header=settings["SMS_HTTP_AUTH_HEADER"],
                       body_template=settings["SMS_HTTP_BODY"] or None,
                       content_type=settings["SMS_HTTP_CONTENT_TYPE"],
                       success_pattern=settings["SMS_HTTP_SUCCESS_PATTERN"],
                       timeout=settings["SMS_HTTP_TIMEOUT"], sender=settings["SMS_HTTP_SENDER"])
    raise ValueError(f"SMS_BACKEND must be 'console' or 'http', not {settings['SMS_BACKEND']!r}")
