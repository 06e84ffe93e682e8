"""Accounts in a real browser, inside the cross-site iframe of a host page.

Debian's Chromium blocks third-party cookies: the session survives only because its cookie is
partitioned (CHIPS). One test runs the same sign-in with third-party cookies allowed, through
Chromium's managed policy. One-time codes are read from the outbox, where the worker would pick
them up (delivery itself is tested against a real SMTP server elsewhere).
"""
from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CalmBrowser
from tests.e2e.test_widget import CODE_RE, open_host
from tests.notices import compose_promised
from widget.models import Request

pytestmark = pytest.mark.e2e

PASSWORD = "a long and private pass phrase"
POLICY_DIR = Path("/etc/chromium/policies/managed")


def last_code_sent_to(live_app, recipient: str) -> str:
    """The six digits of the newest message written to this contact."""
    from sqlalchemy import select

    from widget.models import OutboxItem

    def newest(session):
        item = session.scalars(select(OutboxItem).where(OutboxItem.recipient == recipient)
                               .order_by(OutboxItem.id.desc())).first()
        assert item is not None, f"nothing was sent to {recipient}"
        return re.search(r"\b(\d{6})\b", item.body_text).group(1)
    return live_app.query(newest)


def sign_up(widget, live_app, email: str, name: str = "Ngô Thị Hằng"):
    widget.get_by_role("link", name="Sign in").click()
    widget.get_by_role("link", name="Create an account").click()
    widget.get_by_label("Full name").fill(name)
    widget.get_by_label("E-mail address or mobile number").fill(email)
    widget.get_by_label("Password").fill(PASSWORD)
    widget.get_by_role("button", name="Create the account").click()
    expect(widget.locator("h1")).to_have_text("Enter your code")
    widget.get_by_label("The 6-digit code").fill(last_code_sent_to(live_app, email))
    widget.get_by_role("button", name="Confirm").click()
    expect(widget.locator("h1")).to_have_text("My requests")


def sign_in(widget, email: str, password: str = PASSWORD):
    widget.get_by_role("link", name="Sign in").click()
    widget.get_by_label("E-mail address or mobile number").fill(email)
    widget.get_by_label("Password").fill(password)
    widget.get_by_role("button", name="Sign in").click()


