"""The only module that calls bleach.

Threat model: administrators write rich text (form descriptions, help pages, theme headers) that citizens and
staff read inside the widget and the back office. An administrator account may be compromised or
careless, so that HTML is reduced to a small set of formatting tags with no scripts, no event
handlers, no styles and only http(s)/mailto links. Everything else people type (answers,
messages, names) is never treated as HTML: Jinja's autoescaping renders it as text.
"""
import bleach

ALLOWED_TAGS = ["a", "b", "strong", "i", "em", "p", "br", "ul", "ol", "li", "h3", "h4"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


def clean_html(html: str) -> str:
    """Reduce administrator-written HTML to safe formatting; links open outside the widget."""
    cleaned = bleach.clean(
        html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS, strip=True,
    )
    return bleach.linkify(cleaned, callbacks=[_open_outside, bleach.callbacks.nofollow])


def _open_outside(attrs, new=False):
    attrs[(None, "target")] = "_blank"
    attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


# A theme's header: a line or two of formatting and links above the widget, nothing more
# (no headings: the page's own h1 stays the first heading; no images: the logo has its own slot).
HEADER_TAGS = ["a", "b", "strong", "i", "em", "p", "br", "span", "small"]


def clean_header_html(html: str) -> str:
    """Reduce a theme's header HTML to formatting and links; links open outside the widget."""
    cleaned = bleach.clean(
        html or "", tags=HEADER_TAGS, attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS, strip=True,
    )
    return bleach.linkify(cleaned, callbacks=[_open_outside, bleach.callbacks.nofollow])
