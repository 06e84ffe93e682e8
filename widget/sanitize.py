"""The only module that calls bleach.

Threat model: administrators write rich text (form descriptions, help pages) that citizens and
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
