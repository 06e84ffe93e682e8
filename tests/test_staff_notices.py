"""What staff are told (seed 004): each kind of notice reaches whom it concerns and nobody
else, never anyone who may not see the request; each can be switched off per person; deadlines
are told once, in working time; e-mails go through the outbox in the reader's language."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from tests import backoffice
from tests.backoffice import PASSWORD
from tests.test_admin import html_of, sign_in
from widget.extensions import db as _db
from widget.models import (Event, OutboxItem, PendingStaffNotice, Request, RequestStatus as S,
                           Role, StaffNotice, StaffUser)
from widget.models._types import utcnow
from widget.notify.staff_notices import compose_pending, mentioned_in, queue_deadline_notices
from widget.services import messaging
from widget.services.access import visible_to
from widget.services.inbox import InboxQuery, View, list_inbox
from widget.services.staff import create_staff
from widget.services.staff_notices import (mark_read, note_look, notices_for, save_switches,
                                           set_language, switches_of, unread_count, unread_of)
from widget.uploads import configured_limits, configured_store
from widget.services.workflow import assign_request, pause_request, resume_request

office, clock, at = backoffice.office, backoffice.clock, backoffice.at


@pytest.fixture(autouse=True)
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def people(office):
    return office["people"]


@pytest.fixture
def request_of(db, office):
    """A sent request (its 'received' event recorded as a submission does), in a status."""
    def make(unit="HN", status="received", executor=None, due=None, **attrs) -> Request:
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"][unit].id, status=status,
                          form_version_id=office["forms"][unit].current_version.id,
                          code=f"T{next(_codes):08d}", language="en",
                          answers={"name": "Lan", "email": "lan@example.org"},
                          submitted_at=utcnow(), due_at=due, executor=executor, **attrs)
        if status != "received":
            request.journal_number = f"{unit}-2026-{next(_codes):06d}"
        request.events.append(Event(kind="received", data={"channel": "web"}))
        db.session.add(request)
        db.session.commit()
        return request
    return make


_codes = itertools.count(1)


def told(kind: str | None = None) -> dict[str, set[int]]:
    """{staff e-mail: request ids} of the "for me" notices (of a kind), after the worker's run."""
    compose_pending()
    statement = select(StaffUser.email, StaffNotice.request_id).join(
        StaffUser, StaffUser.id == StaffNotice.staff_user_id)
    if kind:
        statement = statement.where(StaffNotice.kind == kind)
    found: dict[str, set[int]] = {}
    for email, request_id in _db.session.execute(statement):
        found.setdefault(email, set()).add(request_id)
    return found


def mailed() -> list[str]:
    return list(_db.session.scalars(select(OutboxItem.recipient).where(
        OutboxItem.recipient.like("%.test")).order_by(OutboxItem.id)))


def forget_notices(db):
    """Tell what is pending, then forget it: the test looks at what comes next."""
    compose_pending()
    db.session.execute(StaffNotice.__table__.delete())
    db.session.execute(OutboxItem.__table__.delete())
    db.session.commit()


# --- each kind ----------------------------------------------------------------------------------

def test_a_new_request_tells_its_unit_not_the_other_unit_and_the_submission_only_leaves_a_row(
        db, request_of):
    request = request_of()
    # The submission's transaction wrote one small row, no notice and no e-mail: the worker does.
    assert db.session.scalar(select(func.count(PendingStaffNotice.id))) == 1
    assert db.session.scalar(select(func.count(StaffNotice.id))) == 0
    assert told("new_in_unit") == {"op@hn.test": {request.id}, "head@hn.test": {request.id}}
    assert sorted(mailed()) == ["head@hn.test", "op@hn.test"]
    assert db.session.scalar(select(func.count(PendingStaffNotice.id))) == 0
    assert compose_pending() == 0 and len(mailed()) == 2  # never told twice


def test_a_request_transferred_into_a_unit_tells_that_unit(db, request_of, people, office):
    request = request_of(status="registered")
    forget_notices(db)
    # The transfer action (another branch) records this event with the request's new unit.
    request.unit_id = office["units"]["XD"].id
    request.events.append(Event(kind="transferred", staff_user_id=people["admin"].id,
                                actor="Admin", data={"from_unit_id": office["units"]["HN"].id,
                                                     "to_unit_id": office["units"]["XD"].id,
                                                     "reason": "Sai đơn vị"}))
    db.session.commit()
    assert told("new_in_unit") == {"op@xd.test": {request.id}}
    mail = db.session.scalar(select(OutboxItem).where(OutboxItem.recipient == "op@xd.test"))
    assert "transferred to Unit XD from Unit HN" in mail.body_text and "Sai đơn vị" in mail.body_text


