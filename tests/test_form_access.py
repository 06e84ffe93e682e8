"""Who may use a form, set by administrators and enforced in the widget: the catalogue, the form
page, the post (a page opened before the access changed included), drafts; account groups;
administrators only, one organisation only, audited, escaped."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.conftest import form_token
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from widget.models import Account, AccountGroup, Form, Request
from widget.models._types import utcnow
from widget.services.account_sessions import start_session

office, no_csrf = backoffice.office, test_admin.no_csrf
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']
WIDGET = "/w/test/en"


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def form(office) -> Form:
    return office["forms"]["HN"]


@pytest.fixture
def make_account(db, office):
    def make(name="Lê Thị Lan", email="lan@example.org", agent=False, organization=None):
        account = Account(organization_id=(organization or office["org"]).id, name=name,
                          email=email, email_verified_at=utcnow(), password_hash="unused",
                          is_agent=agent)
        db.session.add(account)
        db.session.commit()
        return account
    return make


def widget_as(client, db, account) -> None:
    """Sign the widget's browser in to the account (the sign-in form is tested elsewhere)."""
    new = start_session(account, 14)
    db.session.commit()
    client.set_cookie("fd_account", new.token, path="/")


def requests_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Request))


def send(client, slug, token, **data):
    return client.post(f"{WIDGET}/f/{slug}", data={"form_token": token, "name": "Lan",
                                                    "message": "Hello", **data})


def set_access(client, form, access, accounts=(), groups=()):
    return client.post(f"/admin/forms/{form.id}/access", data={
        "access": access, "accounts": [str(a) for a in accounts],
        "groups": [str(g) for g in groups]})


# --- the widget ---------------------------------------------------------------------------------

def test_a_form_for_signed_in_people_asks_others_to_sign_in_and_saves_nothing(
        client, db, office, form, admin, make_account):
    sign_in(client, admin)
    token = form_token(html_of(client.get(f"{WIDGET}/f/form-hn")))  # opened while open to all
    assert set_access(client, form, "signed_in").status_code == 302
    catalogue = html_of(client.get(f"{WIDGET}/"))
    assert "Sign in to use this form" in catalogue and "/account/signin?next=" in catalogue
    assert 'href="/w/test/en/f/form-hn"' not in catalogue
    page = client.get(f"{WIDGET}/f/form-hn")
    assert page.status_code == 403 and "This form is not open to you" in html_of(page)
    assert "form_token" not in html_of(page)
    refused = send(client, "form-hn", token)  # the page opened before the change
    assert refused.status_code == 403 and requests_count(db) == 0
    assert send(client, "form-hn", token, action="draft").status_code == 403
    assert requests_count(db) == 0

    widget_as(client, db, make_account())
    assert 'href="/w/test/en/f/form-hn"' in html_of(client.get(f"{WIDGET}/"))
    assert send(client, "form-hn", token).status_code == 200 and requests_count(db) == 1


def test_a_form_for_named_people_and_groups_is_hidden_from_everyone_else(
        client, db, office, form, admin, make_account):
    named = make_account("Named", "named@example.org")
    member = make_account("Member", "member@example.org")
    other = make_account("Other", "other@example.org")
    group = AccountGroup(organization_id=office["org"].id, name="Ward 1", members=[member])
    db.session.add(group)
    db.session.commit()
    sign_in(client, admin)
    assert set_access(client, form, "named", [named.id], [group.id]).status_code == 302
    for account, allowed in ((None, False), (other, False), (named, True), (member, True)):
        client.delete_cookie("fd_account", path="/")
        if account is not None:
            widget_as(client, db, account)
        catalogue = html_of(client.get(f"{WIDGET}/"))
        assert ("Form-Hn" in catalogue) is allowed
        assert client.get(f"{WIDGET}/f/form-hn").status_code == (200 if allowed else 403)
    # Taken out of the group: the page they still hold is refused, and nothing is saved.
    token = form_token(html_of(client.get(f"{WIDGET}/f/form-hn")))
    assert client.post(f"/admin/account-groups/{group.id}/members/{member.id}/remove"
                       ).status_code == 302
    assert send(client, "form-hn", token).status_code == 403 and requests_count(db) == 0