def test_sign_up_send_a_prefilled_form_and_find_it_in_the_cabinet(page, host_url, live_app):
    email = f"hang-{uuid.uuid4().hex[:8]}@example.org"
    widget = open_host(page, host_url)
    sign_up(widget, live_app, email)
    expect(widget.locator(".notice.success")).to_contain_text("Your account is ready")

    # The partitioned session cookie is kept although the frame's third-party cookies are
    # blocked, and script in the frame cannot read it.
    widget.get_by_role("link", name="Send a new request").click()
    expect(widget.get_by_role("link", name="My requests")).to_be_visible()
    assert page.frames[1].evaluate("() => document.cookie") == ""

    widget.get_by_role("link", name="Complaint or feedback").click()
    expect(widget.locator("#f-name")).to_have_value("Ngô Thị Hằng")
    expect(widget.locator("#f-email")).to_have_value(email)
    widget.get_by_label("Delay", exact=True).check()
    widget.locator("#f-message").fill("The queue at the desk took three hours.")
    widget.get_by_role("button", name="Send request").click()
    code = widget.locator("strong.tracking-code").inner_text()
    assert CODE_RE.match(code)

    widget.get_by_role("link", name="My requests").first.click()
    mine = widget.locator(".request-list.mine li")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(code)
    expect(mine).to_contain_text("Received, waiting to be registered")
    # The "received" notice waits in the box one worker poll later; opening the request reads it.
    live_app.query(lambda session: compose_promised())
    widget.get_by_role("link", name="My requests").first.click()
    expect(widget.locator(".inbox-link .badge")).to_contain_text("1")
    widget.get_by_role("link", name="Notifications").first.click()
    expect(widget.locator(".inbox li.unread")).to_contain_text(code)
    widget.locator(".inbox li.unread").get_by_role("link", name="Open the request").click()
    expect(widget.locator("h1")).to_have_text("Request status")
    expect(widget.locator(".inbox-link .badge")).to_have_count(0)

    # Signing out ends the session on the server: the cabinet asks to sign in again.
    widget.get_by_role("link", name="My requests").first.click()
    expect(widget.locator("h1")).to_have_text("My requests")  # then "Sign out" of this page
    widget.get_by_role("button", name="Sign out").click()
    expect(widget.get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(widget, email, "a wrong password entirely")
    expect(widget.locator(".error-summary")).to_contain_text("password is wrong")
    widget.get_by_label("E-mail address or mobile number").fill(email)
    widget.get_by_label("Password").fill(PASSWORD)
    widget.get_by_role("button", name="Sign in").click()
    expect(widget.locator(".request-list.mine li")).to_contain_text(code)


def test_a_request_sent_before_signing_up_is_claimed_with_a_code_to_its_contact(
        browser, page, host_url, live_app):
    email = f"claim-{uuid.uuid4().hex[:8]}@example.org"
    # Sent anonymously, in another browser profile, with this e-mail address.
    stranger = browser.new_context()
    try:
        anonymous = stranger.new_page()
        widget = open_host(anonymous, host_url, form="complaint")
        widget.get_by_label("Delay", exact=True).check()
        widget.locator("#f-message").fill("Sent before I had an account.")
        widget.locator("#f-email").fill(email)
        widget.get_by_role("button", name="Send request").click()
        code = widget.locator("strong.tracking-code").inner_text()
    finally:
        stranger.close()

    widget = open_host(page, host_url)
    sign_up(widget, live_app, f"other-{uuid.uuid4().hex[:8]}@example.org")
    widget.get_by_role("link", name="Add a request you sent before signing up").click()
    widget.get_by_label("Tracking code").fill(code)
    widget.get_by_role("button", name="Send me a code").click()
    expect(widget.locator(".notice")).to_contain_text("c•••@example.org")  # sent by now
    widget.get_by_label("The 6-digit code").fill("000000")
    widget.get_by_role("button", name="Add the request").click()
    expect(widget.locator(".error-summary")).to_contain_text("wrong or no longer valid")
    widget.get_by_label("The 6-digit code").fill(last_code_sent_to(live_app, email))
    widget.get_by_role("button", name="Add the request").click()
    # Back in the cabinet, which says the request is now in the account.
    expect(widget.locator("h1")).to_have_text("My requests")
    added = widget.locator(".notice.success")
    expect(added).to_contain_text(f"Request {code} is now in your account.")
    expect(widget.locator(".request-list.mine li")).to_contain_text(code)
    added.get_by_role("link", name="Open the request").click()
    expect(widget.locator("h1")).to_have_text("Request status")


def test_a_forgotten_password_is_replaced_and_nothing_is_lost(page, host_url, live_app):
    email = f"forgot-{uuid.uuid4().hex[:8]}@example.org"
    widget = open_host(page, host_url)
    sign_up(widget, live_app, email)
    send = widget.get_by_role("link", name="Send a new request")
    send.click()
    widget.get_by_role("link", name="Complaint or feedback").click()
    widget.get_by_label("Delay", exact=True).check()
    widget.locator("#f-message").fill("Kept across a password reset.")
    widget.get_by_role("button", name="Send request").click()
    code = widget.locator("strong.tracking-code").inner_text()
    widget.get_by_role("link", name="My requests").first.click()
    # The receipt has a "Sign out" button too: clicked before the cabinet has loaded, it would be
    # lost with the page it was on.
    expect(widget.locator("h1")).to_have_text("My requests")
    widget.get_by_role("button", name="Sign out").click()

    widget.get_by_role("link", name="Sign in").click()
    widget.get_by_role("link", name="Forgot your password?").click()
    widget.get_by_label("E-mail address or mobile number").fill(email)
    widget.get_by_role("button", name="Send me a code").click()
    expect(widget.locator("h1")).to_have_text("Set a new password")
    widget.get_by_label("The 6-digit code").fill(last_code_sent_to(live_app, email))
    widget.get_by_label("New password").fill("another long pass phrase")
    widget.get_by_role("button", name="Set the password and sign in").click()
    expect(widget.locator(".notice.success")).to_contain_text("Your new password is set")
    expect(widget.locator(".request-list.mine li")).to_contain_text(code)

    widget.get_by_role("button", name="Sign out").click()
    sign_in(widget, email)  # the old password
    expect(widget.locator(".error-summary")).to_be_visible()


@pytest.fixture
def cookies_allowed_context(playwright_driver):
    """A browser whose third-party cookies are allowed: Chromium reads its managed policy when it
    starts, so this one is launched after the policy is written (and the policy removed after)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to write Chromium's managed policy")
    POLICY_DIR.mkdir(parents=True, exist_ok=True)
    policy = POLICY_DIR / "frontdesk-test-cookies.json"
    policy.write_text(json.dumps({"BlockThirdPartyCookies": False}))
    try:
        browser = CalmBrowser(playwright_driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS))
        context = browser.new_context()
        context.set_default_timeout(10_000)
        yield context
        browser.close()
    finally:
        policy.unlink()


def test_signing_in_works_when_third_party_cookies_are_allowed_too(cookies_allowed_context,
                                                                    host_url, live_app):
    page = cookies_allowed_context.new_page()
    widget = open_host(page, host_url)
    # The condition under test: this browser keeps an ordinary third-party cookie.
    frame = page.frames[1]
    assert "probe=1" in frame.evaluate(
        "() => { document.cookie = 'probe=1; SameSite=None; Secure'; return document.cookie; }")
    sign_in(widget, "lan@example.com", "frontdesk-demo")
    expect(widget.locator("h1")).to_have_text("My requests")
    expect(widget.locator(".request-list.mine li")).to_have_count(2)
    expect(widget.locator(".request-list.drafts li")).to_have_count(1)


def test_the_profile_password_and_a_detail_change_ask(page, host_url, live_app):
    email = f"profile-{uuid.uuid4().hex[:8]}@example.org"
    widget = open_host(page, host_url)
    sign_up(widget, live_app, email, name="Phan Văn Tú")
    widget.get_by_role("link", name="Profile and password").click()

    widget.get_by_label("Postal address").fill("7 Lê Lợi, Huế")
    widget.get_by_label("Date of birth").fill("1985-03-04")
    widget.get_by_role("button", name="Save the profile").click()
    expect(widget.locator(".notice.success")).to_contain_text("Your profile is saved")
    expect(widget.locator("dl.key-facts")).to_contain_text("1985")
    expect(widget.get_by_label("Date of birth")).to_have_count(0)  # set once: now only by asking

    widget.get_by_label("Detail", exact=True).select_option("name")
    widget.get_by_label("New value").fill("Phan Văn Tuấn")
    widget.get_by_label("Why (optional)").fill("A typo in my name")
    widget.get_by_role("button", name="Send the ask").click()
    expect(widget.locator(".notice.success")).to_contain_text("Your ask was sent")
    expect(widget.locator(".changes")).to_contain_text("waiting for staff")

    widget.get_by_label("New e-mail address or mobile number").fill("0912 000 111")
    widget.get_by_role("button", name="Send me a code").click()
    expect(widget.locator("h1")).to_have_text("Enter your code")
    widget.get_by_label("The 6-digit code").fill(last_code_sent_to(live_app, "+84912000111"))
    widget.get_by_role("button", name="Confirm").click()
    expect(widget.locator(".notice.success")).to_contain_text("confirmed and added")

    widget.get_by_label("Current password").fill(PASSWORD)
    widget.get_by_label("New password", exact=True).fill("yet another pass phrase")
    widget.get_by_role("button", name="Change the password").click()
    expect(widget.locator(".notice.success")).to_contain_text("Your password is changed")
    widget.get_by_role("link", name="My requests").first.click()
    expect(widget.locator("h1")).to_have_text("My requests")  # then "Sign out" of this page
    widget.get_by_role("button", name="Sign out").click()
    sign_in(widget, "0912000111", "yet another pass phrase")  # the new number and password
    expect(widget.locator("h1")).to_have_text("My requests")


def test_the_profile_switches_language_with_the_form_being_filled(page, host_url, live_app):
    # Four forms on one page: the language buttons post the one a person is filling (the
    # page's script moves them there), so that what was typed there stays, and nothing is sent.
    email = f"switch-{uuid.uuid4().hex[:8]}@example.org"
    widget = open_host(page, host_url)
    sign_up(widget, live_app, email, name="Đỗ Văn Minh")
    widget.get_by_role("link", name="Profile and password").click()
    widget.get_by_label("Detail", exact=True).select_option("document_number")
    widget.get_by_label("New value").fill("B1234567")
    widget.get_by_label("Why (optional)").fill("A new passport")
    widget.locator(".languages [data-language=fa]").click()
    expect(widget.locator("html")).to_have_attribute("dir", "rtl")
    expect(widget.locator("#field")).to_have_value("document_number")
    expect(widget.locator("#new_value")).to_have_value("B1234567")
    expect(widget.locator("#reason")).to_have_value("A new passport")
    expect(widget.locator(".changes")).to_have_count(0)  # nothing was asked
    # Typing in another form moves the switch, and Enter there presses that form's own button.
    widget.locator("#address").fill("9 Nguyễn Huệ, Huế")
    widget.locator("#document_number").fill("079190000777")
    widget.locator("#document_number").press("Enter")
    expect(widget.locator(".notice.success")).to_be_visible()
    expect(widget.locator("dl.key-facts")).to_contain_text("079190000777")
    expect(widget.locator("html")).to_have_attribute("lang", "fa")
    expect(widget.locator(".changes")).to_have_count(0)


def test_an_agent_sends_a_form_for_someone_and_sees_it_apart(page, host_url, live_app):
    widget = open_host(page, host_url)
    sign_in(widget, "agent@demo.frontdesk", "frontdesk-demo")
    expect(widget.locator("h2", has_text="Sent for other people")).to_be_visible()
    before = widget.locator(".request-list.on-behalf li").count()
    widget.get_by_role("link", name="Send a new request").click()
    widget.get_by_role("link", name="Complaint or feedback").click()
    expect(widget.locator("#f-name")).to_have_value("")  # not the agent's own details
    tag = uuid.uuid4().hex[:8]
    widget.get_by_label("Delay", exact=True).check()
    widget.locator("#f-message").fill(f"For a neighbour {tag}")
    widget.locator("#f-name").fill("Hoàng Thị Na")
    widget.locator("#f-email").fill(f"na-{tag}@example.org")
    widget.get_by_role("button", name="Send request").click()
    expect(widget.locator("strong.tracking-code")).to_have_text(CODE_RE)
    widget.get_by_role("link", name="My requests").first.click()
    expect(widget.locator(".request-list.on-behalf li")).to_have_count(before + 1)
    row, = live_app.requests_with("message", tag)
    stored = live_app.query(lambda session: session.get(Request, row["id"]))
    assert stored.agent_id is not None and stored.account_id is None
