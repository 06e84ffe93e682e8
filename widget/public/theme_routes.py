"""A widget site's look: its theme's stylesheet and logo at versioned addresses, and what
base.html needs to link them."""
from __future__ import annotations

from flask import abort, current_app, g, request, url_for

from widget.downloads import disposition
from widget.public import bp
from widget.services.themes import theme_logo as theme_logo_bytes
from widget.services.themes import theme_stylesheet


@bp.context_processor
def site_theme():
    """The site's theme for base.html: its stylesheet and logo addresses (versioned)."""
    theme = g.config.theme_for(g.site) if "site" in g else None
    if theme is None:
        return {}
    version = _theme_version(theme)
    return {"theme": theme, "theme_css": url_for("public.theme_css", v=version),
            "theme_logo": url_for("public.theme_logo", v=version) if theme.logo_key else None}


def _theme_version(theme) -> str:
    return f"{theme.id}-{theme.updated_at.timestamp():.0f}"


def _cacheable(response, theme):
    # Versioned URLs: a changed theme gets a new address, so an hour of caching is safe; the
    # ETag lets a browser check cheaply after that.
    response.set_etag(_theme_version(theme))
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/theme.css")
def theme_css():
    """The site's theme as a stylesheet: skin, colours, the filtered custom CSS."""
    theme = g.config.theme_for(g.site) or abort(404)
    response = current_app.response_class(theme_stylesheet(theme), mimetype="text/css")
    return _cacheable(response, theme)


@bp.get("/logo")
def theme_logo():
    """The site's theme logo (an image checked on its bytes when uploaded)."""
    theme = g.config.theme_for(g.site)
    if theme is None or not theme.logo_key:
        abort(404)
    response = current_app.response_class(theme_logo_bytes(theme), mimetype=theme.logo_type)
    response.headers["Content-Disposition"] = disposition("inline", "logo", theme.logo_type)
    return _cacheable(response, theme)
