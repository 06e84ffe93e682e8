"""The administration areas in a real browser: every area linked from the Administration page
opens and passes axe's WCAG 2.1 A/AA checks."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_back_office import axe_problems, sign_in, staff_page  # noqa: F401

pytestmark = pytest.mark.e2e


def test_every_administration_area_is_accessible(staff_page, live_app):  # noqa: F811
    sign_in(staff_page, live_app, "admin@demo.frontdesk")
    staff_page.get_by_role("link", name="Administration").click()
    expect(staff_page.locator("h1")).to_have_text("Administration")
    areas = staff_page.locator(".admin-sections a")
    links = [(areas.nth(i).inner_text(), areas.nth(i).get_attribute("href"))
             for i in range(areas.count())]
    assert len(links) >= 12
    problems = axe_problems(staff_page, "administration")
    for name, href in links:
        response = staff_page.goto(f"{live_app.url}{href}")
        assert response.status == 200, name
        problems += axe_problems(staff_page, name)
    assert problems == []
