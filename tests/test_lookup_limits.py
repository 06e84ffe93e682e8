"""Code look-ups from one address: a post office counter behind one address looks up codes all
day and is never stopped, because only FAILED look-ups (unknown or mistyped codes) count
against FRONTDESK_RATE_LIMIT_LOOKUP; a guessing run still meets the limit, and its page keeps
the typed code, says how long to wait, in the person's language, and offers the way back."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.conftest import new_form, tracking_code
from widget import codes
from widget.extensions import db, limiter
from widget.models import Site

RESUME = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')
INSTANT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
# The wait in each language, for 40 minutes (ASCII or Persian digits).
FORTY_MINUTES = {"en": r"40 minutes", "vi": r"40 phút", "fa": r"(40|۴۰) دقیقه", "ru": r"40 минут"}


@pytest.fixture
def counter(limited_app, tmp_path, monkeypatch, time_machine):
    """An app with the deployment's lookup limit, a sent request and a saved draft; the clock
    stopped, so that the page's wait can be read."""
    time_machine.move_to(INSTANT, tick=False)
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = limited_app("rl", DATABASE_URL=f"sqlite:///{tmp_path / 'limited.db'}",
                      MIN_FILL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        new_form(db.session.scalars(select(Site)).one(), slug="contact")
        db.session.remove()

    def post_form(data):
        page = client.get("/w/rl/en/f/contact").get_data(as_text=True)
        token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        return client.post("/w/rl/en/f/contact", data={"form_token": token, **data}).get_data(
            as_text=True)
    code = tracking_code(post_form({"name": "Lan", "message": "Hello"}))
    resume_code = RESUME.search(post_form({"action": "draft", "name": "Lan"})).group(1)
    return client, app, code, resume_code


def mistyped(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_a_post_office_counter_is_never_limited_by_lookups_that_find_something(counter):
    client, app, code, resume_code = counter
    assert app.config["FRONTDESK_RATE_LIMIT_LOOKUP"] == "10 per minute;100 per hour"
    found = [client.post("/w/rl/en/track", data={"code": code}).status_code for _ in range(200)]
    found += [client.post("/w/rl/en/resume", data={"code": resume_code}).status_code
              for _ in range(200)]
    assert set(found) == {200}
    # Nor do a few mistakes among them stop the counter.
    typos = [client.post("/w/rl/en/track", data={"code": mistyped(code)}).status_code
             for _ in range(5)]
    assert typos == [422] * 5
    assert client.post("/w/rl/en/track", data={"code": code}).status_code == 200


@pytest.mark.parametrize("page", ["track", "resume"])
def test_a_guessing_run_from_one_address_is_still_limited(counter, page):
    client, _app, code, resume_code = counter
    right = code if page == "track" else resume_code
    answers = []
    for number in range(10):
        guess = codes.generate() if number % 2 else mistyped(right)
        # Successful look-ups in between neither count nor reset the count of failures.
        assert client.post(f"/w/rl/en/{page}", data={"code": right}).status_code == 200
        answers.append(client.post(f"/w/rl/en/{page}", data={"code": guess}).status_code)
    assert set(answers) == {404, 422}
    assert client.post(f"/w/rl/en/{page}", data={"code": codes.generate()}).status_code == 429
    refused = client.post(f"/w/rl/en/{page}", data={"code": right})
    assert refused.status_code == 429
    assert "key-facts" not in refused.get_data(as_text=True)  # shows nothing of the request


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
@pytest.mark.parametrize("page", ["track", "resume"])
def test_the_too_many_attempts_page_keeps_the_code_says_how_long_and_the_way_back(
        counter, time_machine, page, lang):
    client, app, _code, _resume = counter
    app.config["FRONTDESK_RATE_LIMIT_LOOKUP"] = "3 per hour"
    for _ in range(3):
        assert client.post(f"/w/rl/{lang}/{page}", data={"code": codes.generate()}).status_code == 404
    time_machine.move_to(INSTANT + timedelta(minutes=20), tick=False)
    typed = "7k3m 9qx2 hr4t b5"
    refused = client.post(f"/w/rl/{lang}/{page}", data={"code": typed})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert f'value="{typed}"' in html  # the code as typed, to send again later
    notice = re.search(r'<p class="error" id="code-error" role="alert">(.*?)</p>', html, re.S).group(1)
    assert re.search(FORTY_MINUTES[lang], notice), notice
    assert 'href="/w/rl/' + lang + '/"' in html.split("<main", 1)[1].split("<footer", 1)[0]
    assert 40 * 60 <= int(refused.headers["Retry-After"]) <= 40 * 60 + 1  # Flask-Limiter's


def test_the_lost_code_page_keeps_the_contact_when_limited(counter):
    client, app, _code, _resume = counter
    app.config["FRONTDESK_RATE_LIMIT_LOOKUP"] = "1 per hour"
    client.post("/w/rl/en/recover", data={"contact": "lan@example.org"})
    refused = client.post("/w/rl/en/recover", data={"contact": "lan@example.org"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 'value="lan@example.org"' in html
    assert "60 minutes" in html


def test_every_too_many_attempts_page_is_valid_html_in_every_language(counter, tmp_path):
    """The refused track, resume and lost-code pages pass the Nu HTML Checker in all four
    languages (Persian digits and right-to-left included)."""
    from tests.vnu import html_errors

    client, app, _code, _resume = counter
    app.config["FRONTDESK_RATE_LIMIT_LOOKUP"] = "1 per hour"
    pages = {}
    for lang in ("en", "vi", "fa", "ru"):
        for page, data in (("track", {"code": "7K3M-9QX2-HR4T-B5"}),
                           ("resume", {"code": "7K3M-9QX2-HR4T-B5"}),
                           ("recover", {"contact": "lan@example.org"})):
            client.post(f"/w/rl/{lang}/{page}", data=data)
            refused = client.post(f"/w/rl/{lang}/{page}", data=data)
            assert refused.status_code == 429, (lang, page)
            pages[f"{lang}: {page} refused"] = refused.get_data(as_text=True)
    assert html_errors(pages, tmp_path) == []


def test_a_status_page_switching_with_files_counts_as_a_form_post(counter):
    # A switch that holds files writes them: like a form page's switch it counts against the
    # form posts' limit (FRONTDESK_RATE_LIMIT_SUBMIT), so that a status token is no way to fill
    # the file store. A switch with no file still counts nothing, however often, and the address
    # at its limit still looks codes up.
    client, app, code, _resume = counter
    page = client.post("/w/rl/en/track", data={"code": code}).get_data(as_text=True)
    access = re.search(r'name="access" value="([^"]+)"', page).group(1)

    def switch(with_file: bool) -> int:
        data = {"access": access, "body": "half", "action": "language"}
        if with_file:
            data["files"] = (io.BytesIO(b"a plain text file\n"), "note.txt")
        return client.post("/w/rl/vi/track", data=data,
                           content_type="multipart/form-data").status_code

    assert app.config["FRONTDESK_RATE_LIMIT_SUBMIT"] == "10 per minute;100 per day"
    assert {switch(False) for _ in range(30)} == {200}
    holding = [switch(True) for _ in range(12)]
    assert holding[:10] == [200] * 10 and holding[10:] == [429, 429]
    assert switch(False) == 200  # words alone still switch,
    assert client.post("/w/rl/en/track", data={"code": code}).status_code == 200  # and codes look up


def test_a_form_page_switching_language_counts_only_when_it_holds_files(counter):
    # Switching the form page's language is no form post: a person may switch as often as they
    # like. A switch carrying files writes them and counts, as a send does.
    client, app, _code, _resume = counter
    page = client.get("/w/rl/en/f/contact").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)

    def post(lang: str, with_file: bool = False, action: str = "language") -> int:
        data = {"form_token": token, "name": "Lan", "message": "Hello", "action": action}
        if with_file:
            data["attachments"] = (io.BytesIO(b"a plain text file\n"), "note.txt")
        return client.post(f"/w/rl/{lang}/f/contact", data=data,
                           content_type="multipart/form-data").status_code

    assert {post(lang) for lang in ("vi", "fa", "ru", "en") * 8} == {200}
    # The fixture sent a request and saved a draft: two of this minute's ten form posts.
    assert [post("vi", with_file=True) for _ in range(9)] == [200] * 8 + [429]