def test_assigned_tells_the_executor_not_the_head_who_assigned(db, request_of, people):
    request = request_of(status="registered")
    forget_notices(db)
    assign_request(people["head"], request.id, None, people["op"].id)
    assert told() == {"op@hn.test": {request.id}}
    mail = db.session.scalar(select(OutboxItem).where(OutboxItem.recipient == "op@hn.test"))
    assert mail.subject == f"Request {request.journal_number} is assigned to you"
    assert "Head HN assigned" in mail.body_text
    assert f"/admin/requests/{request.id}" in mail.body_text
    assert request.code not in mail.body_text + mail.body_html  # the person's key stays theirs


def test_the_persons_reply_tells_the_executor_or_else_the_unit(db, request_of, people, app):
    mine = request_of(status="in_progress", executor=people["op"])
    nobody = request_of(status="registered")
    forget_notices(db)
    for request in (mine, nobody):
        messaging.send_citizen_message(request, "Tôi đã bổ sung giấy tờ.", [],
                                       configured_limits(), configured_store())
    assert told("replied") == {"op@hn.test": {mine.id, nobody.id}, "head@hn.test": {nobody.id}}


def test_a_paused_request_that_runs_again_is_returned_to_its_executor(db, request_of, people):
    request = request_of(status="in_progress", executor=people["op"], due=at("2026-12-30 17:00"))
    pause_request(people["head"], request.id, None, "supplement")
    forget_notices(db)
    resume_request(people["head"], request.id, None)
    assert told() == {"op@hn.test": {request.id}}
    assert told("returned") == {"op@hn.test": {request.id}}
    # Resumed by the executor themselves: nothing to tell them.
    pause_request(people["op"], request.id, None, "supplement")
    forget_notices(db)
    resume_request(people["op"], request.id, None)
    assert told() == {}


def test_a_note_tells_the_colleagues_it_names_by_name_or_address(db, request_of, people):
    request = request_of(status="in_progress", executor=people["op"])
    forget_notices(db)
    messaging.add_internal_note(people["head"], request.id,
                                "@operator hn, please call; cc @ADMIN@org.test and @op@xd.test")
    # Operator XD cannot see unit HN's request: named or not, never told of it.
    assert told("mentioned") == {"op@hn.test": {request.id}, "admin@org.test": {request.id}}
    messaging.add_internal_note(people["head"], request.id, "No one named here, e-mail x@y.z")
    assert db.session.scalar(select(func.count(PendingStaffNotice.id))) == 0


def test_a_name_is_mentioned_only_whole(people):
    colleagues = list(people.values())
    assert mentioned_in("@Operator HNX and @Head", colleagues) == []
    assert mentioned_in("thanks @Head HN.", colleagues) == [people["head"]]


# --- switches -----------------------------------------------------------------------------------

def test_each_kind_is_switched_per_person_and_channel(db, request_of, people):
    op = people["op"]
    assert switches_of(op)["assigned"] == {"back_office", "email"}
    save_switches(op, {("assigned", "back_office"), ("new_in_unit", "email")})
    request = request_of(status="registered")
    assert told("new_in_unit") == {"head@hn.test": {request.id}}  # op keeps only its e-mail
    assert mailed().count("op@hn.test") == 1
    forget_notices(db)
    assign_request(people["head"], request.id, None, op.id)
    assert told("assigned") == {"op@hn.test": {request.id}} and mailed() == []
    assert switches_of(people["head"])["assigned"] == {"back_office", "email"}  # theirs alone


def test_switches_refuse_what_is_not_offered(db, people):
    from widget.services.access import NotAllowed
    with pytest.raises(NotAllowed):
        save_switches(people["op"], {("assigned", "sms")})
    assert switches_of(people["op"])["assigned"] == {"back_office", "email"}


# --- deadlines, in working time -----------------------------------------------------------------

