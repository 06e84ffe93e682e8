"""A widget address no page answers (a mistyped or outdated link, a page that only takes a form
reached by GET, a file number that is not one): the error page is still the site's own. Without
this, no widget view ran, so nothing named the site: the page denied every frame (the person saw
the browser's "refused to connect" inside the host page) and spoke the browser's language, not
the address's."""
from __future__ import annotations

import re

from flask import g, request

from widget.config import setting
from widget.public import bp
from widget.public.routes import adopt_site

# /w/<site_key>/<lang>/...: what an address says before any route has read it.
_WIDGET_ADDRESS = re.compile(r"/w/([^/]+)(?:/([^/]+))?")


@bp.before_app_request
def adopt_unmatched_widget_address() -> None:
    """For an address under /w/ that no route took, name its site (so that the error page may be
    framed by the site's origins) and its language, as a widget view would."""
    if request.routing_exception is None or g.get("site") is not None:
        return
    match = _WIDGET_ADDRESS.match(request.path)
    if match is None:
        return
    if adopt_site(match.group(1)) is not None and match.group(2) in setting("LANGUAGES"):
        g.address_language = match.group(2)
