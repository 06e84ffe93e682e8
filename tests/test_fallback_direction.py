"""What an organisation wrote in English only, shown on a Persian page, keeps its own direction:
every such text sits in an element that says dir="auto" (or ltr, or its language), so that
"Birth registration (copy)" does not read as "(Birth registration (copy".
Values of the other direction (codes, phone numbers, e-mail addresses) are covered the same way."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy.orm.attributes import flag_modified

from tests.conftest import form_token, tracking_code
from tests.test_widget_routes import ALL_TYPES

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Names of techniques that the translations themselves write in Latin letters, one word each (a
# single left-to-right word needs no isolation).
TECHNICAL_NAMES = {"QR", "PDF", "SHA-256"}
LATIN_RUN = re.compile(r"[A-Za-z@+0-9][^\u0600-\u06FF]*[A-Za-z0-9)]")


class _Unisolated(HTMLParser):
    """Text nodes holding Latin script whose element chain sets no direction of its own."""

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        isolated = (tag in {"bdi", "script", "style", "svg", "textarea", "title"}
                    or attrs.get("dir") in {"auto", "ltr"}
                    or (attrs.get("lang") not in (None, "fa") and tag != "html"))
        self.stack.append((tag, isolated))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(isolated for _, isolated in self.stack):
            return
        data = re.sub("\u2068[^\u2069]*\u2069", " ", data)  # first-strong isolates (FSI ... PDI)
        self.found += [m.group(0) for m in LATIN_RUN.finditer(data)
                       if m.group(0) not in TECHNICAL_NAMES]


def unisolated_latin(html: str) -> list[str]:
    parser = _Unisolated()
    parser.feed(html)
    return parser.found


@pytest.fixture
def english_only(create_site, create_form, db):
    """An organisation whose every own text exists in English only."""
    site = create_site()
    site.organization.names = {"en": "Example City Hall"}
    form = create_form(site, slug="everything", fields=ALL_TYPES)
    form.titles = {"en": "Birth registration (copy)"}
    form.group.titles = {"en": "Applications (2026)"}
    for field in form.versions[0].fields:
        field.labels = {"en": f"{field.key.title()} (as on your ID)"}
        field.help_texts = {"en": "Write it as on the card."} if hasattr(field, "help_texts") else None
        if field.choices:
            field.choices = [{**choice, "labels": {"en": choice["labels"]["en"] + " (x)"}}
                             for choice in field.choices]
            flag_modified(field, "choices")
    db.session.commit()
    return form


def test_english_only_texts_and_latin_values_keep_their_direction_on_persian_pages(
        client, english_only):
    base = "/w/test/fa"
    pages = {"catalogue": client.get(f"{base}/").get_data(as_text=True)}
    pages["form"] = client.get(f"{base}/f/everything").get_data(as_text=True)
    token = form_token(pages["form"])
    answers = {"form_token": token, "name": "Lan Anh", "born": "1990-05-17",
               "email": "lan@example.com", "phone": "0912 345 678", "colour": "blue",
               "extras": ["a"], "agree": "y", "story": "Hello (there)"}
    pages["returned"] = client.post(f"{base}/f/everything", data={**answers, "name": ""},
                                    content_type="multipart/form-data").get_data(as_text=True)
    receipt = client.post(f"{base}/f/everything", data=answers, content_type="multipart/form-data")
    pages["receipt"] = receipt.get_data(as_text=True)
    pages["status"] = client.post(f"{base}/track", data={"code": tracking_code(pages["receipt"])}
                                  ).get_data(as_text=True)
    found = {name: runs for name, html in pages.items() if (runs := unisolated_latin(html))}
    assert not found, "\n".join(f"{name}: {runs}" for name, runs in found.items())


def test_phone_numbers_addresses_and_codes_keep_their_direction_on_every_persian_page(client, db):
    from tests.pages import widget_pages
    found = {name: runs for name, html in widget_pages(client, "fa").items()
             if (runs := unisolated_latin(html))}
    assert not found, "\n".join(f"{name}: {runs}" for name, runs in found.items())