def test_an_agents_form_is_for_agents_only(client, db, office, form, admin, make_account):
    sign_in(client, admin)
    assert set_access(client, form, "agents").status_code == 302
    widget_as(client, db, make_account())
    assert client.get(f"{WIDGET}/f/form-hn").status_code == 403
    assert "Form-Hn" not in html_of(client.get(f"{WIDGET}/"))
    widget_as(client, db, make_account("Agent", "agent@example.org", agent=True))
    token = form_token(html_of(client.get(f"{WIDGET}/f/form-hn")))
    assert send(client, "form-hn", token).status_code == 200
    assert db.session.scalar(select(Request)).agent.name == "Agent"


def test_a_draft_follows_the_forms_access(client, db, office, form, admin):
    token = form_token(html_of(client.get(f"{WIDGET}/f/form-hn")))
    saved = send(client, "form-hn", token, action="draft")
    draft = db.session.scalar(select(Request))
    assert saved.status_code == 200 and draft.resume_code
    sign_in(client, admin)
    set_access(client, form, "signed_in")
    resumed = client.post(f"{WIDGET}/resume", data={"code": draft.resume_code})
    assert resumed.status_code == 403 and "form_token" not in html_of(resumed)
    assert send(client, "form-hn", token).status_code == 403
    db.session.refresh(draft)
    assert draft.is_draft and draft.code is None


def test_staff_at_the_desk_may_use_every_form(client, db, office, form, admin):
    sign_in(client, admin)
    set_access(client, form, "agents")
    sent = client.post("/admin/requests/new?form=form-hn", data={
        "desk-language": "en", "name": "Lan", "email": "lan@example.org"})
    assert sent.status_code == 302 and requests_count(db) == 1


# --- the administrators' pages ------------------------------------------------------------------

def pages(office, form, group):
    return ["/admin/access", f"/admin/forms/{form.id}/access", "/admin/account-groups",
            f"/admin/account-groups/{group.id}", "/admin/uploads"]


def posts(form, group, account):
    return [(f"/admin/forms/{form.id}/access", {"access": "signed_in"}),
            (f"/admin/forms/{form.id}/uploads", {"max_files": "1", "types": ["pdf"]}),
            ("/admin/uploads", {"max_files": "2", "types": ["pdf"]}),
            ("/admin/account-groups", {"name": "New"}),
            (f"/admin/account-groups/{group.id}/name", {"name": "Renamed"}),
            (f"/admin/account-groups/{group.id}/members", {"accounts": [str(account.id)]}),
            (f"/admin/account-groups/{group.id}/members/{account.id}/remove", {}),
            (f"/admin/account-groups/{group.id}/delete", {})]


@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_other_staff_find_no_such_pages_and_change_nothing(client, db, office, form, who,
                                                           make_account):
    account = make_account()
    group = AccountGroup(organization_id=office["org"].id, name="G", members=[account])
    db.session.add(group)
    db.session.commit()
    sign_in(client, office["people"][who])
    for url in pages(office, form, group):
        assert client.get(url).status_code == 404, url
    for url, data in posts(form, group, account):
        assert client.post(url, data=data).status_code == 404, url
    assert audits(db) == [] and db.session.get(Form, form.id).access == "everyone"
    assert [g.name for g in db.session.scalars(select(AccountGroup))] == ["G"]


