"""Every string is translated in every language, and no page leaks untranslated English."""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

from tests.pages import back_office_pages, widget_pages
from widget.demo import DEMO_AGENT, DEMO_ANSWERS, DEMO_CITIZEN

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "vi", "fa", "ru"]
# %-style for the interface, {name} for notification texts (organisations edit those).
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings the code and templates mark today, extracted afresh."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                    "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "-k", "lazy_ngettext:1,2", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(pot)) if entry.msgid}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language, extracted):
    catalog = polib.pofile(str(ROOT / f"widget/translations/{language}/LC_MESSAGES/messages.po"))
    # With its context: "Sent" as a delivery status is not "Sent" as the date a request was sent.
    translated = {(entry.msgctxt, entry.msgid) for entry in catalog.translated_entries()
                  if not entry.obsolete}
    assert extracted - translated == set(), "untranslated or missing"
    assert catalog.fuzzy_entries() == []
    for entry in catalog.translated_entries():
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert set(PLACEHOLDER.findall(text)) == wanted, entry.msgid


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text a reader sees, and the attributes a screen reader reads; not what the page
    marks translate="no" (keys, addresses, identifiers: the same in every language), nor what
    it marks as written in another language (the form builder's preview of a form in English)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip, self._untranslated, self._language = [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "svg", "textarea"}:  # a textarea holds data being edited
            self._skip += 1
        attributes = {name: (value or "") for name, value in attrs}
        if tag == "html":
            self._language = attributes.get("lang")
            return
        other_language = attributes.get("lang", self._language) != self._language
        if tag not in VOID_ELEMENTS and (self._untranslated or other_language
                                         or attributes.get("translate", "").lower() == "no"):
            self._untranslated += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "alt", "placeholder"} and value \
                    and not self._untranslated:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "svg", "textarea"}:  # a textarea holds data being edited
            self._skip -= 1
        if self._untranslated and tag not in VOID_ELEMENTS:
            self._untranslated -= 1

    def handle_data(self, data):
        if not self._skip and not self._untranslated:
            self.parts.append(data)


# Words that stay Latin in every language: file formats, the language switcher, examples.
ALLOWED_LATIN = {"PDF", "JPEG", "PNG", "WebP", "HEIC", "Word", "Excel", "OpenDocument", "English",
                 "name", "example", "com", "QR",
                 # Technical names every language writes the same way.
                 "HTML", "HTTPS", "HMAC", "REST", "JSON", "iframe", "GeoReport", "Frontdesk",
                 "docx", "xlsx"}


@pytest.fixture(scope="module")
def english_words(extracted):
    """Words of four letters or more that the English interface uses."""
    words = {word.lower() for _, msgid in extracted for word in re.findall(r"[A-Za-z]{4,}", msgid)}
    # What the demo people typed is data, not interface: "Hoàng Văn Long" is not English.
    # So are the demo accounts' contacts: "agent@demo.frontdesk" is an address, not a label.
    typed = {word.lower() for answers in (*DEMO_ANSWERS.values(), DEMO_CITIZEN, DEMO_AGENT)
             for value in answers.values() for word in re.findall(r"[A-Za-z]{4,}", str(value))}
    return words - {word.lower() for word in ALLOWED_LATIN} - typed


def english_in(html: str, english_words: set[str]) -> set[str]:
    """English interface words on a page (Vietnamese is Latin script too, so compare words)."""
    parser = _VisibleText()
    parser.feed(html)
    # {code}, {due}, {answer.KEY}...: placeholder names an organisation types into its own
    # wordings and letter templates.
    text = re.sub(r"\{[\w.]+\}", " ", " ".join(parser.parts))
    words = {word.lower() for word in re.findall(r"[A-Za-z]{4,}", text)}
    return words & english_words


@pytest.mark.parametrize("language", ["vi", "fa", "ru"])
def test_pages_show_no_untranslated_english(client, db, language, english_words):
    for name, html in widget_pages(client, language).items():
        assert english_in(html, english_words) == set(), name


@pytest.mark.parametrize("language", ["vi", "fa", "ru"])
def test_back_office_shows_no_untranslated_english(client, db, language, english_words):
    for name, html in back_office_pages(client, language).items():
        assert english_in(html, english_words) == set(), name
