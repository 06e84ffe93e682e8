"""The shortcuts a lookup takes give what the long way gave: addresses from the memoised url_for
are Flask's for whichever site and language the request is in, translations follow force_locale
and come back after it, a code posted to the track page is judged as CodeForm judged it, the
status page's StatusRequest holds the Request's values, and the kept parts of the header and
footer read as the page renders them."""
from __future__ import annotations

import re

import pytest
from flask import g, render_template_string, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from hypothesis import HealthCheck, given, settings, strategies as st

from tests import backoffice
from tests.pages import widget_pages
from tests.test_widget_routes import send_one
from tests.test_widget_routes import form, site  # noqa: F401 - fixtures
from widget import codes
from widget.extensions import db as _db
from widget.i18n import TRANSLATED_LANGUAGES
from widget.models import Request
from widget.services import workflow
from widget.services.status_page import StatusRequest, status_request

clock, office, received = backoffice.clock, backoffice.office, backoffice.received

# (endpoint, values) a widget page names, relative and absolute, with and without a language.
ADDRESSES = [(".catalogue", {}), ("public.track", {}), ("public.track", {"lang": "ru"}),
             ("public.form_page", {"slug": "everything"}), ("public.track_reply", {}),
             ("public.track_file", {"attachment_id": 7}), ("static", {"filename": "css/widget.css"}),
             ("public.entry", {"form": "everything"}), ("public.catalogue", {"page": True}),
             ("public.catalogue", {"page": 1}), ("public.catalogue", {"a": ["1", "2"]}),
             ("public.track", {"_external": True}), ("public.track", {"_anchor": "x y"})]


def _in_widget_request(app, site_key: str, lang: str):
    context = app.test_request_context(f"/w/{site_key}/{lang}/track", method="POST")
    context.push()
    app.preprocess_request()  # the widget's URL value preprocessor finds the site
    return context


def test_memoised_addresses_are_flasks_in_every_request(app, site, create_site):
    """Built twice in each of two requests (other site, other language), every address is the
    one Flask builds there: nothing of the first request's defaults leaks into the second."""
    create_site(key="other")
    memoised = app.jinja_env.globals["url_for"]
    seen = {}
    for site_key, lang in (("test", "vi"), ("other", "fa"), ("test", "vi")):
        context = _in_widget_request(app, site_key, lang)
        try:
            for endpoint, values in ADDRESSES:
                expected = url_for(endpoint, **values)
                assert memoised(endpoint, **values) == expected
                assert memoised(endpoint, **values) == expected
                seen.setdefault(expected, set()).add((site_key, lang))
        finally:
            context.pop()
    assert "/w/other/fa/track" in seen and "/w/test/vi/track" in seen
    assert "/w/test/vi/?page=True" in seen and "/w/test/vi/?page=1" in seen


def test_translations_follow_force_locale_and_come_back(app, site):
    context = _in_widget_request(app, "test", "vi")
    try:
        page = "{{ _('Request status') }}|{{ ngettext('%(num)d file', '%(num)d files', 3) }}"
        vietnamese = render_template_string(page)
        with force_locale("fa"):
            persian = render_template_string(page)
            assert _("Request status") == persian.split("|")[0]
        with force_locale("en"):
            assert render_template_string(page) == "Request status|3 files"
        assert render_template_string(page) == vietnamese
        assert _("Request status") == vietnamese.split("|")[0] != persian.split("|")[0]
        assert "۳" in persian and "Tình trạng hồ sơ" in vietnamese and g._flask_babel.babel_locale
    finally:
        context.pop()


@pytest.fixture
def sent_code(client, form):
    return send_one(client)


def _expected_status(typed: str, code: str) -> int:
    if not typed.strip():
        return 422  # "Please enter the code."
    parsed = codes.parse(typed)
    return 422 if parsed is None else 200 if parsed == codes.parse(code) else 404


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "\t\n", "0000-0000-0000-00"]),
                       st.builds(lambda pad, lower: pad + ("{code}".lower() if lower else "{code}")
                                 + pad, st.sampled_from(["", " ", "\t"]), st.booleans())))
