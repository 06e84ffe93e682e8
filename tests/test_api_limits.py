"""API rate limits: one budget per verified key, shared by every REST and Open311 route; calls
without a key, or with one that does not verify, count against their client address, so forged
keys that copy a real key's prefix never spend its budget."""
from __future__ import annotations

from datetime import datetime, timezone
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from widget.extensions import db
from widget.models import Organization, Role
from widget.services.api_clients import create_api_client
from widget.services.staff import create_staff

# A fixed-window limit counts per minute: a frozen clock keeps the test inside one window.
FROZEN = datetime(2026, 10, 20, 3, 0, 10, tzinfo=timezone.utc)
BUDGET = 5


@pytest.fixture
def limited(limited_app, time_machine):
    """A client of an app allowing BUDGET calls a minute per budget, and two real keys."""
    time_machine.move_to(FROZEN, tick=False)
    app = limited_app(RATE_LIMIT_API=f"{BUDGET} per minute")
    with app.app_context():
        org = db.session.scalar(select(Organization))
        admin = create_staff(org, "admin@rl.test", "Admin", "correct horse battery", Role.ADMIN)
        keys = [create_api_client(admin, name, [])[1] for name in ("CRM", "Archive")]
        db.session.remove()
    return app.test_client(), keys


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def calls(key: str):
    """One call on each of five routes of both APIs, the key sent as each expects it."""
    return [("/api/v1/forms", {}, bearer(key)),
            ("/api/v1/requests", {}, bearer(key)),
            ("/open311/v2/services.json", {}, bearer(key)),
            ("/open311/v2/requests.xml", {"api_key": key}, {}),
            ("/open311/v2/servicerequestupdates.json", {"api_key": key}, {})]


def test_forged_keys_never_spend_a_real_keys_budget(limited):
    client, (key, _other) = limited
    prefix = key[:len("fd_") + 12]  # "fd_" and the key's public prefix: all a forger can see
    forged = [f"{prefix}_forged{n}" for n in range(3 * BUDGET)] + [key[:-1] + "!", prefix + key]
    statuses = []
    for n, fake in enumerate(forged):
        path, params, headers = calls(fake)[n % 5]
        statuses.append(client.get(path, query_string=params, headers=headers).status_code)
    # Refused as keys (401 REST, 403 Open311) until their address's own budget is spent.
    assert set(statuses[:BUDGET]) <= {401, 403} and set(statuses[BUDGET:]) == {429}
    for path, params, headers in calls(key):
        answer = client.get(path, query_string=params, headers=headers)
        assert answer.status_code == 200, (path, answer.get_data(as_text=True))


def test_one_budget_per_key_across_every_route(limited):
    client, (key, other) = limited
    assert [client.get(path, query_string=params, headers=headers).status_code
            for path, params, headers in calls(key)] == [200] * BUDGET
    # The sixth call, wherever it goes, finds the budget spent.
    rest = client.get("/api/v1/requests/1", headers=bearer(key))
    assert rest.status_code == 429
    assert rest.headers["Content-Type"] == "application/problem+json"
    assert rest.get_json()["status"] == 429 and int(rest.headers["Retry-After"]) > 0
    open311 = client.get("/open311/v2/services.xml", headers=bearer(key))
    assert open311.status_code == 429 and int(open311.headers["Retry-After"]) > 0
    assert ET.fromstring(open311.get_data()).findtext("error/code") == "429"
    # Another key has its own budget.
    assert [client.get(path, query_string=params, headers=headers).status_code
            for path, params, headers in calls(other)] == [200] * BUDGET
