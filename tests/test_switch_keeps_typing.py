"""A hunt for the whole class "a language switch loses what the person typed": on every widget
page a person can be on (opened, or reached by a post: the walk's pages), type into every field
of every form that takes typing and choose another option in every list, switch language the
way the page lets a browser (a link is followed; a button posts its form; a page of several
forms switches with the form being typed into, whose own addresses widget.js uses), and read
the fields back in the other language. What it types carries markup: read back whole, it was
shown as text.

tests/test_language_switch_walk.py checks that each page switches to itself keeping what it
holds, value by value, as its author listed them; this test lists nothing: a page or a form
added later that takes typing and drops it on a switch fails here. (Passwords are never shown
again, by design; files are the subject of tests/test_message_files_switch.py.)"""
from __future__ import annotations

import re

import pytest

from tests.test_accounts import make_account  # noqa: F401 - fixture
from tests.html_pages import Field, PageForms
from tests.test_language_switch_walk import PAGES, SAME_SITE, sign_in
from tests.test_widget_routes import form, good_answers, open_form, post_form, site  # noqa: F401

TARGET = "fa"  # right to left, digits of its own: the switch least like the page it leaves
TYPED_INPUTS = ("text", "email", "search", "url")


def kind_typed(item: Field) -> str:
    """How a person fills the field: "trap" when out of their reach (the honeypot: only a robot
    fills it), "digits" for a numeric one, else its kind."""
    if item.attrs.get("tabindex") == "-1":
        return "trap"
    if item.kind in TYPED_INPUTS and item.attrs.get("inputmode") == "numeric":
        return "digits"
    return item.kind


def typed_into(fields: list[Field], options: dict[str, list[str]]) -> dict[str, str]:
    """A value of its own for every field a person types into, shaped as the field expects (its
    text with markup in it: read back whole, it was shown as text), and another choice in every
    list (its last option that is not chosen already)."""
    typed = {}
    for name in {item.name for item in fields} & set(options):
        chosen = [item.value for item in fields if item.name == name]
        others = [value for value in options[name] if value not in chosen and value]
        if others:
            typed[name] = others[-1]
    for index, item in enumerate(fields):
        kind, name = kind_typed(item), item.name
        if kind == "email":
            typed[name] = f"typed{index}@example.org"
        elif kind == "digits":
            typed[name] = f"40{index:04d}"
        elif kind == "textarea":
            typed[name] = f"Đã gõ {index}\nسطر دوم</textarea><script>x()</script>"
        elif kind in TYPED_INPUTS:
            typed[name] = f"Gõ{index}Жы\"><b>'"
    return typed


def read_back(html: str, form_id: str) -> dict[str, str]:
    shown = PageForms(html).by_id(form_id)
    return {} if shown is None else shown.values()


def problems_of(client, label: str, html: str) -> list[str]:
    """What the page's switch to TARGET loses of what was typed into its forms."""
    page = PageForms(html)
    switch = page.switches.get(TARGET)
    if switch is None:
        return [f"{label}: no switch to {TARGET}"]
    found = []
    for shown in page.forms:
        typed = typed_into(shown.fields, page.options)
        if not typed or shown.id == "language-switch":
            continue
        own_address = shown.attrs.get(f"data-switch-{TARGET}")  # widget.js switches with it
        if own_address:
            address = own_address
        elif switch["tag"] == "button" and switch.get("form") == shown.id:
            address = switch.get("formaction") or shown.action
        else:
            found.append(f"{label}: the switch ({switch['tag']}) does not carry form "
                         f"{shown.id or shown.action!r}, typed into: {sorted(typed)}")
            continue
        data: dict[str, list[str]] = {}
        for name, value in shown.pairs():
            data.setdefault(name, []).append(value)
        data.update({name: [value] for name, value in typed.items()})
        data[switch.get("name") or "action"] = [switch.get("value") or "language"]
        answer = client.post(address, data=data, content_type="multipart/form-data",
                             headers=SAME_SITE)
        switched = answer.get_data(as_text=True)
        if answer.status_code != 200 or f'lang="{TARGET}"' not in switched[:300]:
            found.append(f"{label}: form {shown.id!r} switched to {answer.status_code}")
            continue
        back = read_back(switched, shown.id)
        lost = {name: value for name, value in typed.items()
                if back.get(name, "").replace("\r\n", "\n").strip("\n") != value}
        if lost:
            found.append(f"{label}: form {shown.id!r} lost {sorted(lost)}")
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
