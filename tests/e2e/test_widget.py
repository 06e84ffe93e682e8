"""The widget in a real browser, embedded cross-site on a host page, third-party cookies blocked.

The host page is on http://localhost:HOST, the widget on http://127.0.0.1:APP (another site), so
everything here runs the way a visitor of a town hall's website meets it. Each test makes its own
rows (marked with a unique text) because the whole module shares one database.
"""
from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import host_still

pytestmark = pytest.mark.e2e

CODE_RE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def marker() -> str:
    return uuid.uuid4().hex[:10]


def open_host(page, host_url: str, lang: str = "en", form: str = "", tall: bool = False,
              layout: str = ""):
    """Load the host page; return the widget's frame locator once its first page has loaded."""
    query = f"?lang={lang}" + (f"&form={form}" if form else "") + ("&tall=1" if tall else "") \
        + (f"&layout={layout}" if layout else "")
    page.goto(f"{host_url}/{query}")
    widget = page.frame_locator("iframe")
    expect(widget.locator("h1")).to_be_visible()
    return widget


def frame_of(page):
    """The widget's Frame (for evaluate); looked up afresh because navigations may swap it."""
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    return frame


def settle(page) -> None:
    """Wait for the host page to stop moving, a glide included (ten still animation frames):
    a click made during the loader's glide lands where the button was, and is lost."""
    frame_of(page).wait_for_load_state()
    host_still(page, frames=10, limit_ms=10_000)


def wait_for_host_event(page, event_type: str):
    page.wait_for_function("t => window.hostEvents.some(e => e.type === t)", arg=event_type)
    return page.evaluate("t => window.hostEvents.filter(e => e.type === t)", event_type)


def fill_complaint(widget, message: str, email: str | None = "person@example.org",
                   topic: str = "Delay"):
    widget.get_by_label(topic, exact=True).check()
    widget.locator("#f-message").fill(message)
    if email:
        widget.locator("#f-email").fill(email)


def send_complaint(page, host_url: str, message: str) -> str:
    """Send a complaint through the embedded widget; return the tracking code on the receipt."""
    widget = open_host(page, host_url, form="complaint")
    fill_complaint(widget, message)
    widget.get_by_role("button", name="Send request").click()
    code = widget.locator("strong.tracking-code")
    expect(code).to_have_text(CODE_RE)
    return code.inner_text()


# 1 ------------------------------------------------------------------------------------------

