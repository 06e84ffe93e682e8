"""Form groups, as administrators arrange them: the sections of the widget's catalogue, their
titles per language and their order, and the order of the forms in each.

Positions are renumbered 0, 1, 2... on every move, so gaps and ties left by older data never
make a move do nothing. Deleting a group never deletes a form: its forms become ungrouped.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from widget.extensions import db
from widget.models import Form, FormGroup, StaffUser
from widget.models.branding import HelpPage
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls

TITLE_MAX = 200
UP, DOWN = "up", "down"


class GroupNotFound(NotFound):
    """No such group (or form) in this administrator's organisation."""

    def __init__(self, message=None):
        ActionError.__init__(self, message or _l("This group does not exist."))


class FormNotInGroups(GroupNotFound):
    """No such form in this administrator's organisation (the group pages' words for it)."""

    def __init__(self):
        super().__init__(_l("This form does not exist."))


@dataclass(frozen=True)
class GroupOverview:
    groups: list[FormGroup]   # in the catalogue's order, each with its forms in order
    ungrouped: list[Form]     # shown last, under "Other forms"


def _groups(staff: StaffUser) -> list[FormGroup]:
    return list(db.session.scalars(select(FormGroup).where(
        FormGroup.organization_id == staff.organization_id).order_by(FormGroup.position,
                                                                     FormGroup.id)))


def _forms_in(staff: StaffUser, group_id: int | None) -> list[Form]:
    in_group = Form.group_id.is_(None) if group_id is None else Form.group_id == group_id
    return list(db.session.scalars(select(Form).where(
        Form.organization_id == staff.organization_id, in_group).order_by(Form.position, Form.id)))


def _group(staff: StaffUser, group_id: int) -> FormGroup:
    return organisation_row(staff, FormGroup, group_id, GroupNotFound)


def _form(staff: StaffUser, form_id: int) -> Form:
    return organisation_row(staff, Form, form_id, FormNotInGroups)


def _clean_titles(titles: dict, languages: list[str]) -> dict:
    cleaned = {}
    for language in languages:
        title = " ".join(strip_controls(titles.get(language) or "").split())
        if len(title) > TITLE_MAX:
            raise NotAllowed(_l("A title may have at most %(num)d characters.", num=TITLE_MAX))
        if title:
            cleaned[language] = title
    if not cleaned:
        raise NotAllowed(_l("Please give the group a title in at least one language."))
    return cleaned


def _renumber(rows: list) -> None:
    for position, row in enumerate(rows):
        row.position = position


def _moved(rows: list, row, direction: str) -> bool:
    """Swap the row with its neighbour in the direction; False at either end."""
    if direction not in (UP, DOWN):
        raise NotAllowed(_l("A group or form moves up or down."))
    index = rows.index(row)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)
    return True


def group_overview(staff: StaffUser) -> GroupOverview:
    """The organisation's groups in order with their forms, and the ungrouped forms."""
    require_admin(staff)
    return GroupOverview(_groups(staff), _forms_in(staff, None))


def group_of(staff: StaffUser, group_id: int) -> FormGroup:
    """One of the organisation's groups, for an administrator, or GroupNotFound."""
    require_admin(staff)
    return _group(staff, group_id)


def create_group(staff: StaffUser, titles: dict, languages: list[str]) -> FormGroup:
    """A new, empty group at the end of the catalogue. Commits."""
    require_admin(staff)
    cleaned = _clean_titles(titles, languages)
    group = FormGroup(organization_id=staff.organization_id, titles=cleaned,
                      position=len(_groups(staff)))
    db.session.add(group)
    db.session.flush()
    _renumber(_groups(staff))
    record_change(staff, "form_group_created", {}, {"group_id": group.id, "titles": cleaned})
    db.session.commit()
    return group


def rename_group(staff: StaffUser, group_id: int, titles: dict, languages: list[str]) -> FormGroup:
    """Change a group's titles (a language left empty shows the group in another). Commits."""
    require_admin(staff)
    group = _group(staff, group_id)
    cleaned = _clean_titles(titles, languages)
    if cleaned != group.titles:
        record_change(staff, "form_group_renamed", {"group_id": group.id, "titles": group.titles},
                      {"group_id": group.id, "titles": cleaned})
        group.titles = cleaned
    db.session.commit()
    return group


def move_group(staff: StaffUser, group_id: int, direction: str) -> FormGroup:
    """Move a group one place up or down in the catalogue. Commits."""
    require_admin(staff)
    group = _group(staff, group_id)
    groups = _groups(staff)
    before = [g.id for g in groups]
    if _moved(groups, group, direction):
        record_change(staff, "form_group_moved", {"order": before}, {"order": [g.id for g in groups]})
    db.session.commit()
    return group


def delete_group(staff: StaffUser, group_id: int) -> None:
    """Delete a group; its forms become ungrouped (after those already so), never deleted.
    Commits."""
    require_admin(staff)
    group = _group(staff, group_id)
    forms = _forms_in(staff, group.id)
    loose = _forms_in(staff, None)
    for form in forms:
        form.group_id = None
    _renumber(loose + forms)
    # Help pages shown beside the group stay, shown on their own.
    db.session.execute(update(HelpPage).where(HelpPage.group_id == group.id).values(group_id=None))
    record_change(staff, "form_group_deleted", {"group_id": group.id, "titles": group.titles,
                  "forms": [form.slug for form in forms]}, {})
    db.session.flush()
    db.session.delete(group)
    db.session.flush()
    _renumber(_groups(staff))
    db.session.commit()


def place_form(staff: StaffUser, form_id: int, group_id: int | None) -> Form:
    """Put a form at the end of a group, or among the ungrouped forms (None). Commits."""
    require_admin(staff)
    form = _form(staff, form_id)
    target = _group(staff, group_id) if group_id is not None else None
    if form.group_id == group_id:
        db.session.commit()
        return form
    old_group = form.group_id
    others = _forms_in(staff, group_id)
    form.group_id = group_id
    _renumber(others + [form])
    _renumber([other for other in _forms_in(staff, old_group) if other.id != form.id])
    record_change(staff, "form_group_form_placed", {"form": form.slug, "group_id": old_group},
                  {"form": form.slug, "group_id": target.id if target else None})
    db.session.commit()
    return form


def move_form(staff: StaffUser, form_id: int, direction: str) -> Form:
    """Move a form one place up or down inside its group. Commits."""
    require_admin(staff)
    form = _form(staff, form_id)
    forms = _forms_in(staff, form.group_id)
    before = [f.slug for f in forms]
    if _moved(forms, form, direction):
        record_change(staff, "form_group_form_moved", {"group_id": form.group_id, "order": before},
                      {"group_id": form.group_id, "order": [f.slug for f in forms]})
    db.session.commit()
    return form
