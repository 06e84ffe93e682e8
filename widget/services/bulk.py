"""A unit head's actions on several requests chosen in the inbox: each request goes through the
same service, scope and version checks as on its own page, in a transaction of its own, and
the report says which were done and why the others were refused."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.models import Request, StaffUser
from widget.services import workflow
from widget.services.access import ActionError, NotAllowed, NotFound, visible_to

MAX_SELECTED = 100  # more than an inbox page shows: a posted list past it is refused whole


@dataclass(frozen=True)
class Chosen:
    """One request ticked in the inbox and the version the page showed of it."""
    request_id: int
    version: int | None


@dataclass
class Outcome:
    """What happened to one chosen request: done, or refused with the reason (translated)."""
    chosen: Chosen
    done: bool
    reason: str = ""
    request: Request | None = None  # None when the request is not one this person may see


def parse_selection(values: list[str]) -> list[Chosen]:
    """The ticked requests as posted ("<id>:<version>" each), once each, in the page's order;
    a value that is no such pair becomes a request no one has (refused as not found)."""
    chosen, seen = [], set()
    for value in values:
        request_id, _sep, version = (value or "").partition(":")
        parsed = Chosen(int(request_id) if _number(request_id) else 0,
                        int(version) if _number(version) else None)
        if parsed.request_id not in seen or parsed.request_id == 0:
            seen.add(parsed.request_id)
            chosen.append(parsed)
    return chosen


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < len(text) <= 9


def _require_head(staff: StaffUser, chosen: list[Chosen]) -> None:
    if not staff.is_unit_head or staff.is_system:
        raise NotAllowed(_l("Only a unit head or an administrator may do this."))
    if not chosen:
        raise NotAllowed(_l("Please tick at least one request."))
    if len(chosen) > MAX_SELECTED:
        raise NotAllowed(_l("Please tick at most %(num)d requests at a time.", num=MAX_SELECTED))


def _each(staff: StaffUser, chosen: list[Chosen],
          run: Callable[[Chosen], Request]) -> list[Outcome]:
    outcomes = []
    for item in chosen:
        if item.version is None:
            # Every tick carries the version the page showed; without it nothing is changed.
            outcomes.append(Outcome(item, False, str(_l(
                "Please reload the inbox and tick the request again."))))
            continue
        try:
            outcomes.append(Outcome(item, True, request=run(item)))
        except ActionError as error:
            db.session.rollback()  # this request only: the ones before it stay done
            outcomes.append(Outcome(item, False, str(error.message)))
    for outcome in outcomes:
        if outcome.request is None and outcome.chosen.request_id:
            outcome.request = db.session.scalar(select(Request).where(
                Request.id == outcome.chosen.request_id, visible_to(staff)))
    return outcomes


def assign_selected(staff: StaffUser, chosen: list[Chosen], executor_id: int | None) -> list[Outcome]:
    """Give each chosen request to the executor (workflow.assign_request's rules, each)."""
    _require_head(staff, chosen)
    if not executor_id:
        raise NotAllowed(_l("Please choose an active colleague of the request's unit."))
    return _each(staff, chosen, lambda item: workflow.assign_request(
        staff, item.request_id, item.version, executor_id))


def register_selected(staff: StaffUser, chosen: list[Chosen]) -> list[Outcome]:
    """Register each chosen request into its own unit's journal (workflow.register_request)."""
    _require_head(staff, chosen)
    return _each(staff, chosen, lambda item: workflow.register_request(
        staff, item.request_id, item.version))


def exportable(staff: StaffUser, chosen: list[Chosen]) -> tuple[list[int], list[Outcome]]:
    """The chosen requests this unit head may export, and the refused ones (not theirs to see):
    an export is all of the selection or nothing, so a file never silently leaves one out."""
    _require_head(staff, chosen)
    ids = [item.request_id for item in chosen]
    visible = set(db.session.scalars(select(Request.id).where(Request.id.in_(ids),
                                                              visible_to(staff))))
    refused = [Outcome(item, False, str(NotFound().message)) for item in chosen
               if item.request_id not in visible]
    return [request_id for request_id in ids if request_id in visible], refused


def bulk_executors(staff: StaffUser) -> list[StaffUser]:
    """Colleagues a unit head may give requests to: active staff of their units (an
    administrator: of every unit), by name."""
    people = db.session.scalars(select(StaffUser).where(
        StaffUser.organization_id == staff.organization_id, StaffUser.is_active.is_(True),
        StaffUser.is_system.is_(False)).order_by(StaffUser.name)).all()
    units = {unit.id for unit in staff.units}
    return [person for person in people
            if person.units and (staff.is_admin or units & {unit.id for unit in person.units})]
