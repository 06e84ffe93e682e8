"""The JSON body of an API call, field by field: each field is read with its type checked (no
`true` for a number, no "7" or 7.0 for an id, no list for a text), and a wrong one is a 422
problem that names the field, in the caller's language (Accept-Language)."""
from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import request
from flask_babel import gettext as _

from widget.api.problems import Problem
from widget.untrusted import EARLIEST_YEAR, LATEST_YEAR, MAX_ID, json_id, parse_day
from widget.uploads import IncomingFile


def _refuse(name: str, message: str):
    raise Problem(422, "Unprocessable Content", message, {name: message})


def body() -> dict:
    """The call's JSON object, or a 400 problem."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Problem(400, "Bad Request", "Send a JSON object (Content-Type: application/json).")
    return data


def text(data: dict, name: str, required: bool = True, label: str | None = None) -> str:
    """A string field ("" when optional and absent or null)."""
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        _refuse(label or name, _("'%(field)s' must be a string.", field=label or name))
    return value


def integer(data: dict, name: str, required: bool = False) -> int | None:
    """A whole number from 1 to 2^31-1 (None when optional and absent or null)."""
    value = data.get(name)
    if value is None and not required:
        return None
    if json_id(value) is None:
        _refuse(name, _("'%(field)s' must be a whole number from 1 to %(max)s.", field=name,
                        max=MAX_ID))
    return value


def expected_version(data: dict) -> int | None:
    """The request's version the caller saw, if sent: the action is a conflict (409) once the
    request has another."""
    return integer(data, "expected_version")


def day(data: dict, name: str) -> date:
    """A date written YYYY-MM-DD, in the years untrusted.parse_day allows."""
    parsed = parse_day(text(data, name))
    if parsed is None:
        _refuse(name, _("'%(field)s' must be a date written %(format)s.", field=name,
                        format=f"YYYY-MM-DD ({EARLIEST_YEAR}-{LATEST_YEAR})"))
    return parsed


def pdf(data: dict, name: str = "file") -> IncomingFile | None:
    """An optional file sent inline: {"filename": ..., "content_base64": ...}."""
    file = data.get(name)
    if file is None:
        return None
    if not isinstance(file, dict):
        _refuse(name, _("'%(field)s' must be an object holding the file (%(fields)s).",
                        field=name, fields="content_base64, filename"))
    filename = text(file, "filename", required=False, label=f"{name}.filename")
    content = text(file, "content_base64", label=f"{name}.content_base64")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        _refuse(f"{name}.content_base64", _("'%(field)s' must be base64.",
                                            field=f"{name}.content_base64"))
    return IncomingFile("letter", (filename or "letter.pdf")[:255], data)
