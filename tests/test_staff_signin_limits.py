"""Staff sign-in limits with the shipped settings: an office whose desks all share one address
is never locked out by its own day's work, while guessing is stopped per account (the lock) and a
flood of failures from one address per address."""
from __future__ import annotations

from sqlalchemy import select

from widget.extensions import db as _db
from widget.models import Organization, Role, StaffUser
from widget.services.signin_lock import LOCK_AFTER
from widget.services.staff import create_staff

PASSWORD = "correct horse battery"
OFFICE_SIZE = 30


def _office(app) -> list[str]:
    with app.app_context():
        org = _db.session.scalar(select(Organization))
        emails = [f"desk{number}@office.test" for number in range(OFFICE_SIZE)]
        for email in emails:
            create_staff(org, email, email, PASSWORD, Role.OPERATOR)
        _db.session.remove()
    return emails


def _sign_in(client, email: str, password: str = PASSWORD) -> int:
    status = client.post("/admin/login", data={"email": email, "password": password}).status_code
    if status == 302:
        client.post("/admin/logout")
    return status


def test_a_whole_office_behind_one_address_signs_in_all_day(limited_app):
    app = limited_app()  # the shipped limits
    app.config["WTF_CSRF_ENABLED"] = False
    emails = _office(app)
    client = app.test_client()  # every desk: the same client address
    statuses = []
    for round_ in range(3):  # morning, after lunch, after a browser restart
        for email in emails:
            if round_ == 1:
                statuses.append(_sign_in(client, email, "a typo"))  # one slip each
            statuses.append(_sign_in(client, email))
    assert statuses.count(429) == 0
    assert statuses.count(302) == 3 * OFFICE_SIZE
    with app.app_context():
        assert not _db.session.scalars(select(StaffUser).where(
            StaffUser.locked_until.is_not(None))).all()


def test_a_flood_of_failures_from_one_address_is_stopped(limited_app):
    app = limited_app()
    app.config["WTF_CSRF_ENABLED"] = False
    emails = _office(app)
    client = app.test_client()
    statuses = [_sign_in(client, f"guess{number}@office.test", "guess") for number in range(70)]
    assert 429 in statuses and statuses.index(429) <= 60
    # While the flood is stopped, this address gets no further: a right password waits too.
    assert _sign_in(client, emails[0]) == 429


def test_guessing_one_account_from_many_addresses_locks_it(limited_app):
    app = limited_app()
    app.config["WTF_CSRF_ENABLED"] = False
    emails = _office(app)
    for number in range(LOCK_AFTER):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number + 1}"
        assert _sign_in(client, emails[0], "guess") == 422
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _sign_in(client, emails[0]) == 422  # locked: even the right password waits
    assert _sign_in(client, emails[1]) == 302  # the colleague is not
