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


def test_a_themes_changes_show_in_the_preview_before_they_are_saved(staff_page, live_app):  # noqa: F811
    sign_in(staff_page, live_app, "admin@demo.frontdesk")
    staff_page.goto(f"{live_app.url}/admin/themes/new")
    staff_page.get_by_label("Name of the theme").fill("Cổng thành phố")
    staff_page.get_by_role("button", name="Save the theme").click()
    expect(staff_page.locator("#flash")).to_contain_text("The theme is saved.")
    preview = staff_page.frame_locator("iframe.theme-preview")
    link_colour = "element => getComputedStyle(element).color"
    saved = preview.locator("main a").first.evaluate(link_colour)

    staff_page.get_by_label("Main colour").fill("#7a1f1f")
    staff_page.get_by_role("button", name="Preview changes").click()
    expect(preview.locator("main a").first).to_have_css("color", "rgb(122, 31, 31)")
    assert saved != "rgb(122, 31, 31)"
    # The form is not locked by the preview: saving works, and the saved theme wears the colour.
    staff_page.get_by_role("button", name="Save the theme").click()
    expect(staff_page.locator("#flash")).to_contain_text("The theme is saved.")
    expect(preview.locator("main a").first).to_have_css("color", "rgb(122, 31, 31)")
