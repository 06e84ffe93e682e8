"""Every widget page, in every language, inside the cross-site frame on a 360 px phone:
no axe-core violation (WCAG 2.1 A/AA), no horizontal scroll; and the whole loop by keyboard."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.test_widget import CODE_RE, frame_of, open_host
from tests.pages import demo_codes

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "vi", "fa", "ru"]
AXE_SCRIPT = Axe().axe_script
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def check_page(page, name: str) -> list[str]:
    """Run axe inside the widget's own frame (not the host page) and measure the widths."""
    frame = frame_of(page)
    frame.wait_for_load_state()
    frame.evaluate(AXE_SCRIPT)
    result = frame.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    problems = [f"{name}: {v['id']} ({v['impact']}): {v['help']} at "
                f"{[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]
    widths = frame.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if widths[0] > widths[1]:
        problems.append(f"{name}: horizontal scroll inside the widget ({widths[0]} > {widths[1]} px)")
    host = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if host[0] > host[1]:
        problems.append(f"{name}: the host page scrolls sideways ({host[0]} > {host[1]} px)")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_accessible_and_fits_a_phone(phone, host_url, live_app, sample_pdf, language):
    page = phone
    widget = open_host(page, host_url, lang=language)
    problems = check_page(page, "catalogue")

    widget.locator("a[href$='/f/construction-permit']").click()
    expect(widget.locator("#f-applicant")).to_be_visible()
    problems += check_page(page, "form")

    widget.locator("#f-floor_area").fill("abc")
    widget.locator("#f-drawings").set_input_files(str(sample_pdf))
    widget.locator("button[value=send]").click()
    expect(widget.locator("#error-summary")).to_be_visible()
    expect(widget.locator("ul.attached li")).to_have_count(1)  # held for the page
    problems += check_page(page, "form with errors")

    widget.locator("#f-applicant").fill("Nguyễn Văn A")
    widget.locator("button[value=draft]").click()
    expect(widget.locator(".notice.success")).to_be_visible()
    problems += check_page(page, "draft saved")

    widget.locator("#f-address").fill("12 Lê Lợi, Huế")
    widget.locator("#f-floor_area").fill("۱۲۰")  # Persian digits are numbers too
    widget.locator("#f-documents-1").check()
    widget.locator("#f-phone").fill("0912345678")
    widget.locator("#f-confirm").check()
    widget.locator("button[value=send]").click()
    code = widget.locator("strong.tracking-code")
    expect(code).to_have_text(CODE_RE)
    problems += check_page(page, "receipt")
    tracking_code = code.inner_text()

    widget.locator("a[href$='/track']").click()
    expect(widget.locator("#code")).to_be_visible()
    problems += check_page(page, "track")
    widget.locator("#code").fill(tracking_code[:-1] + ("0" if tracking_code[-1] != "0" else "1"))
    widget.locator(".code-form button").click()
    expect(widget.locator("#code-error")).to_be_visible()
    problems += check_page(page, "track with a typo")
    widget.locator("#code").fill(tracking_code)
    widget.locator(".code-form button").click()
    expect(widget.locator(".timeline li")).to_have_count(1)
    problems += check_page(page, "status")
    # Status pages with more on them: a pause, a refusal, a letter, a message thread, closed.
    for name, demo_code in live_app.query(lambda session: demo_codes()).items():
        widget.locator("a[href$='/track']:not([hreflang])").click()
        widget.locator("#code").fill(demo_code)
        widget.locator(".code-form button").click()
        expect(widget.locator("dl.key-facts")).to_be_visible()
        problems += check_page(page, f"status {name}")

    widget.locator("a[href$='/track']:not([hreflang])").click()
    expect(widget.locator("#code-form #code")).to_be_visible()
    widget.locator("a[href$='/recover']").click()
    expect(widget.locator("#contact")).to_be_visible()
    problems += check_page(page, "recover")
    widget.locator("#contact").fill("not a contact")
    widget.locator(".code-form button").click()
    expect(widget.locator("#contact-error")).to_be_visible()
    problems += check_page(page, "recover refused")
    widget.locator("#contact").fill("lan@example.org")
    widget.locator(".code-form button").click()
    expect(widget.locator(".notice.success")).to_be_visible()
    problems += check_page(page, "recover asked")

    widget.locator("a[href$='/resume']").click()
    expect(widget.locator("#code")).to_be_visible()
    problems += check_page(page, "resume")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_account_page_is_accessible_and_fits_a_phone(phone, host_url, live_app, language):
    page = phone
    widget = open_host(page, host_url, lang=language)
    widget.locator(".account-nav a[href$='/account/signin']").click()
    expect(widget.locator("#contact")).to_be_visible()
    problems = check_page(page, "sign in")
    widget.locator("#contact").fill("lan@example.com")
    widget.locator("#password").fill("not the password")
    widget.locator("form button.primary").click()
    expect(widget.locator("#error-summary")).to_be_visible()
    problems += check_page(page, "sign in failed")

    widget.locator("a[href$='/account/signup']").click()
    expect(widget.locator("#name")).to_be_visible()
    problems += check_page(page, "sign up")
    widget.locator("#contact").fill("nope")
    widget.locator("form button.primary").click()
    expect(widget.locator("#error-summary")).to_be_visible()
    problems += check_page(page, "sign up refused")

    widget.locator(".account-nav a[href$='/account/signin']").click()
    # Wait for each page before acting on it: a click on a page still loading can be lost.
    expect(widget.locator("#password")).to_be_visible()
    widget.locator("a[href$='/account/forgot']").click()
    expect(widget.locator("form[action$='/account/forgot'] #contact")).to_be_visible()
    problems += check_page(page, "forgot")
    widget.locator("#contact").fill(f"nobody-{language}@example.org")
    widget.locator("form button.primary").click()
    expect(widget.locator("#code")).to_be_visible()
    problems += check_page(page, "reset")

    widget.locator(".account-nav a[href$='/account/signin']").click()
    expect(widget.locator("#password")).to_be_visible()
    widget.locator("#contact").fill("lan@example.com")
    widget.locator("#password").fill("frontdesk-demo")
    widget.locator("form button.primary").click()
    expect(widget.locator(".request-list.mine li")).to_have_count(2)
    problems += check_page(page, "cabinet")
    widget.locator(".request-list.drafts a").click()
    expect(widget.locator("#f-message")).to_be_visible()
    problems += check_page(page, "own draft")
    widget.locator(".account-nav a[href$='/account/notifications']").click()
    expect(widget.locator(".inbox li").first).to_be_visible()
    problems += check_page(page, "notifications")
    widget.locator(".account-nav a[href$='/account/']").click()
    expect(widget.locator(".request-list.mine li")).to_have_count(2)
    widget.locator(".request-list.mine a").first.click()
    expect(widget.locator("dl.key-facts")).to_be_visible()
    problems += check_page(page, "own request")
    widget.locator(".account-nav a[href$='/account/']").click()
    expect(widget.locator(".request-list.mine li")).to_have_count(2)
    widget.locator("a[href$='/account/profile']").click()
    expect(widget.locator("#address")).to_be_visible()
    problems += check_page(page, "profile")
    widget.locator("#new_value").fill("")
    widget.locator("form[action$='/account/details'] button").click()
    expect(widget.locator("#error-summary")).to_be_visible()
    problems += check_page(page, "profile refused")
    widget.locator("a[href$='/account/']:not([hreflang])").first.click()
    expect(widget.locator(".request-list.mine li")).to_have_count(2)
    widget.locator("a[href$='/account/claim']").click()
    expect(widget.locator("#code")).to_be_visible()
    problems += check_page(page, "claim")
    assert problems == []


def focused(frame) -> str:
    return frame.evaluate("document.activeElement ? (document.activeElement.id || "
                          "document.activeElement.getAttribute('value') || "
                          "document.activeElement.getAttribute('href') || '') : ''")


def tab_to(page, wanted, limit: int = 40) -> None:
    """Press Tab until the widget's focused element matches; fail if it never does."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(frame_of(page))
        seen.append(current)
        if (wanted(current) if callable(wanted) else current == wanted):
            return
    raise AssertionError(f"Tab never reached {wanted!r}; focus went through {seen}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_whole_loop_by_keyboard_alone(page, host_url, language):
    widget = open_host(page, host_url, lang=language, form="complaint")
    tab_to(page, "f-topic-1")
    page.keyboard.press("Space")
    tab_to(page, "f-message")
    page.keyboard.type("Đèn đường hỏng ở ngõ 5 — street light broken")
    tab_to(page, "f-email")
    page.keyboard.type("person@example.org")
    tab_to(page, "f-call_back")
    page.keyboard.press("Space")
    tab_to(page, "send")
    page.keyboard.press("Enter")
    code = widget.locator("strong.tracking-code")
    expect(code).to_have_text(CODE_RE)
    tracking_code = code.inner_text()

    tab_to(page, lambda href: href.endswith("/track"))
    page.keyboard.press("Enter")
    expect(widget.locator("#code")).to_be_visible()
    tab_to(page, "code")
    page.keyboard.type(tracking_code.lower())
    page.keyboard.press("Enter")
    expect(widget.locator(".status")).to_be_visible()
    assert re.sub(r"\s", "", widget.locator(".key-facts .code").inner_text()) == tracking_code
