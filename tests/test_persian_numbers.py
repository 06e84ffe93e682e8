"""Persian pages write their numbers in Persian digits: counts, days, dates and times, sizes
(a page mixed ۰۵ آذر ۱۴۰۵ with 26 نوامبر 2026, 17:00). What people typed, and what is meant to
be copied or typed back (codes, phone numbers, e-mail addresses), stays as it is: the pages mark
it with dir="ltr", dir="auto" or <bdi>, and this test leaves what they mark alone."""
import re
from html.parser import HTMLParser

from tests.pages import widget_pages

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _InterfaceText(HTMLParser):
    """Visible text that is the interface's own: not scripts, not data marked by direction."""

    def __init__(self):
        super().__init__()
        self.parts, self._stack = [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        skip = (tag in {"script", "style", "svg", "bdi", "code", "kbd", "textarea", "option", "title"}
                or attrs.get("dir") in {"ltr", "auto"} or attrs.get("translate") == "no")
        self._stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not any(skip for _, skip in self._stack):
            self.parts.append(data)


def latin_digits(html: str) -> list[str]:
    parser = _InterfaceText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # SHA-256 is the name of a hash, not a number.
    return [match.group(0) for match in re.finditer(r"\S*[0-9]\S*", text.replace("SHA-256", ""))]


def test_persian_pages_write_numbers_in_persian_digits(client, db):
    found = {name: digits for name, html in widget_pages(client, "fa").items()
             if (digits := latin_digits(html))}
    assert not found, "\n".join(f"{name}: {digits}" for name, digits in found.items())
