"""New work never goes unheard: whatever became of the people who would be told, every event that
tells staff tells somebody who can act on the request. The hunt crosses every way the request's
executor can be (none, at work, deactivated, moved to another unit, a connected system) with
its unit staffed or not (everyone there deactivated), and makes every event happen that tells
staff of work: a new request, a transfer into the unit, the person's reply, a pause ending, each
deadline window. Told must be someone active, a person, able to see the request; the executor
alone when they can act; otherwise the unit, else the administrators, with the executor named
so that the request is given to someone else."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import backoffice, test_staff_notices
from tests.backoffice import PASSWORD
from widget.models import Event, Request, Role, StaffNotice, StaffUser
from widget.notify.staff_notices import compose_pending, queue_deadline_notices, wording
from widget.services import messaging
from widget.services.access import visible_to
from widget.services.staff import create_staff
from widget.uploads import configured_limits, configured_store

office, clock, at = backoffice.office, backoffice.clock, backoffice.at
people, request_of = test_staff_notices.people, test_staff_notices.request_of
forget_notices = test_staff_notices.forget_notices

EXECUTORS = ("none", "at work", "deactivated", "moved away", "a connected system")
EVENTS = ("new request", "transferred in", "the person replied", "pause ended",
          "due in a working day", "due in 3 hours")
EXECUTOR_KINDS = {"the person replied", "pause ended", "due in a working day", "due in 3 hours"}


@pytest.fixture
def crew(db, office, people):
    """An executor of unit HN for each case (each their own person), and a connected system with
    every right that does what staff do through the API (an actor who is told nothing)."""
    hn, xd = office["units"]["HN"], office["units"]["XD"]
    made = {}
    for number, case in enumerate(EXECUTORS[1:]):
        made[case] = create_staff(office["org"], f"executor{number}@hn.test", f"Executor {number}",
                                  PASSWORD, Role.OPERATOR, [hn])
    made["deactivated"].is_active = False
    made["moved away"].units = [xd]
    made["a connected system"].is_system = True
    robot = create_staff(office["org"], "robot@org.test", "CRM", PASSWORD, Role.ADMIN)
    robot.is_system = True
    db.session.commit()
    return made, robot


def _make_event(db, office, request_of, event, executor, robot) -> Request:
    """A request of unit HN in the state the event needs, what it told before forgotten, then
    the event itself."""
    hn, xd = office["units"]["HN"], office["units"]["XD"]
    if event == "new request":
        return request_of(executor=executor)
    # Deadlines: Wednesday 14 October 2026, 09:00 in Hanoi; due at 11:00, or the next day.
    due = {"due in 3 hours": at("2026-10-14 11:00"),
           "due in a working day": at("2026-10-15 08:30")}.get(event)
    request = request_of(status="registered" if event == "transferred in" else "in_progress",
                         executor=executor, due=due)
    forget_notices(db)
    if event == "transferred in":
        request.events.append(Event(kind="transferred", staff_user_id=robot.id, actor=robot.name,
                                    data={"from_unit_id": xd.id, "to_unit_id": hn.id}))
    elif event == "the person replied":
        messaging.send_citizen_message(request, "Tôi đã bổ sung giấy tờ.", [],
                                       configured_limits(), configured_store())
    elif event == "pause ended":
        request.events.append(Event(kind="resumed", staff_user_id=robot.id, actor=robot.name))
    db.session.commit()
    return request


def _can_act(db, staff: StaffUser, request: Request) -> bool:
    return staff.is_active and not staff.is_system and db.session.scalar(
        select(Request.id).where(Request.id == request.id, visible_to(staff))) == request.id


@pytest.mark.parametrize("unit_staffed", [True, False], ids=["unit staffed", "nobody in the unit"])
@pytest.mark.parametrize("executor_case", EXECUTORS)
def test_every_event_of_work_tells_somebody_who_can_act_on_it(db, office, people, crew,
                                                              request_of, clock, executor_case,
                                                              unit_staffed):
    clock("2026-10-14 09:00")
    executors, robot = crew
    executor = executors.get(executor_case)
    if not unit_staffed:
        for person in (people["op"], people["head"], executors["at work"]):
            person.is_active = False
        db.session.commit()
    forget_notices(db)
    for event in EVENTS:
        request = _make_event(db, office, request_of, event, executor, robot)
        compose_pending()
        queue_deadline_notices()
        # Columns, not notice objects: forget_notices deletes the rows under the session.
        notices = db.session.execute(select(
            StaffNotice.staff_user_id, StaffNotice.kind, StaffNotice.data).where(
            StaffNotice.request_id == request.id)).all()
        told = {db.session.get(StaffUser, notice.staff_user_id) for notice in notices}
        where = (event, executor_case, unit_staffed)
        assert told, f"nobody was told: {where}"
        assert all(_can_act(db, staff, request) for staff in told), where
        executor_acts = executor is not None and _can_act(db, executor, request)
        if event in EXECUTOR_KINDS and executor_acts:
            assert told == {executor}, where
        elif unit_staffed:
            assert all(office["units"]["HN"] in staff.units for staff in told), where
        else:
            assert {staff.role for staff in told} == {Role.ADMIN.value}, where
        gone = event in EXECUTOR_KINDS and executor is not None and not executor_acts
        for notice in notices:
            _, body = wording(notice.kind, request, notice.data or {})
            assert ("who handles it, can no longer act on it" in body) == gone, (where, body)
            if gone:
                assert body.endswith(f"{executor.name}, who handles it, can no longer act on it: "
                                     "please give it to someone else."), (where, body)
