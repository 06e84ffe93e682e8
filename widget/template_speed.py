"""What every page's template does, made cheap: naming a page of the app by its endpoint
(url_for), whose address never changes while a process runs once the endpoint and its values are
known; and being handed the signed-in staff member, which only back-office pages read.
(Translating a string is made cheap where templates get their gettext: widget/local_numbers.py.)
"""
from __future__ import annotations

from flask import Flask, has_request_context
from flask.globals import _cv_request
from flask_login import current_user

# Addresses kept per application; past this many the memo starts again (an admin list naming a
# thousand requests by id must not crowd out the links every page has).
MEMO_LIMIT = 4096


def install(app: Flask) -> None:
    """Memoise the addresses templates build with url_for, and give templates current_user as
    Flask-Login's proxy (init_app without its context processor, which loads the user, session
    cookie and all, for every page rendered)."""
    app.jinja_env.globals["url_for"] = _memoised_url_for(app)
    app.context_processor(_current_user_when_read)


def _current_user_when_read() -> dict:
    # The proxy loads the user on first use, as Flask-Login's processor did before every page;
    # outside a request that processor gave None, and so does this one.
    return {"current_user": current_user if has_request_context() else None}


def _memoised_url_for(app: Flask):
    build = app.url_for
    memo: dict[tuple, str] = {}
    rules_name_hosts: list[bool] = []  # known once the blueprints' rules are in (first call)

    def url_for(endpoint: str, **values) -> str:
        # Absolute addresses, anchors and methods (any "_" argument), and addresses outside a
        # request are built as Flask builds them.
        incoming = _cv_request.get(None)
        if incoming is None or any(key[:1] == "_" for key in values):
            return build(endpoint, **values)
        if not rules_name_hosts:
            rules_name_hosts.append(_rules_name_hosts(app))
        if rules_name_hosts[0]:
            return build(endpoint, **values)
        script_root = incoming.request.script_root
        if endpoint == "static" and values.keys() == {"filename"}:
            key = (script_root, endpoint, values["filename"])  # a file's address: no defaults
        else:
            if endpoint[:1] == ".":
                blueprint = incoming.request.blueprint
                endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
            # The URL defaults (the widget's site key and language) are the request's: applied
            # first, they are part of the key, and applying them again in build() changes nothing.
            app.inject_url_defaults(endpoint, values)
            # With each value's type: True and 1 are equal keys, but not the same address.
            key = (script_root, endpoint,
                   *((name, value.__class__, value) for name, value in sorted(values.items())))
        try:
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


def _rules_name_hosts(app: Flask) -> bool:
    # A relative address depends only on what the memo's key holds, unless a rule names a host
    # or a subdomain (none does today): then every address is built.
    url_map = app.url_map
    return url_map.host_matching or bool(url_map.default_subdomain) or any(
        rule.subdomain or rule.host for rule in url_map.iter_rules())