def deadline_notices(db) -> list[tuple[str, str]]:
    return [(email, window) for email, window in db.session.execute(
        select(StaffUser.email, StaffNotice.data).join(StaffUser, StaffUser.id ==
                                                      StaffNotice.staff_user_id)
        .where(StaffNotice.kind == "deadline").order_by(StaffNotice.id))
        for window in [window["window"]]]


def test_deadline_notices_on_a_holiday_eve_count_working_hours_only(db, request_of, people, clock):
    """Due Monday 4 May 10:00, after the 30 April and 1 May holidays and a weekend: one working
    day before is Wednesday 29 April 10:00, 3 working hours before is that day at 16:00."""
    clock("2026-04-28 12:00")
    request_of(status="in_progress", executor=people["op"], due=at("2026-05-04 10:00"))
    for moment, expected in [("2026-04-29 09:59", []),
                             ("2026-04-29 10:00", [("op@hn.test", "1d")]),
                             ("2026-04-29 15:59", [("op@hn.test", "1d")]),
                             ("2026-04-29 16:00", [("op@hn.test", "1d"), ("op@hn.test", "3h")]),
                             ("2026-05-02 10:00", [("op@hn.test", "1d"), ("op@hn.test", "3h")]),
                             ("2026-05-04 09:00", [("op@hn.test", "1d"), ("op@hn.test", "3h")])]:
        clock(moment)
        queue_deadline_notices()
        assert deadline_notices(db) == expected, moment


def test_friday_evening_a_monday_deadline_is_told_once_and_only_the_nearer_window(
        db, request_of, office, clock):
    """First seen on Friday evening, due Monday 11:00 (3 working hours away): the 3-hour notice
    only, to the unit (nobody is assigned), and never the one-day notice after it."""
    clock("2026-10-16 19:30")
    request = request_of(status="registered", due=at("2026-10-19 11:00"))
    assert queue_deadline_notices() == 1
    assert deadline_notices(db) == [("op@hn.test", "3h"), ("head@hn.test", "3h")]
    for moment in ("2026-10-17 09:00", "2026-10-19 08:00", "2026-10-19 10:59"):
        clock(moment)
        assert queue_deadline_notices() == 0
    mail = _db.session.scalar(select(OutboxItem).where(OutboxItem.recipient == "op@hn.test",
                                                       OutboxItem.subject.contains("due in")))
    assert mail.subject == f"Request {request.journal_number} is due in 3 working hours"


def test_a_moved_deadline_is_told_again_and_paused_or_closed_requests_not_at_all(
        db, request_of, people, clock):
    clock("2026-10-14 09:00")
    running = request_of(status="in_progress", executor=people["op"], due=at("2026-10-14 11:00"))
    request_of(status="paused", executor=people["op"], due=at("2026-10-14 11:00"))
    request_of(status="result_ready", executor=people["op"], due=at("2026-10-14 11:00"))
    assert queue_deadline_notices() == 1
    running.due_at = at("2026-10-14 15:00")
    db.session.commit()
    assert queue_deadline_notices() == 1
    # Moved to 15:00, six working hours away: within a working day, not within 3 hours.
    assert deadline_notices(db) == [("op@hn.test", "3h"), ("op@hn.test", "1d")]


# --- access scoping: a hunt over every kind and every role --------------------------------------

ROLES = ("op", "head", "op_xd", "admin", "gone", "system")


@pytest.fixture
def everyone(db, office, people):
    """The office's people, and two who must never be told: a deactivated HN operator and a
    connected system's identity in unit HN."""
    gone = create_staff(office["org"], "gone@hn.test", "Gone HN", PASSWORD, Role.OPERATOR,
                        [office["units"]["HN"]])
    system = create_staff(office["org"], "system@hn.test", "System HN", PASSWORD, Role.UNIT_HEAD,
                          [office["units"]["HN"]])
    gone.is_active, system.is_system = False, True
    db.session.commit()
    return people | {"gone": gone, "system": system}


