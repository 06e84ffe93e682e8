"""Two things every page's template does many times, made cheap: translating a string and
naming a static file. Each page (a receipt, a status page) calls gettext twenty to fifty
times; Flask-Babel's own callables look the domain, the locale and its catalogue up again on
every call (str() of the locale included), which cost about as much as the rest of the
template. The addresses of static files never change while a process runs.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

def install(app: Flask) -> None:
    """Bind the templates' gettext to the cached catalogues and memoise static addresses."""
    # The catalogue of each locale, as Flask-Babel loaded it for this application (it keeps
    # them for the process too); keyed by the Locale, whose hash is a tuple's, not a string
    # built on every call.
    catalogues: dict = {}

    def catalogue():
        locale = get_locale()
        try:
            return catalogues[locale]
        except KeyError:
            found = catalogues[locale] = get_translations()
            return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True)

    @pass_eval_context
    def gettext(eval_context, string: str, **variables) -> str:
        # What Jinja's newstyle gettext does (escape the values into the translated text), in
        # one call instead of three through the template context.
        text = catalogue().ugettext(string)
        if eval_context.autoescape:
            text = Markup(text)
        return text % variables

    app.jinja_env.globals.update(_=gettext, gettext=gettext)
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