def test_full_loop_in_a_cross_site_frame_without_cookies(page, context, host_url, live_app, sample_pdf):
    tag = marker()
    widget = open_host(page, host_url)
    # The condition under test: the widget's frame gets no cookies (the browser blocks them).
    assert frame_of(page).evaluate("() => { document.cookie = 'probe=1; SameSite=None; Secure'; "
                                   "document.cookie = 'probe2=1'; return document.cookie; }") == ""

    # The catalogue: forms grouped under their group headings, in order.
    expect(widget.locator("h1")).to_have_text("Choose a form")
    groups = widget.locator("section.form-group")
    expect(groups.locator("h2")).to_have_text(["Applications", "Complaints and feedback"])
    expect(groups.nth(0).locator(".form-list a")).to_have_text(
        ["Birth registration", "Construction permit", "Health insurance card renewal"])
    expect(groups.nth(1).locator(".form-list a")).to_have_text(["Complaint or feedback"])

    widget.get_by_role("link", name="Birth registration").click()
    expect(widget.locator("h1")).to_have_text("Birth registration")
    widget.get_by_label("Child's full name").fill(f"Minh An {tag}")
    widget.get_by_label("Date of birth").fill("2024-05-01")
    widget.get_by_label("Female", exact=True).check()
    widget.get_by_label("Your full name").fill("Nguyễn Thị Lan")
    widget.get_by_label("Mobile phone").fill("0912345678")
    widget.get_by_label("E-mail").fill("lan@example.org")
    widget.get_by_label("Birth certificate").set_input_files(str(sample_pdf))
    widget.get_by_role("button", name="Send request").click()

    # The receipt: a well-formed tracking code and a due date.
    expect(widget.locator("h1")).to_have_text("Your request has been sent")
    code_box = widget.locator("strong.code.tracking-code")
    expect(code_box).to_have_text(CODE_RE)
    code = code_box.inner_text()
    expect(widget.locator(".due-date")).to_have_text(re.compile(r"\b20\d\d\b"))
    expect(widget.locator("dl.answers")).to_contain_text(sample_pdf.name)

    # The host heard "submitted", and nothing in what it heard carries the code.
    submitted = wait_for_host_event(page, "submitted")
    assert len(submitted) == 1
    heard = page.evaluate("JSON.stringify(window.hostEvents)")
    assert code not in heard and code.replace("-", "") not in heard

    rows = live_app.requests_with("child_name", tag)
    assert len(rows) == 1
    assert rows[0]["status"] == "received"
    assert rows[0]["code"] == code.replace("-", "")
    assert rows[0]["attachments"] == [sample_pdf.name]

    # Track it, typing the code the sloppy way: lower case, no dashes.
    widget.get_by_role("link", name="Track a request").click()
    expect(widget.locator("h1")).to_have_text("Track a request")
    widget.get_by_label("Tracking code").fill(code.replace("-", "").lower())
    widget.get_by_role("button", name="Show status").click()
    expect(widget.locator("h1")).to_have_text("Request status")
    expect(widget.locator("dl.key-facts strong.code")).to_have_text(code)
    expect(widget.locator(".status")).to_have_text("Received, waiting to be registered")
    expect(widget.locator(".timeline li")).to_have_count(1)
    expect(widget.locator(".timeline li .event")).to_have_text("Request received online")

    # None of this needed a cookie from the widget's site.
    assert [c for c in context.cookies() if c["domain"] in ("127.0.0.1", ".127.0.0.1")] == []


# 2 ------------------------------------------------------------------------------------------

IFRAME_HEIGHT = "() => document.querySelector('iframe').getBoundingClientRect().height"
NO_INNER_SCROLL = "() => document.documentElement.scrollHeight <= window.innerHeight + 2"


def test_frame_height_follows_the_content(page, host_url):
    widget = open_host(page, host_url, form="birth-registration")
    expect(widget.locator("h1")).to_have_text("Birth registration")
    # The loader starts at 480px; the long form must grow it until nothing scrolls inside.
    frame_of(page).wait_for_function(NO_INNER_SCROLL)
    long_height = page.evaluate(IFRAME_HEIGHT)
    assert long_height > 700, "the birth registration form is taller than the starting frame"

    widget.get_by_role("link", name="Track a request").click()
    expect(widget.locator("h1")).to_have_text("Track a request")
    page.wait_for_function(f"h => ({IFRAME_HEIGHT})() < h", arg=long_height)
    frame_of(page).wait_for_function(NO_INNER_SCROLL)
    short_height = page.evaluate(IFRAME_HEIGHT)
    assert short_height < long_height
    # ...and no larger than what the track page needs (no blank band left from the long form).
    content = frame_of(page).evaluate(
        "() => Math.ceil(document.documentElement.getBoundingClientRect().height)")
    assert abs(short_height - content) <= 2


# 3 ------------------------------------------------------------------------------------------

def test_status_link_with_code_in_fragment(page, host_url, live_app):
    code = send_complaint(page, host_url, f"The queue was very long {marker()}")

    status_page = page.context.new_page()
    status_page.goto(live_app.widget_url(f"en/track#{code}"))
    expect(status_page.locator("h1")).to_have_text("Request status")
    expect(status_page.locator("dl.key-facts strong.code")).to_have_text(code)
    expect(status_page.locator(".status")).not_to_be_empty()
    final = status_page.url
    assert "#" not in final
    assert code not in final and code.replace("-", "") not in final.upper()
    assert final == live_app.widget_url("en/track")


# 4 ------------------------------------------------------------------------------------------

