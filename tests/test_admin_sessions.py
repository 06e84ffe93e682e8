"""Staff sessions as an attacker would try them: a session cookie copied before sign-out, a
session kept busy past its lifetime, and guessing a staff password from many client addresses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from tests import backoffice
from tests.conftest import IsolatedClient, settings_for
from tests.test_admin import html_of
from widget.models import AuditEntry, StaffUser
from widget.services.signin_lock import LOCK_AFTER, LOCK_FOR, count_failure, is_locked

office, PASSWORD = backoffice.office, backoffice.PASSWORD
START = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
COOKIE = "session"  # Flask's session cookie: what a thief copies
WRONG = "The e-mail address or the password is not right."
LOCK_RULE = "After 5 wrong passwords in a row an account is locked for 15 minutes"


@pytest.fixture
def app_settings(tmp_path) -> dict:
    # One trusted proxy, as behind a load balancer: X-Forwarded-For names the client. Rate limits
    # on, as in production: they count per client address, the lock per account.
    return settings_for(tmp_path, STAFF_SESSION_HOURS=1, PROXY_COUNT=1, RATELIMIT_ENABLED=True)


@pytest.fixture(autouse=True)
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client_class = IsolatedClient  # each browser's request in its own app context


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_in_client(app, email: str, address: str = "192.0.2.1"):
    """A browser that signed in through the sign-in form."""
    browser = app.test_client()
    answer = browser.post("/admin/login", data={"email": email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 302, html_of(answer)
    return browser


def copy_of(app, browser):
    """Another browser holding a copy of this one's session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    return thief


def staff_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StaffUser))


# --- what ends a session ------------------------------------------------------------------------

def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, db, office, clock):
    browser = signed_in_client(app, "admin@org.test")
    thief = copy_of(app, browser)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    before = staff_count(db)

    assert browser.post("/admin/logout").status_code == 302
    page = thief.get("/admin/")
    assert page.status_code == 302 and page.location.startswith("/admin/login")
    post = thief.post("/admin/staff", data={"name": "Mallory", "email": "mallory@evil.test",
                                            "role": "admin"})
    assert post.status_code == 302 and post.location.startswith("/admin/login")
    assert staff_count(db) == before
    assert browser.get("/admin/").status_code == 302


def test_signing_out_everywhere_ends_every_browsers_session(app, db, office, clock):
    office_pc = signed_in_client(app, "op@hn.test")
    phone = signed_in_client(app, "op@hn.test", "192.0.2.2")
    colleague = signed_in_client(app, "head@hn.test", "192.0.2.3")
    thief = copy_of(app, phone)

    answer = office_pc.post("/admin/logout/everywhere")
    assert answer.status_code == 302 and answer.location == "/admin/login"
    assert "You are signed out on every device." in html_of(office_pc.get("/admin/login"))
    for browser in (office_pc, phone, thief):
        assert browser.get("/admin/").status_code == 302
    assert colleague.get("/admin/").status_code == 200  # someone else's sessions stay
    assert signed_in_client(app, "op@hn.test").get("/admin/").status_code == 200


@pytest.mark.parametrize("change", ["password", "active"])
def test_an_administrator_ends_someones_copied_sessions(app, db, office, clock, change):
    op = office["people"]["op"]
    thief = copy_of(app, signed_in_client(app, "op@hn.test"))
    admin = signed_in_client(app, "admin@org.test", "192.0.2.9")
    data = {"active": "0"} if change == "active" else {}
    assert admin.post(f"/admin/staff/{op.id}/{change}", data=data).status_code in (200, 302)
    assert thief.get("/admin/").status_code == 302


# --- the lifetime is absolute -------------------------------------------------------------------

def test_a_session_used_every_minute_still_ends_after_its_lifetime(app, db, office, clock):
    browser = signed_in_client(app, "op@hn.test")
    thief = copy_of(app, browser)
    lifetime = timedelta(hours=app.config["FRONTDESK_STAFF_SESSION_HOURS"])
    minute = timedelta(minutes=1)
    for step in range(1, int(lifetime / minute)):
        clock.move_to(START + step * minute)
        assert browser.get("/admin/").status_code == 200, step
    clock.move_to(START + lifetime)
    for holder in (browser, thief):
        page = holder.get("/admin/")
        assert page.status_code == 302 and page.location.startswith("/admin/login")


# --- locking an account -------------------------------------------------------------------------

def try_password(app, email: str, password: str, address: str, via: str, language: str = "en"):
    """One sign-in from a client address, given as the socket's or a trusted proxy's header."""
    headers = {"Accept-Language": language}
    environ = {"REMOTE_ADDR": "10.0.0.1"}
    if via == "forwarded":
        headers["X-Forwarded-For"] = address
    else:
        environ["REMOTE_ADDR"] = address
    return app.test_client().post("/admin/login", data={"email": email, "password": password},
                                  headers=headers, environ_base=environ)


