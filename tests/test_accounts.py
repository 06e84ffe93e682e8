"""People's accounts through the widget's HTTP interface: sign-up and confirmation, sign-in and
its limits, forgotten and changed passwords, the cabinet, claiming, the box, the profile.

Messages go through the real outbox and, where a test says "hears", through the worker to a
real SMTP server on loopback.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, settings_for, tracking_code
from tests.notices import compose_promised
from widget.models import (Account, AccountSession, DetailChange, InboxItem, OneTimeCode,
                           Message, OutboxItem, Request)
from widget.models._types import utcnow
from widget.notify import worker
from widget.passwords import hash_password

H = {"Sec-Fetch-Site": "same-origin"}
PASSWORD = "a long and private pass phrase"
FIELDS = [
    {"key": "name", "type": "text", "required": True, "prefill": "name"},
    {"key": "message", "type": "long_text", "required": True},
    {"key": "email", "type": "email", "prefill": "email"},
    {"key": "phone", "type": "phone", "prefill": "phone"},
]


@pytest.fixture
def app_settings(tmp_path, mail_server):
    return settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0,
                        RECOVERY_SMS_DAILY_BUDGET=2)


@pytest.fixture
def site(create_site, create_form):
    site = create_site()
    create_form(site, slug="complaint", fields=FIELDS)
    return site


@pytest.fixture
def make_account(db, site):
    def make(email="lan@example.org", phone=None, confirmed=True, agent=False, name="Lê Thị Lan",
             organization=None):
        now = utcnow() if confirmed else None
        account = Account(organization_id=(organization or site.organization).id, name=name,
                          email=email, phone=phone, password_hash=hash_password(PASSWORD),
                          email_verified_at=now if email else None,
                          phone_verified_at=now if phone else None, is_agent=agent, language="en")
        db.session.add(account)
        db.session.commit()
        return account
    return make


def post(client, path, data, lang="en", **kwargs):
    return client.post(f"/w/test/{lang}/account/{path}", data=data, headers=H, **kwargs)


def page_text(response) -> str:
    """A page without what differs on every rendering (its signed challenge)."""
    return re.sub(r'name="challenge" value="[^"]*"', "", response.get_data(as_text=True))


def challenge(response) -> str:
    return re.search(r'name="challenge" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def outbox(db, recipient=None) -> list[OutboxItem]:
    """The outbox rows, once the worker composed what the changes promised."""
    compose_promised()
    query = select(OutboxItem).order_by(OutboxItem.id)
    if recipient:
        query = query.where(OutboxItem.recipient == recipient)
    return list(db.session.scalars(query))


def otp_of(item: OutboxItem) -> str:
    return re.search(r"\b(\d{6})\b", item.body_text).group(1)


def deliver(app) -> None:
    worker.run_once(worker.channels_from_config(app.config), "test", worker.policy_from_config(app.config))


def sign_up(client, contact="hang@example.org", name="Ngô Thị Hằng", password=PASSWORD):
    return post(client, "signup", {"name": name, "contact": contact, "password": password})


def signed_in_client(client, contact="lan@example.org", password=PASSWORD):
    response = post(client, "signin", {"contact": contact, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


# -- signing up ------------------------------------------------------------------------------

def test_sign_up_confirm_with_the_code_and_land_signed_in_in_the_cabinet(client, db, site):
    asked = sign_up(client)
    assert asked.status_code == 200 and "h•••@example.org" in asked.get_data(as_text=True)
    mail, = outbox(db)
    assert mail.channel == "email" and mail.subject == "Your confirmation code"
    assert "/w/test/en/account/confirm?t=" in mail.body_text  # and a link, for another device
    wrong = post(client, "confirm", {"challenge": challenge(asked), "code": "000000"})
    assert wrong.status_code == 422 and "wrong or no longer valid" in wrong.get_data(as_text=True)
    done = post(client, "confirm", {"challenge": challenge(asked), "code": otp_of(mail)})
    assert done.status_code == 303  # by way of the check that the cookie was kept
    assert client.get(done.location).location.endswith("/w/test/en/account/?welcome=1")
    cookie = done.headers["Set-Cookie"]
    for attribute in ("fd_account=", "Secure", "HttpOnly", "SameSite=None", "Partitioned",
                      "Path=/w/test/"):
        assert attribute in cookie
    cabinet = client.get("/w/test/en/account/")
    assert cabinet.status_code == 200 and "Signed in as <bdi>Ngô Thị Hằng</bdi>" in cabinet.get_data(as_text=True)
    account = db.session.scalar(select(Account))
    assert account.email_verified_at is not None and account.phone_verified_at is None
    # The code was used: the same code does not confirm twice.
    assert post(client, "confirm", {"challenge": challenge(asked), "code": otp_of(mail)}).status_code == 422


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
@pytest.mark.parametrize("landline", ["024 3825 1234", "+84 24 3825 1234", "1800 1234"])
def test_sign_up_with_a_landline_is_told_to_give_a_mobile_number(client, db, site, lang, landline):
    """The confirmation code goes by SMS: sign-up refuses what the form's phone fields and the
    lost-code page refuse (contacts.sms_number), with the same message, and keeps nothing."""
    from tests.test_widget_routes import NOT_A_MOBILE
    refused = post(client, "signup", {"name": "Hằng", "contact": landline, "password": PASSWORD},
                   lang=lang)
    assert refused.status_code == 422 and NOT_A_MOBILE[lang] in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0
    assert db.session.scalar(select(func.count()).select_from(OneTimeCode)) == 0
    assert outbox(db) == []


def test_the_e_mail_link_confirms_from_another_browser_after_a_button_press(client, app, db, site):
    sign_up(client)
    link = re.search(r"/w/test/en/account/confirm\?t=(\S+)", outbox(db)[0].body_text).group(1)
    other = app.test_client()
    shown = other.get(f"/w/test/en/account/confirm?t={link}")
    assert shown.status_code == 200 and db.session.scalar(select(Account)).email_verified_at is None
    done = post(other, "confirm", {"t": link})
    assert done.status_code == 200 and "Your account is confirmed" in done.get_data(as_text=True)
    assert db.session.scalar(select(Account)).email_verified_at is not None
    assert "Set-Cookie" not in done.headers  # the link confirms; it does not sign anyone in
    assert post(other, "confirm", {"t": link}).status_code == 422


def test_sign_up_with_a_known_contact_looks_the_same_and_tells_only_the_holder(
        client, app, db, site, make_account, mail_server):
    make_account(email="lan@example.org")
    known, new = sign_up(client, "lan@example.org"), sign_up(client, "lin@example.org")
    assert known.status_code == new.status_code == 200
    assert page_text(known) == page_text(new)
    assert db.session.scalar(select(func.count(Account.id))) == 2  # the known one is untouched
    deliver(app)
    by_recipient = {str(m["To"]): m for m in mail_server.received}
    assert by_recipient.keys() == {"lan@example.org", "lin@example.org"}
    assert str(by_recipient["lan@example.org"]["Subject"]) == "You already have an account"
    assert not re.search(r"\b\d{6}\b", by_recipient["lan@example.org"].get_body(("plain",)).get_content())
    assert str(by_recipient["lin@example.org"]["Subject"]) == "Your confirmation code"
    # The known account's password did not change.
    assert signed_in_client(client, "lan@example.org")


def test_sign_up_refuses_bad_input_and_keeps_nothing(client, db, site):
    refused = sign_up(client, contact="not a contact", name="<script>alert(1)</script>", password="short")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "at least 10 characters" in text and "e-mail address (name@example.com)" in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
    same = sign_up(client, contact="hang@example.org", password="hang@example.org")
    assert "must not be your e-mail address" in same.get_data(as_text=True)
    assert outbox(db) == [] and db.session.scalar(select(func.count(Account.id))) == 0


def test_an_unconfirmed_sign_up_can_be_started_again_by_whoever_holds_the_contact(client, db, site):
    sign_up(client, password="first pass phrase here")
    sign_up(client, name="The real Hằng", password="second pass phrase")
    account = db.session.scalar(select(Account))
    assert account.name == "The real Hằng"
    assert post(client, "signin", {"contact": "hang@example.org",
                                   "password": "second pass phrase"}).status_code == 422  # unconfirmed


# -- one-time codes --------------------------------------------------------------------------

def test_a_code_allows_five_wrong_tries_then_not_even_the_right_one(client, db, site):
    asked = sign_up(client)
    code = otp_of(outbox(db)[0])
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        assert post(client, "confirm", {"challenge": challenge(asked), "code": wrong}).status_code == 422
    assert post(client, "confirm", {"challenge": challenge(asked), "code": code}).status_code == 422
    assert db.session.scalar(select(Account)).email_verified_at is None


def test_an_expired_code_is_refused(client, db, site):
    asked = sign_up(client)
    row = db.session.scalar(select(OneTimeCode))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert post(client, "confirm", {"challenge": challenge(asked),
                                    "code": otp_of(outbox(db)[0])}).status_code == 422


def test_a_tampered_challenge_confirms_nothing(client, db, site):
    sign_up(client)
    forged = post(client, "confirm", {"challenge": "1", "code": otp_of(outbox(db)[0])})
    assert forged.status_code == 422 and db.session.scalar(select(Account)).email_verified_at is None


# -- signing in ------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_for_a_while(client, db, site, make_account):
    account = make_account()
    for _ in range(5):
        wrong = post(client, "signin", {"contact": "lan@example.org", "password": "wrong one"})
        assert wrong.status_code == 422
    locked = post(client, "signin", {"contact": "lan@example.org", "password": PASSWORD})
    assert locked.status_code == 422 and "Set-Cookie" not in locked.headers
    db.session.refresh(account)
    account.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert post(client, "signin", {"contact": "LAN@example.org", "password": PASSWORD}).status_code == 303


def test_sign_in_failures_look_alike(client, site, make_account):
    make_account(email="lan@example.org")
    make_account(email="unconfirmed@example.org", confirmed=False)
    pages = [post(client, "signin", {"contact": contact, "password": password})
             for contact, password in (("lan@example.org", "wrong password"),
                                       ("nobody@example.org", PASSWORD),
                                       ("unconfirmed@example.org", PASSWORD))]
    assert {page.status_code for page in pages} == {422}
    bodies = {page.get_data(as_text=True).replace(contact, "") for page, contact in
              zip(pages, ("lan@example.org", "nobody@example.org", "unconfirmed@example.org"))}
    assert len(bodies) == 1


def test_sign_in_from_another_site_is_refused_and_next_never_leaves_the_widget(client, site,
                                                                              make_account):
    make_account()
    cross = client.post("/w/test/en/account/signin", data={"contact": "lan@example.org",
                        "password": PASSWORD}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    for target in ("https://evil.example/", "//evil.example/w/test/", "/w/other/en/"):
        done = post(client, "signin", {"contact": "lan@example.org", "password": PASSWORD,
                                       "next": target})
        assert client.get(done.location).location == "/w/test/en/account/"


def test_a_session_is_for_its_organisation_only(client, db, site, create_site, make_account):
    other = create_site(key="other", slug="org-other")
    make_account()
    signed_in_client(client, "lan@example.org")
    assert client.get("/w/test/en/account/").status_code == 200
    cookie = client.get_cookie("fd_account", path="/w/test/")
    client.set_cookie("fd_account", cookie.value, path="/w/other/")
    assert client.get(f"/w/{other.key}/en/account/").status_code == 302  # to its sign-in page


def test_signing_out_ends_the_session_on_the_server(client, db, site, make_account):
    make_account()
    signed_in_client(client)
    token = client.get_cookie("fd_account", path="/w/test/").value
    post(client, "signout", {})
    assert db.session.scalar(select(func.count(AccountSession.id))) == 0
    client.set_cookie("fd_account", token, path="/w/test/")  # a copy of the old cookie
    assert client.get("/w/test/en/account/").status_code == 302


# -- passwords -------------------------------------------------------------------------------

def test_forgot_password_answers_alike_and_only_a_known_contact_hears(client, app, db, site,
                                                                       make_account, mail_server):
    make_account(email="lan@example.org")
    known = post(client, "forgot", {"contact": "lan@example.org"})
    unknown = post(client, "forgot", {"contact": "lin@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known) == page_text(unknown)
    deliver(app)
    assert [str(m["To"]) for m in mail_server.received] == ["lan@example.org"]
    code = otp_of(outbox(db)[0])
    assert post(client, "reset", {"challenge": challenge(unknown), "code": code,
                                  "password": "a brand new phrase"}).status_code == 422
    done = post(client, "reset", {"challenge": challenge(known), "code": code,
                                  "password": "a brand new phrase"})
    assert done.status_code == 303 and "Partitioned" in done.headers["Set-Cookie"]
    assert post(client, "signin", {"contact": "lan@example.org", "password": PASSWORD}).status_code == 422
    assert post(client, "signin", {"contact": "lan@example.org",
                                   "password": "a brand new phrase"}).status_code == 303


def test_a_password_change_signs_out_every_other_browser(client, app, db, site, make_account):
    make_account()
    other = signed_in_client(app.test_client())
    signed_in_client(client)
    wrong = post(client, "password", {"current_password": "not it", "new_password": "another phrase!"})
    assert wrong.status_code == 422 and "current password is wrong" in wrong.get_data(as_text=True)
    done = post(client, "password", {"current_password": PASSWORD, "new_password": "another phrase!"})
    assert done.status_code == 303
    assert client.get("/w/test/en/account/").status_code == 200
    assert other.get("/w/test/en/account/").status_code == 302


# -- the cabinet, prefilled forms, agents ----------------------------------------------------

def send_form(client, data, lang="en"):
    token = form_token(client.get(f"/w/test/{lang}/f/complaint").get_data(as_text=True))
    return client.post(f"/w/test/{lang}/f/complaint", data={"form_token": token, **data}, headers=H)


def test_a_signed_in_person_gets_a_prefilled_form_and_the_request_in_the_cabinet(client, db, site,
                                                                                   make_account):
    account = make_account(phone="+84912345678")
    signed_in_client(client)
    form = client.get("/w/test/en/f/complaint").get_data(as_text=True)
    assert 'name="name" value="Lê Thị Lan"' in form
    assert 'name="email" value="lan@example.org"' in form and 'value="+84912345678"' in form
    receipt = send_form(client, {"name": "Lê Thị Lan", "message": "Hello", "email": "lan@example.org"})
    code = tracking_code(receipt.get_data(as_text=True))
    request = db.session.scalar(select(Request))
    assert request.account_id == account.id and request.agent_id is None
    cabinet = client.get("/w/test/en/account/").get_data(as_text=True)
    assert code in cabinet
    # The "received" notice is in the box, in the account's language, one worker poll later.
    assert db.session.scalars(select(InboxItem)).all() == []
    compose_promised()
    item, = db.session.scalars(select(InboxItem))
    assert item.request_id == request.id and item.subject == f"Request {code} received"
    assert item.read_at is None
    client.get(f"/w/test/en/account/requests/{request.id}")
    db.session.refresh(item)
    assert item.read_at is not None


def test_nobody_opens_another_persons_request_or_draft_from_a_cabinet(client, db, site,
                                                                       make_account):
    owner = make_account(email="owner@example.org")
    make_account(email="lan@example.org")
    signed_in_client(client, "owner@example.org")
    send_form(client, {"name": "Owner", "message": "Mine"})
    send_form(client, {"name": "Owner", "message": "Draft", "action": "draft"})
    sent, draft = db.session.scalars(select(Request).order_by(Request.id)).all()
    assert sent.account_id == draft.account_id == owner.id and draft.is_draft
    post(client, "signout", {})
    signed_in_client(client, "lan@example.org")
    assert client.get(f"/w/test/en/account/requests/{sent.id}").status_code == 404
    assert client.get(f"/w/test/en/account/drafts/{draft.id}").status_code == 404
    assert client.get(f"/w/test/en/account/requests/{draft.id}").status_code == 404


def test_an_agent_sends_for_someone_else_and_the_request_records_both(client, db, site,
                                                                       make_account):
    agent = make_account(email="agent@example.org", agent=True, name="Post office")
    signed_in_client(client, "agent@example.org")
    form = client.get("/w/test/en/f/complaint").get_data(as_text=True)
    assert 'value="Post office"' not in form  # an agent types the person's details
    send_form(client, {"name": "Hoàng Văn Long", "message": "For my neighbour",
                       "email": "long@example.org"})
    request = db.session.scalar(select(Request))
    assert (request.agent_id, request.account_id) == (agent.id, None)
    cabinet = client.get("/w/test/en/account/").get_data(as_text=True)
    assert "Sent for other people" in cabinet and request.form_version.form.title("en") in cabinet


# -- claiming --------------------------------------------------------------------------------

def test_claiming_sends_the_code_to_the_requests_contact_not_the_accounts(client, app, db, site,
                                                                            make_account):
    receipt = send_form(app.test_client(), {"name": "Lan", "message": "Before", "email": "old@example.org"})
    code = tracking_code(receipt.get_data(as_text=True))
    compose_promised()  # the "received" notice, composed by a worker in the meantime
    account = make_account(email="lan@example.org")
    signed_in_client(client)
    asked = post(client, "claim", {"code": code})
    assert asked.status_code == 200 and "o•••@example.org" in asked.get_data(as_text=True)
    mail = outbox(db, "old@example.org")[-1]  # after the "received" notice
    assert "Your code to add request" in mail.subject and "http" not in mail.body_text  # typed only
    refused = post(client, "claim", {"challenge": challenge(asked), "otp": "000000"})
    assert refused.status_code == 422
    done = post(client, "claim", {"challenge": challenge(asked), "otp": otp_of(mail)})
    assert done.status_code == 303
    assert db.session.scalar(select(Request)).account_id == account.id
    again = post(client, "claim", {"code": code})
    assert "already in your cabinet" in again.get_data(as_text=True)


def test_a_request_in_someone_elses_cabinet_cannot_be_claimed(client, db, site, make_account):
    owner = make_account(email="owner@example.org")
    signed_in_client(client, "owner@example.org")
    code = tracking_code(send_form(client, {"name": "O", "message": "m", "email": "o@example.org"})
                         .get_data(as_text=True))
    post(client, "signout", {})
    make_account(email="lan@example.org")
    signed_in_client(client)
    refused = post(client, "claim", {"code": code})
    assert refused.status_code == 422 and "no request with this code" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Request)).account_id == owner.id
    assert outbox(db, "o@example.org")[-1].subject != "Your code to add request"


# -- the profile -----------------------------------------------------------------------------

def test_registered_details_are_set_once_then_changed_only_by_asking(client, db, site, make_account):
    account = make_account()
    signed_in_client(client)
    saved = post(client, "profile", {"address": "25 Trần Hưng Đạo", "language": "vi",
                                     "birth_date": "1990-05-01", "document_number": "079190000123"})
    assert saved.status_code == 303
    db.session.refresh(account)
    assert (account.address, account.language, str(account.birth_date)) == (
        "25 Trần Hưng Đạo", "vi", "1990-05-01")
    post(client, "profile", {"address": "", "language": "en", "birth_date": "2000-01-01",
                             "document_number": "X"})
    db.session.refresh(account)
    assert str(account.birth_date) == "1990-05-01" and account.document_number == "079190000123"
    asked = post(client, "details", {"field": "name", "new_value": "Lê Thị Lan Anh",
                                     "reason": "<b>married</b>"})
    assert asked.status_code == 303
    change = db.session.scalar(select(DetailChange))
    assert (change.field, change.old_value, change.status) == ("name", "Lê Thị Lan", "pending")
    twice = post(client, "details", {"field": "name", "new_value": "Other"})
    assert twice.status_code == 422 and "already asked" in twice.get_data(as_text=True)
    assert post(client, "details", {"field": "password_hash", "new_value": "x"}).status_code == 422
    assert db.session.scalar(select(func.count(DetailChange.id))) == 1


def test_a_birth_date_that_cannot_be_is_refused(client, db, site, make_account):
    account = make_account()
    signed_in_client(client)
    for typed in ("3000-01-01", "1990-13-40", "yesterday"):
        refused = post(client, "profile", {"address": "kept?", "birth_date": typed})
        assert refused.status_code == 422 and "real date of birth" in refused.get_data(as_text=True)
    db.session.refresh(account)
    assert account.birth_date is None and account.address is None


def test_a_mobile_number_is_added_with_a_code_sent_to_it(client, db, site, make_account):
    account = make_account()
    signed_in_client(client)
    asked = post(client, "contact", {"contact": "0912 345 678"})
    assert asked.status_code == 200 and "+84•••••5678" in asked.get_data(as_text=True)
    sms = outbox(db, "+84912345678")[-1]
    # The code only works with the number it was sent to.
    other = post(client, "contact", {"challenge": challenge(asked), "contact": "0912 345 679",
                                     "code": otp_of(sms)})
    assert other.status_code == 422
    done = post(client, "contact", {"challenge": challenge(asked), "contact": "0912 345 678",
                                    "code": otp_of(sms)})
    assert done.status_code == 303
    db.session.refresh(account)
    assert account.phone == "+84912345678" and account.phone_verified_at is not None
    post(client, "signout", {})
    assert post(client, "signin", {"contact": "0912345678", "password": PASSWORD}).status_code == 303


def test_a_contact_of_another_confirmed_account_is_not_taken_over(client, db, site, make_account):
    make_account(email="taken@example.org")
    pending = make_account(email="pending@example.org", confirmed=False)
    account = make_account()
    signed_in_client(client)
    for typed, ok in (("taken@example.org", False), ("pending@example.org", True)):
        asked = post(client, "contact", {"contact": typed})
        result = post(client, "contact", {"challenge": challenge(asked), "contact": typed,
                                          "code": otp_of(outbox(db, typed)[-1])})
        assert result.status_code == (303 if ok else 422)
    db.session.refresh(account)
    db.session.refresh(pending)
    assert account.email == "pending@example.org" and pending.email is None


def test_the_worker_forgets_old_codes_and_ended_sessions(client, app, db, site, make_account):
    make_account()
    signed_in_client(client)
    sign_up(client)
    old = utcnow() - timedelta(days=3)
    db.session.execute(OneTimeCode.__table__.update().values(created_at=old))
    db.session.execute(AccountSession.__table__.update().values(expires_at=old))
    db.session.commit()
    sign_up(client, "fresh@example.org")  # a code of today stays
    worker.scheduled(app.config)
    assert db.session.scalar(select(func.count(OneTimeCode.id))) == 1
    assert db.session.scalar(select(func.count(AccountSession.id))) == 0


def test_sign_in_and_code_asks_are_rate_limited_per_client_address(limited_app):
    client = limited_app("test", RATE_LIMIT_LOGIN="2 per minute",
                         RATE_LIMIT_LOOKUP="2 per minute").test_client()
    for path, data in (("signin", {"contact": "a@example.org", "password": "x"}),
                       ("forgot", {"contact": "a@example.org"})):
        answers = [post(client, path, data) for _ in range(3)]
        statuses = [answer.status_code for answer in answers]
        assert statuses[2] == 429 and 429 not in statuses[:2]
        # How long to wait: on the refusal only.
        assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
        assert "Retry-After" not in answers[0].headers
    assert client.get("/w/test/en/account/signin").status_code == 200  # only posts count


@pytest.mark.parametrize("lang", ["en", "vi", "fa", "ru"])
def test_a_request_in_the_cabinet_switches_language_at_its_own_address_keeping_the_message(
        client, db, make_account, lang):
    # The status page reached by a code posts its token to switch; the cabinet's page of a
    # request has an address of its own, and its switch posts the message being written (words
    # and files) there in the other language: nothing is sent, nothing is lost.
    from tests.test_message_files_switch import Page, send, switch, written
    from tests.test_widget_routes import PDF
    make_account()
    signed_in_client(client)
    send_form(client, {"name": "Lê Thị Lan", "message": "Hello", "email": "lan@example.org"})
    request = db.session.scalar(select(Request))
    first = "ru" if lang == "en" else "en"
    html = client.get(f"/w/test/{first}/account/requests/{request.id}").get_data(as_text=True)
    assert Page(html).switches[lang]["formaction"] == f"/w/test/{lang}/account/requests/{request.id}"
    before = written(db)
    switched = switch(client, html, lang, {"body": "Nửa câu, نیم جمله"},
                      files=[("passport.pdf", PDF)])
    assert switched.status_code == 200
    page = Page(html := switched.get_data(as_text=True))
    assert (page.lang, page.dir) == (lang, "rtl" if lang == "fa" else "ltr")
    assert page.field("body") == "Nửa câu, نیم جمله"
    assert list(page.reply["attached"]) == ["passport.pdf"]
    assert page.switches[first]["formaction"] == f"/w/test/{first}/account/requests/{request.id}"
    assert written(db) == before  # a switch sends nothing
    assert send(client, html).status_code == 200
    message = db.session.scalar(select(Message))
    assert message.body == "Nửa câu, نیم جمله"
    assert [a.filename for a in message.attachments] == ["passport.pdf"]


def test_another_persons_request_is_no_address_to_switch_at(client, db, make_account):
    # A switch posted to the address of a request that is not the person's own: nothing there.
    make_account()
    make_account(email="other@example.org", name="Trần Văn Bình")
    signed_in_client(client)
    send_form(client, {"name": "Lê Thị Lan", "message": "Hello", "email": "lan@example.org"})
    mine = db.session.scalar(select(Request))
    other = client.application.test_client()
    signed_in_client(other, contact="other@example.org")
    answer = other.post(f"/w/test/ru/account/requests/{mine.id}",
                        data={"action": "language", "body": "x"}, headers=H)
    assert answer.status_code == 404
    assert "Hello" not in answer.get_data(as_text=True)
