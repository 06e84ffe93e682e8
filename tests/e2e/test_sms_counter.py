"""The SMS wording editor's live counter in a real browser: as an administrator types, the
encoding, characters used and parts shown are exactly what widget/notify/sms_text.py says."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_back_office import axe_problems, sign_in
from widget.notify import sms_text

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.frontdesk"
FIGURES = ("encoding", "length", "segments", "per_segment")
VIETNAMESE = "Hồ sơ của bạn đã được tiếp nhận và đang được xử lý. Xin cảm ơn quý khách! "
EMOJI = "\U0001F600"


def vietnamese(length: int) -> str:
    text = (VIETNAMESE * (length // len(VIETNAMESE) + 1))[:length]
    return text[:-1] + "ệ"  # no trailing space: the editor counts the text trimmed, as kept


@pytest.fixture
def admin_page(browser, live_app):
    """The demo administrator, signed in in a browser profile of their own."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_app, ADMIN)
    yield page
    context.close()


def shown(page) -> dict[str, str]:
    counter = page.locator("[data-sms-counter]")
    return {name: counter.locator(f"[data-sms={name}]").inner_text() for name in FIGURES}


def expected(text: str) -> dict[str, str]:
    info = sms_text.analyse(sms_text.to_gsm(text))  # counted as sms_body sends it
    return {name: str(getattr(info, name)) for name in FIGURES}


CASES = {
    "160 GSM characters": "a" * 150 + "0123456789",
    "161 GSM characters": "a" * 151 + "0123456789",
    "70 UCS-2 characters": vietnamese(70),
    "71 UCS-2 characters": vietnamese(71),
    # The euro costs two septets and may not straddle two parts: a third part, not ceil(306/153).
    "euro at a part boundary": "a" * 152 + "€" + "a" * 152,
    # The emoji is a surrogate pair: it moves whole into the next part.
    "emoji at a part boundary": "ệ" * 66 + EMOJI + "ệ" * 66,
    "emoji filling one part": "ệ" * 68 + EMOJI,
    "emoji one unit too many": "ệ" * 69 + EMOJI,
    "euro and emoji": "Fee 20€ " * 10 + EMOJI,
    # Counted as sent: the narrow no-break space and curly quotes have GSM-7 equivalents.
    "typography": "“Residents’ card” – due 5:00\u202fPM… " * 4 + "ok",
    "Persian with its joiner": "می\u200cخواهم «۱۲» – " * 4 + "ok",
}


def _set_stripping(session, values) -> dict:
    """Set every organisation's choice (a bool, or {id: choice}); return what it was."""
    from widget.models import Organization
    before = {}
    for organization in session.query(Organization):
        before[organization.id] = organization.sms_without_diacritics
        organization.sms_without_diacritics = (
            values if isinstance(values, bool) else values[organization.id])
    session.commit()
    return before


@pytest.fixture
def keeps_diacritics(live_app):
    """The demo organisation is Vietnamese, whose SMS drop diacritics unless it chose to keep
    them: these tests count letters as typed, so it keeps them while they run."""
    before = live_app.query(lambda session: _set_stripping(session, False))
    yield
    live_app.query(lambda session: _set_stripping(session, before))


def test_the_counter_follows_the_text_as_it_is_typed(admin_page, live_app, keeps_diacritics):
    page = admin_page
    page.goto(f"{live_app.url}/admin/notifications/settings")
    problems = axe_problems(page, "notification settings")
    page.locator('#notice-registered a[href$="/registered/sms/en"]').click()
    expect(page.locator("h1")).to_have_text("Registered")
    assert page.url.endswith("/admin/notifications/settings/registered/sms/en")
    expect(page.locator("#sms-count")).to_have_attribute("aria-live", "polite")
    assert problems + axe_problems(page, "SMS wording") == []
    body = page.get_by_label("Text")
    # Before anything is typed: the figures of the default text.
    assert shown(page) == expected(body.input_value().strip())
    assert expected(CASES["160 GSM characters"])["segments"] == "1"
    assert expected(CASES["161 GSM characters"])["segments"] == "2"
    assert expected(CASES["70 UCS-2 characters"])["segments"] == "1"
    assert expected(CASES["71 UCS-2 characters"])["segments"] == "2"
    assert expected(CASES["euro at a part boundary"])["segments"] == "3"
    assert expected(CASES["emoji at a part boundary"])["segments"] == "3"
    assert expected(CASES["typography"])["encoding"] == "GSM-7"
    for name, text in CASES.items():
        body.fill(text)
        figures = expected(text)
        for figure, value in figures.items():
            expect(page.locator(f"[data-sms-counter] [data-sms={figure}]"),
                   f"{name}: {figure}").to_have_text(value)
    # Typed key by key too, across the 160/161 boundary.
    body.fill("a" * 159)
    body.press_sequentially("bc")
    expect(page.locator("[data-sms=segments]")).to_have_text("2")
    assert shown(page) == expected("a" * 159 + "bc")
    body.press("Backspace")
    expect(page.locator("[data-sms=segments]")).to_have_text("1")
    # Past the organisation's three parts: the page warns that the end is cut off.
    over = page.locator("[data-sms=over]")
    expect(over).to_be_hidden()
    body.fill("ệ" * 202)
    expect(over).to_be_visible()


