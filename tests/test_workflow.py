"""The back office's use cases, called directly: every transition, allowed and forbidden, the
deadline arithmetic, journal numbers, scoping, optimistic locking and the audit log."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import widget.services.workflow as workflow
from tests import backoffice
from widget.models import AuditEntry, RequestStatus as S, Role
from widget.services import fees, messaging
from widget.services.access import Conflict, NotAllowed, NotFound, find_for_staff
from widget.services.staff import create_staff, sign_in
from widget.services.staff_sessions import end_all_sessions, staff_for_session
from widget.uploads import IncomingFile, LocalFileStore, UploadLimits

PASSWORD = backoffice.PASSWORD
LIMITS = UploadLimits(10_000, 3, 20_000)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
at, local = backoffice.at, backoffice.local
clock, office, received = backoffice.clock, backoffice.office, backoffice.received


# --- the status machine -----------------------------------------------------------------------

def test_a_request_lives_its_whole_life(office, received, clock):
    head, op = office["people"]["head"], office["people"]["op"]
    request = received()
    clock("2026-10-16 10:00")
    workflow.register_request(op, request.id, request.lock_version)
    assert request.status == S.REGISTERED.value and request.journal_number == "HN-2026-000001"
    workflow.assign_request(head, request.id, request.lock_version, op.id)
    assert request.executor_id == op.id
    workflow.start_work(op, request.id, request.lock_version)
    clock("2026-10-19 10:00")  # Monday
    workflow.pause_request(op, request.id, request.lock_version, "supplement", "Missing ID copy")
    assert request.status == S.PAUSED.value and request.pause_reason == "supplement"
    clock("2026-10-20 15:00")  # Tuesday: waited Monday 10-17 and Tuesday 8-15, 14 working hours
    workflow.resume_request(op, request.id, request.lock_version)
    assert request.status == S.IN_PROGRESS.value and request.paused_at is None
    # Friday 23rd 17:00 + 14 working hours = Monday 26th (9h) + Tuesday 8:00 + 5h = 13:00.
    assert local(request.due_at) == "2026-10-27 13:00"
    workflow.mark_result_ready(op, request.id, request.lock_version, "post")
    assert request.status == S.RESULT_READY.value and request.handover == "post"
    workflow.close_request(op, request.id, request.lock_version)
    assert request.status == S.CLOSED.value and request.closed_at is not None
    kinds = [event.kind for event in request.events]
    assert kinds == ["registered", "assigned", "started", "paused", "resumed", "result_ready", "closed"]
    assert all(event.actor and event.staff_user_id for event in request.events)


ALL_STATUSES = [status.value for status in S if status is not S.DRAFT]
ACTIONS = {
    "register": lambda staff, r: workflow.register_request(staff, r.id, r.lock_version),
    "start": lambda staff, r: workflow.start_work(staff, r.id, r.lock_version),
    "pause": lambda staff, r: workflow.pause_request(staff, r.id, r.lock_version, "inspection"),
    "resume": lambda staff, r: workflow.resume_request(staff, r.id, r.lock_version),
    "result_ready": lambda staff, r: workflow.mark_result_ready(staff, r.id, r.lock_version, "desk"),
    "refuse": lambda staff, r: workflow.refuse_request(staff, r.id, r.lock_version, "Not our unit"),
    "close": lambda staff, r: workflow.close_request(staff, r.id, r.lock_version),
}
TARGET = {"register": "registered", "start": "in_progress", "pause": "paused", "resume": "in_progress",
          "result_ready": "result_ready", "refuse": "refused", "close": "closed"}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_each_transition_from_each_status(office, received, db, clock, action, status):
    clock("2026-10-19 10:00")
    request = received()
    request.status = status
    if status == S.PAUSED.value:
        request.paused_at = at("2026-10-19 09:00")
    db.session.commit()
    allowed = status in workflow.ALLOWED_FROM[action]
    if allowed:
        ACTIONS[action](office["people"]["head"], request)
        assert request.status == TARGET[action]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))
    else:
        with pytest.raises(NotAllowed):
            ACTIONS[action](office["people"]["head"], request)
        db.session.refresh(request)
        assert request.status == status and request.events == []


def test_journal_numbers_count_per_unit_and_year(office, received, clock):
    op, op_xd = office["people"]["op"], office["people"]["op_xd"]
    clock("2026-12-31 16:00")
    numbers = []
    for unit, staff in (("HN", op), ("HN", op), ("XD", op_xd)):
        request = received(unit)
        numbers.append(workflow.register_request(staff, request.id, request.lock_version).journal_number)
    clock("2027-01-04 09:00")
    request = received()
    numbers.append(workflow.register_request(op, request.id, request.lock_version).journal_number)
    assert numbers == ["HN-2026-000001", "HN-2026-000002", "XD-2026-000001", "HN-2027-000001"]


# --- roles and scope --------------------------------------------------------------------------

def test_staff_see_only_their_units(office, received):
    people = office["people"]
    request = received("HN")
    assert find_for_staff(people["op"], request.id) is request
    assert find_for_staff(people["admin"], request.id) is request
    with pytest.raises(NotFound):
        find_for_staff(people["op_xd"], request.id)
    with pytest.raises(NotFound):
        workflow.register_request(people["op_xd"], request.id, request.lock_version)
    with pytest.raises(NotFound):
        messaging.add_internal_note(people["op_xd"], request.id, "peeking")


def test_only_heads_assign_and_change_deadlines(office, received, clock):
    people = office["people"]
    clock("2026-10-16 10:00")
    request = received()
    workflow.register_request(people["op"], request.id, request.lock_version)
    with pytest.raises(NotAllowed):
        workflow.assign_request(people["op"], request.id, request.lock_version, people["op"].id)
    with pytest.raises(NotAllowed):
        workflow.change_deadline(people["op"], request.id, request.lock_version, date(2026, 10, 30), "x")
    # An executor must belong to the request's unit.
    with pytest.raises(NotAllowed):
        workflow.assign_request(people["head"], request.id, request.lock_version, people["op_xd"].id)
    workflow.assign_request(people["admin"], request.id, request.lock_version, people["op"].id)
    assert request.executor_id == people["op"].id


def test_deadline_changes_need_a_reason_and_a_working_day(office, received, clock):
    head = office["people"]["head"]
    clock("2026-10-16 10:00")
    request = received()
    with pytest.raises(NotAllowed):
        workflow.change_deadline(head, request.id, request.lock_version, date(2026, 10, 30), "  ")
    with pytest.raises(NotAllowed):  # a Saturday
        workflow.change_deadline(head, request.id, request.lock_version, date(2026, 10, 31), "More time")
    with pytest.raises(NotAllowed):  # in the past
        workflow.change_deadline(head, request.id, request.lock_version, date(2026, 10, 15), "Oops")
    workflow.change_deadline(head, request.id, request.lock_version, date(2026, 11, 2), "Expert opinion needed")
    assert local(request.due_at) == "2026-11-02 17:00"
    assert request.events[-1].note == "Expert opinion needed"


def test_pause_over_a_weekend_and_a_holiday(office, received, clock):
    op = office["people"]["op"]
    clock("2026-08-28 15:00")  # Friday
    request = received(due="2026-09-04 17:00")
    workflow.register_request(op, request.id, request.lock_version)
    workflow.pause_request(op, request.id, request.lock_version, "third_party")
    # Saturday, Sunday, then 31 August to 2 September are Vietnam's National Day holidays.
    clock("2026-09-03 10:00")
    workflow.resume_request(op, request.id, request.lock_version)
    # Waited Friday 15-17 (2h) + Thursday 8-10 (2h) = 4 working hours after Friday 4 Sept 17:00.
    assert local(request.due_at) == "2026-09-07 12:00"


# --- concurrency and the audit log ------------------------------------------------------------

def test_a_stale_version_is_refused_and_changes_nothing(office, received, clock):
    op = office["people"]["op"]
    clock("2026-10-16 10:00")
    request = received()
    seen = request.lock_version
    workflow.register_request(op, request.id, seen)
    with pytest.raises(Conflict):
        workflow.refuse_request(op, request.id, seen, "Based on an old view")
    assert request.status == S.REGISTERED.value


def test_the_audit_log_records_and_cannot_be_rewritten(office, received, db, clock):
    op = office["people"]["op"]
    clock("2026-10-16 10:00")
    request = received()
    workflow.register_request(op, request.id, request.lock_version)
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "register" and entry.staff_user_id == op.id
    assert entry.before["status"] == "received" and entry.after["status"] == "registered"
    assert entry.after["journal_number"] == "HN-2026-000001"
    entry.action = "nothing happened"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


# --- messages, letters, fees ------------------------------------------------------------------

def test_messages_notes_and_letters(office, received, tmp_path, clock):
    op = office["people"]["op"]
    store = LocalFileStore(tmp_path)
    clock("2026-10-16 10:00")
    request = received()
    messaging.send_staff_message(op, request.id, "Please bring the original.",
                                 [IncomingFile("file", "list.pdf", PDF)], LIMITS, store)
    messaging.add_internal_note(op, request.id, "Called the cadastre.")
    messaging.send_citizen_message(request, "I will come on Monday.", [], LIMITS, store)
    with pytest.raises(NotAllowed):
        messaging.issue_letter(op, request.id, "Answer", "", None, LIMITS, store)
    with pytest.raises(NotAllowed):  # a letter upload must be a PDF
        messaging.issue_letter(op, request.id, "Answer", "", IncomingFile("f", "a.txt", b"plain text"),
                               LIMITS, store)
    messaging.issue_letter(op, request.id, "Answer", "Your permit is granted.",
                           IncomingFile("f", "answer.pdf", PDF), LIMITS, store)
    assert [m.from_staff for m in request.messages] == [True, False]
    assert request.messages[0].attachments[0].filename == "list.pdf"
    assert request.attachments == []  # message and letter files are not the request's own files
    assert request.letters[0].attachments[0].filename == "answer.pdf"
    note = next(e for e in request.events if e.kind == "note")
    assert note.public is False and note.note == "Called the cadastre."
    with pytest.raises(NotAllowed):
        messaging.send_staff_message(op, request.id, "   ", [], LIMITS, store)


def test_fees_and_post(office, received, clock):
    op, head = office["people"]["op"], office["people"]["head"]
    clock("2026-10-16 10:00")
    request = received()
    with pytest.raises(NotAllowed):
        fees.mark_fee_paid(op, request.id, None, "R-1")  # nothing requested yet
    for bad in ("", "-5", "abc", "1e20"):
        with pytest.raises(NotAllowed):
            fees.request_fee(op, request.id, None, bad)
    fees.request_fee(op, request.id, None, "۵۰۰۰۰")  # Persian digits
    assert str(request.fee_amount) == "50000.00" and request.fee_status == "requested"
    fees.mark_fee_paid(op, request.id, None, "BL-2026-77")
    assert request.fee_status == "paid" and request.fee_receipt_number == "BL-2026-77"
    with pytest.raises(NotAllowed):
        fees.waive_fee(head, request.id, None, "too late")
    fees.record_post_sent(op, request.id, None, "EE123456789VN")
    assert request.postal_item_number == "EE123456789VN"
    kinds = [e.kind for e in request.events]
    assert kinds == ["fee_requested", "fee_paid", "post_sent"]


# --- staff accounts ---------------------------------------------------------------------------

def test_sign_in_and_sessions(office, db):
    op = office["people"]["op"]
    assert sign_in("OP@hn.test ", PASSWORD, 8) is op
    assert sign_in("op@hn.test", "wrong password", 8) is None
    assert sign_in("nobody@hn.test", PASSWORD, 8) is None
    assert op.password_hash.startswith("scrypt:")
    token = sign_in("op@hn.test", PASSWORD, 8).get_id()
    assert staff_for_session(token) is op
    end_all_sessions(op)  # e.g. the password changed
    db.session.commit()
    assert staff_for_session(token) is None
    token = sign_in("op@hn.test", PASSWORD, 8).get_id()
    op.is_active = False
    db.session.commit()
    assert sign_in("op@hn.test", PASSWORD, 8) is None
    assert staff_for_session(token) is None
    with pytest.raises(NotAllowed):
        create_staff(office["org"], "short@x.test", "Short", "short", Role.OPERATOR)
    with pytest.raises(NotAllowed):
        create_staff(office["org"], "op@hn.test", "Twin", PASSWORD, Role.OPERATOR)