def _every_kind(db, office, everyone, request_of, actor, executor):
    """Make every event staff are told of happen once, on unit HN's requests."""
    head = everyone["head"]
    request = request_of(status="in_progress", executor=executor, due=None)
    names = " ".join(f"@{person.name} @{person.email}" for person in everyone.values())
    request.events.append(Event(kind="note", note=names, public=False, staff_user_id=actor.id,
                                actor=actor.name))
    request.events.append(Event(kind="assigned", data={"executor_id": executor.id},
                                staff_user_id=actor.id, actor=actor.name))
    request.events.append(Event(kind="resumed", staff_user_id=actor.id, actor=actor.name))
    db.session.commit()
    messaging.send_citizen_message(request, "Xin chào", [], configured_limits(), configured_store())
    moved = request_of(status="registered")
    moved.unit_id = office["units"]["XD"].id
    moved.events.append(Event(kind="transferred", staff_user_id=head.id, actor=head.name, data={
        "from_unit_id": office["units"]["HN"].id, "to_unit_id": office["units"]["XD"].id}))
    db.session.commit()
    return request


@pytest.mark.parametrize("actor_role, executor_role", [
    (actor, executor) for actor in ("op", "head", "admin")
    for executor in ("op", "head", "op_xd", "admin", "gone", "system")])
def test_nobody_is_ever_told_of_a_request_they_may_not_see_nor_of_their_own_doing(
        db, office, everyone, request_of, actor_role, executor_role):
    actor, executor = everyone[actor_role], everyone[executor_role]
    _every_kind(db, office, everyone, request_of, actor, executor)
    compose_pending()
    notices = db.session.scalars(select(StaffNotice)).all()
    assert notices
    for notice in notices:
        staff = db.session.get(StaffUser, notice.staff_user_id)
        assert staff.is_active and not staff.is_system, (notice.kind, staff.email)
        assert db.session.scalar(select(Request.id).where(
            Request.id == notice.request_id, visible_to(staff))) == notice.request_id, \
            (notice.kind, staff.email)
        event = db.session.get(Event, notice.event_id)
        assert event.staff_user_id != staff.id, (notice.kind, staff.email)
    by_mail = {item.recipient for item in db.session.scalars(select(OutboxItem))
               if item.recipient.endswith(".test")}
    assert by_mail == {db.session.get(StaffUser, notice.staff_user_id).email for notice in notices}
    assert not by_mail & {"gone@hn.test", "system@hn.test"}
    kinds = {notice.kind for notice in notices}
    assert {"new_in_unit", "mentioned"} <= kinds


def test_a_person_moved_out_of_a_unit_no_longer_reads_its_notices(db, office, request_of, people):
    request = request_of()
    compose_pending()
    op = people["op"]
    assert unread_count(op) == 1 and [n.request_id for n in notices_for(op).notices] == [request.id]
    op.units = [office["units"]["XD"]]
    db.session.commit()
    assert unread_count(op) == 0 and notices_for(op).notices == []


# --- reading -------------------------------------------------------------------------------------

def test_notices_are_read_by_choice_all_at_once_or_by_opening_the_request(db, request_of, people):
    first, second, third = request_of(), request_of(), request_of()
    compose_pending()
    op = people["op"]
    assert unread_count(op) == 3
    chosen = next(n.id for n in notices_for(op).notices if n.request_id == first.id)
    other_persons = db.session.scalar(select(StaffNotice.id).where(
        StaffNotice.staff_user_id == people["head"].id))
    assert mark_read(op, [chosen, other_persons]) == 1  # another's notice stays theirs
    assert unread_count(op) == 2 and unread_count(people["head"]) == 3
    note_look(op, second)
    assert unread_count(op) == 1
    assert mark_read(op) == 1 and unread_count(op) == 0
    assert [n.request_id for n in notices_for(op, unread_only=True).notices] == []
    assert {n.request_id for n in notices_for(op).notices} == {first.id, second.id, third.id}


def test_the_inbox_marks_what_each_person_has_not_seen(db, request_of, people, app):
    op, head = people["op"], people["head"]
    request = request_of(status="in_progress", executor=op)
    assert unread_of(op, [request.id])[request.id].events == 1  # never opened: all of it
    note_look(op, request)
    note_look(head, request)
    assert unread_of(op, [request.id]) == {}
    messaging.send_citizen_message(request, "Xin chào", [], configured_limits(), configured_store())
    messaging.add_internal_note(op, request.id, "Called her back")
    assert unread_of(op, [request.id])[request.id].replies == 1
    assert unread_of(op, [request.id])[request.id].events == 0  # my own note is no news to me
    assert unread_of(head, [request.id])[request.id].events == 1
    note_look(op, request)
    assert unread_of(op, [request.id]) == {} and unread_of(head, [request.id])


