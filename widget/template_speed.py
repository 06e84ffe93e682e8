"""Something every page's template does many times, made cheap: naming a page of the app by its
endpoint (url_for), whose address never changes while a process runs once the endpoint and its
values are known. (Translating a string, the other one, is made cheap where templates get their
gettext: widget/local_numbers.py.)
"""
from __future__ import annotations

from flask import Flask, has_request_context, request

# Addresses kept per application; past this many the memo starts again (an admin list naming a
# thousand requests by id must not crowd out the links every page has).
MEMO_LIMIT = 4096


def install(app: Flask) -> None:
    """Memoise the addresses templates build with url_for."""
    app.jinja_env.globals["url_for"] = _memoised_url_for(app)


def _memoised_url_for(app: Flask):
    build = app.url_for
    # A relative address depends only on what the key below holds, unless a rule names a host
    # or a subdomain: then every address is built (none does today).
    hosts_differ = app.url_map.host_matching or bool(app.url_map.default_subdomain) or any(
        rule.subdomain or rule.host for rule in app.url_map.iter_rules())
    memo: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        # Absolute addresses, anchors and methods (any "_" argument), and addresses outside a
        # request are built as Flask builds them.
        if hosts_differ or not has_request_context() or any(key[:1] == "_" for key in values):
            return build(endpoint, **values)
        if endpoint[:1] == ".":
            blueprint = request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        # The URL defaults (the widget's site key and language) are the request's: applied
        # first, they are part of the key, and applying them again in build() changes nothing.
        app.inject_url_defaults(endpoint, values)
        try:
            # With each value's type: True and 1 are equal keys, but not the same address.
            key = (request.script_root, endpoint,
                   *((name, value.__class__, value) for name, value in sorted(values.items())))
            address = memo.get(key)
        except TypeError:  # a value that is a list or a dict: not kept
            return build(endpoint, **values)
        if address is None:
            address = build(endpoint, **values)
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = address
        return address
    return url_for
