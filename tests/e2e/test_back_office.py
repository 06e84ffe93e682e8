"""One request's whole life in a real browser: a person sends it through the widget embedded on
another site; a unit head registers, assigns, starts, pauses, resumes, answers with a letter and
marks the result ready in the back office; the person follows every step with the code alone and
downloads the letter through the widget, third-party cookies blocked all along."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE_SCRIPT, WCAG_TAGS
from tests.e2e.test_widget import marker, open_host, send_complaint
from widget.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

HEAD_XD = "head.xd@demo.frontdesk"  # the complaint form belongs to the unit XD


@pytest.fixture
def staff_page(browser, live_app):
    """A separate browser profile for the staff member: the back office is a first-party site."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB",
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(staff_page, live_app, email: str) -> None:
    staff_page.goto(f"{live_app.url}/admin/")
    expect(staff_page.locator("h1")).to_have_text("Sign in to the back office")  # sent to sign in first
    staff_page.get_by_label("E-mail address").fill(email)
    staff_page.get_by_label("Password").fill(DEMO_PASSWORD)
    staff_page.get_by_role("button", name="Sign in").click()
    expect(staff_page.locator("h1")).to_have_text("Inbox")


def act(staff_page, summary: str, button: str, done: str, **fields) -> None:
    """Open an action's panel, fill its fields (label -> value or option label), submit it."""
    staff_page.locator("summary", has_text=re.compile(f"^{re.escape(summary)}$")).click()
    panel = staff_page.locator("details[open]")
    for label, value in fields.items():
        control = panel.get_by_label(label.replace("_", " "))
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    panel.get_by_role("button", name=button).click()
    expect(staff_page.locator("#flash")).to_have_text(done)