# --- inbox views --------------------------------------------------------------------------------

def test_mine_and_waiting_views(db, request_of, people, app):
    op = people["op"]
    working = request_of(status="in_progress", executor=op)
    ready = request_of(status="result_ready", executor=op)
    request_of(status="closed", executor=op)
    waiting = request_of(status="paused", executor=op, pause_reason="supplement",
                         paused_at=utcnow())
    answered = request_of(status="paused", executor=op, pause_reason="supplement",
                          paused_at=utcnow())
    third_party = request_of(status="paused", pause_reason="third_party", paused_at=utcnow())
    new = request_of()
    messaging.send_citizen_message(answered, "Đây là giấy tờ", [], configured_limits(), configured_store())

    def ids(view):
        return {r.id for r in list_inbox(op, InboxQuery(view=view)).requests}
    assert ids(View.MINE) == {working.id, ready.id, waiting.id, answered.id}
    assert ids(View.WAITING_FOR_PERSON) == {waiting.id}
    assert ids(View.WAITING_FOR_US) == {working.id, answered.id, new.id}
    assert third_party.id not in ids(View.WAITING_FOR_US) | ids(View.WAITING_FOR_PERSON)


# --- pages --------------------------------------------------------------------------------------

def test_the_header_counts_unread_notices_and_for_me_lists_them(client, db, request_of, people):
    request = request_of()
    compose_pending()
    sign_in(client, people["op"])
    html = html_of(client.get("/admin/"))
    assert re.search(r'id="for-me"[^>]*>For me <span class="count"><span aria-hidden="true">1<', html)
    page = html_of(client.get("/admin/for-me"))
    assert f"New request #{request.id} in Unit HN" in page and "Unread" in page
    notice_id = db.session.scalar(select(StaffNotice.id).where(
        StaffNotice.staff_user_id == people["op"].id))
    done = client.post("/admin/for-me/read", data={"notice": [str(notice_id)]})
    assert done.status_code == 302 and unread_count(people["op"]) == 0
    assert 'id="for-me"' in html_of(client.get("/admin/")) and \
        'class="count"' not in html_of(client.get("/admin/for-me")).split('id="for-me"')[1][:80]


def test_my_notices_page_saves_the_switches(client, db, people):
    sign_in(client, people["op"])
    assert 'value="assigned:email" checked' in html_of(client.get("/admin/me/notices"))
    saved = client.post("/admin/me/notices", data={"on": ["assigned:back_office"]})
    assert saved.status_code == 302
    assert switches_of(people["op"])["assigned"] == {"back_office"}
    assert switches_of(people["op"])["replied"] == set()
    refused = client.post("/admin/me/notices", data={"on": ["assigned:pigeon"]})
    assert refused.status_code == 422 and switches_of(people["op"])["assigned"] == {"back_office"}


def test_the_language_switch_persists_for_pages_and_notices(client, db, people, request_of):
    op = people["op"]
    sign_in(client, op)
    assert '<html lang="fa"' in html_of(client.get("/admin/", headers={"Accept-Language": "fa"}))
    switched = client.post("/admin/me/language", data={"language": "ru", "next": "/admin/for-me"})
    assert switched.status_code == 302 and switched.location.endswith("/admin/for-me")
    assert db.session.get(StaffUser, op.id).language == "ru"
    # The browser asks for Persian; the staff member chose Russian: the back office speaks Russian.
    html = html_of(client.get("/admin/", headers={"Accept-Language": "fa"}))
    assert '<html lang="ru" dir="ltr">' in html and "Входящие" in html or "Для меня" in html
    refused = client.post("/admin/me/language", data={"language": "xx",
                                                      "next": "https://evil.example/"})
    assert refused.status_code == 302 and refused.location.endswith("/admin/")
    assert db.session.get(StaffUser, op.id).language == "ru"
    request = request_of()
    compose_pending()
    mail = db.session.scalar(select(OutboxItem).where(OutboxItem.recipient == "op@hn.test"))
    assert mail.language == "ru" and mail.subject == f"Новое обращение #{request.id} в Unit HN"


def test_set_language_refuses_a_language_not_offered(db, people, app):
    from widget.services.access import NotAllowed
    with pytest.raises(NotAllowed):
        set_language(people["op"], "de", app.config["FRONTDESK_LANGUAGES"])
    assert not people["op"].language_chosen
