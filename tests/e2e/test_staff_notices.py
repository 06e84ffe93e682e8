"""Staff are told, in a real browser: a request sent through the widget shows in the unit
operator's header count, "For me" list and inbox as unread until they open it; the language
switch turns the back office to the chosen language and keeps it. No axe violations."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_back_office import axe_problems, sign_in, staff_page  # noqa: F401 - fixture
from tests.e2e.test_widget import marker, send_complaint

pytestmark = pytest.mark.e2e

OP_XD = "op.xd@demo.frontdesk"  # the complaint form belongs to the unit XD


def worker_tells_staff(live_app) -> None:
    """What the delivery worker does every second: tell staff of the new events."""
    from widget.notify.staff_notices import compose_pending
    live_app.query(lambda session: compose_pending())


def unread_in_header(staff_page) -> int:
    count = staff_page.locator("#for-me .count [aria-hidden]")
    return int(count.inner_text()) if count.count() else 0


def test_a_new_request_is_unread_for_its_unit_until_opened(page, staff_page, host_url, live_app):
    code = send_complaint(page, host_url, f"Đèn đường bị hỏng {marker()}")
    worker_tells_staff(live_app)
    sign_in(staff_page, live_app, OP_XD)
    problems = axe_problems(staff_page, "inbox with unread markers")
    before = unread_in_header(staff_page)
    assert before >= 1
    expect(staff_page.locator("#for-me")).to_contain_text(f"{before} unread")  # read aloud

    staff_page.get_by_label("Tracking code, journal number or words").fill(code)
    staff_page.get_by_role("button", name="Show", exact=True).click()
    row = staff_page.locator("table.inbox tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".badge.unread")).to_have_text("New for you")

    staff_page.locator("#for-me").click()
    expect(staff_page.locator("h1")).to_have_text("For me")
    problems += axe_problems(staff_page, "for me")
    notice = staff_page.locator("li.staff-notice.unread", has_text="A new request")
    expect(notice.first).to_be_visible()

    # Opening the request reads it: its marker and its notice are gone, the count is one less.
    staff_page.goto(f"{live_app.url}/admin/?view=all&q={code}")
    staff_page.get_by_role("link", name=code).click()
    staff_page.goto(f"{live_app.url}/admin/?view=all&q={code}")
    expect(staff_page.locator("table.inbox tbody tr")).not_to_have_class(re.compile(r"\bunread\b"))
    expect(staff_page.locator("table.inbox .badge.unread")).to_have_count(0)
    assert unread_in_header(staff_page) == before - 1

    staff_page.locator("#for-me").click()
    if staff_page.get_by_role("button", name="Mark all notices read").count():
        staff_page.get_by_role("button", name="Mark all notices read").click()
        expect(staff_page.locator("#flash")).to_contain_text("marked read")
    expect(staff_page.locator("#for-me .count")).to_have_count(0)
    expect(staff_page.locator("li.staff-notice.unread")).to_have_count(0)
    assert problems == []


def test_the_language_switch_turns_the_back_office_and_keeps_it(staff_page, live_app):
    sign_in(staff_page, live_app, OP_XD)
    staff_page.goto(f"{live_app.url}/admin/me/notices")
    problems = axe_problems(staff_page, "my notices")
    staff_page.get_by_label("Language").select_option(label="Tiếng Việt")
    staff_page.get_by_role("button", name="Switch").click()
    # Back on the same page, now in Vietnamese; the browser still asks for English.
    expect(staff_page.locator("html")).to_have_attribute("lang", "vi")
    expect(staff_page.locator("h1")).to_have_text("Thông báo của tôi")
    staff_page.goto(f"{live_app.url}/admin/")
    expect(staff_page.locator("html")).to_have_attribute("lang", "vi")
    expect(staff_page.locator("#for-me")).to_contain_text("Dành cho tôi")
    problems += axe_problems(staff_page, "inbox in Vietnamese")

    # The switch to Persian turns the page right to left; switch back for the other tests.
    staff_page.get_by_label("Ngôn ngữ").select_option(label="فارسی")
    staff_page.get_by_role("button", name="Đổi").click()
    expect(staff_page.locator("html")).to_have_attribute("dir", "rtl")
    problems += axe_problems(staff_page, "inbox in Persian")
    staff_page.locator("#back-office-language").select_option(label="English")
    staff_page.locator(".language-switch button").click()
    expect(staff_page.locator("html")).to_have_attribute("lang", "en")
    assert problems == []
