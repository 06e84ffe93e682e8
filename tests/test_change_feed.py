"""The change feed (GET /api/v1/requests?cursor=) against real concurrency: many writers, each
with its own connection, change requests through the API and the services while one poller
follows the cursor; at the end the poller has seen every request as it is in the database."""
from __future__ import annotations

import threading
import time
import traceback

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests import backoffice
from widget.db_outage import is_database_outage
from widget.extensions import db as _db
from widget.models import Request, StaffUser
from widget.services import messaging, workflow
from widget.services.api_clients import create_api_client
from widget.uploads import configured_limits, configured_store

office, received = backoffice.office, backoffice.received

WRITERS = 16
DEADLINE_SECONDS = 120
# Sixteen writers at once can keep SQLite's write lock busy past busy_timeout on a crowded
# machine: the answer is then the documented 503 (nothing done), and the writer sends again
# as an integrator does.
RETRIES = 5


@pytest.fixture
def key(office):
    return create_api_client(office["people"]["admin"], "CRM", [])[1]


def _api(client, method, path, key, body=None, tag=""):
    headers = {"Authorization": f"Bearer {key}"}
    if method == "POST":
        headers["Idempotency-Key"] = f"{path}-{tag}"
    return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def _in_own_context(app, work, errors):
    """Run `work` in a thread of its own with its own app context (its own session and
    connection); an exception is kept for the test to report."""
    def run(*args):
        with app.app_context():
            try:
                work(*args)
            except BaseException:  # noqa: BLE001 - reported by the test
                errors.append(traceback.format_exc())
            finally:
                _db.session.remove()
    return run


def test_a_poller_following_the_cursor_sees_every_committed_change(app, office, received, key):
    requests = [received().id for _ in range(WRITERS)]
    head_id, admin_id = office["people"]["head"].id, office["people"]["admin"].id
    committed: dict[int, list[int]] = {request_id: [] for request_id in requests}
    errors: list[str] = []
    writers_done = threading.Event()
    start = threading.Barrier(WRITERS + 1)

    def write(n: int, request_id: int):
        client = app.test_client()
        start.wait(timeout=30)
        versions = committed[request_id]

        def through_api(name: str, body: dict):
            for _attempt in range(RETRIES):
                answer = _api(client, "POST", f"/requests/{request_id}/{name}", key, body,
                              tag=name)
                if answer.status_code != 503:
                    break
            assert answer.status_code == 200, (name, answer.status_code, answer.get_data(True))
            versions.append(answer.json["version"])

        def through_service(action):
            for _attempt in range(RETRIES):
                try:
                    request = action()
                    break
                except OperationalError as error:
                    if not is_database_outage(error):
                        raise
                    _db.session.rollback()
            versions.append(request.lock_version)
            _db.session.remove()

        def staff():
            return _db.session.get(StaffUser, admin_id)

        through_api("register", {})
        through_api("assign", {"executor_id": head_id})
        through_api("messages", {"body": f"Hello from writer {n}"})
        through_service(lambda: workflow.start_work(staff(), request_id, None))
        through_service(lambda: messaging.send_staff_message(
            staff(), request_id, "Work has started", [], configured_limits(), configured_store()))
        through_service(lambda: messaging.send_citizen_message(
            _db.session.get(Request, request_id), "Thank you", [], configured_limits(),
            configured_store()).request)
        through_api("pause", {"reason": "supplement"})

    seen: dict[int, int] = {}

    def poll():
        client, cursor = app.test_client(), None
        start.wait(timeout=30)
        quiet_after_done = 0
        # After the writers are done, two empty pages in a row: the feed has nothing more.
        while quiet_after_done < 2:
            finished = writers_done.is_set()
            page = _api(client, "GET", "/requests?limit=7" + (f"&cursor={cursor}" if cursor else ""),
                        key).json
            for row in page["requests"]:
                seen[row["id"]] = row["version"]
            cursor = page["next_cursor"]
            quiet_after_done = quiet_after_done + 1 if finished and not page["requests"] else 0

    threads = [threading.Thread(target=_in_own_context(app, write, errors), args=(n, request_id))
               for n, request_id in enumerate(requests)]
    poller = threading.Thread(target=_in_own_context(app, poll, errors))
    began = time.monotonic()
    for thread in [*threads, poller]:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
    writers_done.set()
    poller.join(timeout=DEADLINE_SECONDS)
    assert not errors, "\n".join(errors)
    assert not any(thread.is_alive() for thread in [*threads, poller])
    assert time.monotonic() - began < DEADLINE_SECONDS

    _db.session.expire_all()
    final = dict(_db.session.execute(select(Request.id, Request.lock_version)).all())
    # Every writer's last committed change is the request's final version, and the poller saw it.
    assert {request_id: versions[-1] for request_id, versions in committed.items()} == final
    assert all(len(versions) == 7 for versions in committed.values())
    assert seen == final


