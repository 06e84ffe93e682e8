"""A widget address no page answers is still the site's page, in the address's language: the
person is inside someone else's page, so an error page that denies framing shows them the
browser's "refused to connect" instead, and one in the browser's language speaks past a Persian
or Vietnamese widget. The hunt derives the addresses from every route of the widget: each with a
method it does not take, with a tail no route has, and with each number it names replaced by
words; in every language, from a browser that asks for another."""
from __future__ import annotations

import re

import pytest

from widget.i18n import TRANSLATED_LANGUAGES

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
TITLES = {"en": "Page not found", "vi": "Không tìm thấy trang", "fa": "صفحه پیدا نشد",
          "ru": "Страница не найдена"}
BACK = {"en": "Back to all forms", "vi": "Quay lại danh sách biểu mẫu",
        "fa": "بازگشت به همهٔ فرم‌ها", "ru": "Вернуться ко всем формам"}


def unanswered(app, language: str) -> list[tuple[str, str]]:
    """(method, address) pairs under the site's widget that no route answers."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "lang" not in rule.arguments:
            continue

        def filled(words_for_numbers: bool) -> str:
            def value(match):
                converter, name = match.group(1), match.group(2)
                if name == "site_key":
                    return "test"
                if name == "lang":
                    return language
                if converter == "int":
                    return "abc" if words_for_numbers else "1"
                return "x"
            return PARAM.sub(value, rule.rule)
        path = filled(False)
        for method in sorted({"GET", "POST", "PUT", "DELETE"} - set(rule.methods)):
            found.append((method, path))
        found.append(("GET", path.rstrip("/") + "/no/such/page"))
        if "int:" in rule.rule:
            found.append(("GET" if "GET" in rule.methods else "POST", filled(True)))
    return sorted(set(found))


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_an_address_no_page_answers_is_the_sites_page_in_its_language(app, client, db,
                                                                      create_site, create_form,
                                                                      language):
    create_form(create_site(), slug="permit")
    addresses = unanswered(app, language)
    assert len(addresses) > 40  # every widget route gave some
    browser = "ru" if language != "ru" else "vi"  # a browser asking for another language
    for method, path in addresses:
        response = client.open(path, method=method, headers={"Accept-Language": browser},
                               data={} if method != "GET" else None)
        where = (method, path, response.status_code)
        assert response.status_code in (404, 405), where
        page = response.get_data(as_text=True)
        assert re.search(rf'<html lang="{language}"', page), where
        assert TITLES[language] in page, where
        assert BACK[language] in page or 'class="site-footer"' in page, where
        # Framed by the site's own origins, as its pages are; never refused to every page.
        assert response.headers["Content-Security-Policy"].endswith(
            "frame-ancestors http://localhost:8000"), where
        assert "X-Frame-Options" not in response.headers, where


def test_an_unknown_site_still_denies_every_frame(client, db, create_site):
    create_site()
    response = client.get("/w/nosuchsite/fa/track", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_hostile_site_keys_on_an_address_no_page_answers_answer_no_5xx(client, db, create_site):
    """The site is looked up before any route read the address: every hostile value of the walk's
    catalogue as the site key and as the language, on an address no page answers."""
    from tests.route_walker import CATALOGUE, encode
    create_site()
    for value in CATALOGUE:
        for path in (f"/w/{encode(value)}/fa/no/such/page", f"/w/test/{encode(value)}/no/such"):
            response = client.get(path)
            assert response.status_code < 500, (path[:80], response.status_code)
