"""Nothing typed or attached is lost, on a phone in the cross-site frame: a form that comes back
with errors keeps its files, and switching language (the widget's own links or the host page's
setLanguage()) keeps what was typed and attached. The whole module shares one database, so each
test marks its rows with a unique text."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_widget import CODE_RE, marker, open_host, phone  # noqa: F401 - fixture
from widget.models import Request

pytestmark = pytest.mark.e2e


def start_birth_registration(page, host_url: str, tag: str, sample_pdf, lang: str = "en"):
    """Fill part of the birth registration, its certificate attached; return the frame."""
    widget = open_host(page, host_url, lang=lang, form="birth-registration", tall=True)
    widget.locator("#f-child_name").fill(f"Minh An {tag}")
    widget.locator("#f-parent_name").fill("Nguyễn Thị Lan")
    widget.locator("#f-certificate").set_input_files(str(sample_pdf))
    return widget


def expect_kept(widget, tag: str, sample_pdf):
    expect(widget.locator("#f-child_name")).to_have_value(f"Minh An {tag}")
    expect(widget.locator("#f-parent_name")).to_have_value("Nguyễn Thị Lan")
    attached = widget.locator("ul.attached li")
    expect(attached).to_have_count(1)
    expect(attached).to_contain_text(sample_pdf.name)
    expect(attached.locator("input[type=checkbox]")).to_have_count(1)  # remove


def finish_and_send(widget):
    widget.locator("#f-birth_date").fill("2024-05-01")
    widget.locator("#f-sex-1").check()
    widget.locator("#f-phone").fill("0912345678")
    widget.locator("button[value=send]").click()
    expect(widget.locator("strong.tracking-code")).to_have_text(CODE_RE)


def test_a_form_with_errors_keeps_its_file_and_sends_it(phone, host_url, live_app, sample_pdf):
    tag = marker()
    widget = start_birth_registration(phone, host_url, tag, sample_pdf)
    widget.get_by_role("button", name="Send request").click()

    expect(widget.locator("#error-summary")).to_be_visible()
    expect_kept(widget, tag, sample_pdf)
    expect(widget.locator("ul.attached li")).to_contain_text(re.compile(r"\d+ KB"))
    expect(widget.locator(".attached-title")).to_have_text("Attached:")
    # The file input is empty again, and nothing more is asked about the file.
    assert widget.locator("#f-certificate").evaluate("input => input.files.length") == 0
    expect(widget.locator("#error-certificate")).to_have_count(0)

    finish_and_send(widget)
    rows = live_app.requests_with("child_name", tag)
    assert len(rows) == 1 and rows[0]["status"] == "received"
    assert rows[0]["attachments"] == [sample_pdf.name]


def test_switching_language_keeps_what_was_typed_and_attached(phone, host_url, live_app,
                                                              sample_pdf):
    tag = marker()
    widget = start_birth_registration(phone, host_url, tag, sample_pdf)

    # The widget's own language switch.
    widget.locator(".languages [data-language=vi]").click()
    expect(widget.locator("html")).to_have_attribute("lang", "vi")
    expect(widget.locator("h1")).to_have_text("Đăng ký khai sinh")
    expect_kept(widget, tag, sample_pdf)
    expect(widget.locator("#error-summary")).to_have_count(0)  # a switch checks nothing
    widget.locator("#f-email").fill("lan@example.org")

    # The host page's setLanguage(): the same page, posted in that language.
    phone.evaluate("Frontdesk.setLanguage('fa')")
    expect(widget.locator("html")).to_have_attribute("dir", "rtl")
    expect(widget.locator("h1")).to_have_text("ثبت ولادت")
    expect_kept(widget, tag, sample_pdf)
    expect(widget.locator("#f-email")).to_have_value("lan@example.org")

    finish_and_send(widget)
    rows = live_app.requests_with("child_name", tag)
    assert len(rows) == 1 and rows[0]["status"] == "received"
    assert rows[0]["attachments"] == [sample_pdf.name]
    assert live_app.query(lambda session: session.get(Request, rows[0]["id"]).language) == "fa"


def test_a_message_being_written_on_the_status_page_keeps_its_words_and_file_across_switches(
        phone, host_url, live_app, sample_pdf):
    tag = marker()
    widget = start_birth_registration(phone, host_url, tag, sample_pdf)
    finish_and_send(widget)
    code = widget.locator("strong.tracking-code").inner_text()
    widget.locator("a[href$='/track']:not([hreflang])").click()
    widget.locator("#code").fill(code)
    widget.locator(".code-form button").click()
    expect(widget.locator("dl.key-facts")).to_be_visible()
    widget.locator("#reply-body").fill(f"Bản sao giấy tờ {tag}")
    widget.locator("#reply-files").set_input_files(str(sample_pdf))

    widget.locator(".languages [data-language=vi]").click()
    expect(widget.locator("html")).to_have_attribute("lang", "vi")
    expect(widget.locator("#reply-body")).to_have_value(f"Bản sao giấy tờ {tag}")
    expect(widget.locator("#reply-form ul.attached li")).to_contain_text(sample_pdf.name)
    phone.evaluate("Frontdesk.setLanguage('fa')")  # and the host page's switch
    expect(widget.locator("html")).to_have_attribute("dir", "rtl")
    expect(widget.locator("#reply-body")).to_have_value(f"Bản sao giấy tờ {tag}")
    expect(widget.locator("#reply-form ul.attached li")).to_have_count(1)

    widget.locator("#reply-form button.primary").click()
    expect(widget.locator(".notice.success")).to_be_visible()
    expect(widget.locator(".messages .from-me")).to_contain_text(tag)
    expect(widget.locator(".messages .from-me form.download")).to_contain_text(sample_pdf.name)

    def sent(session):
        from sqlalchemy import select

        from widget.models import Message
        message = session.scalars(select(Message).where(Message.body.contains(tag))).one()
        return [attachment.filename for attachment in message.attachments]
    assert live_app.query(sent) == [sample_pdf.name]


def test_set_language_on_a_page_without_a_form_still_switches(phone, host_url):
    widget = open_host(phone, host_url)
    widget.get_by_role("link", name="Track a request").click()
    expect(widget.locator("h1")).to_have_text("Track a request")
    phone.evaluate("Frontdesk.setLanguage('ru')")
    expect(widget.locator("html")).to_have_attribute("lang", "ru")
    expect(widget.locator("h1")).to_have_text(re.compile(r"[\u0400-\u04FF]"))
    # It stayed on the page the person was on, in the new language.
    expect(widget.locator("form.code-form, input[name=code]").first).to_be_visible()


# The host may call setLanguage() at any moment: while a page of the frame is on its way, just
# loaded, or not yet greeted. Each moment must end on the page the person went to, in the new
# language (CI once caught the frame reloaded at its first page when the call came between the
# page's load and its answer to the loader's greeting).
@pytest.mark.parametrize("after_ms", [0, 15, 60, 150, 400])
def test_set_language_at_any_moment_of_a_navigation_ends_on_that_page(phone, host_url, after_ms):
    widget = open_host(phone, host_url)
    widget.get_by_role("link", name="Track a request").click(no_wait_after=True)
    phone.wait_for_timeout(after_ms)
    phone.evaluate("Frontdesk.setLanguage('ru')")
    expect(widget.locator("html")).to_have_attribute("lang", "ru")
    expect(widget.locator("input[name=code]")).to_be_visible()
    expect(widget.locator("h1")).not_to_have_text("Track a request")


@pytest.mark.parametrize("after_ms", [0, 40])
def test_set_language_while_a_form_is_sending_never_cuts_the_send_short(
        phone, host_url, live_app, sample_pdf, after_ms):
    tag = marker()
    widget = start_birth_registration(phone, host_url, tag, sample_pdf)
    widget.locator("#f-birth_date").fill("2024-05-01")
    widget.locator("#f-sex-1").check()
    widget.locator("#f-phone").fill("0912345678")
    widget.locator("button[value=send]").click(no_wait_after=True)
    phone.wait_for_timeout(after_ms)
    phone.evaluate("Frontdesk.setLanguage('vi')")
    # The receipt arrives, then switches to Vietnamese; the request was sent once, with its file.
    expect(widget.locator("html")).to_have_attribute("lang", "vi")
    expect(widget.locator("strong.tracking-code")).to_have_text(CODE_RE)
    rows = live_app.requests_with("child_name", tag)
    assert len(rows) == 1 and rows[0]["attachments"] == [sample_pdf.name]


def test_enter_in_a_field_sends_the_form_and_never_switches_its_language(phone, host_url):
    # The header's language buttons belong to the form (they post it, keeping what was typed);
    # Enter must still do what the form's own main button does, in the page's language.
    widget = open_host(phone, host_url, lang="vi", form="birth-registration")
    widget.locator("#f-child_name").fill("Minh An")
    widget.locator("#f-child_name").press("Enter")
    expect(widget.locator("#error-summary")).to_be_visible()
    expect(widget.locator("html")).to_have_attribute("lang", "vi")
    expect(widget.locator("#f-child_name")).to_have_value("Minh An")
