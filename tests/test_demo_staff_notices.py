"""The demo's history is the past: loading it and running the worker does not announce every
seeded request to staff as new (refused and closed ones included); their "for me" lists hold a
handful of notices at most, none about a request already settled."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.test_admin import html_of, sign_in
from widget.demo import load_demo_data
from widget.models import StaffUser
from widget.models._types import as_utc, utcnow
from widget.notify import worker
from widget.services.staff_notices import notices_for

HANDFUL = 5
SETTLED = {"refused", "closed"}


@pytest.mark.awkward_hours
def test_the_demo_history_does_not_flood_the_staff_notices(app, client, db, frozen_clock):
    load_demo_data()
    worker.scheduled(app.config)
    worker.staff_notices()

    for staff in db.session.scalars(select(StaffUser).where(StaffUser.is_system.is_(False))):
        notices = notices_for(staff).notices
        assert len(notices) <= HANDFUL, (staff.email, [(n.kind, n.request.status) for n in notices])
        assert not [notice for notice in notices if notice.request.status in SETTLED], staff.email
        announced = [notice for notice in notices if notice.kind == "new_in_unit"]
        assert all(notice.request.status == "received" for notice in announced), staff.email

    # The one notice the demo seeds on purpose: the person's reply, unread, dated as it happened.
    replied = [notice for notice in notices_for(db.session.scalar(select(StaffUser).where(
        StaffUser.email == "op.ht@demo.frontdesk"))).notices if notice.kind == "replied"]
    assert len(replied) == 1 and replied[0].read_at is None
    assert as_utc(replied[0].created_at) == utcnow() - timedelta(hours=4)

    operator = db.session.scalar(select(StaffUser).where(
        StaffUser.email == "op.xd@demo.frontdesk"))
    sign_in(client, operator)
    page = html_of(client.get("/admin/for-me"))
    assert len(re.findall(r'class="staff-notice', page)) <= HANDFUL