def test_the_pages_show_and_a_get_changes_nothing(client, db, office, form, admin, make_account):
    account = make_account()
    group = AccountGroup(organization_id=office["org"].id, name="Ward 1", members=[account])
    db.session.add(group)
    db.session.commit()
    sign_in(client, admin)
    hub = html_of(client.get("/admin/administration"))
    assert 'href="/admin/access"' in hub and "Access and uploads" in hub
    for url in pages(office, form, group):
        assert client.get(url, query_string={"q": "lan"}).status_code == 200, url
    search = html_of(client.get(f"/admin/forms/{form.id}/access", query_string={"q": "lê"}))
    assert f'name="accounts" value="{account.id}"' in search
    assert audits(db) == [] and db.session.get(Form, form.id).access == "everyone"


def test_access_changes_are_saved_and_audited(client, db, office, form, admin, make_account):
    account = make_account()
    sign_in(client, admin)
    assert set_access(client, form, "named", [account.id]).status_code == 302
    saved = db.session.get(Form, form.id)
    assert saved.access == "named" and [a.id for a in saved.allowed_accounts] == [account.id]
    entry, = audits(db, "form_access_changed")
    assert entry.before["access"] == "everyone" and entry.after["accounts"] == [account.id]
    assert entry.staff_user_id == admin.id
    set_access(client, form, "everyone")
    assert db.session.get(Form, form.id).allowed_accounts == []