def test_requests_written_in_one_transaction_take_the_next_positions(db, office, received):
    """New sent requests take the organisation's next positions in id order, whether the commit
    also changes a stored request or not; a draft takes none, nor a request a rolled-back
    savepoint wrote."""
    from widget import codes
    from widget.models import RequestStatus

    def new(status="received"):
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"]["HN"].id,
                          form_version_id=office["forms"]["HN"].versions[0].id, status=status,
                          code=codes.generate() if status != "draft" else None, answers={},
                          language="en")
        _db.session.add(request)
        return request

    stored = received()
    last = stored.change_position
    draft, first, second = new(RequestStatus.DRAFT.value), new(), new()
    _db.session.commit()
    assert draft.change_position is None
    assert (first.change_position, second.change_position) == (last + 1, last + 2)
    kept = new()
    savepoint = _db.session.begin_nested()
    gone = new()
    _db.session.flush()
    savepoint.rollback()
    assert gone not in _db.session
    _db.session.commit()
    assert kept.change_position == last + 3
    stored.answers = {"name": "Lan Anh"}
    also = new()
    _db.session.commit()
    assert sorted([stored.change_position, also.change_position]) == [last + 4, last + 5]
    assert [row for row in _db.session.execute(select(Request.id, Request.change_position)
            .where(Request.id.in_([draft.id, first.id, second.id, kept.id, also.id]))
            .order_by(Request.id))] == [  # PostgreSQL returns an unordered IN in any order
        (draft.id, None), (first.id, last + 1), (second.id, last + 2), (kept.id, last + 3),
        (also.id, also.change_position)]


def _feed_after(client, key, cursor) -> tuple[dict[int, dict], str | None]:
    """Every request the feed gives after `cursor`, as it gives them, and the cursor at the end."""
    rows: dict[int, dict] = {}
    while True:
        page = _api(client, "GET", "/requests?limit=50" + (f"&cursor={cursor}" if cursor else ""),
                    key).json
        rows.update({row["id"]: row for row in page["requests"]})
        if not page["requests"]:
            return rows, cursor
        cursor = page["next_cursor"]


def test_whatever_changes_what_the_api_shows_of_a_request_moves_it_in_the_feed(
        client, db, office, received, key):
    """Not only changes to a request's own rows: what it shows of others (its unit's code) too.
    Each administrator's change below is made with the feed read to its end; every request
    whose document then differs must come again after the cursor, as it is now."""
    from widget.services.organisation import UnitInput, update_unit
    from widget.services.staff_admin import update_staff_member

    admin = office["people"]["admin"]
    made = [received("HN") for _ in range(3)] + [received("XD") for _ in range(2)]
    workflow.register_request(admin, made[0].id, None)
    workflow.assign_request(admin, made[0].id, None, office["people"]["op"].id)

    def documents() -> dict[int, dict]:
        return {request.id: _api(client, "GET", f"/requests/{request.id}", key).json
                for request in made}

    hn, xd = office["units"]["HN"], office["units"]["XD"]
    changes = {
        "a unit's code": lambda: update_unit(admin, hn.id, UnitInput(
            "HN2", dict(hn.names), hn.kind, hn.parent_id)),
        "a unit's names": lambda: update_unit(admin, xd.id, UnitInput(
            xd.code, {"en": "Unit XD renamed"}, xd.kind, xd.parent_id)),
        "an executor's units and role": lambda: update_staff_member(
            admin, office["people"]["op"].id, "unit_head", [hn.id, xd.id]),
    }
    _, cursor = _feed_after(client, key, None)
    for name, change in changes.items():
        before = documents()
        change()
        db.session.expire_all()
        after = documents()
        fed, cursor = _feed_after(client, key, cursor)
        for request_id, document in after.items():
            if document != before[request_id]:
                assert request_id in fed, (name, request_id)
                summary = {field: document[field] for field in fed[request_id]}
                assert fed[request_id] == summary, (name, request_id)
    assert documents()[made[0].id]["unit"] == "HN2"
