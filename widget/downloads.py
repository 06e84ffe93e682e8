"""Sending stored files to a browser without letting them act as pages."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    """The bytes as a download: never rendered inline, never sniffed, sandboxed if opened."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