REPOST = """async (entries) => {
  const post = () => {
    const data = new FormData();
    for (const [key, value] of entries) data.append(key, value);
    return fetch(location.href, {method: "POST", body: data})
      .then(async r => ({status: r.status, text: await r.text()}));
  };
  return Promise.all([post(), post()]);
}"""


def _receipt_code(html: str) -> str | None:
    match = re.search(r'class="code tracking-code" dir="ltr">([0-9A-Z-]+)<', html)
    return match.group(1) if match else None


def test_double_submit_makes_one_request(page, host_url, live_app):
    tag = marker()
    widget = open_host(page, host_url, form="complaint")
    fill_complaint(widget, f"Nobody answered the phone {tag}")
    # What this page would post, kept to post it again later as a resent page would.
    entries = frame_of(page).evaluate("""() => {
      const data = new FormData(document.querySelector("form.request-form"));
      data.set("action", "send");
      return [...data.entries()];
    }""")
    before = live_app.count_requests()

    widget.get_by_role("button", name="Send request").dblclick()
    code_box = widget.locator("strong.tracking-code")
    expect(code_box).to_have_text(CODE_RE)
    code = code_box.inner_text()

    # The same page posted twice more, at once: both answer with the same receipt.
    replies = frame_of(page).evaluate(REPOST, entries)
    assert [reply["status"] for reply in replies] == [200, 200]
    assert [_receipt_code(reply["text"]) for reply in replies] == [code, code]

    rows = live_app.requests_with("message", tag)
    assert len(rows) == 1
    assert rows[0]["status"] == "received" and rows[0]["code"] == code.replace("-", "")
    assert live_app.count_requests() == before + 1


def test_simultaneous_posts_of_a_fresh_page_make_one_request(page, host_url, live_app):
    """Two posts of one page racing each other (a double click on a slow line): one row."""
    tag = marker()
    open_host(page, host_url, form="complaint")
    replies = frame_of(page).evaluate("""async (tag) => {
      const html = await (await fetch(location.href)).text();
      const token = new DOMParser().parseFromString(html, "text/html")
        .querySelector("input[name=form_token]").value;
      const post = () => {
        const data = new FormData();
        data.append("form_token", token); data.append("action", "send");
        data.append("topic", "service"); data.append("email", "race@example.org");
        data.append("message", "Two posts at once " + tag);
        return fetch(location.href, {method: "POST", body: data})
          .then(async r => ({status: r.status, text: await r.text()}));
      };
      return Promise.all([post(), post(), post()]);
    }""", tag)
    assert [reply["status"] for reply in replies] == [200, 200, 200]
    codes = {_receipt_code(reply["text"]) for reply in replies}
    assert len(codes) == 1 and CODE_RE.match(codes.pop() or "")
    assert len(live_app.requests_with("message", tag)) == 1


# 5 ------------------------------------------------------------------------------------------

def test_draft_saved_resumed_and_sent(page, host_url, live_app):
    tag = marker()
    message = f"The lift in block B is broken {tag}"
    widget = open_host(page, host_url, form="complaint")
    fill_complaint(widget, message, email=None, topic="Service quality")
    widget.get_by_role("button", name="Save as draft").click()

    resume_box = widget.locator(".notice.success strong.code")
    expect(resume_box).to_have_text(CODE_RE)
    resume_code = resume_box.inner_text()
    wait_for_host_event(page, "draft-saved")
    assert resume_code not in page.evaluate("JSON.stringify(window.hostEvents)")
    drafts = live_app.requests_with("message", tag)
    assert [row["status"] for row in drafts] == ["draft"]

    widget.get_by_role("link", name="Continue a draft").click()
    expect(widget.locator("h1")).to_have_text("Continue a draft")
    widget.get_by_label("Draft code").fill(resume_code)
    widget.get_by_role("button", name="Open draft").click()

    expect(widget.locator("h1")).to_have_text("Complaint or feedback")
    expect(widget.locator("#f-message")).to_have_value(message)
    expect(widget.get_by_label("Service quality", exact=True)).to_be_checked()
    expect(widget.locator("#f-email")).to_have_value("")
    widget.locator("#f-email").fill("lift@example.org")
    widget.get_by_role("button", name="Send request").click()
    expect(widget.locator("strong.tracking-code")).to_have_text(CODE_RE)

    rows = live_app.requests_with("message", tag)
    assert len(rows) == 1, "the draft became the request; no second row, no draft left behind"
    assert rows[0]["status"] == "received" and rows[0]["resume_code"] is None
    assert rows[0]["answers"]["email"] == "lift@example.org"

    # The resume code is spent: a person trying it again is told so.
    widget.get_by_role("link", name="Continue a draft").click()
    widget.get_by_label("Draft code").fill(resume_code)
    widget.get_by_role("button", name="Open draft").click()
    expect(widget.locator("#code-error")).to_contain_text("We found no draft with this code")


