"""The receipt prints on one A4 page, without the widget's navigation, in either direction."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_widget import CODE_RE
from tests.qr_reader import read
from tests.test_qr import modules

pytestmark = pytest.mark.e2e


def pdf_page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize("language", ["en", "fa"])
def test_receipt_prints_on_one_a4_page_without_chrome(page, live_app, sample_pdf, language):
    page.goto(live_app.widget_url(f"{language}/f/construction-permit"))  # standalone, as linked
    page.fill("#f-applicant", "Trần Thị Bích Ngọc")
    page.fill("#f-address", "Số 12, đường Lê Lợi, phường Phú Hội, thành phố Huế")
    page.fill("#f-floor_area", "240.5")
    page.fill("#f-description", "Xây nhà ở riêng lẻ hai tầng, mái bằng. " * 6)
    page.check("#f-documents-1")
    page.check("#f-documents-2")
    page.set_input_files("#f-drawings", str(sample_pdf))
    page.fill("#f-phone", "0912345678")
    page.check("#f-confirm")
    page.click("button[value=send]")
    expect(page.locator("strong.tracking-code")).to_have_text(CODE_RE)

    page.emulate_media(media="print")
    for chrome in (".site-header", ".site-footer", ".actions"):
        expect(page.locator(chrome).first).to_be_hidden()
    expect(page.locator(".qr svg")).to_be_visible()
    # Drawn by the browser: it reads back as the status page's address with the code.
    drawn = page.locator(".qr svg").evaluate("svg => svg.outerHTML")
    code = page.locator("strong.tracking-code").inner_text().replace("-", "")
    assert read(modules(drawn)) == live_app.widget_url(f"{language}/track") + "#" + code
    expect(page.locator(".qr svg title")).to_have_count(1)
    expect(page.locator(".org-print")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf_page_count(pdf) == 1


def test_without_javascript_the_receipt_offers_the_code_the_server_draws(browser, live_app):
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    try:
        page.goto(live_app.widget_url("en/f/complaint"))
        page.check("#f-topic-1")
        page.fill("#f-message", "No script here")
        page.fill("#f-email", "noscript@example.org")
        page.click("button[value=send]")
        code = page.locator("strong.tracking-code")
        expect(code).to_have_text(CODE_RE)
        expect(page.locator(".qr svg")).to_have_count(0)  # nothing drew it
        page.get_by_role("button", name="Show the QR code").click()
        # The same receipt (the request was not sent again), the code drawn by the server.
        expect(page.locator("strong.tracking-code")).to_have_text(code.inner_text())
        drawn = page.locator(".qr svg").evaluate("svg => svg.outerHTML")
        address = live_app.widget_url("en/track") + "#" + code.inner_text().replace("-", "")
        assert read(modules(drawn)) == address
        assert len(live_app.requests_with("message", "No script here")) == 1
    finally:
        ctx.close()