@pytest.mark.parametrize("via", ["socket", "forwarded"])
def test_wrong_passwords_from_many_addresses_lock_the_account(app, db, office, clock, via):
    net = "198.51.100" if via == "socket" else "203.0.113"
    for n in range(LOCK_AFTER):
        assert try_password(app, "op@hn.test", f"wrong {n}", f"{net}.{n}", via).status_code == 422
    locked = try_password(app, "op@hn.test", PASSWORD, f"{net}.100", via)
    assert locked.status_code == 422 and LOCK_RULE in html_of(locked)
    # Tries during the lock do not extend it: a stranger cannot keep someone out for ever.
    clock.move_to(START + LOCK_FOR - timedelta(seconds=1))
    assert try_password(app, "op@hn.test", "wrong again", f"{net}.101", via).status_code == 422
    assert try_password(app, "op@hn.test", PASSWORD, f"{net}.102", via).status_code == 422
    clock.move_to(START + LOCK_FOR)
    assert try_password(app, "op@hn.test", PASSWORD, f"{net}.103", via).status_code == 302
    # Others were never locked out.
    assert try_password(app, "head@hn.test", PASSWORD, f"{net}.104", via).status_code == 302


def test_an_administrator_unlocks_an_account(app, db, office, clock):
    op = office["people"]["op"]
    for n in range(LOCK_AFTER):
        try_password(app, "op@hn.test", "wrong", f"198.51.100.{n}", "socket")
    admin = signed_in_client(app, "admin@org.test", "192.0.2.9")
    page = html_of(admin.get(f"/admin/staff/{op.id}"))
    assert "Locked after wrong passwords until" in page
    answer = admin.post(f"/admin/staff/{op.id}/unlock")
    assert answer.status_code == 302
    assert "The staff member can sign in again." in html_of(admin.get(answer.location))
    assert try_password(app, "op@hn.test", PASSWORD, "198.51.100.50", "socket").status_code == 302
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())
                             ) == "staff_unlocked"


def error_summary(answer) -> str:
    text = html_of(answer)
    start = text.index('<div class="error-summary"')
    return text[start:text.index("</div>", start)]


@pytest.mark.parametrize("language", ["en", "vi", "fa", "ru"])
def test_unknown_and_locked_accounts_get_the_same_translated_answer(app, db, office, clock, language):
    for n in range(LOCK_AFTER):
        try_password(app, "op@hn.test", "wrong", f"198.51.100.{n}", "socket")
    answers = {
        "locked, right password": try_password(app, "op@hn.test", PASSWORD, "198.51.100.60",
                                               "socket", language),
        "locked, wrong password": try_password(app, "op@hn.test", "nope", "198.51.100.61",
                                               "socket", language),
        "unknown e-mail": try_password(app, "nobody@hn.test", PASSWORD, "198.51.100.62",
                                       "socket", language),
        "wrong password": try_password(app, "head@hn.test", "nope", "198.51.100.63", "socket",
                                       language),
    }
    # An unknown address "locked" with as many tries says nothing new either.
    for n in range(LOCK_AFTER):
        try_password(app, "ghost@hn.test", "wrong", f"198.51.100.{70 + n}", "socket")
    answers["unknown e-mail, many tries"] = try_password(app, "ghost@hn.test", PASSWORD,
                                                         "198.51.100.80", "socket", language)
    assert {answer.status_code for answer in answers.values()} == {422}
    summaries = {name: error_summary(answer) for name, answer in answers.items()}
    assert len(set(summaries.values())) == 1, summaries
    summary = summaries["unknown e-mail"]
    if language == "en":
        assert WRONG in summary and LOCK_RULE in summary
    else:  # said in the page's language, not in English
        assert LOCK_RULE not in summary and ("15" in summary or "۱۵" in summary)


def test_wrong_passwords_checked_at_the_same_time_all_count(app, db, office, clock):
    """Two sign-ins that read the count before either wrote it (parallel guesses): both count."""
    staff_id = office["people"]["op"].id
    db.session.get(StaffUser, staff_id).failed_signins = LOCK_AFTER - 2
    db.session.commit()
    with app.app_context():  # one request, with its own database session
        first = db.session.get(StaffUser, staff_id)
        assert first.failed_signins == LOCK_AFTER - 2
        with app.app_context():  # another request, at the same time
            second = db.session.get(StaffUser, staff_id)
            count_failure(second, START)
            db.session.commit()
            db.session.remove()
        count_failure(first, START)
        db.session.commit()
        db.session.remove()
    db.session.expire_all()
    assert is_locked(db.session.get(StaffUser, staff_id), START)