# 6 ------------------------------------------------------------------------------------------

def test_errors_in_the_widget_language_keep_answers_and_focus_the_summary(page, host_url):
    widget = open_host(page, host_url, lang="ru", form="complaint")
    expect(widget.locator("html")).to_have_attribute("lang", "ru")
    widget.locator("#f-name").fill("Иван Петров")
    widget.locator("#f-phone").fill("0912345678")
    widget.locator("button[value=send]").click()

    summary = widget.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    assert CYRILLIC.search(summary.locator("h2").inner_text())
    expect(widget.locator(".has-error")).to_have_count(3)  # topic, message, e-mail
    errors = widget.locator(".has-error p.error").all_inner_texts()
    assert len(errors) == 3
    for text in errors:
        assert CYRILLIC.search(text), f"error not in Russian: {text!r}"
        assert not re.search(r"[A-Za-z]{3,}", text), f"English left in an error: {text!r}"

    expect(widget.locator("#f-name")).to_have_value("Иван Петров")
    expect(widget.locator("#f-phone")).to_have_value("0912345678")
    # Focus is on the list of answers to correct; its first link leads to the first of them.
    expect(summary).to_be_focused()
    expect(summary.locator("a").first).to_have_attribute("href", "#f-topic-1")


# 7 ------------------------------------------------------------------------------------------

def test_host_switches_language_to_persian_right_to_left(page, host_url):
    widget = open_host(page, host_url)
    expect(widget.locator("h1")).to_have_text("Choose a form")
    page.evaluate("Frontdesk.setLanguage('fa')")
    html = widget.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    expect(widget.locator("h1")).to_have_text(ARABIC_SCRIPT)
    expect(widget.locator("section.form-group h2").first).to_have_text("درخواست‌ها")


# 8 ------------------------------------------------------------------------------------------

def test_other_origins_cannot_frame_the_widget(page, foreign_host_url, host_url, live_app):
    with page.expect_response(lambda r: r.url == live_app.widget_url("en/")) as caught:
        page.goto(f"{foreign_host_url}/?lang=en")
    response = caught.value
    csp = response.headers.get("content-security-policy", "")
    ancestors = re.search(r"frame-ancestors ([^;]*)", csp)
    assert ancestors and ancestors.group(1).split() == [live_app.host_origin]
    assert live_app.host_origin == host_url

    # The browser refuses to show it: the frame ends on Chromium's error page, no widget in it.
    frame = page.locator("iframe").element_handle().content_frame()
    deadline = time.monotonic() + 10
    while frame.url in ("", "about:blank") and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert frame.url.startswith("chrome-error://"), frame.url
    assert frame.locator("main#main, .form-list, script[src*='widget.js']").count() == 0
    assert "Choose a form" not in frame.content()
    page.wait_for_timeout(300)
    assert page.evaluate("window.hostEvents") == [], "the widget must not talk to a foreign host"