def test_the_counter_agrees_with_the_server_on_many_texts(admin_page, live_app, keeps_diacritics):
    page = admin_page
    page.goto(f"{live_app.url}/admin/notifications/settings/refused/sms/ru")
    texts = [
        "", " padded ", "line\r\nends\rand\nmore", "{code} " * 30, "[" * 80 + "x", "€" * 80,
        "€" * 81, "^{}\\[~]|€\f" * 20, "Ελληνικά ΔΦΓ", "ΔΦΓΛΩΠΨΣΘΞ" * 17, "Привет, " * 9,
        "درخواست شما " * 6, "Fee 20€ " * 10 + EMOJI, EMOJI * 35, EMOJI * 36, "a" + EMOJI * 34,
        "ệ" * 67 + EMOJI + "a", "e\u0301" * 80, "\u00a0x\u00a0", "\x1cx\ufeff", "‘quoted’ – …",
        vietnamese(134), vietnamese(135), vietnamese(201), vietnamese(202),
    ] + ["a" * n + "€" for n in range(150, 160)] + [vietnamese(n) + EMOJI for n in range(64, 70)]
    shown_figures = page.evaluate("""texts => {
        const body = document.getElementById("body");
        return texts.map(text => {
            body.value = text;
            body.dispatchEvent(new Event("input"));
            const figure = name => document.querySelector(`[data-sms-counter] [data-sms=${name}]`)
                .textContent;
            return ["encoding", "length", "segments", "per_segment"].map(figure);
        });
    }""", texts)
    for text, figures in zip(texts, shown_figures):
        kept = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        assert dict(zip(FIGURES, figures)) == expected(kept), repr(text)


def test_without_diacritics_the_counter_counts_what_is_sent(admin_page, live_app):
    from widget.models import Organization

    def set_stripping(session, values: dict[int, bool] | bool) -> dict[int, bool]:
        before = {}
        for organization in session.query(Organization):
            before[organization.id] = organization.sms_without_diacritics
            organization.sms_without_diacritics = (
                values if isinstance(values, bool) else values[organization.id])
        session.commit()
        return before

    page = admin_page
    # The browser suite shares one database: the setting is put back as it was.
    before = live_app.query(lambda session: set_stripping(session, True))
    try:
        page.goto(f"{live_app.url}/admin/notifications/settings/registered/sms/vi")
        expect(page.locator("[data-sms-counter]")).to_have_attribute("data-strip", "1")
        texts = [vietnamese(70), vietnamese(161), "Đường ĐẶNG – “ngõ” 5…", "Привет, Đà Nẵng",
                 "e\u0301\u0323 a\u0303 " * 20, "Tiếng Việt " + EMOJI, "ǅ ª\u0301 Ⅻ ﬁ"]
        shown_figures = page.evaluate("""texts => {
            const body = document.getElementById("body");
            return texts.map(text => {
                body.value = text;
                body.dispatchEvent(new Event("input"));
                return ["encoding", "length", "segments", "per_segment"].map(name =>
                    document.querySelector(`[data-sms-counter] [data-sms=${name}]`).textContent);
            });
        }""", texts)
        for text, figures in zip(texts, shown_figures):
            assert dict(zip(FIGURES, figures)) == expected(sms_text.strip_diacritics(text.strip())), text
        assert expected(sms_text.strip_diacritics(vietnamese(70)))["encoding"] == "GSM-7"
        body = page.get_by_label("Text")
        body.fill(vietnamese(161))
        expect(page.locator("[data-sms=encoding]")).to_have_text("GSM-7")
        expect(page.locator("[data-sms=segments]")).to_have_text("2")
    finally:
        live_app.query(lambda session: set_stripping(session, before))
