"""The web boundary's share of reading untrusted input (widget.untrusted has the parsers): the
`<id:...>` URL converter, a JSON reader of bounded depth, and the guard that refuses NUL bytes
and lone surrogates before any view or database sees them. install() puts all three on an app."""
from __future__ import annotations

import json
import re

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, ValidationError

from widget.untrusted import UNSTORABLE, is_storable, parse_id

# Deeper than any document the API defines (a form definition is four levels), far below the
# depth at which Python's JSON decoder runs out of recursion.
MAX_JSON_DEPTH = 32
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class IdConverter(BaseConverter):
    """`<id:name>` in a URL rule: a row id as parse_id reads it; anything else is a 404."""

    regex = r"[0-9]{1,10}"
    weight = 50  # as werkzeug's int converter: a literal segment still wins over it

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading only what can be stored: depth at most MAX_JSON_DEPTH, no NaN or
    Infinity (nor 1e9999, which Python reads as one), no NUL or lone surrogate in any string.
    Refusals are ValueErrors, which Flask's get_json turns into a 400 (or None with
    silent=True), never a RecursionError's 500."""

    def loads(self, s: str | bytes, **kwargs):
        text = s.decode("utf-8") if isinstance(s, (bytes, bytearray)) else s
        _check_depth(text)
        try:
            value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite,
                               **kwargs)
        except RecursionError:  # unreachable after the depth check; kept as the last word
            raise ValueError("JSON nested too deeply") from None
        _check_strings(value)
        return value


def _check_depth(text: str) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        elif bracket in "]}":
            depth -= 1


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):  # 1e9999: no column or comparison wants it
        raise ValueError(f"{text} is beyond a double")
    return number


def _check_strings(value) -> None:
    pending = [value]
    while pending:  # a loop, not recursion: the depth is bounded, but a loop needs no bound
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                raise ValueError("a JSON string holds a NUL byte or a lone surrogate")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _incoming_text(incoming) -> str:
    """Every text of the request a view may read, in one string: path, query, form fields,
    cookies and headers, every value of a repeated name (a view may read them all: getlist).
    The JSON body is checked as it is parsed; an uploaded file's name is reduced to a safe
    display name where it is kept, so a NUL there is dropped, not refused."""
    texts = [incoming.path]
    pairs = [incoming.args, incoming.cookies]
    if incoming.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs.append(incoming.form)
    for multi in pairs:
        for name, value in multi.items(multi=True):
            texts.append(name)
            texts.append(value)
    texts.extend(value for _name, value in incoming.headers.items())
    # One search over the joined texts: the refused characters are single code points, so a
    # separator cannot make or hide one.
    return "\n".join(texts)


def refuse_unstorable_text(_endpoint, _values) -> None:
    """Answer 400 to a request carrying a NUL byte or a lone surrogate anywhere a view reads.

    Refused, not stripped: no keyboard types them and no correct client sends them, so they are
    only ever a probe; stripping would quietly turn a password, a code or a signed token into
    another one, while a 400 (the translated "Something was wrong with that request" page, or
    problem+json in the API) says plainly that nothing was done. Run as the first URL value
    preprocessor, before the widget's own (which looks the site key up in the database)."""
    if UNSTORABLE.search(_incoming_text(request._get_current_object())):
        raise BadRequest("The request holds a NUL byte or a lone surrogate.")


def install(app: Flask) -> None:
    """Give `app` the id converter, the bounded JSON reader and the text guard (call before the
    blueprints are registered, so their rules find the converter)."""
    app.url_map.converters["id"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.url_value_preprocessor(refuse_unstorable_text)
