"""The account profile page (four forms on one page) switches language by posting the form the
person is filling, as every other page reached by a post does: what was typed stays in its
fields (never a password), the page comes in the new language, and nothing is saved, sent or
counted.

In a browser the page's script moves the language buttons to the form being filled (its
data-switch-<lang> addresses, tests/e2e/test_accounts.py); without it they post the form the
page came back with, or the profile's own. Here each form is switched as the script would."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests.test_accounts import H, PASSWORD, make_account, post, signed_in_client, site  # noqa: F401
from widget.extensions import db as database
from widget.models import Account, DetailChange, OneTimeCode, OutboxItem, Site
from widget.models._types import utcnow
from widget.passwords import hash_password

LANGUAGES = ("en", "vi", "fa", "ru")

# What a person types into each form of the page (a password form's values are never kept).
TYPED = {
    "contact-form": {"contact": "0912 000 111"},
    "profile-form": {"address": "25 Trần Hưng Đạo, Huế", "birth_date": "1990-05-01",
                     "document_number": "079190000123", "language": "fa"},
    "change-form": {"field": "name", "new_value": "Lê Thị Lan Anh", "reason": "Married in May"},
    "password-form": {"current_password": PASSWORD, "new_password": "another long pass phrase"},
}
# A post of each form that comes back with an error (the page reached by a post).
REFUSED = {
    "contact-form": {"contact": "not a contact"},
    "profile-form": {"address": "25 Trần Hưng Đạo, Huế", "birth_date": "3000-01-01",
                     "document_number": "079190000123", "language": "fa"},
    "change-form": {"field": "name", "new_value": "", "reason": "Married in May"},
    "password-form": {"current_password": "wrong", "new_password": "another long pass phrase"},
}
ACTIONS = {"contact-form": "contact", "profile-form": "profile", "change-form": "details",
           "password-form": "password"}


class Page(HTMLParser):
    """The page's language, direction and <h1>, its language buttons or links, and each form's
    address, switch addresses and the values its fields show."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.lang = self.dir = self.h1 = ""
        self.forms: dict[str, dict] = {}
        self.switches: dict[str, dict] = {}
        self._form = self._select = self._textarea = None
        self._in_h1 = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang, self.dir = a.get("lang", ""), a.get("dir", "")
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "form":
            self._form = self.forms.setdefault(a.get("id") or f"#{len(self.forms)}",
                                               {"attrs": a, "values": {}})
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type") not in ("submit", "button", "file"):
                self._form["values"][a["name"]] = a.get("value", "")
        elif tag == "textarea" and self._form is not None:
            self._textarea = a["name"]
            self._form["values"][a["name"]] = ""
        elif tag == "select" and self._form is not None:
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form["values"][self._select] = a.get("value", "")
        if "data-language" in a:
            self.switches[a["data-language"]] = {"tag": tag, **a}

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data
        if self._textarea is not None and self._form is not None:
            self._form["values"][self._textarea] += data


def switch_target(page: Page, form_id: str, lang: str) -> str:
    """Where the switch to `lang` posts the form `form_id`: the language button when it already
    belongs to that form, else the address the page's script gives it (data-switch-<lang>)."""
    button = page.switches[lang]
    assert button["tag"] == "button", "the profile switches language by a plain link"
    if button.get("form") == form_id:
        return button["formaction"]
    target = page.forms[form_id]["attrs"].get(f"data-switch-{lang}")
    assert target, f"{form_id} has no language switch of its own"
    return target


def switch(client, html: str, form_id: str, lang: str, typed: dict):
    page = Page(html)
    data = {**page.forms[form_id]["values"], **typed, "action": "language"}
    return client.post(switch_target(page, form_id, lang), data=data, headers=H)


def translated(msgid: str, lang: str) -> str:
    with force_locale(lang):
        return _(msgid)


def stored(db, account_id: int) -> tuple:
    """Everything a profile post could change."""
    db.session.expire_all()
    account = db.session.get(Account, account_id)
    return (account.address, account.language, account.birth_date, account.document_number,
            account.email, account.phone, account.password_hash,
            *(db.session.scalar(select(func.count()).select_from(model))
              for model in (DetailChange, OneTimeCode, OutboxItem)))


def other_language(lang: str) -> str:
    return "ru" if lang == "en" else "en"


@pytest.mark.parametrize("form_id", list(TYPED))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_switch_keeps_what_was_typed_in_the_form_being_filled(app, client, db, site,
                                                                 make_account, lang, form_id):
    account = make_account()
    signed_in_client(client)
    before = stored(db, account.id)
    opened = client.get(f"/w/test/{other_language(lang)}/account/profile")
    switched = switch(client, opened.get_data(as_text=True), form_id, lang, TYPED[form_id])
    assert_switched(app, switched, form_id, lang, TYPED[form_id])
    assert stored(db, account.id) == before  # nothing saved, sent or asked


@pytest.mark.parametrize("form_id", list(TYPED))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_page_back_with_errors_switches_keeping_them_typed(app, client, db, site, make_account,
                                                             lang, form_id):
    account = make_account()
    signed_in_client(client)
    before = stored(db, account.id)
    refused = post(client, ACTIONS[form_id], REFUSED[form_id], lang=other_language(lang))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Without a script, the page's switch posts the form that came back, with what it holds.
    page = Page(html)
    assert page.switches[lang].get("form") == form_id
    shown = {key: value for key, value in REFUSED[form_id].items() if "password" not in key}
    assert {key: page.forms[form_id]["values"].get(key) for key in shown} == shown
    switched = switch(client, html, form_id, lang, {})
    assert_switched(app, switched, form_id, lang, REFUSED[form_id])
    # And on again, to a third language, still the same.
    third = next(code for code in LANGUAGES if code not in (lang, other_language(lang)))
    again = switch(client, switched.get_data(as_text=True), form_id, third, {})
    assert_switched(app, again, form_id, third, REFUSED[form_id])
    assert stored(db, account.id) == before


def assert_switched(app, response, form_id: str, lang: str, typed: dict) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    page = Page(html)
    assert (page.lang, page.dir) == (lang, "rtl" if lang == "fa" else "ltr")
    with app.test_request_context():
        assert page.h1.strip() == translated("Profile and password", lang)
    shown = page.forms[form_id]["values"]
    for name, value in typed.items():
        # The existing rule of every switch: a typed password is never sent back to the page.
        assert shown.get(name) == ("" if "password" in name else value), (lang, name)
    # The next switch, without a script, posts the same form again.
    assert page.switches[lang].get("form") == form_id


def test_a_switch_of_the_password_form_uses_up_no_sign_in_tries(limited_app):
    app = limited_app(RATE_LIMIT_LOGIN="2 per hour")
    client = app.test_client()
    with app.app_context():
        site_row = database.session.scalar(select(Site).where(Site.key == "rl"))
        database.session.add(Account(organization_id=site_row.organization_id, name="Lan",
                                     email="lan@example.org", password_hash=hash_password(PASSWORD),
                                     email_verified_at=utcnow(), language="en"))
        database.session.commit()
    assert client.post("/w/rl/en/account/signin", data={"contact": "lan@example.org",
                                                        "password": PASSWORD},
                       headers=H).status_code == 303
    for lang in ("vi", "fa", "ru", "en", "vi"):
        switched = client.post(f"/w/rl/{lang}/account/password", headers=H,
                               data={"action": "language", "current_password": "x"})
        assert switched.status_code == 200
    refused = client.post("/w/rl/en/account/password", headers=H,
                          data={"current_password": "wrong", "new_password": "x" * 12})
    assert refused.status_code == 422  # the limit still has its tries