def test_another_sites_page_reads_open311_but_not_the_rest_api(page, foreign_host_url, live_app):
    """A city's own page (any origin, here one the widget may not even be framed by) reads the
    organisation's services through Open311 with fetch(); the REST API stays closed to it."""
    page.goto(f"{foreign_host_url}/?lang=en")
    read = page.evaluate("""async (base) => {
        const answer = await fetch(base + "/open311/v2/services.json?jurisdiction_id=demo");
        return {status: answer.status, services: (await answer.json()).map(s => s.service_code)};
    }""", live_app.url)
    assert read["status"] == 200 and "complaint" in read["services"]
    blocked = page.evaluate("""async (base) => {
        try { await fetch(base + "/api/v1/forms"); return "read"; }
        catch (error) { return error.name; }
    }""", live_app.url)
    assert blocked == "TypeError"  # the browser's CORS refusal


# 9 ------------------------------------------------------------------------------------------
# On a phone, with the widget below a tall block of the host page: after each move inside the
# widget the host page shows what changed and focus is on it; the frame's first page moves nothing.

@pytest.fixture
def phone(browser):
    """A page 360 px wide, the size where a receipt used to land far above the screen."""
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB",
                              reduced_motion="no-preference")  # the loader glides
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


HOST_SCROLL = "() => window.scrollY"


def focused_in_frame(page, selector: str):
    """Wait until the widget's focused element is the one selector names."""
    frame_of(page).wait_for_function(
        "s => document.activeElement && document.activeElement === document.querySelector(s)",
        arg=selector)


def test_first_page_of_the_frame_does_not_scroll_the_host(phone, host_url):
    widget = open_host(phone, host_url, form="complaint", tall=True)
    expect(widget.locator("h1")).to_have_text("Complaint or feedback")
    wait_for_host_event(phone, "ready")
    # Not even if the widget's first page asked: the loader keeps the host where it is.
    frame_of(phone).evaluate("o => parent.postMessage({frontdesk: 1, type: 'scroll', top: 0}, o)",
                             host_url)
    phone.wait_for_timeout(500)
    assert phone.evaluate(HOST_SCROLL) == 0
    expect(widget.locator("h1")).not_to_be_in_viewport()


def test_sending_shows_the_receipt_and_tracking_shows_the_status(phone, host_url):
    widget = open_host(phone, host_url, form="complaint", tall=True)
    fill_complaint(widget, f"The counter closed early {marker()}")
    widget.get_by_role("button", name="Send request").click()
    code = widget.locator("strong.tracking-code")
    expect(code).to_have_text(CODE_RE)
    expect(widget.locator("h1")).to_be_in_viewport()
    expect(code).to_be_in_viewport()
    focused_in_frame(phone, "h1")
    text = code.inner_text()

    settle(phone)
    widget.get_by_role("link", name="Track a request").click()
    expect(widget.locator("h1")).to_have_text("Track a request")
    expect(widget.locator("h1")).to_be_in_viewport()  # a plain next page: the widget's top
    widget.get_by_label("Tracking code").fill(text)
    settle(phone)
    widget.get_by_role("button", name="Show status").click()
    expect(widget.locator("h1")).to_have_text("Request status")
    expect(widget.locator("h1")).to_be_in_viewport()
    expect(widget.locator("dl.key-facts strong.code")).to_be_in_viewport()
    focused_in_frame(phone, "h1")


def test_errors_bring_the_summary_into_view_and_focus(phone, host_url):
    widget = open_host(phone, host_url, form="complaint", tall=True)
    widget.locator("#f-name").fill("Lan")
    widget.locator("button[value=send]").click()
    summary = widget.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_in_viewport()
    focused_in_frame(phone, "#error-summary")


def test_a_saved_draft_shows_its_notice(phone, host_url):
    phone.emulate_media(reduced_motion="reduce")  # the loader jumps instead of gliding
    widget = open_host(phone, host_url, form="complaint", tall=True)
    fill_complaint(widget, f"The ramp is icy {marker()}", email=None)
    widget.get_by_role("button", name="Save as draft").click()
    notice = widget.locator(".notice.success")
    expect(notice.locator("strong.code")).to_have_text(CODE_RE)
    expect(notice.locator("strong.code")).to_be_in_viewport()
    focused_in_frame(phone, ".notice.success")


