"""Signing in from a browser that refuses cookies entirely (Chromium's "block all cookies"
setting, in a profile of its own so that no other browser of the suite is touched), on a phone:
the sign-in says so and offers a new top-level window and the Storage Access API, never
returning silently to an empty form."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_accessibility import check_page
from tests.e2e.test_widget import open_host

pytestmark = pytest.mark.e2e


@pytest.fixture
def cookies_blocked(playwright_driver, tmp_path):
    """A Chromium profile whose content setting blocks every cookie, 360 px wide."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(
        {"profile": {"default_content_setting_values": {"cookies": 2}}}))
    context = playwright_driver.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 640}, locale="en-GB",
        reduced_motion="reduce")  # as conftest's CalmBrowser: no click lost to a glide
    context.set_default_timeout(10_000)
    yield context
    context.close()


def sign_in(place):
    place.get_by_label("E-mail address or mobile number").fill("lan@example.com")
    place.get_by_label("Password").fill("frontdesk-demo")
    place.get_by_role("button", name="Sign in").click()


def test_a_refused_cookie_is_said_with_a_new_window_and_storage_access(cookies_blocked, host_url,
                                                                       live_app):
    page = cookies_blocked.new_page()
    widget = open_host(page, host_url)
    # The condition under test: not even a first-party cookie is kept.
    assert page.evaluate("() => { document.cookie = 'probe=1'; return document.cookie; }") == ""
    widget.get_by_role("link", name="Sign in").click()
    sign_in(widget)

    refused = widget.locator("#cookie-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("Your browser did not keep the sign-in")
    expect(widget.locator("h1")).to_have_text("Sign in")
    assert check_page(page, "sign-in, cookie refused") == []  # axe, and it fits the phone
    new_window = refused.get_by_role("link", name="Continue in a new window")
    expect(new_window).to_have_attribute("target", "_blank")
    expect(new_window).to_have_attribute(
        "href", f"{live_app.url}/w/demo/en/account/signin?next=/w/demo/en/account/")
    # Chromium has the Storage Access API: the frame offers it; refused here (every cookie is
    # blocked), it steps aside for the new window.
    grant = refused.get_by_role("button", name="Allow signing in here")
    expect(grant).to_be_visible()
    grant.click()
    expect(grant).to_be_hidden()
    expect(new_window).to_be_focused()

    with cookies_blocked.expect_page() as opened:
        new_window.click()
    top = opened.value
    top.wait_for_load_state()
    assert top.url.startswith(f"{live_app.url}/w/demo/en/account/signin")
    sign_in(top)
    # Top-level too the browser keeps nothing: said again, without the frame's offers.
    expect(top.locator("#cookie-refused")).to_be_visible()
    expect(top.get_by_role("link", name="Continue in a new window")).to_be_hidden()
    expect(top.get_by_role("button", name="Allow signing in here")).to_be_hidden()