def test_a_posted_code_is_judged_as_codeform_judged_it(client, sent_code, typed):
    typed = typed.replace("{code}", sent_code).replace("\x00", "")
    typed = "".join(ch for ch in typed if not 0xD800 <= ord(ch) <= 0xDFFF)
    answer = client.post("/w/test/en/track", data={"code": typed})
    html = answer.get_data(as_text=True)
    assert answer.status_code == _expected_status(typed, sent_code), typed
    assert ('class="status"' in html) == (answer.status_code == 200)
    if not typed.strip():
        assert "Please enter the code." in html


def test_the_first_of_repeated_codes_counts_and_other_bodies_still_work(client, sent_code):
    found = client.post("/w/test/en/track", data={"code": [sent_code, "junk"]})
    assert found.status_code == 200
    assert client.post("/w/test/en/track", data={"code": ["junk", sent_code]}).status_code == 422
    assert client.post("/w/test/en/track", json={"code": sent_code}).status_code == 200
    switched = client.post("/w/test/vi/track", data={"code": sent_code, "action": "language"})
    assert switched.status_code == 200 and 'class="status"' not in switched.get_data(as_text=True)
    assert f'value="{sent_code}"' in switched.get_data(as_text=True)


def test_a_status_request_reads_what_the_request_holds(db, office, received, clock):
    """Every value the status page reads from a StatusRequest (one Core statement) is the
    ORM Request's: new, then registered, assigned and paused with a fee asked."""
    people = office["people"]
    clock("2026-10-16 10:00")
    new = received()
    worked = received()
    workflow.register_request(people["op"], worked.id, worked.lock_version)
    workflow.assign_request(people["head"], worked.id, worked.lock_version, people["op"].id)
    workflow.pause_request(people["op"], worked.id, worked.lock_version, "supplement", "Deed.")
    for request_id in (new.id, worked.id):
        _db.session.expire_all()
        orm = _db.session.get(Request, request_id)
        page = status_request(orm.organization_id, orm.code)
        for name in StatusRequest.__dataclass_fields__:
            if name not in ("executor", "unit"):
                assert getattr(page, name) == getattr(orm, name), name
        assert (page.executor and page.executor.name) == (orm.executor and orm.executor.name)
        assert [page.unit and page.unit.name(lang) for lang in TRANSLATED_LANGUAGES] == \
            [orm.unit and orm.unit.name(lang) for lang in TRANSLATED_LANGUAGES]
        assert (page.is_open, page.is_draft) == (orm.is_open, orm.is_draft)
        assert page.form_version is orm.form_version and page.organization is orm.organization
    assert status_request(new.organization_id, "0000000000000") is None
    assert status_request(new.organization_id + 1, new.code) is None


CHROME = re.compile(r"<header.*?</header>|<footer.*?</footer>", re.DOTALL)
TOKENS = re.compile(r'(name="(?:access|form_token|challenge|t)" value=")[^"]*')
UNREAD = re.compile(r'<span class="badge">.*?</span></span>')  # the walk reads notices


def _chrome(html: str) -> list[str]:
    return [UNREAD.sub("", TOKENS.sub(r"\1", part)) for part in CHROME.findall(html)]


def test_kept_parts_read_as_the_page_renders_them(app, client, db):
    """Every widget page's header and footer (language switch by link or by post, to a form,
    a hidden form or the reply form; signed in or not; four languages in turn) read the same
    with the kept parts as rendered afresh."""
    kept = {lang: {name: _chrome(html) for name, html in widget_pages(client, lang).items()}
            for lang in ("vi", "fa", "en", "ru")}
    app.jinja_env.globals["kept_part"] = lambda *_key, caller: caller()
    for lang in ("ru", "en", "fa", "vi"):
        fresh = {name: _chrome(html) for name, html in widget_pages(client, lang).items()}
        assert fresh.keys() == kept[lang].keys()
        for name in fresh:
            assert fresh[name] == kept[lang][name], (lang, name)


def test_kept_parts_are_each_sites_own(client, site, create_site):
    create_site(key="other")
    for _ in range(2):
        for key in ("test", "other"):
            html = client.get(f"/w/{key}/vi/").get_data(as_text=True)
            assert f'href="/w/{key}/vi/track"' in html and f'href="/w/{key}/fa/"' in html
            assert "/w/other/" not in html if key == "test" else "/w/test/" not in html
