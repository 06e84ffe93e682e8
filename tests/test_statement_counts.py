"""How many SQL statements a submission and a lookup cost, asserted exactly.

Each statement is a round trip to the database that every person waits for. A change that adds
one (a lazy load from a template, a SELECT the INSERT's constraint already answers) fails here
with the list of statements, so whoever adds it sees it and decides. A change that removes one
updates the number. Time is never asserted: these counts are what a test can hold steady.
"""
from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from tests import backoffice
from tests.conftest import form_token, tracking_code
from tests.template_loads import no_lazy_loads_in
from widget import codes
from widget.extensions import db as _db
from widget.models import Account, InboxItem
from widget.models._types import utcnow
from widget.passwords import hash_password
from widget.services import messaging, workflow
from widget.uploads import IncomingFile, LocalFileStore, UploadLimits

clock, office, received = backoffice.clock, backoffice.office, backoffice.received

H = {"Sec-Fetch-Site": "same-origin"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PASSWORD = "a long and private pass phrase"

# The number of statements each path runs, from the first statement of the HTTP request to the
# last (connection set-up and SAVEPOINTs included: they are round trips too).
EXPECTED = {
    # The site with its configuration version (the rest of the configuration from the process's
    # cache, the search text's country too); INSERT request, event, the notices' promise, the
    # staff notices' pending row; the change feed's position (2: a request this transaction
    # inserted is neither read nor locked for it). No look for webhook subscribers: the
    # configuration says no system listens. (On PostgreSQL 3: services/first_send.py.)
    "send": 7,
    "send_with_files": 8,  # and the file's INSERT
    # The site and version; INSERT; the promise of the resume code to the draft's contact
    # (its first save with one; a new draft takes no position).
    "draft_save": 3,
    # The site and version; the request with organisation, form, executor, unit; its events,
    # messages, letters and files (one UNION ALL). Fields and theme from the cache.
    "status_page": 3,
    # The site and version, the account's session and account, the request (ownership), its
    # notices marked read, the page's two, the unread count.
    "cabinet_view": 8,
}


@contextmanager
def statements():
    """Every SQL statement the engine runs inside the block, in order."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()))

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# PostgreSQL writes a first send's four rows in one statement (WITH ... INSERT), and takes the
# change position and sets it in another.
ON_POSTGRESQL = {"send": 3}


def assert_count(path: str, seen: list[str]) -> None:
    expected = EXPECTED[path]
    if _db.engine.dialect.name == "postgresql":
        expected = ON_POSTGRESQL.get(path, expected)
    listing = "\n".join(f"  {n}. {text[:300]}" for n, text in enumerate(seen, 1))
    assert len(seen) == expected, (
        f"{path}: {len(seen)} statements, expected {expected}. If the new count is right, "
        f"change EXPECTED[{path!r}] and say why in the commit.\n{listing}")


@pytest.fixture(autouse=True)
def _no_lazy_loads_from_the_pages(app):
    with no_lazy_loads_in(app, "public/status.html", "public/_answers.html"):
        yield


@pytest.fixture
def page(client, office):
    """The form of unit HN with a fresh token, as a person opens it."""
    def open_page():
        response = client.get("/w/test/en/f/form-hn")
        assert response.status_code == 200
        return form_token(response.get_data(as_text=True))
    return open_page


def answers(token: str, action: str = "send") -> dict:
    return {"form_token": token, "action": action, "name": "Lan", "message": "Hello",
            "email": "lan@example.org"}


def test_a_first_send(client, page):
    token = page()
    with statements() as seen:
        response = client.post("/w/test/en/f/form-hn", data=answers(token),
                               content_type="multipart/form-data")
    assert response.status_code == 200 and tracking_code(response.get_data(as_text=True))
    assert_count("send", seen)


def test_a_first_send_with_files(client, page):
    token = page()
    data = answers(token) | {"proof": (io.BytesIO(PDF), "proof.pdf")}
    with statements() as seen:
        response = client.post("/w/test/en/f/form-hn", data=data,
                               content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and tracking_code(html) and "proof.pdf" in html
    assert_count("send_with_files", seen)


def test_a_draft_save(client, page):
    token = page()
    with statements() as seen:
        response = client.post("/w/test/en/f/form-hn", data=answers(token, "draft"),
                               content_type="multipart/form-data")
    assert response.status_code == 200 and "resume" in response.get_data(as_text=True).lower()
    assert_count("draft_save", seen)


@pytest.fixture
def worked_on(office, received, clock, app):
    """A request with everything a status page shows: a journal number, an executor, a pause,
    a message with a file each way, a letter with a file."""
    people = office["people"]
    store = LocalFileStore(app.config["FRONTDESK_UPLOAD_DIR"])
    limits = UploadLimits(10_000, 3, 20_000)
    clock("2026-10-16 10:00")
    request = received(answers={"name": "Lan", "email": "lan@example.org"})
    workflow.register_request(people["op"], request.id, request.lock_version)
    workflow.assign_request(people["head"], request.id, request.lock_version, people["op"].id)
    messaging.send_staff_message(people["op"], request.id, "Please send the original.",
                                 [IncomingFile("file", "checklist.pdf", PDF)], limits, store)
    messaging.issue_letter(people["op"], request.id, "Decision", "Granted.",
                           IncomingFile("letter", "decision.pdf", PDF), limits, store)
    workflow.pause_request(people["op"], request.id, request.lock_version, "supplement",
                           "Bring the original deed.")
    return request


def test_a_status_page(client, worked_on):
    code = codes.display(worked_on.code)
    client.get("/w/test/en/track")  # the process has served the site before: its cache is warm
    with statements() as seen:
        response = client.post("/w/test/en/track", data={"code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "checklist.pdf" in html and "decision.pdf" in html and "Operator HN" in html
    assert_count("status_page", seen)


def test_a_cabinet_view(client, db, office, worked_on):
    account = Account(organization_id=office["org"].id, name="Lan", email="lan@example.org",
                      password_hash=hash_password(PASSWORD), email_verified_at=utcnow(),
                      language="en")
    db.session.add(account)
    db.session.flush()
    worked_on.account_id = account.id
    db.session.commit()
    signed_in = client.post("/w/test/en/account/signin",
                            data={"contact": "lan@example.org", "password": PASSWORD}, headers=H)
    assert signed_in.status_code == 303
    address = f"/w/test/en/account/requests/{worked_on.id}"
    with statements() as seen:
        response = client.get(address)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "decision.pdf" in html
    assert_count("cabinet_view", seen)


def test_the_notification_box_reads_the_same_for_two_notices_as_for_twelve(client, db, office,
                                                                           received):
    """Each notice is worded again in the page's language, about requests of two units: from
    the cached configuration and rows loaded together, never more statements per notice."""
    from widget.notify.inbox import to_inbox

    account = Account(organization_id=office["org"].id, name="Lan", email="lan@example.org",
                      password_hash=hash_password(PASSWORD), email_verified_at=utcnow(),
                      language="vi")
    db.session.add(account)
    db.session.commit()
    signed_in = client.post("/w/test/en/account/signin",
                            data={"contact": "lan@example.org", "password": PASSWORD}, headers=H)
    assert signed_in.status_code == 303
    counts = {}
    for total in (2, 12):
        while db.session.scalar(select(func.count(InboxItem.id))) < total:
            made = db.session.scalar(select(func.count(InboxItem.id)))
            request = received(unit=("HN", "XD")[made % 2], answers={"name": "Lan"})
            request.account_id = account.id
            db.session.commit()
            to_inbox(request, "paused.supplement", {"note": "Bring the deed."})
            db.session.commit()
        client.get("/w/test/en/account/notifications")  # marks them read: the same work after
        with statements() as seen:
            response = client.get("/w/test/en/account/notifications")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Bring the deed.") == total
        counts[total] = seen
    assert len(counts[12]) == len(counts[2]), "\n".join(counts[12])
