"""Sending stored files to a browser without letting them act as pages."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from widget.uploads import download_name


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    """The bytes as a download: never rendered inline, never sniffed, sandboxed if opened, and
    named with the extension of what the bytes are (files kept before names were made so too)."""
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = disposition("attachment", filename, content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def disposition(how: str, filename: str, content_type: str) -> str:
    """A Content-Disposition value ("attachment" or "inline") whose name ends in the extension
    of the content type (a logo saved from the page is logo.png, whatever it was uploaded as)."""
    filename = download_name(filename, content_type)
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
