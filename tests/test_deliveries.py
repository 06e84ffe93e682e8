"""Notifications in the back office: a request's messages and their delivery history on its
page, and the administrators' dead letters with "Send again"; scoped, escaped, audited."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import test_admin
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.vnu import html_errors
from widget import codes
from widget.models import AuditEntry, DeliveryAttempt, OutboxChannel, OutboxItem, Request
from widget.models._types import utcnow
from widget.notify.outbox import enqueue
from widget.services.access import NotAllowed, NotFound
from widget.services.deliveries import (PAGE_SIZE, dead_letters, deliveries_of,
                                        retry_dead_letter)

# The back office's fixtures (no_csrf is autouse: most posts here need no token either).
make, no_csrf, office, store = test_admin.make, test_admin.no_csrf, test_admin.office, test_admin.store
DEAD = "/admin/notifications/dead"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def queue(db, office):
    """An outbox row as the worker left it: status, attempts, last error and its history."""
    def create(request: Request | None = None, *, channel="email", recipient="lan@example.org",
               subject="Your request is registered", body="Hello Lan", status="queued",
               attempts=0, last_error=None, history=(), age_minutes=0, organization=None
               ) -> OutboxItem:
        org_id = organization.id if organization is not None else office["org"].id
        item = enqueue(org_id, OutboxChannel(channel), recipient, body, subject=subject,
                       request_id=request.id if request is not None else None)
        created = utcnow() - timedelta(minutes=age_minutes)
        item.created_at, item.status, item.attempts, item.last_error = (
            created, status, attempts, last_error)
        for n, (outcome, detail) in enumerate(history, start=1):
            item.history.append(DeliveryAttempt(
                worker="worker-1", started_at=created + timedelta(seconds=n),
                finished_at=created + timedelta(seconds=n), outcome=outcome, detail=detail))
        if status == "sent":
            item.sent_at = created + timedelta(seconds=len(history))
        db.session.commit()
        return item
    return create


@pytest.fixture
def other_org(create_site):
    return create_site(key="other").organization


def reload(db, item: OutboxItem) -> OutboxItem:
    db.session.expire_all()
    return db.session.get(OutboxItem, item.id)


def retry_audits(db) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "retry_dead_letter").order_by(AuditEntry.id)))


# --- a request's page -------------------------------------------------------------------------

def test_the_request_page_lists_its_messages_with_status_and_history(client, office, make, queue):
    request, neighbour = make(status="registered"), make()
    queue(request, subject="Your request is registered", status="sent", attempts=1,
          history=[("sent", "")], age_minutes=50)
    queue(request, channel="sms", recipient="+84901234567", subject="",
          body="Your request HN-2026-000001 is registered. " * 3, status="queued", attempts=2,
          last_error="gateway timeout", age_minutes=40,
          history=[("lease_expired", "no result from worker w9 before its lease ended"),
                   ("temporary", "gateway timeout")])
    queue(request, recipient="gone@example.org", subject="Answer ready", status="dead",
          attempts=1, last_error="550 mailbox unavailable", age_minutes=30,
          history=[("permanent", "550 mailbox unavailable")])
    queue(request, subject="Working on it", status="sending", attempts=1, age_minutes=20)
    queue(request, subject="Just queued", age_minutes=10)
    queue(neighbour, recipient="neighbour@example.org", subject="Not this request")
    sign_in(client, office["people"]["op"])
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    section = html[html.index('id="notifications-title"'):html.index('id="timeline-title"')]
    for text in ("Notifications</h2>", "E-mail", "SMS", "<bdi>lan@example.org</bdi>",
                 "<bdi>+84901234567</bdi>", "Your request is registered", "<strong>Sent</strong>",
                 "<strong>Queued</strong>", "<strong>Sending</strong>",
                 "<strong>Failed — will retry</strong>", "<strong>Dead letter</strong>",
                 "<details", "Delivery history", ": Sent",
                 "Interrupted: the sending process stopped answering",
                 "no result from worker w9 before its lease ended", "Failed, to be tried again",
                 "gateway timeout", "Refused for good", "550 mailbox unavailable",
                 "Not tried yet.", "<time datetime="):
        assert text in section, text
    # An SMS has no subject: its text stands in, cut at 80 characters.
    summary = " ".join(("Your request HN-2026-000001 is registered. " * 3).split())[:80].rstrip()
    assert f'<dd dir="auto">{summary}…</dd>' in section
    order = [section.index(subject) for subject in (
        "Just queued", "Working on it", "Answer ready", "Failed — will retry",
        "Your request is registered")]
    assert order == sorted(order), "newest first"
    assert "neighbour@example.org" not in html and "Not this request" not in html
    other = html_of(client.get(f"/admin/requests/{neighbour.id}"))
    assert "neighbour@example.org" in other and "lan@example.org" not in other


def test_a_request_without_messages_says_so(client, office, make):
    request = make()
    sign_in(client, office["people"]["head"])
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    assert "Notifications</h2>" in html and "No notifications yet." in html


def test_another_units_staff_never_see_a_requests_messages(client, office, make, queue,
                                                           other_org):
    request, xd_request = make(), make(unit="XD")
    queue(request, recipient="lan@example.org")
    queue(xd_request, recipient="xd-person@example.org")
    # A row of another organisation pointing at this request (never made by the app) stays out.
    queue(request, recipient="stranger@example.org", organization=other_org)
    op_xd = office["people"]["op_xd"]
    sign_in(client, op_xd)
    refused = client.get(f"/admin/requests/{request.id}")
    assert refused.status_code == 404 and "lan@example.org" not in html_of(refused)
    own = html_of(client.get(f"/admin/requests/{xd_request.id}"))
    assert "xd-person@example.org" in own and "lan@example.org" not in own
    with pytest.raises(NotFound):
        deliveries_of(op_xd, request.id)
    assert [item.recipient for item in deliveries_of(office["people"]["op"], request.id)] == [
        "lan@example.org"]
    assert [item.recipient for item in deliveries_of(office["people"]["admin"], request.id)] == [
        "lan@example.org"]


# --- dead letters -----------------------------------------------------------------------------

def test_the_dead_letters_page_lists_only_this_organisations_dead_letters(
        client, office, make, queue, other_org):
    registered, received = make(status="registered"), make(unit="XD")
    queue(registered, recipient="gone@example.org", subject="Answer ready", status="dead",
          attempts=8, last_error="550 mailbox unavailable",
          history=[("permanent", "550 mailbox unavailable")])
    queue(received, channel="sms", recipient="+84900000000", subject="", body="Code 7K3M",
          status="dead", attempts=3, last_error="number not in service", age_minutes=5)
    queue(None, recipient="staff-account@example.org", status="dead", last_error="refused",
          age_minutes=10)
    queue(registered, recipient="alive@example.org", status="queued", attempts=2,
          last_error="timeout")
    queue(registered, recipient="sent@example.org", status="sent", attempts=1)
    queue(None, recipient="foreign@example.org", status="dead", organization=other_org)
    sign_in(client, office["people"]["admin"])
    page = client.get(DEAD)
    html = html_of(page)
    assert page.status_code == 200
    for text in ("Dead letters</h1>", "3 dead letters", "gone@example.org",
                 "550 mailbox unavailable", "Answer ready", "E-mail", "SMS", "+84900000000",
                 "number not in service", "staff-account@example.org", "Send again",
                 f'href="/admin/requests/{registered.id}"', registered.journal_number,
                 f'href="/admin/requests/{received.id}"', codes.display(received.code),
                 f'{DEAD}/', 'name="csrf_token"', "<time datetime="):
        assert text in html, text
    for text in ("alive@example.org", "sent@example.org", "foreign@example.org"):
        assert text not in html, text
    # The most recently given up first.
    assert html.index("gone@example.org") < html.index("+84900000000") < html.index(
        "staff-account@example.org")
    assert f'href="{DEAD}" aria-current="page"' in html  # the header's link, for administrators


@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_know_the_dead_letters_page(client, db, office, queue, who):
    item = queue(status="dead", attempts=8, last_error="refused")
    sign_in(client, office["people"][who])
    page = client.get(DEAD)
    assert page.status_code == 404
    assert "Page not found" in html_of(page) and "Dead letters" not in html_of(page)
    assert client.post(f"{DEAD}/{item.id}/retry").status_code == 404
    assert (reload(db, item).status, reload(db, item).attempts) == ("dead", 8)
    assert retry_audits(db) == []
    assert DEAD not in html_of(client.get("/admin/"))  # no link in the header either
    with pytest.raises(NotAllowed):
        dead_letters(office["people"][who], 1)
    with pytest.raises(NotAllowed):
        retry_dead_letter(office["people"][who], item.id)


def test_dead_letters_come_a_page_at_a_time(client, office, queue):
    total = PAGE_SIZE + 5
    for n in range(total):
        queue(recipient=f"person{n:02d}@example.org", status="dead", age_minutes=n)
    sign_in(client, office["people"]["admin"])

    def recipients(html: str) -> list[str]:
        return re.findall(r"<bdi>(person\d\d@example\.org)</bdi>", html)

    first = html_of(client.get(DEAD))
    assert recipients(first) == [f"person{n:02d}@example.org" for n in range(PAGE_SIZE)]
    assert f"{total} dead letters" in first and "Page 1 of 2" in first
    assert f'href="{DEAD}?page=2" rel="next"' in first
    second = html_of(client.get(DEAD, query_string={"page": 2}))
    assert recipients(second) == [f"person{n:02d}@example.org" for n in range(PAGE_SIZE, total)]
    assert f'href="{DEAD}?page=1" rel="prev"' in second
    assert recipients(html_of(client.get(DEAD, query_string={"page": 99}))) == recipients(second)
    for bad in ("abc", "-1", "0", "9" * 40):
        assert recipients(html_of(client.get(DEAD, query_string={"page": bad}))) == recipients(
            first)


def test_send_again_requeues_the_dead_letter_and_is_audited(client, app, db, office, make, queue):
    request = make(status="registered")
    item = queue(request, status="dead", attempts=8, last_error="550 mailbox unavailable",
                 history=[("permanent", "550 mailbox unavailable")])
    admin = office["people"]["admin"]
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{DEAD}/{item.id}/retry?page=1").status_code == 400  # no CSRF token
    assert reload(db, item).status == "dead"
    token = CSRF_INPUT.search(html_of(client.get(DEAD))).group(1)
    before = utcnow()
    done = client.post(f"{DEAD}/{item.id}/retry?page=1", data={"csrf_token": token})
    assert done.status_code == 302 and done.location == f"{DEAD}?page=1"
    item = reload(db, item)
    assert (item.status, item.attempts, item.claimed_by, item.lease_until) == ("queued", 0, None, None)
    assert item.next_attempt_at.replace(tzinfo=before.tzinfo) >= before - timedelta(seconds=1)
    assert len(item.history) == 1  # the history stays: staff see what happened before
    entry, = retry_audits(db)
    assert (entry.organization_id, entry.staff_user_id, entry.request_id) == (
        office["org"].id, admin.id, request.id)
    assert entry.before == {"outbox_id": item.id, "status": "dead", "attempts": 8}
    assert entry.after == {"outbox_id": item.id, "status": "queued", "attempts": 0}
    assert entry.created_at is not None
    after = html_of(client.get(done.location))
    assert "The message is queued and will be sent again in a moment." in after
    assert "No dead letters" in after and "0 dead letters" in after
    assert "Queued" in html_of(client.get(f"/admin/requests/{request.id}"))


def test_send_again_refuses_what_is_not_this_organisations_dead_letter(client, db, office, queue,
                                                                       other_org):
    items = {
        "sent": queue(status="sent", attempts=1),
        "queued": queue(status="queued", attempts=2, last_error="timeout"),
        "sending": queue(status="sending", attempts=1),
        "foreign": queue(status="dead", attempts=8, organization=other_org),
    }
    sign_in(client, office["people"]["admin"])
    for name, item in items.items():
        refused = client.post(f"{DEAD}/{item.id}/retry")
        assert refused.status_code == 422, name
        assert "This message is not a dead letter any more" in html_of(refused), name
        assert (reload(db, item).status, reload(db, item).attempts) == (item.status, item.attempts)
    assert client.post(f"{DEAD}/99999999/retry").status_code == 422
    assert client.post(f"{DEAD}/99999999999/retry").status_code == 404  # beyond any id
    assert retry_audits(db) == []
    # Sent again twice (two administrators, or a double click): the second changes nothing.
    dead = queue(status="dead", attempts=8)
    assert client.post(f"{DEAD}/{dead.id}/retry").status_code == 302
    assert client.post(f"{DEAD}/{dead.id}/retry").status_code == 422
    assert len(retry_audits(db)) == 1


# --- hostile text and markup ------------------------------------------------------------------

def test_what_the_outbox_holds_is_shown_as_text(client, office, make, queue):
    request = make()
    queue(request, recipient=HOSTILE[0], subject=HOSTILE[0], body=HOSTILE[1], status="dead",
          last_error=HOSTILE[0], history=[("permanent", HOSTILE[1])])
    queue(request, channel="sms", recipient=HOSTILE[1], subject="", body=HOSTILE[0])
    sign_in(client, office["people"]["admin"])
    for url in (f"/admin/requests/{request.id}", DEAD):
        html = html_of(client.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_of(client.get(f"/admin/requests/{request.id}"))


def test_notification_pages_are_valid_html(client, db, office, make, queue, tmp_path):
    request = make(status="registered")
    sign_in(client, office["people"]["admin"])
    pages = {"dead letters empty": client.get(DEAD)}
    queue(request, status="sent", attempts=1, history=[("sent", "")])
    queue(request, channel="sms", subject="", body="x" * 200, attempts=1, last_error="timeout",
          history=[("temporary", "timeout")])
    for n in range(PAGE_SIZE + 1):
        queue(request if n % 2 else None, recipient=f"p{n}@example.org", subject="درخواست شما",
              status="dead", last_error="550 <mailbox> unavailable",
              history=[("lease_expired", "lost"), ("permanent", "550")], age_minutes=n)
    pages["request"] = client.get(f"/admin/requests/{request.id}")
    pages["request empty"] = client.get(f"/admin/requests/{make().id}")
    pages["dead letters"] = client.get(DEAD)
    pages["dead letters 2"] = client.get(DEAD, query_string={"page": 2})
    pages["dead letters fa"] = client.get(DEAD, headers={"Accept-Language": "fa"})
    sent = queue(status="sent")
    pages["refused"] = client.post(f"{DEAD}/{sent.id}/retry")
    pages["not found"] = client.get("/admin/notifications/dead/1/retry")
    done = client.post(f"{DEAD}/{queue(status='dead').id}/retry")
    pages["sent again"] = client.get(done.location)
    sign_in(client, office["people"]["op"])
    pages["not an administrator"] = client.get(DEAD)
    assert html_errors({name: html_of(response) for name, response in pages.items()},
                       tmp_path) == []
