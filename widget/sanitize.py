"""The only module that calls bleach.

Threat model: administrators write rich text (form descriptions, help pages, theme headers) that citizens and
staff read inside the widget and the back office. An administrator account may be compromised or
careless, so that HTML is reduced to a small set of formatting tags with no scripts, no event
handlers, no styles and only http(s)/mailto links. Everything else people type (answers,
messages, names) is never treated as HTML: Jinja's autoescaping renders it as text.
"""
import bleach
from bleach import html5lib_shim
from bleach.sanitizer import BleachSanitizerFilter, Cleaner

# Elements whose content is code, styling or markup never shown as text: a removed one goes
# with everything inside it (bleach's strip=True alone keeps that inside as text, so a
# "<script>alert(1)</script>" read "alert(1)").
DROPPED_WHOLE = frozenset({"script", "style", "template", "noscript", "iframe", "object",
                           "embed", "noembed", "noframes", "xmp", "textarea", "title", "select",
                           "svg", "math"})

ALLOWED_TAGS = ["a", "b", "strong", "i", "em", "p", "br", "ul", "ol", "li", "h3", "h4"]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


class _DropWhole(BleachSanitizerFilter):
    """bleach's sanitiser, after the elements of DROPPED_WHOLE are taken out with their content."""

    def sanitize_stream(self, token_iterator):
        return super().sanitize_stream(_without_dropped(token_iterator))


def _without_dropped(tokens):
    depth = 0
    for token in tokens:
        if token.get("name") in DROPPED_WHOLE:
            if token["type"] == "StartTag":
                depth += 1
            elif token["type"] == "EndTag":
                depth = max(0, depth - 1)
            continue
        if depth == 0:
            yield token


class _Cleaner(Cleaner):
    def __init__(self, **options):
        super().__init__(**options)
        # The parser keeps the dropped elements as elements (its own rule turns a tag it is not
        # told of into text at once), so that _DropWhole sees where they start and end.
        self.parser = html5lib_shim.BleachHTMLParser(
            tags=set(self.tags) | DROPPED_WHOLE, strip=True, consume_entities=False,
            namespaceHTMLElements=False)

    def clean(self, text: str) -> str:
        # Cleaner.clean with _DropWhole in place of its own filter (bleach offers no hook).
        if not text:
            return ""
        filtered = _DropWhole(
            source=self.walker(self.parser.parseFragment(text)), allowed_tags=self.tags,
            attributes=self.attributes, strip_disallowed_tags=True,
            strip_html_comments=self.strip_comments, css_sanitizer=self.css_sanitizer,
            allowed_protocols=self.protocols)
        return self.serializer.render(filtered)


def _clean(html: str, tags: list[str]) -> str:
    cleaned = _Cleaner(tags=tags, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
                       strip=True).clean(html or "")
    return bleach.linkify(cleaned, callbacks=[_open_outside, bleach.callbacks.nofollow])


def clean_html(html: str) -> str:
    """Reduce administrator-written HTML to safe formatting; links open outside the widget."""
    return _clean(html, ALLOWED_TAGS)


def _open_outside(attrs, new=False):
    attrs[(None, "target")] = "_blank"
    attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


# A theme's header: a line or two of formatting and links above the widget, nothing more
# (no headings: the page's own h1 stays the first heading; no images: the logo has its own slot).
HEADER_TAGS = ["a", "b", "strong", "i", "em", "p", "br", "span", "small"]


def clean_header_html(html: str) -> str:
    """Reduce a theme's header HTML to formatting and links; links open outside the widget."""
    return _clean(html, HEADER_TAGS)
