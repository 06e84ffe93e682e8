"""A hunt for the whole class "a language switch loses what the person typed": on every widget
page a person can be on (opened, or reached by a post: the walk's pages), type into every field
of every form that takes typing and choose another option in every list, switch language the
way the page lets a browser (a link is followed; a button posts its form; a page of several
forms switches with the form being typed into, whose own addresses widget.js uses), and read
the fields back in the other language.

tests/test_language_switch_walk.py checks that each page switches to itself keeping what it
holds, value by value, as its author listed them; this test lists nothing: a page or a form
added later that takes typing and drops it on a switch fails here. (Passwords are never shown
again, by design; files are the subject of tests/test_message_files_switch.py.)"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.test_accounts import make_account  # noqa: F401 - fixture
from tests.test_language_switch_walk import PAGES, SAME_SITE, sign_in
from tests.test_widget_routes import form, good_answers, open_form, post_form, site  # noqa: F401

TARGET = "fa"  # right to left, digits of its own: the switch least like the page it leaves
TYPED_INPUTS = ("text", "email", "search", "url")


class Forms(HTMLParser):
    """Each form of a page: its id, address, data-switch-* addresses and fields (name, kind,
    value), and the page's language switch (language -> the link's or button's attributes)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.switches: dict[str, dict] = {}
        self.options: dict[str, list[str]] = {}  # a select's name -> its options' values
        self._form: dict | None = None
        self._textarea: list | None = None
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"id": a.get("id", ""), "action": a.get("action", ""), "attrs": a,
                          "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("tabindex") == "-1":
                kind = "trap"  # out of a person's reach (the honeypot): only a robot fills it
            elif kind in TYPED_INPUTS and a.get("inputmode") == "numeric":
                kind = "digits"
            if kind not in ("file", "submit", "button", "image", "reset"):
                self._form["fields"].append([a["name"], kind, a.get("value", "on" if kind in (
                    "checkbox", "radio") else "")])
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "textarea", ""]
        elif self._form is not None and tag == "select":
            self._select = a.get("name", "")
        elif self._form is not None and tag == "option" and self._select:
            self.options.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a:
                self._form["fields"].append([self._select, "select", a.get("value", "")])
        if "data-language" in a:
            self.switches[a["data-language"]] = {"tag": tag, **a}

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select:
            names = [field[0] for field in self._form["fields"]] if self._form else []
            if self._select not in names and self.options.get(self._select):
                # No option marked: a browser posts the first.
                self._form["fields"].append([self._select, "select", self.options[self._select][0]])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def by_id(self, form_id: str) -> dict | None:
        return next((item for item in self.forms if item["id"] == form_id), None)


def typed_into(fields: list, options: dict[str, list[str]]) -> dict[str, str]:
    """A value of its own for every field a person types into, shaped as the field expects, and
    another choice in every list (its last option that is not chosen already)."""
    typed = {}
    for name in {name for name, _kind, _value in fields} & set(options):
        chosen = [value for field, _kind, value in fields if field == name]
        others = [value for value in options[name] if value not in chosen and value]
        if others:
            typed[name] = others[-1]
    for index, (name, kind, _value) in enumerate(fields):
        if kind == "email":
            typed[name] = f"typed{index}@example.org"
        elif kind == "digits":
            typed[name] = f"40{index:04d}"
        elif kind == "textarea":
            typed[name] = f"Đã gõ {index}\nسطر دوم"
        elif kind in TYPED_INPUTS:
            typed[name] = f"Gõ{index}Жы"
    return typed


def read_back(html: str, form_id: str) -> dict[str, str]:
    shown = Forms(html).by_id(form_id)
    return {} if shown is None else {name: value for name, _kind, value in shown["fields"]}


def problems_of(client, label: str, html: str) -> list[str]:
    """What the page's switch to TARGET loses of what was typed into its forms."""
    page = Forms(html)
    switch = page.switches.get(TARGET)
    if switch is None:
        return [f"{label}: no switch to {TARGET}"]
    found = []
    for shown in page.forms:
        typed = typed_into(shown["fields"], page.options)
        if not typed or shown["id"] == "language-switch":
            continue
        own_address = shown["attrs"].get(f"data-switch-{TARGET}")  # widget.js switches with it
        if own_address:
            address = own_address
        elif switch["tag"] == "button" and switch.get("form") == shown["id"]:
            address = switch.get("formaction") or shown["action"]
        else:
            found.append(f"{label}: the switch ({switch['tag']}) does not carry form "
                         f"{shown['id'] or shown['action']!r}, typed into: {sorted(typed)}")
            continue
        data: dict[str, list[str]] = {}
        for name, _kind, value in shown["fields"]:
            data.setdefault(name, []).append(value)
        data.update({name: [value] for name, value in typed.items()})
        data[switch.get("name") or "action"] = [switch.get("value") or "language"]
        answer = client.post(address, data=data, content_type="multipart/form-data",
                             headers=SAME_SITE)
        switched = answer.get_data(as_text=True)
        if answer.status_code != 200 or f'lang="{TARGET}"' not in switched[:300]:
            found.append(f"{label}: form {shown['id']!r} switched to {answer.status_code}")
            continue
        back = read_back(switched, shown["id"])
        lost = {name: value for name, value in typed.items()
                if back.get(name, "").replace("\r\n", "\n").strip("\n") != value}
        if lost:
            found.append(f"{label}: form {shown['id']!r} lost {sorted(lost)}")
    return found


# -- the pages: opened by their address, or reached by a post (the walk's) ---------------------

OPENED = ["/w/test/en/", "/w/test/en/f/everything", "/w/test/en/track", "/w/test/en/resume",
          "/w/test/en/recover", "/w/test/en/account/signin", "/w/test/en/account/signup",
          "/w/test/en/account/forgot"]
SIGNED_IN = ["/w/test/en/account/", "/w/test/en/account/profile",
             "/w/test/en/account/notifications", "/w/test/en/account/claim", "own request",
             "own draft"]


def signed_in_page(client, db, which: str) -> str:
    sign_in(client)
    if which in ("own request", "own draft"):
        answers = good_answers(open_form(client), email="walker@example.org",
                               **({"action": "draft"} if which == "own draft" else {}))
        post_form(client, answers)
        cabinet = client.get("/w/test/en/account/").get_data(as_text=True)
        kind = "drafts" if which == "own draft" else "requests"
        which = "/w/test/en/account/" + kind + "/" + re.search(
            rf'/account/{kind}/(\d+)"', cabinet).group(1)
    answer = client.get(which)
    assert answer.status_code == 200, which
    return answer.get_data(as_text=True)


@pytest.mark.parametrize("address", OPENED)
def test_a_switch_on_an_opened_page_keeps_what_was_typed(client, form, address):
    assert problems_of(client, address, client.get(address).get_data(as_text=True)) == []


@pytest.mark.parametrize("which", SIGNED_IN)
def test_a_switch_on_a_signed_in_page_keeps_what_was_typed(client, db, form, make_account,
                                                          which):
    make_account(email="walker@example.org")
    assert problems_of(client, which, signed_in_page(client, db, which)) == []


@pytest.mark.parametrize("reach", PAGES, ids=lambda reach: reach.__name__)
def test_a_switch_on_a_page_reached_by_a_post_keeps_what_was_typed(client, db, form,
                                                                  make_account, reach):
    if reach.__name__.startswith("signed_in"):
        make_account(email="walker@example.org")
    html = reach(client)[0]
    assert problems_of(client, reach.__name__, html) == []
