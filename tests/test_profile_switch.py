"""The account profile page (four forms on one page) switches language by posting the form the
person is filling, as every other page reached by a post does: what was typed stays in its
fields (never a password), the page comes in the new language, and nothing is saved, sent or
counted.

In a browser the page's script moves the language buttons to the form being filled (its
data-switch-<lang> addresses, tests/e2e/test_accounts.py); without it they post the form the
page came back with, or the profile's own. Here each form is switched as the script would."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests.html_pages import PageForms
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


def switch_target(page: PageForms, form_id: str, lang: str) -> str:
    """Where the switch to `lang` posts the form `form_id`: the language button when it already
    belongs to that form, else the address the page's script gives it (data-switch-<lang>)."""
    button = page.switches[lang]
    assert button["tag"] == "button", "the profile switches language by a plain link"
    if button.get("form") == form_id:
        return button["formaction"]
    target = page.by_id(form_id).attrs.get(f"data-switch-{lang}")
    assert target, f"{form_id} has no language switch of its own"
    return target


def switch(client, html: str, form_id: str, lang: str, typed: dict):
    page = PageForms(html)
    data = {**page.by_id(form_id).values(), **typed, "action": "language"}
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
    page = PageForms(html)
    assert page.switches[lang].get("form") == form_id
    shown = {key: value for key, value in REFUSED[form_id].items() if "password" not in key}
    assert {key: page.by_id(form_id).values().get(key) for key in shown} == shown
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
    page = PageForms(html)
    assert (page.lang, page.dir) == (lang, "rtl" if lang == "fa" else "ltr")
    with app.test_request_context():
        assert page.h1.strip() == translated("Profile and password", lang)
    shown = page.by_id(form_id).values()
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