# Whether the host page shows the widget at a height (px from the frame's top): the frame is
# the topmost element there, inside the window, not under a fixed header drawn over it.
SHOWN_AT = """y => {
  const frame = Frontdesk.frame.getBoundingClientRect(), at = frame.top + y;
  return at >= 0 && at < window.innerHeight &&
    document.elementFromPoint(frame.left + frame.width / 2, at) === Frontdesk.frame;
}"""


def shown(page, locator=None) -> bool:
    """Whether the person sees the widget's top edge, or the middle of what the locator finds."""
    if locator is None:
        return page.evaluate(SHOWN_AT, 2)
    box, frame = locator.bounding_box(), page.locator("iframe").bounding_box()
    return page.evaluate(SHOWN_AT, box["y"] + box["height"] / 2 - frame["y"])


@pytest.mark.parametrize("layout", ["header", "padded", "pane"])
def test_the_receipt_and_an_error_land_in_sight_whatever_the_host_pages_layout(phone, host_url,
                                                                              layout):
    """A fixed header over the top of the screen (declared to the browser as scroll-padding or
    not), or a page whose content scrolls in a pane of its own: after each move inside the
    widget its top is in sight below the header, and so is what the move was about."""
    widget = open_host(phone, host_url, form="complaint", tall=True, layout=layout)
    widget.locator("#f-name").fill("Lan")
    widget.locator("button[value=send]").click()
    summary = widget.locator("#error-summary")
    expect(summary).to_be_visible()
    settle(phone)
    assert shown(phone) and shown(phone, summary.locator("h2"))
    fill_complaint(widget, f"The square floods {marker()}")
    widget.get_by_role("button", name="Send request").click()
    code = widget.locator("strong.tracking-code")
    expect(code).to_have_text(CODE_RE)
    settle(phone)
    assert shown(phone) and shown(phone, code)


def test_loader_ignores_scroll_and_size_from_other_windows_and_origins(phone, host_url,
                                                                      foreign_host_url, live_app):
    widget = open_host(phone, host_url, form="complaint", tall=True)
    widget.get_by_role("link", name="Track a request").click()  # the frame's second page
    expect(widget.locator("h1")).to_have_text("Track a request")
    expect(widget.locator("h1")).to_be_in_viewport()
    settle(phone)  # the glide over, or it would move the host page after this jump
    phone.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    height = phone.evaluate(IFRAME_HEIGHT)
    forged = [{"frontdesk": 1, "type": "scroll", "top": 0},
              {"frontdesk": 1, "type": "resize", "height": 50}]

    # Another window of the widget's origin (a second widget frame), then the host page itself...
    phone.evaluate("""u => new Promise(done => {
        const other = document.createElement("iframe");
        other.name = "other"; other.onload = done; other.src = u;
        document.body.prepend(other);
    })""", live_app.widget_url("en/track"))
    other = next(frame for frame in phone.frames if frame.name == "other")
    other.evaluate("messages => messages.forEach(m => parent.postMessage(m, '*'))", forged)
    phone.evaluate("messages => messages.forEach(m => window.postMessage(m, '*'))", forged)
    # ...and the widget's own frame once it shows a page of another origin.
    phone.evaluate("u => { Frontdesk.frame.src = u; }", f"{foreign_host_url}/?lang=en")
    phone.wait_for_function("u => [...document.querySelectorAll('iframe')].some("
                            "f => f.src.startsWith(u))", arg=foreign_host_url)
    deadline = time.monotonic() + 10
    while not any(f.url.startswith(foreign_host_url) for f in phone.frames[1:]):
        assert time.monotonic() < deadline
        phone.wait_for_timeout(50)
    hijacked = next(f for f in phone.frames[1:] if f.url.startswith(foreign_host_url))
    hijacked.wait_for_load_state()
    hijacked.evaluate("messages => messages.forEach(m => parent.postMessage(m, '*'))", forged)

    phone.wait_for_timeout(500)
    assert phone.evaluate(HOST_SCROLL) == 0
    assert phone.evaluate("() => Frontdesk.frame.getBoundingClientRect().height") == height
