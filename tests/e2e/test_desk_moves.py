"""The inbox's ticked-request actions and the move to another unit in a real browser: the
report page and the move's open panel pass axe's WCAG 2.1 A/AA checks; the move's unit choice
starts empty."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_back_office import HEAD_XD, axe_problems, sign_in, staff_page  # noqa: F401

pytestmark = pytest.mark.e2e


def test_ticking_requests_and_the_move_panel_are_accessible(staff_page, live_app):  # noqa: F811
    sign_in(staff_page, live_app, HEAD_XD)
    staff_page.goto(f"{live_app.url}/admin/?view=all")
    rows = staff_page.locator("table.inbox tbody input[name=selected]")
    expect(rows.first).to_be_visible()
    rows.first.check()
    staff_page.get_by_role("button", name="Register the ticked requests").click()
    expect(staff_page.locator("h1")).to_have_text("Ticked requests")
    problems = axe_problems(staff_page, "ticked requests report")
    staff_page.locator("table.bulk-report a").first.click()
    staff_page.locator("summary", has_text="Move to another unit").click()
    panel = staff_page.locator("details[open]")
    expect(panel.get_by_label("Unit to move it to")).to_have_value("")
    problems += axe_problems(staff_page, "request page with the move open")
    assert problems == []
