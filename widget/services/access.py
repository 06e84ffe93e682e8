"""Who on the staff may see which request: every staff lookup goes through here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, select

from widget.extensions import db
from widget.models import Request, RequestStatus, StaffUser


class ActionError(Exception):
    """A staff action that cannot be done; the message is translated and safe to show."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotFound(ActionError):
    """No such request among those this person may see (the same answer as for none at all)."""

    def __init__(self):
        super().__init__(_l("This request does not exist or is not yours to see."))


class NotAllowed(ActionError):
    """The action is not possible in the request's state or for this person's role."""


class FieldsRefused(NotAllowed):
    """Something that cannot be saved; `problems` says what is wrong with which field."""

    def __init__(self, problems: dict):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


class AdministratorsOnly(NotAllowed):
    """Administration is the administrators' business; the back office hides it from others."""

    def __init__(self):
        super().__init__(_l("Only an administrator may do this."))


class HeadsOnly(AdministratorsOnly):
    """Reports of a unit's work (its export, its dashboard) are for its heads and the
    administrators; the back office hides them from others as it hides administration."""

    def __init__(self):
        NotAllowed.__init__(self, _l("Only a unit head or an administrator may do this."))


def require_unit_head(staff: StaffUser) -> None:
    """Raise HeadsOnly unless the staff member heads units or administers (a connected system
    never does); what they then see is scoped by visible_to."""
    if not staff.is_unit_head or staff.is_system:
        raise HeadsOnly()


def require_admin(staff: StaffUser) -> None:
    """Raise AdministratorsOnly unless the staff member is an administrator (a connected system's
    identity never is: it acts through the API only)."""
    if not staff.is_admin or staff.is_system:
        raise AdministratorsOnly()


def organisation_row(staff: StaffUser, model, row_id: int, missing: type[ActionError], *where):
    """An administrator's lookup of one row of their organisation by id (and `where`); another
    organisation's row, like none at all, raises `missing` (Redash's get_by_id_and_org)."""
    require_admin(staff)
    row = db.session.scalar(select(model).where(
        model.id == row_id, model.organization_id == staff.organization_id, *where))
    if row is None:
        raise missing()
    return row


class Conflict(ActionError):
    """Someone else changed the request since this person loaded it."""

    def __init__(self):
        super().__init__(_l("Someone else changed this request a moment ago. Here it is as it is "
                            "now: please check it and do your change again."))


def visible_to(staff: StaffUser) -> ColumnElement[bool]:
    """The condition for requests a staff member may read: their organisation, their units
    (administrators: every unit), never drafts."""
    condition = and_(Request.organization_id == staff.organization_id,
                     Request.status != RequestStatus.DRAFT.value)
    if staff.is_admin:
        return condition
    unit_ids = [unit.id for unit in staff.units]
    if not unit_ids:
        return false()
    return and_(condition, Request.unit_id.in_(unit_ids))


def find_for_staff(staff: StaffUser, request_id: int) -> Request:
    """A request this staff member may see, or NotFound."""
    request = db.session.scalar(select(Request).where(Request.id == request_id, visible_to(staff)))
    if request is None:
        raise NotFound()
    return request