def axe_problems(staff_page, name: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on a back-office page."""
    staff_page.evaluate(AXE_SCRIPT)
    result = staff_page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{name}: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]]


def show_status(page, host_url: str, code: str):
    """The person's status page in the embedded widget, reached with the code alone."""
    widget = open_host(page, host_url)
    widget.get_by_role("link", name="Track a request").click()
    widget.get_by_label("Tracking code").fill(code)
    widget.get_by_role("button", name="Show status").click()
    expect(widget.locator("h1")).to_have_text("Request status")
    return widget


def test_a_request_from_the_widget_through_the_back_office_and_back(
        page, staff_page, host_url, live_app, sample_pdf):
    tag = marker()
    code = send_complaint(page, host_url, f"The street light is broken {tag}")

    # The unit head finds it in the inbox by its code and opens it.
    sign_in(staff_page, live_app, HEAD_XD)
    problems = axe_problems(staff_page, "inbox")
    staff_page.get_by_label("Tracking code, journal number or words").fill(code.lower())
    staff_page.get_by_role("button", name="Show", exact=True).click()
    expect(staff_page.locator("table.inbox tbody tr")).to_have_count(1)
    staff_page.get_by_role("link", name=code).click()
    expect(staff_page.locator(".status")).to_have_text("Received, waiting to be registered")
    expect(staff_page.locator(".request-main")).to_contain_text(tag)

    act(staff_page, "Register", "Register the request", "The request is registered.")
    journal = staff_page.locator("h1 .code").inner_text()
    assert re.fullmatch(r"XD-20\d\d-\d{6}", journal)
    act(staff_page, "Assign", "Assign the request", "The request is assigned.",
        Executor="Nguyễn Văn Nam")
    staff_page.get_by_role("button", name="Start work").click()
    expect(staff_page.locator(".status")).to_have_text("In progress")
    act(staff_page, "Pause", "Pause the request", "The request is paused.",
        What_the_request_waits_for="Waiting for the person's documents")
    expect(staff_page.locator(".status")).to_have_text("Paused")

    # The person sees who handles it, that it waits for them, and since when.
    widget = show_status(page, host_url, code)
    expect(widget.locator(".status")).to_have_text("Paused")
    expect(widget.locator(".executor")).to_have_text("Nguyễn Văn Nam")
    expect(widget.locator("dl.key-facts")).to_contain_text(journal)
    expect(widget.locator("p.paused")).to_contain_text("waiting for you to supplement documents")

    staff_page.get_by_role("button", name="Resume").click()
    expect(staff_page.locator(".status")).to_have_text("In progress")

    # A letter from the answer template, in the person's language, with the signed PDF.
    staff_page.locator("summary", has_text="Write a letter").click()
    staff_page.get_by_label("Start from a template").select_option(label="Answer")
    staff_page.get_by_role("button", name="Fill in the text").click()
    expect(staff_page.get_by_label("Title")).to_have_value(f"Answer to your request {journal}")
    expect(staff_page.get_by_label("Text of the letter")).to_have_value(re.compile("Yours sincerely"))
    # The template leaves a gap (…) for the answer itself: a letter with a gap is not issued.
    text = staff_page.get_by_label("Text of the letter")
    text.fill(text.input_value().replace("...", "…").replace("…", "The permit is granted."))
    staff_page.get_by_label("The letter as a PDF file (optional)").set_input_files(str(sample_pdf))
    staff_page.get_by_role("button", name="Issue the letter").click()
    expect(staff_page.locator("#flash")).to_have_text("The letter is issued.")
    act(staff_page, "Result ready", "Mark the result as ready", "The result is marked as ready.",
        How_the_result_is_handed_over="Online, on the status page")
    for summary in ("Write to the person", "Add an internal note", "Sent by post"):
        staff_page.locator("summary", has_text=summary).click()  # open forms are checked too
    problems += axe_problems(staff_page, "request page")
    staff_page.get_by_role("link", name="Enter a request").click()
    problems += axe_problems(staff_page, "desk entry")
    assert problems == []

    # The person reads the answer and downloads the letter inside the widget.
    widget = show_status(page, host_url, code)
    expect(widget.locator(".status")).to_have_text("Result ready")
    expect(widget.locator(".notice.success")).to_contain_text("download it on this page")
    expect(widget.locator("article.letter h3")).to_have_text(f"Answer to your request {journal}")
    letter = widget.locator("article.letter")
    with page.expect_download() as download_info:
        letter.get_by_role("button", name=f"Download {sample_pdf.name}").click()
    download = download_info.value
    assert download.suggested_filename == sample_pdf.name
    assert Path(download.path()).read_bytes() == sample_pdf.read_bytes()
    # The letter itself, the PDF the product rendered, named by its journal number.
    with page.expect_download() as download_info:
        letter.get_by_role("button", name=f"Download {journal}.pdf").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    expect(widget.locator(".timeline .event")).to_have_text([
        "Result ready", "Answer letter issued", "Resumed", "Paused", "Work started",
        "Assigned to a specialist", "Registered", "Request received online"])


def test_an_administrator_finds_an_account_and_decides_its_changes(staff_page, live_app):
    """The account pages pass axe, with an error shown too; a bad date is refused with a note
    and a name change approved, by keyboard-reachable buttons."""
    from sqlalchemy import select

    from widget.models import Account, StaffUser
    from widget.models._types import utcnow
    from widget.services.cabinet import ask_detail_change

    tag = marker()

    def prepare(session):
        admin = session.scalar(select(StaffUser).where(StaffUser.email == "admin@demo.frontdesk"))
        account = Account(organization_id=admin.organization_id, name=f"Иван Петров {tag}",
                          email=f"ivan-{tag}@example.org", email_verified_at=utcnow(),
                          password_hash="not used", language="ru")
        session.add(account)
        session.commit()
        name = ask_detail_change(account, "name", f"Иван Сергеевич Петров {tag}", "Отчество")
        no_date = ask_detail_change(account, "birth_date", "31.02.1990", "")
        return account.id, name.id, no_date.id
    account_id, name_id, no_date_id = live_app.query(prepare)

    sign_in(staff_page, live_app, "admin@demo.frontdesk")
    staff_page.get_by_role("link", name="Accounts", exact=True).click()
    problems = axe_problems(staff_page, "accounts")
    staff_page.get_by_label("Name, e-mail address or phone number").fill(f"ИВАН ПЕТРОВ {tag}")
    staff_page.get_by_role("button", name="Search").click()
    expect(staff_page.locator("table.accounts tbody tr")).to_have_count(1)
    staff_page.get_by_role("link", name=f"Иван Петров {tag}").click()
    expect(staff_page.locator("h1")).to_have_text(f"Иван Петров {tag}")
    staff_page.get_by_role("button", name="Make this account an agent").click()
    expect(staff_page.locator("#flash")).to_have_text(
        "The account may now send requests on behalf of other people.")
    problems += axe_problems(staff_page, "account page")

    staff_page.goto(f"{live_app.url}/admin/accounts/changes")
    problems += axe_problems(staff_page, "changes")
    no_date = staff_page.locator(f"#change-{no_date_id}")
    no_date.get_by_role("button", name="Approve the change").click()
    expect(staff_page.locator("#error-summary")).to_contain_text("not a real date")
    problems += axe_problems(staff_page, "refused decision")
    staff_page.locator(f"#change-{no_date_id}").get_by_label("Note to the person").fill(
        "Пожалуйста, укажите дату как в паспорте.")
    staff_page.locator(f"#change-{no_date_id}").get_by_role("button",
                                                            name="Refuse the change").click()
    expect(staff_page.locator("#flash")).to_have_text(
        "The change is refused, and the person is told why.")
    staff_page.locator(f"#change-{name_id}").get_by_role("button", name="Approve the change").click()
    expect(staff_page.locator("#flash")).to_contain_text("The change is approved")
    expect(staff_page.locator(f"#change-{name_id}")).to_have_count(0)
    assert problems == []
    assert live_app.query(lambda session: session.get(Account, account_id).name) == \
        f"Иван Сергеевич Петров {tag}"
