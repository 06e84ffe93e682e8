"""The administrators' side of people's accounts: the list and its search in every script,
one account with its requests, the agent switch, and the changes of registered details people
ask for, approved or refused, with the person told in their box and by e-mail. Administrators
only, one organisation only, audited, valid HTML (what people typed, shown as text: in
test_hostile_input.py)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

import widget.services.account_admin as account_admin
from tests import backoffice, test_admin, test_notice_settings
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget import codes
from widget.models import (Account, AuditEntry, DetailChange, InboxItem, OutboxItem, Request,
                           RequestStatus)
from widget.models._types import utcnow
from widget.notify.account_notices import DETAIL_LABELS
from widget.services.access import NotAllowed, NotFound
from widget.services.account_admin import (account_for_staff, decide_detail_change,
                                           list_accounts, pending_detail_changes, set_agent)
from widget.services.cabinet import ask_detail_change

# The back office's fixtures (no_csrf is autouse: posts here need no token unless a test says so).
office, no_csrf, commits = backoffice.office, test_admin.no_csrf, test_notice_settings.commits
ACCOUNTS = "/admin/accounts"
CHANGES = f"{ACCOUNTS}/changes"


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def make_account(db, office):
    """An account of the office's organisation (or another's), confirmed unless told."""
    def make(name="Lê Thị Lan", email=None, phone=None, confirmed=True, organization=None,
             language="en", **attrs) -> Account:
        now = utcnow() if confirmed else None
        account = Account(organization_id=(organization or office["org"]).id, name=name,
                          email=email, phone=phone, password_hash="not used here",
                          email_verified_at=now if email else None,
                          phone_verified_at=now if phone else None, language=language, **attrs)
        db.session.add(account)
        db.session.commit()
        return account
    return make


@pytest.fixture
def make_request(db, office):
    """A received request of unit HN, owned by an account and/or sent by an agent."""
    def make(account=None, agent=None, name="Lan") -> Request:
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"]["HN"].id,
                          form_version_id=office["forms"]["HN"].versions[0].id,
                          status=RequestStatus.RECEIVED.value, code=codes.generate(),
                          answers={"name": name}, language="en", submitted_at=utcnow(),
                          account=account, agent=agent)
        db.session.add(request)
        db.session.commit()
        return request
    return make


def box(db, account) -> list[InboxItem]:
    return list(db.session.scalars(select(InboxItem).where(InboxItem.account_id == account.id)))


def outbox(db) -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


# --- the list and its search ---------------------------------------------------------------

def test_the_list_is_newest_first_and_searched_by_name_email_or_phone_in_any_script(
        db, admin, make_account):
    hoa = make_account("Nguyễn Thị Hoa", email="hoa@example.org",
                       created_at=utcnow() - timedelta(days=3))
    ivan = make_account("Иван Петров", phone="+84903123456",
                        created_at=utcnow() - timedelta(days=2))
    john = make_account("John Smith", email="john.smith@example.org", phone="+84911000111",
                        confirmed=False, created_at=utcnow() - timedelta(days=1))
    assert list_accounts(admin, "", 1).accounts == [john, ivan, hoa]

    def found(text):
        return list_accounts(admin, text, 1).accounts
    assert found("NGUYỄN thị") == [hoa]          # Vietnamese folded to lower case
    assert found("  иван  ") == [ivan]           # Cyrillic too, spaces trimmed
    assert found("ПЕТРОВ") == [ivan]
    assert found("SMITH@EXAMPLE") == [john]
    assert found("0903 123 456") == [ivan]       # a local number, read in the country
    assert found("3456") == [ivan]               # a part of the number
    assert found("example.org") == [john, hoa]
    assert found("%") == [] and found("_") == []  # no wildcards
    assert found("nobody") == []
    page = list_accounts(admin, "иван", 1)
    assert (page.total, page.page, page.pages, page.query) == (1, 1, 1, "иван")


def test_the_list_has_pages(db, admin, make_account, monkeypatch, client):
    monkeypatch.setattr(account_admin, "PAGE_SIZE", 2)
    for number in range(5):
        make_account(f"Person {number}", email=f"p{number}@example.org",
                     created_at=utcnow() - timedelta(hours=number))
    page = list_accounts(admin, "person", 3)
    assert (page.total, page.pages, [a.name for a in page.accounts]) == (5, 3, ["Person 4"])
    assert list_accounts(admin, "person", 99).page == 3  # out of range: the nearest page
    sign_in(client, admin)
    html = html_of(client.get(f"{ACCOUNTS}?q=person&page=2"))
    assert "Page 2 of 3" in html
    assert f'href="{ACCOUNTS}?q=person&amp;page=1" rel="prev"' in html
    assert f'href="{ACCOUNTS}?q=person&amp;page=3" rel="next"' in html


def test_the_list_page_shows_accounts_and_searches(client, admin, make_account):
    make_account("Nguyễn Thị Hoa", email="hoa@example.org")
    ivan = make_account("Иван Петров", phone="+84903123456", confirmed=False, is_agent=True)
    sign_in(client, admin)
    page = client.get(ACCOUNTS)
    html = html_of(page)
    assert page.status_code == 200
    assert f'href="{ACCOUNTS}" aria-current="page">Accounts</a>' in html
    assert "2 accounts" in html and "Nguyễn Thị Hoa" in html
    assert f'<a href="{ACCOUNTS}/{ivan.id}"><bdi>Иван Петров</bdi></a>' in html
    assert '<label for="account-q">Name, e-mail address or phone number</label>' in html
    html = html_of(client.get(ACCOUNTS, query_string={"q": "ИВАН"}))
    assert "1 account" in html and "Nguyễn" not in html and "Иван Петров" in html
    assert 'value="ИВАН"' in html and "not confirmed" in html
    assert "No account matches this search." in html_of(client.get(f"{ACCOUNTS}?q=zzz"))


# --- who may see what ---------------------------------------------------------------------------

def test_another_organisations_account_is_not_found(client, db, admin, make_account, create_site):
    other = create_site(key="other").organization
    stranger = make_account("Trần Văn Khách", email="khach@example.org", organization=other)
    change = ask_detail_change(stranger, "name", "Trần Văn Chủ", "Married")
    assert list_accounts(admin, "", 1).accounts == []
    assert pending_detail_changes(admin) == []
    for call in (lambda: account_for_staff(admin, stranger.id),
                 lambda: set_agent(admin, stranger.id, True),
                 lambda: decide_detail_change(admin, change.id, True, ""),
                 lambda: account_for_staff(admin, 999999)):
        with pytest.raises(NotFound) as missing:
            call()
        assert str(missing.value.message) in ("This account does not exist or is not yours to see.",
                                              "This change does not exist or is not yours to see.")
    sign_in(client, admin)
    page = client.get(f"{ACCOUNTS}/{stranger.id}")
    assert page.status_code == 404 and "This account does not exist" in html_of(page)
    assert client.post(f"{ACCOUNTS}/{stranger.id}/agent", data={"is_agent": "1"}).status_code == 404
    assert client.post(f"{CHANGES}/{change.id}", data={"decision": "approve"}).status_code == 404
    assert client.get(f"{ACCOUNTS}/99999999999").status_code == 404  # beyond any id: not found
    assert "Trần" not in html_of(client.get(ACCOUNTS)) + html_of(client.get(CHANGES))
    stranger = db.session.get(Account, stranger.id)
    assert (stranger.is_agent, stranger.name) == (False, "Trần Văn Khách")
    assert db.session.get(DetailChange, change.id).status == "pending" and audits(db) == []


@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_have_the_accounts(client, db, office, make_account, who):
    staff = office["people"][who]
    account = make_account(email="lan@example.org")
    change = ask_detail_change(account, "name", "Lê Thị Lan Anh", "Typo")
    for call in (lambda: list_accounts(staff, "", 1), lambda: account_for_staff(staff, account.id),
                 lambda: set_agent(staff, account.id, True), lambda: pending_detail_changes(staff),
                 lambda: decide_detail_change(staff, change.id, True, "")):
        with pytest.raises(NotAllowed) as refused:
            call()
        assert str(refused.value.message) == "Only an administrator may do this."
    sign_in(client, staff)
    for url in (ACCOUNTS, f"{ACCOUNTS}/{account.id}", CHANGES):
        page = client.get(url)
        assert page.status_code == 404 and "Page not found" in html_of(page), url
    assert client.post(f"{ACCOUNTS}/{account.id}/agent", data={"is_agent": "1"}).status_code == 404
    assert client.post(f"{CHANGES}/{change.id}", data={"decision": "approve"}).status_code == 404
    assert ACCOUNTS not in html_of(client.get("/admin/"))  # no link in the header either
    assert db.session.get(Account, account.id).name == "Lê Thị Lan" and audits(db) == []
    assert db.session.get(DetailChange, change.id).status == "pending"


# --- one account, and the agent switch ----------------------------------------------------------

def test_the_account_page_shows_contacts_details_and_requests(client, db, admin, make_account,
                                                             make_request):
    account = make_account("Lê Thị Lan", email="lan@example.org", phone="+84903123456",
                           language="vi", address="25 Trần Hưng Đạo\nHuế",
                           birth_date=date(1990, 5, 17), is_agent=True)
    account.phone_verified_at = None
    db.session.commit()
    own = make_request(account=account)
    for_other = make_request(agent=account, name="Hoàng Văn Long")
    draft = make_request(account=account)
    draft.status = RequestStatus.DRAFT.value
    db.session.commit()
    view = account_for_staff(admin, account.id)
    assert (view.requests, view.on_behalf) == ([own], [for_other])  # never a draft
    sign_in(client, admin)
    html = html_of(client.get(f"{ACCOUNTS}/{account.id}"))
    assert f'href="{ACCOUNTS}" aria-current="true">Accounts</a>' in html
    assert "<bdi>lan@example.org</bdi> <span class=\"badge\">confirmed</span>" in html
    assert "<bdi>+84903123456</bdi> <span class=\"badge\">not confirmed</span>" in html
    assert "25 Trần Hưng Đạo\nHuế" in html and "Tiếng Việt" in html
    assert "Identity document number" in html and "May 17, 1990" in html
    assert f'href="/admin/requests/{own.id}"' in html and f'href="/admin/requests/{for_other.id}"' in html
    assert f'href="/admin/requests/{draft.id}"' not in html
    assert "Sent on behalf of other people" in html and "Hoàng Văn Long" in html
    assert "Take the agent role away" in html


def test_the_agent_switch_is_audited(client, db, admin, make_account, make_request):
    account = make_account(email="lan@example.org")
    make_request(agent=account)
    sign_in(client, admin)
    assert "Sent on behalf of other people" not in html_of(client.get(f"{ACCOUNTS}/{account.id}"))
    done = client.post(f"{ACCOUNTS}/{account.id}/agent", data={"is_agent": "1"})
    assert done.status_code == 302 and done.location == f"{ACCOUNTS}/{account.id}#agent"
    assert db.session.get(Account, account.id).is_agent is True
    html = html_of(client.get(done.location))
    assert "The account may now send requests on behalf of other people." in html
    assert "This account is an agent" in html and "Sent on behalf of other people" in html
    assert client.post(f"{ACCOUNTS}/{account.id}/agent", data={"is_agent": "1"}).status_code == 302
    client.post(f"{ACCOUNTS}/{account.id}/agent", data={"is_agent": "0"})
    assert db.session.get(Account, account.id).is_agent is False
    entries = audits(db, "account_agent")
    assert [(e.before, e.after, e.staff_user_id, e.organization_id) for e in entries] == [
        ({"account_id": account.id, "is_agent": False}, {"account_id": account.id, "is_agent": True},
         admin.id, admin.organization_id),
        ({"account_id": account.id, "is_agent": True}, {"account_id": account.id, "is_agent": False},
         admin.id, admin.organization_id)]  # the repeated switch changed nothing: no entry


def test_the_request_page_names_the_account_and_the_agent(client, db, office, admin, make_account,
                                                         make_request):
    owner = make_account("Lê Thị Lan", email="lan@example.org")
    agent = make_account("Bưu điện xã Phú Mậu", email="agent@example.org", is_agent=True)
    request = make_request(account=owner, agent=agent)
    sign_in(client, admin)
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    assert (f'<dt>Account</dt>\n    <dd><a href="{ACCOUNTS}/{owner.id}"><bdi>Lê Thị Lan</bdi></a>'
            in html)
    assert (f'<dt>Sent by agent</dt>\n    <dd><a href="{ACCOUNTS}/{agent.id}"><bdi>Bưu điện xã '
            'Phú Mậu</bdi></a>' in html)
    sign_in(client, office["people"]["op"])  # sees the names, has no account pages
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    assert "<dd><bdi>Lê Thị Lan</bdi></dd>" in html
    assert "<dd><bdi>Bưu điện xã Phú Mậu</bdi></dd>" in html
    assert ACCOUNTS not in html
    plain = make_request()
    assert "Sent by agent" not in html_of(client.get(f"/admin/requests/{plain.id}"))


# --- changes of registered details ---------------------------------------------------------------

def test_pending_changes_are_listed_oldest_first(db, admin, make_account):
    lan = make_account("Lê Thị Lan", email="lan@example.org")
    hoa = make_account("Nguyễn Thị Hoa", email="hoa@example.org")
    first = ask_detail_change(lan, "name", "Lê Thị Lan Anh", "Married")
    second = ask_detail_change(hoa, "document_number", "079190001234", "New card")
    first.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    decided = ask_detail_change(lan, "document_number", "1", "x")
    decide_detail_change(admin, decided.id, False, "Not a document number")
    assert pending_detail_changes(admin) == [first, second]


def test_an_approval_applies_the_value_and_tells_the_person(client, db, office, admin,
                                                            make_account, commits):
    account = make_account("Lê Thị Lan", email="lan@example.org", phone="+84903123456",
                           language="vi")
    change = ask_detail_change(account, "birth_date", "1990-05-17", "My birthday was wrong")
    sign_in(client, admin)
    page = html_of(client.get(CHANGES))
    assert "May 17, 1990" in page and "My birthday was wrong" in page
    before = len(commits)
    done = client.post(f"{CHANGES}/{change.id}", data={"decision": "approve",
                                                       "note": "Checked\x07 at the desk"})
    assert done.status_code == 302 and done.location == CHANGES
    assert len(commits) == before + 1
    assert "The change is approved" in html_of(client.get(CHANGES))
    assert db.session.get(Account, account.id).birth_date == date(1990, 5, 17)
    change = db.session.get(DetailChange, change.id)
    assert (change.status, change.decided_by_id, change.decision_note) == (
        "approved", admin.id, "Checked at the desk")
    assert change.decided_at is not None
    [notice] = box(db, account)
    # In the person's language: Vietnamese words, the organisation's Vietnamese name.
    with force_locale("vi"):
        subject, label = gettext("Your registered details are changed"), gettext("Date of birth")
    assert subject != "Your registered details are changed"  # the catalog has it
    assert notice.subject == subject and notice.read_at is None
    assert "Org test (vi)" in notice.body and label in notice.body
    assert notice.body.endswith("Checked at the desk")
    [mail] = outbox(db)
    assert (mail.channel, mail.recipient, mail.subject, mail.language) == (
        "email", "lan@example.org", notice.subject, "vi")
    assert notice.body in mail.body_text and mail.request_id is None
    [entry] = audits(db, "detail_change")
    what = {"change_id": change.id, "account_id": account.id, "field": "birth_date"}
    assert entry.before == what | {"status": "pending", "value": ""}
    assert entry.after == what | {"status": "approved", "value": "1990-05-17",
                                  "note": "Checked at the desk"}


def test_without_a_confirmed_address_the_notice_is_only_in_the_box(db, admin, make_account):
    account = make_account("Lê Thị Lan", email="lan@example.org", confirmed=False)
    change = ask_detail_change(account, "name", "Lê Thị Lan Anh", "")
    decide_detail_change(admin, change.id, True, "")
    assert db.session.get(Account, account.id).name == "Lê Thị Lan Anh"
    [notice] = box(db, account)
    assert notice.body.endswith("as you asked: Full name.")  # no note: no dangling space
    assert outbox(db) == []


def test_a_refusal_needs_a_note(client, db, admin, make_account):
    account = make_account("Lê Thị Lan", email="lan@example.org")
    change = ask_detail_change(account, "name", "Lê Thị Lan Anh", "Married")
    with pytest.raises(NotAllowed) as refused:
        decide_detail_change(admin, change.id, False, " \n\u202e ")
    assert str(refused.value.message) == "Please say why the change is refused: the person reads it."
    sign_in(client, admin)
    page = client.post(f"{CHANGES}/{change.id}", data={"decision": "refuse", "note": "  "})
    html = html_of(page)
    assert page.status_code == 422
    assert 'role="alert"' in html and f'<a href="#note-{change.id}">Please say why' in html
    assert (f'aria-describedby="note-{change.id}-help problem-note-{change.id}" aria-invalid="true"'
            in html)
    assert f'<p class="error" id="problem-note-{change.id}">Please say why' in html
    assert db.session.get(DetailChange, change.id).status == "pending"
    assert box(db, account) == [] and outbox(db) == [] and audits(db) == []
    assert client.post(f"{CHANGES}/{change.id}", data={"note": "x"}).status_code == 400
    too_long = client.post(f"{CHANGES}/{change.id}", data={"decision": "refuse", "note": "x" * 2001})
    assert too_long.status_code == 422 and "Please shorten the note to 2000 characters." in html_of(too_long)


def test_a_refusal_keeps_the_value_and_tells_the_person_why(client, db, admin, make_account):
    account = make_account("Lê Thị Lan", email="lan@example.org", document_number="B1234567")
    change = ask_detail_change(account, "document_number", "C7654321", "New passport")
    sign_in(client, admin)
    done = client.post(f"{CHANGES}/{change.id}", data={
        "decision": "refuse", "note": "Please bring\r\nthe new passport to the desk."})
    assert done.status_code == 302
    assert "The change is refused, and the person is told why." in html_of(client.get(CHANGES))
    assert db.session.get(Account, account.id).document_number == "B1234567"
    change = db.session.get(DetailChange, change.id)
    assert (change.status, change.decision_note) == ("refused",
                                                     "Please bring\nthe new passport to the desk.")
    [notice] = box(db, account)
    assert notice.subject == "Your registered details stay as they were"
    assert "Identity document number. The reason: Please bring" in notice.body
    assert [mail.recipient for mail in outbox(db)] == ["lan@example.org"]
    [entry] = audits(db, "detail_change")
    assert (entry.before["value"], entry.after["value"], entry.after["status"]) == (
        "B1234567", "B1234567", "refused")


def test_a_change_is_decided_once(client, db, admin, make_account):
    account = make_account("Lê Thị Lan", email="lan@example.org")
    change = ask_detail_change(account, "name", "Lê Thị Lan Anh", "Married")
    decide_detail_change(admin, change.id, True, "")
    for approve in (True, False):
        with pytest.raises(NotAllowed) as refused:
            decide_detail_change(admin, change.id, approve, "Again")
        assert "already been decided" in str(refused.value.message)
    sign_in(client, admin)
    again = client.post(f"{CHANGES}/{change.id}", data={"decision": "refuse", "note": "No"})
    assert again.status_code == 422 and "This change has already been decided" in html_of(again)
    assert db.session.get(DetailChange, change.id).status == "approved"
    assert db.session.get(Account, account.id).name == "Lê Thị Lan Anh"
    assert len(box(db, account)) == 1 and len(outbox(db)) == 1
    assert len(audits(db, "detail_change")) == 1


@pytest.mark.parametrize("typed", ["31/02/1990", "1990-02-30", "2999-01-01", "soon"])
def test_a_date_that_is_no_date_cannot_be_approved(client, db, admin, make_account, typed):
    account = make_account("Lê Thị Lan", email="lan@example.org", birth_date=date(1990, 1, 1))
    change = ask_detail_change(account, "birth_date", typed, "Fix")
    sign_in(client, admin)
    assert "not a date" in html_of(client.get(CHANGES)) or typed == "2999-01-01"
    page = client.post(f"{CHANGES}/{change.id}", data={"decision": "approve"})
    assert page.status_code == 422
    assert "The new date of birth is not a real date" in html_of(page)
    assert db.session.get(Account, account.id).birth_date == date(1990, 1, 1)
    change = db.session.get(DetailChange, change.id)
    assert (change.status, change.decided_by_id, change.decided_at) == ("pending", None, None)
    assert box(db, account) == [] and outbox(db) == [] and audits(db) == []
    # Refusing it still works.
    decide_detail_change(admin, change.id, False, "Please send the date as on your passport.")
    assert db.session.get(DetailChange, change.id).status == "refused"


def test_csrf_token_is_required(client, app, db, admin, make_account):
    account = make_account(email="lan@example.org")
    change = ask_detail_change(account, "name", "Lê Thị Lan Anh", "Married")
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{ACCOUNTS}/{account.id}/agent", data={"is_agent": "1"}).status_code == 400
    assert client.post(f"{CHANGES}/{change.id}", data={"decision": "approve"}).status_code == 400
    assert audits(db) == [] and db.session.get(DetailChange, change.id).status == "pending"
    html = html_of(client.get(CHANGES))
    token = CSRF_INPUT.search(html).group(1)
    assert client.post(f"{CHANGES}/{change.id}", data={"decision": "approve",
                                                       "csrf_token": token}).status_code == 302


def test_every_registered_detail_has_a_label():
    from widget.models import REGISTERED_DETAILS
    assert tuple(DETAIL_LABELS) == REGISTERED_DETAILS


def test_account_pages_are_valid_html(client, db, admin, make_account, make_request, tmp_path):
    lan = make_account("Lê Thị Lan", email="lan@example.org", phone="+84903123456", is_agent=True,
                       address="25 Trần Hưng Đạo, Huế", birth_date=date(1990, 5, 17))
    make_account("Иван Петров", phone="+84911000111", confirmed=False, language="ru")
    make_request(account=lan)
    make_request(agent=lan, name="Hoàng Văn Long")
    ask_detail_change(lan, "name", "Lê Thị Lan Anh", "Married\nlast year")
    bad = ask_detail_change(lan, "birth_date", "31/02/1990", "")
    sign_in(client, admin)
    pages = {"list": client.get(ACCOUNTS), "search": client.get(f"{ACCOUNTS}?q=nobody"),
             "list fa": client.get(ACCOUNTS, headers={"Accept-Language": "fa"}),
             "account": client.get(f"{ACCOUNTS}/{lan.id}"),
             "changes": client.get(CHANGES),
             "refused": client.post(f"{CHANGES}/{bad.id}", data={"decision": "approve"}),
             "not found": client.get(f"{ACCOUNTS}/999999")}
    decide_detail_change(admin, bad.id, False, "Please write the date again.")
    pages["account with decisions"] = client.get(f"{ACCOUNTS}/{lan.id}")
    expected = {"refused": 422, "not found": 404}
    assert {name: page.status_code for name, page in pages.items()} == {
        name: expected.get(name, 200) for name in pages}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
