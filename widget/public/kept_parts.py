"""Parts of a widget page's header and footer that read the same for everyone on the same page of
a site in a language (the links to the widget's pages, the language switch, the sign-in link):
rendered once per process and kept, by everything they depend on. Building their addresses and
translating their words was a seventh of a status lookup's work, the same every time.

In a template: {% call kept_part("footer", lang, ...) %}...{% endcall %}. The key is the part's
name, what the template passes (the page's language, and whatever else the part reads: the
language switch's target), and what the part's addresses depend on (the application's root,
the site, the language of the URL). A part that reads anything else must not be kept.
"""
from __future__ import annotations

from flask import Flask, g
from flask.globals import _cv_request

# Parts kept per application; past this many the memo starts again (link-mode switches name
# each page's own address, an unbounded set).
KEPT_LIMIT = 2048


def install(app: Flask) -> None:
    """Give the app's templates kept_part()."""
    app.jinja_env.globals["kept_part"] = _kept_parts()


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((name, _frozen(item)) for name, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


def _kept_parts():
    kept: dict[tuple, str] = {}

    def kept_part(name: str, *depends_on, caller):
        incoming = _cv_request.get(None)
        if incoming is None:
            return caller()
        site = g.get("site")
        view_args = incoming.request.view_args or {}
        try:
            key = (name, incoming.request.script_root, site.key if site is not None else None,
                   view_args.get("lang"), *(_frozen(value) for value in depends_on))
            part = kept.get(key)
        except TypeError:  # something unhashable it depends on: rendered, not kept
            return caller()
        if part is None:
            part = caller()
            if len(kept) >= KEPT_LIMIT:
                kept.clear()
            kept[key] = part
        return part
    return kept_part
