"""Two or more actions on one request at the same moment (the API twice, the back office, a
service call), each with the version it saw: exactly one wins, every other gets the conflict
answer (409 in the API, the back office's conflict message), never a 500. Real threads, each
with its own connection, released together by a barrier, round after round."""
from __future__ import annotations

import threading
import traceback

import pytest

from tests import backoffice
from tests.test_admin import sign_in
from widget.extensions import db as _db
from widget.models import Request, StaffUser
from widget.services import messaging, workflow
from widget.services.access import Conflict
from widget.services.api_clients import create_api_client
from widget.uploads import configured_limits, configured_store

office, received = backoffice.office, backoffice.received

ROUNDS = 6
CONFLICT = "Someone else changed this request a moment ago."
# Each round's action and what it needs, in an order the status machine allows.
ROUND_ACTIONS = [("pause", {"reason": "supplement"}), ("resume", {})]


@pytest.fixture(autouse=True)
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def keys(office):
    admin = office["people"]["admin"]
    return [create_api_client(admin, name, [])[1] for name in ("CRM", "Archive")]


def _api(app, key, request_id, action, body, tag):
    def run():
        answer = app.test_client().post(
            f"/api/v1/requests/{request_id}/{action}", json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": tag})
        if answer.status_code == 200:
            return "won"
        assert answer.status_code == 409, (answer.status_code, answer.get_data(True))
        assert answer.headers["Content-Type"] == "application/problem+json"
        return "conflict"
    return run


def _back_office(app, staff: StaffUser, request_id, action, body, version):
    client = app.test_client()
    sign_in(client, staff)

    def run():
        form = {f"{action}-{name}": value for name, value in body.items()}
        answer = client.post(f"/admin/requests/{request_id}/{action}",
                             data={**form, f"{action}-version": str(version)})
        if answer.status_code == 302:
            assert answer.location == f"/admin/requests/{request_id}", answer.location
            return "won"
        assert answer.status_code == 409, (answer.status_code, answer.get_data(True)[:2000])
        assert CONFLICT in answer.get_data(as_text=True)
        return "conflict"
    return run


def _service(staff_id, request_id, call):
    def run():
        try:
            call(_db.session.get(StaffUser, staff_id), request_id)
        except Conflict:
            return "conflict"
        return "won"
    return run


def _race(app, contenders) -> list[str]:
    """Run the contenders at once, each in a thread with its own app context; their answers."""
    barrier = threading.Barrier(len(contenders))
    answers: list[str | None] = [None] * len(contenders)

    def run(index, contender):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                answers[index] = contender()
            except BaseException:  # noqa: BLE001 - the test reports it
                answers[index] = traceback.format_exc()
            finally:
                _db.session.remove()
    threads = [threading.Thread(target=run, args=(n, contender))
               for n, contender in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def test_concurrent_status_changes_one_wins_the_rest_conflict(app, office, received, keys):
    request = received()
    head = office["people"]["head"]
    workflow.register_request(head, request.id, None)
    workflow.start_work(head, request.id, None)
    service = {"pause": lambda staff, rid: workflow.pause_request(staff, rid, version, "supplement"),
               "resume": lambda staff, rid: workflow.resume_request(staff, rid, version)}
    for round_ in range(ROUNDS):
        _db.session.expire_all()
        version = _db.session.get(Request, request.id).lock_version
        events = len(_db.session.get(Request, request.id).events)
        action, fields = ROUND_ACTIONS[round_ % len(ROUND_ACTIONS)]
        body = {"expected_version": version, **fields}
        answers = _race(app, [
            _api(app, keys[0], request.id, action, body, f"a-{round_}"),
            _api(app, keys[1], request.id, action, body, f"b-{round_}"),
            _back_office(app, head, request.id, action, fields, version),
            _back_office(app, office["people"]["op"], request.id, action, fields, version),
            _service(office["people"]["admin"].id, request.id, service[action]),
        ])
        assert sorted(answers) == ["conflict"] * 4 + ["won"], answers
        _db.session.expire_all()
        assert len(_db.session.get(Request, request.id).events) == events + 1


def test_concurrent_messages_and_letters_with_one_version_one_wins(app, office, received, keys):
    request = received()
    head = office["people"]["head"]
    workflow.register_request(head, request.id, None)
    for round_ in range(ROUNDS):
        _db.session.expire_all()
        version = _db.session.get(Request, request.id).lock_version
        answers = _race(app, [
            _api(app, keys[0], request.id, "messages",
                 {"expected_version": version, "body": f"First {round_}"}, f"m-{round_}"),
            _api(app, keys[1], request.id, "letters",
                 {"expected_version": version, "title": "Answer", "body": f"Text {round_}"},
                 f"l-{round_}"),
            _service(head.id, request.id, lambda staff, rid: messaging.send_staff_message(
                staff, rid, f"Third {round_}", [], configured_limits(), configured_store(),
                expected_version=version)),
        ])
        assert sorted(answers) == ["conflict", "conflict", "won"], answers