@pytest.mark.parametrize("language", ["en", "vi"])
def test_bad_access_is_refused_in_the_readers_language_and_changes_nothing(
        client, db, office, form, admin, language):
    sign_in(client, admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    for data, message in (
            ({"access": "named"}, "Please name at least one person or group who may use the form."),
            ({"access": "nobody"}, "Please choose who may use the form.")):
        refused = client.post(f"/admin/forms/{form.id}/access", data=data)
        with force_locale(language):
            expected = gettext(message)
        assert refused.status_code == 422 and str(escape(expected)) in html_of(refused)
    assert db.session.get(Form, form.id).access == "everyone" and audits(db) == []


def test_another_organisations_form_group_and_accounts_are_not_found(
        client, db, office, form, admin, create_site, create_form, make_account):
    other_site = create_site("other")
    other_form = create_form(other_site, slug="theirs")
    stranger = make_account("Stranger", "s@example.org", organization=other_site.organization)
    their_group = AccountGroup(organization_id=other_site.organization_id, name="Theirs")
    db.session.add(their_group)
    db.session.commit()
    sign_in(client, admin)
    assert client.get(f"/admin/forms/{other_form.id}/access").status_code == 404
    assert set_access(client, other_form, "signed_in").status_code == 404
    assert client.get(f"/admin/account-groups/{their_group.id}").status_code == 404
    assert client.post(f"/admin/account-groups/{their_group.id}/delete").status_code == 404
    assert set_access(client, form, "named", [stranger.id]).status_code == 422
    assert set_access(client, form, "named", [], [their_group.id]).status_code == 422
    mine = AccountGroup(organization_id=office["org"].id, name="Mine")
    db.session.add(mine)
    db.session.commit()
    assert client.post(f"/admin/account-groups/{mine.id}/members",
                       data={"accounts": [str(stranger.id)]}).status_code == 422
    assert db.session.get(Form, other_form.id).access == "everyone"
    assert db.session.get(AccountGroup, mine.id).members == []
    assert db.session.get(AccountGroup, their_group.id) is not None


def test_account_groups_are_made_renamed_filled_emptied_and_deleted(client, db, office, form,
                                                                     admin, make_account):
    account = make_account()
    sign_in(client, admin)
    made = client.post("/admin/account-groups", data={"name": "  Ward   1 "})
    group = db.session.scalar(select(AccountGroup))
    assert made.status_code == 302 and group.name == "Ward 1"
    assert client.post("/admin/account-groups", data={"name": "Ward 1"}).status_code == 422
    assert client.post("/admin/account-groups", data={"name": " "}).status_code == 422
    assert client.post(f"/admin/account-groups/{group.id}/name",
                       data={"name": "Ward 2"}).status_code == 302
    assert client.post(f"/admin/account-groups/{group.id}/members",
                       data={"accounts": [str(account.id)]}).status_code == 302
    assert [m.id for m in db.session.get(AccountGroup, group.id).members] == [account.id]
    set_access(client, form, "named", [], [group.id])
    assert "Form-Hn" in html_of(client.get(f"/admin/account-groups/{group.id}"))
    assert client.post(f"/admin/account-groups/{group.id}/delete").status_code == 302
    assert db.session.scalar(select(AccountGroup)) is None
    assert db.session.get(Form, form.id).allowed_groups == []
    assert db.session.get(Account, account.id) is not None
    assert [e.action for e in audits(db)] == [
        "account_group_created", "account_group_renamed", "account_group_members_added",
        "form_access_changed", "account_group_deleted"]
    # A form open to nobody but a deleted group is open to nobody.
    widget_as(client, db, account)
    assert client.get(f"{WIDGET}/f/form-hn").status_code == 403


def test_hostile_names_are_kept_as_text_and_shown_escaped(client, db, office, form, admin,
                                                          make_account):
    sign_in(client, admin)
    for number, text in enumerate(HOSTILE):
        account = make_account(text, f"h{number}@example.org")
        assert client.post("/admin/account-groups", data={"name": text}).status_code == 302
        group = db.session.scalar(select(AccountGroup).where(AccountGroup.name == text))
        client.post(f"/admin/account-groups/{group.id}/members",
                    data={"accounts": [str(account.id)]})
        set_access(client, form, "named", [account.id], [group.id])
        for url in ("/admin/account-groups", f"/admin/account-groups/{group.id}",
                    f"/admin/forms/{form.id}/access", "/admin/access"):
            html = html_of(client.get(url))
            assert text not in html, url
        assert str(escape(text)) in html_of(client.get(f"/admin/account-groups/{group.id}"))
    refused = client.post("/admin/account-groups", data={"name": HOSTILE[0]})
    assert refused.status_code == 422 and HOSTILE[0] not in html_of(refused)
    assert str(escape(HOSTILE[0])) in html_of(refused)


def test_a_post_without_the_csrf_token_is_refused(client, app, db, office, form, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, admin)
    assert client.post(f"/admin/forms/{form.id}/access",
                       data={"access": "signed_in"}).status_code == 400
    assert client.post("/admin/account-groups", data={"name": "X"}).status_code == 400
    assert client.post("/admin/uploads", data={"max_files": "1"}).status_code == 400
    token = CSRF_INPUT.search(html_of(client.get(f"/admin/forms/{form.id}/access"))).group(1)
    assert client.post(f"/admin/forms/{form.id}/access", data={
        "access": "signed_in", "csrf_token": token}).status_code == 302
    assert db.session.get(Form, form.id).access == "signed_in"
    assert [e.action for e in audits(db)] == ["form_access_changed"]


def test_the_pages_are_valid_html(client, app, db, tmp_path):
    from sqlalchemy import select as query

    from tests.pages import access_pages
    from tests.vnu import html_errors
    from widget.demo import load_demo_data
    from widget.models import StaffUser

    load_demo_data()
    demo_admin = db.session.scalar(query(StaffUser).where(
        StaffUser.email == "admin@demo.frontdesk"))
    sign_in(client, demo_admin)
    pages = {name: html_of(response) for name, (response, _) in
             access_pages(client, demo_admin).items()}
    complaint = db.session.scalar(query(Form).where(Form.slug == "complaint"))
    client.post(f"/admin/forms/{complaint.id}/access", data={"access": "signed_in"})
    for language in ("en", "fa"):
        pages[f"{language} catalogue"] = html_of(client.get(f"/w/demo/{language}/"))
        closed = client.get(f"/w/demo/{language}/f/complaint")
        assert closed.status_code == 403
        pages[f"{language} form closed"] = html_of(closed)
    assert "Sign in to use this form" in pages["en catalogue"]
    assert html_errors(pages, tmp_path) == []
