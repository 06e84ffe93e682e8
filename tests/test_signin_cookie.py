"""Signing in when the browser refuses the session cookie: the page says so and offers a new
top-level window, instead of returning silently to an empty sign-in form."""
from __future__ import annotations

import re

import pytest

from tests.test_accounts import H, PASSWORD, app_settings, make_account, site  # noqa: F401

REFUSED = "Your browser did not keep the sign-in"


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
def test_a_refused_cookie_is_told_with_a_new_window_to_continue_in(app, db, site, make_account,
                                                                  lang):
    make_account(email="lan@example.org")
    refusing = app.test_client(use_cookies=False)
    answer = refusing.post(f"/w/test/{lang}/account/signin", headers=H, follow_redirects=True,
                           data={"contact": "lan@example.org", "password": PASSWORD,
                                 "next": f"/w/test/{lang}/account/profile"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.request.path == f"/w/test/{lang}/account/signed-in"
    assert 'id="cookie-refused"' in html and 'role="alert"' in html
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener"', html)
    assert link and link.group(1).startswith(f"http://localhost/w/test/{lang}/account/signin?next=")
    assert "profile" in link.group(1)  # on to the page asked for, once signed in there
    if lang == "en":
        assert REFUSED in html
    else:
        assert REFUSED not in html  # translated


def test_a_kept_cookie_goes_on_to_the_page_asked_for(client, db, site, make_account):
    make_account(email="lan@example.org")
    answer = client.post("/w/test/en/account/signin", headers=H, follow_redirects=True, data={
        "contact": "lan@example.org", "password": PASSWORD, "next": "/w/test/en/account/profile"})
    assert answer.request.path == "/w/test/en/account/profile"
    assert REFUSED not in answer.get_data(as_text=True)
    # The check sends nowhere outside the widget.
    elsewhere = client.get("/w/test/en/account/signed-in?next=https://evil.example/")
    assert elsewhere.status_code == 303 and elsewhere.headers["Location"].endswith("/w/test/en/account/")
