"""A staff notice tells when its event happened, not when the worker got round to it: the "for
me" list and the e-mail show the event's moment, in the reader's language and the
organisation's time zone."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import backoffice
from tests.test_admin import html_of, sign_in
from widget.i18n import format_moment, machine_moment, reading_as
from widget.models import Event, OutboxItem, Request, StaffNotice
from widget.notify.staff_notices import compose_pending
from widget.services.workflow import assign_request

office, clock, at = backoffice.office, backoffice.clock, backoffice.at


@pytest.mark.parametrize("language", ["en", "vi", "fa", "ru"])
def test_a_notice_composed_later_shows_the_moment_of_its_event(app, client, db, office, clock,
                                                               language):
    people = office["people"]
    people["op"].language, people["op"].language_chosen = language, True
    db.session.commit()
    happened = clock("2026-10-19 09:00")
    request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                      unit_id=office["units"]["HN"].id, status="received", code="T7K3M9QX2H",
                      form_version_id=office["forms"]["HN"].current_version.id, language="en",
                      answers={"name": "Lan"}, submitted_at=happened,
                      due_at=at("2026-10-23 17:00"))
    request.events.append(Event(kind="received", data={"channel": "web"}))
    db.session.add(request)
    db.session.commit()
    request.status, request.journal_number = "registered", "HN-2026-000001"
    db.session.commit()
    assign_request(people["head"], request.id, None, people["op"].id)

    worked = clock("2026-10-19 09:40")  # the worker was late by forty minutes
    compose_pending()
    with app.test_request_context(), reading_as(language, office["org"].timezone):
        then, later = format_moment(happened), format_moment(worked)
    assert then != later

    notices = db.session.scalars(select(StaffNotice).where(
        StaffNotice.staff_user_id == people["op"].id)).all()
    assert {notice.kind for notice in notices} == {"new_in_unit", "assigned"}
    sign_in(client, people["op"])
    page = html_of(client.get("/admin/for-me"))
    shown = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert shown == [(machine_moment(happened), then)] * 2, shown

    mails = db.session.scalars(select(OutboxItem).where(
        OutboxItem.recipient == people["op"].email)).all()
    assert len(mails) == 2
    for mail in mails:
        assert then in mail.body_text and then in mail.body_html
        assert later not in mail.body_text


def test_history_written_in_is_not_announced_but_a_late_worker_still_tells_the_news(db, office,
                                                                                   clock):
    def sent(code: str, happened=None) -> Request:
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"]["HN"].id, status="received", code=code,
                          form_version_id=office["forms"]["HN"].current_version.id,
                          language="en", answers={"name": "Lan"}, due_at=at("2026-10-23 17:00"))
        request.events.append(Event(kind="received", data={"channel": "web"}, created_at=happened))
        db.session.add(request)
        db.session.commit()
        return request

    now = clock("2026-10-19 09:00")
    imported = sent("T0000IMP01", happened=at("2026-10-12 09:00"))  # a week-old event, written now
    just_now = sent("T0000NOW01", happened=now)
    submitted = sent("T0000NOW02")
    clock("2026-10-21 09:00")  # the worker was down for two days
    compose_pending()
    told = {notice.request_id for notice in db.session.scalars(select(StaffNotice))}
    assert told == {just_now.id, submitted.id}
    assert imported.id not in told
