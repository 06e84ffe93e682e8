"""Moving a request to another unit: who may, where to, with a reason, the deadline kept or
restarted as the form says, audited, versioned; from the request's page and through the API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import backoffice
from tests.test_admin import html_of, sign_in
from widget.extensions import db as _db
from widget.models import AuditEntry, Request, Unit
from widget.services import workflow
from widget.services.access import Conflict, NotAllowed, NotFound, find_for_staff
from widget.services.api_clients import create_api_client
from widget.services.transfer import transfer_request
from widget.workdays import WorkCalendar

at, local = backoffice.at, backoffice.local
clock, office, received = backoffice.clock, backoffice.office, backoffice.received


@pytest.fixture(autouse=True)
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


def _state(request: Request) -> tuple:
    _db.session.expire_all()
    request = _db.session.get(Request, request.id)
    return (request.unit_id, request.executor_id, request.due_at, request.lock_version,
            len(request.events))


def test_an_operator_moves_a_request_to_another_unit_keeping_its_deadline(office, received, clock):
    op, head, op_xd = (office["people"][who] for who in ("op", "head", "op_xd"))
    hn, xd = office["units"]["HN"], office["units"]["XD"]
    request = received()
    clock("2026-10-16 10:00")
    workflow.register_request(op, request.id, request.lock_version)
    workflow.assign_request(head, request.id, request.lock_version, op.id)
    due = request.due_at
    clock("2026-10-19 09:00")
    transfer_request(op, request.id, request.lock_version, xd.id, "  Land matters are XD's.  ")
    assert request.unit_id == xd.id and request.due_at == due
    assert request.executor_id is None  # the operator is not of XD: XD's head assigns it anew
    assert request.journal_number == "HN-2026-000001" and request.status == "registered"
    event = request.events[-1]
    # Exactly this kind and data: the staff notices of the other unit are built from it.
    assert event.kind == "transferred"
    assert event.data == {"from_unit_id": hn.id, "to_unit_id": xd.id,
                          "reason": "Land matters are XD's."}
    assert event.staff_user_id == op.id and event.note is None  # the reason is for staff
    entry = _db.session.scalars(select(AuditEntry).where(
        AuditEntry.request_id == request.id).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "transfer" and entry.staff_user_id == op.id
    assert entry.before["unit_id"] == hn.id and entry.after["unit_id"] == xd.id
    assert entry.after["reason"] == "Land matters are XD's."
    # HN's staff no longer see it; XD's do.
    with pytest.raises(NotFound):
        find_for_staff(op, request.id)
    assert find_for_staff(op_xd, request.id).id == request.id


def test_the_clock_restarts_when_the_form_says_so(office, received, clock):
    op, xd = office["people"]["op"], office["units"]["XD"]
    form = office["forms"]["HN"]
    form.transfer_restarts_clock = True
    _db.session.commit()
    request = received()
    moment = clock("2026-10-21 11:00")  # Wednesday
    transfer_request(op, request.id, request.lock_version, xd.id, "Wrong unit")
    calendar = WorkCalendar.for_organization(office["org"])
    assert request.due_at.replace(tzinfo=None) == calendar.due_at(
        moment, form.processing_days).replace(tzinfo=None)
    assert local(request.due_at) != "2026-10-23 17:00"


def test_a_paused_request_restarting_its_clock_waits_from_the_move(office, received, clock):
    op, xd = office["people"]["op"], office["units"]["XD"]
    office["forms"]["HN"].transfer_restarts_clock = True
    _db.session.commit()
    request = received()
    clock("2026-10-16 10:00")
    workflow.register_request(op, request.id, request.lock_version)
    workflow.pause_request(op, request.id, request.lock_version, "third_party")
    moved = clock("2026-10-20 10:00")
    transfer_request(op, request.id, request.lock_version, xd.id, "Their case")
    assert request.status == "paused" and request.paused_at.replace(tzinfo=None) == moved.replace(
        tzinfo=None)


@pytest.mark.parametrize("case", ["no reason", "blank reason", "same unit", "no such unit",
                                  "other organisation", "closed unit", "closed request",
                                  "other unit's operator", "stale version", "long reason"])
def test_a_refused_move_says_why_and_changes_nothing(office, received, clock, create_site, case):
    op, op_xd = office["people"]["op"], office["people"]["op_xd"]
    xd = office["units"]["XD"]
    request = received()
    clock("2026-10-16 10:00")
    staff, unit_id, reason, version = op, xd.id, "Their case", request.lock_version
    if case == "no reason":
        reason = None
    elif case == "blank reason":
        reason = " \n "
    elif case == "long reason":
        reason = "x" * 2001
    elif case == "same unit":
        unit_id = office["units"]["HN"].id
    elif case == "no such unit":
        unit_id = 999_999
    elif case == "other organisation":
        other = Unit(organization_id=create_site(key="other").organization_id, code="OT",
                     names={"en": "Other"})
        _db.session.add(other)
        _db.session.commit()
        unit_id = other.id
    elif case == "closed unit":
        xd.is_active = False
        _db.session.commit()
    elif case == "closed request":
        request.status = "closed"
        _db.session.commit()
        version = request.lock_version
    elif case == "other unit's operator":
        staff = op_xd
    elif case == "stale version":
        version -= 1
    before = _state(request)
    expected = {"other unit's operator": NotFound, "stale version": Conflict}.get(case, NotAllowed)
    with pytest.raises(expected) as refused:
        transfer_request(staff, request.id, version, unit_id, reason)
    _db.session.rollback()
    assert str(refused.value)
    assert _state(request) == before


def test_an_administrator_moves_any_request_a_unit_head_only_their_units(office, received, clock):
    admin, head = office["people"]["admin"], office["people"]["head"]
    hn, xd = office["units"]["HN"], office["units"]["XD"]
    theirs, other = received("HN"), received("XD")
    clock("2026-10-16 10:00")
    transfer_request(head, theirs.id, theirs.lock_version, xd.id, "Theirs")
    with pytest.raises(NotFound):
        transfer_request(head, other.id, other.lock_version, hn.id, "Ours now")
    transfer_request(admin, other.id, other.lock_version, hn.id, "Ours now")
    assert other.unit_id == hn.id and theirs.unit_id == xd.id


def _options(html: str, name: str) -> list[tuple[str, bool]]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, bool(selected)) for value, selected in
            re.findall(r'<option[^>]*value="([^"]*)"([^>]*selected)?', select_html)]


def test_the_request_page_offers_the_move_with_no_unit_chosen(client, office, received):
    op, xd = office["people"]["op"], office["units"]["XD"]
    request = received()
    sign_in(client, op)
    page = html_of(client.get(f"/admin/requests/{request.id}"))
    options = _options(page, "transfer-unit")
    # Starts empty: the first option is "choose", nothing is selected, HN itself is not offered.
    assert options[0] == ("", False) and not any(selected for _, selected in options)
    assert [value for value, _ in options[1:]] == [str(xd.id)]
    assert 'name="transfer-reason"' in page


def test_moving_from_the_request_page(client, office, received):
    op, xd = office["people"]["op"], office["units"]["XD"]
    request = received()
    sign_in(client, op)
    refused = client.post(f"/admin/requests/{request.id}/transfer", data={
        "transfer-version": request.lock_version, "transfer-unit": "",
        "transfer-reason": "Their case"})
    assert refused.status_code == 422
    assert "Please choose an active unit of the organisation." in html_of(refused)
    refused = client.post(f"/admin/requests/{request.id}/transfer", data={
        "transfer-version": request.lock_version, "transfer-unit": str(xd.id),
        "transfer-reason": ""})
    assert refused.status_code == 422 and "Please give a reason." in html_of(refused)
    assert _db.session.get(Request, request.id).unit_id == office["units"]["HN"].id
    moved = client.post(f"/admin/requests/{request.id}/transfer", data={
        "transfer-version": request.lock_version, "transfer-unit": str(xd.id),
        "transfer-reason": "Their case"})
    # The operator no longer sees the request: back to the inbox, told it moved.
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/admin/")
    assert "The request is moved to the other unit." in html_of(client.get("/admin/"))
    _db.session.expire_all()
    assert _db.session.get(Request, request.id).unit_id == xd.id


def test_a_closed_request_offers_no_move(client, office, received):
    request = received()
    request.status = "closed"
    _db.session.commit()
    sign_in(client, office["people"]["op"])
    assert "transfer-unit" not in html_of(client.get(f"/admin/requests/{request.id}"))


def _api(client, key, path, body):
    return client.post(f"/api/v1{path}", json=body, headers={
        "Authorization": f"Bearer {key}", "Idempotency-Key": f"{path}-{sorted(body.items())}"})


def test_moving_through_the_api(client, office, received):
    admin, xd, hn = office["people"]["admin"], office["units"]["XD"], office["units"]["HN"]
    key = create_api_client(admin, "CRM", [])[1]
    request = received()
    path = f"/requests/{request.id}/transfer"
    assert _api(client, key, path, {"unit_id": xd.id}).status_code == 422
    assert _api(client, key, path, {"reason": "Theirs"}).status_code == 422
    assert _api(client, key, path, {"unit_id": xd.id, "reason": "Theirs",
                                    "expected_version": request.lock_version + 5}).status_code == 409
    answer = _api(client, key, path, {"unit_id": xd.id, "reason": "Theirs",
                                      "expected_version": request.lock_version})
    assert answer.status_code == 200 and answer.json["unit"] == "XD", answer.json
    _db.session.expire_all()
    assert _db.session.get(Request, request.id).unit_id == xd.id
    # A key limited to unit XD moves XD's request back; then it no longer sees it.
    xd_key = create_api_client(admin, "XD system", [xd.id])[1]
    again = _api(client, xd_key, path, {"unit_id": hn.id, "reason": "Back"})
    assert again.status_code == 200
    assert _api(client, xd_key, path, {"unit_id": xd.id, "reason": "Again"}).status_code == 404


def test_the_form_builder_keeps_the_transfer_setting(client, office):
    from widget.services.form_builder import FormSettings, update_settings
    form = office["forms"]["HN"]
    settings = FormSettings(titles={"en": "Form"}, descriptions={}, processing_days="5",
                            sms_enabled=True, same_day=False, handovers=[], fee="",
                            unit_id=str(form.unit_id), group_id="", is_published=True,
                            transfer_restarts_clock=True)
    update_settings(office["people"]["admin"], form.id, settings)
    _db.session.expire_all()
    assert _db.session.get(type(form), form.id).transfer_restarts_clock is True
    sign_in(client, office["people"]["admin"])
    page = html_of(client.get(f"/admin/forms/{form.id}"))
    assert re.search(r'name="transfer_restarts_clock" value="1" checked', page)
