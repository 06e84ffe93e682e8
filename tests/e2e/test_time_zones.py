"""A deadline is in the organisation's time zone (the demo's: Hanoi, UTC+7). On a phone in
another zone the widget names that zone beside the deadline; in the same zone it says nothing
more, whatever the zone's name (Asia/Saigon is Asia/Ho_Chi_Minh)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_widget import fill_complaint, marker, open_host

pytestmark = pytest.mark.e2e


def phone_in(browser, zone: str):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB",
                                  timezone_id=zone)
    context.set_default_timeout(10_000)
    return context


@pytest.mark.parametrize("zone, named", [("Europe/Moscow", True), ("America/New_York", True),
                                         ("Asia/Ho_Chi_Minh", False), ("Asia/Saigon", False),
                                         ("Asia/Bangkok", False)])
def test_the_deadline_names_the_organisations_zone_only_to_people_in_another(browser, host_url,
                                                                             zone, named):
    context = phone_in(browser, zone)
    try:
        page = context.new_page()
        widget = open_host(page, host_url, form="complaint")
        fill_complaint(widget, f"The counter closed early {marker()}")
        widget.get_by_role("button", name="Send request").click()
        hint = widget.locator(".due-date .organisation-zone")
        expect(widget.locator("strong.tracking-code")).to_be_visible()
        if named:
            expect(hint).to_be_visible()
            expect(hint).to_have_text(" (GMT+07:00)")
        else:
            expect(hint).to_be_hidden()
    finally:
        context.close()
