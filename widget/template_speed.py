"""Something every page's template does many times, made cheap: naming a static file, whose
address never changes while a process runs. (Translating a string, the other one, is made cheap
where templates get their gettext: widget/local_numbers.py.)
"""
from __future__ import annotations

from flask import Flask, has_request_context, request


def install(app: Flask) -> None:
    """Memoise the addresses of static files."""
    app.jinja_env.globals["url_for"] = _memoised_url_for(app)


def _memoised_url_for(app: Flask):
    build = app.url_for
    static: dict[tuple[str, str], str] = {}

    def url_for(endpoint: str, **values) -> str:
        # Only url_for('static', filename=...): its address depends on nothing but where the
        # application is mounted (the script root), never on the request's arguments.
        if endpoint != "static" or values.keys() != {"filename"} or not has_request_context():
            return build(endpoint, **values)
        key = (request.script_root, values["filename"])
        address = static.get(key)
        if address is None:
            address = static[key] = build(endpoint, **values)
        return address
    return url_for
