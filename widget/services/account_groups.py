"""Account groups: people an administrator names together, e.g. to open a form to them all.
Created, renamed, filled, emptied and deleted by administrators of one organisation, audited."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.models import Account, AccountGroup, Form, StaffUser
from widget.models.forms import form_allowed_groups
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.account_admin import list_accounts
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls

NAME_MAX = 200


class GroupNotFound(NotFound):
    """No such group in this staff member's organisation."""

    def __init__(self):
        ActionError.__init__(self, _l("This group does not exist or is not yours to see."))


def _clean_name(staff: StaffUser, name: str, group_id: int | None = None) -> str:
    name = " ".join(strip_controls(name or "").split())
    if not name:
        raise NotAllowed(_l("Please name the group, for example \"Collection agents of Ward 1\"."))
    if len(name) > NAME_MAX:
        raise NotAllowed(_l("Please shorten the name to %(max)d characters.", max=NAME_MAX))
    taken = db.session.scalar(select(AccountGroup.id).where(
        AccountGroup.organization_id == staff.organization_id, AccountGroup.name == name,
        AccountGroup.id != (group_id or 0)))
    if taken is not None:
        raise NotAllowed(_l("Another group already has this name."))
    return name


def account_groups(staff: StaffUser) -> list[AccountGroup]:
    """The organisation's groups, by name."""
    require_admin(staff)
    return list(db.session.scalars(select(AccountGroup).where(
        AccountGroup.organization_id == staff.organization_id).order_by(AccountGroup.name)))


def group_of(staff: StaffUser, group_id: int) -> AccountGroup:
    """One of the organisation's groups, or GroupNotFound."""
    return organisation_row(staff, AccountGroup, group_id, GroupNotFound)


@dataclass(frozen=True)
class GroupPage:
    group: AccountGroup
    forms: list[Form]          # the forms that name the group
    found: list[Account]       # accounts matching the search, not yet members
    query: str


def group_page(staff: StaffUser, group_id: int, query: str = "") -> GroupPage:
    """A group with its members, the forms it opens, and accounts found to add."""
    group = group_of(staff, group_id)
    forms = list(db.session.scalars(select(Form).join(
        form_allowed_groups, form_allowed_groups.c.form_id == Form.id).where(
        form_allowed_groups.c.group_id == group.id).order_by(Form.position, Form.id)))
    found, text = [], ""
    if (query or "").strip():
        page = list_accounts(staff, query, 1)
        members = {member.id for member in group.members}
        found, text = [a for a in page.accounts if a.id not in members], page.query
    return GroupPage(group, forms, found, text)


def create_group(staff: StaffUser, name: str) -> AccountGroup:
    """A new, empty group. Commits."""
    require_admin(staff)
    group = AccountGroup(organization_id=staff.organization_id, name=_clean_name(staff, name))
    db.session.add(group)
    db.session.flush()
    record_change(staff, "account_group_created", {}, {"group_id": group.id, "name": group.name})
    db.session.commit()
    return group


def rename_group(staff: StaffUser, group_id: int, name: str) -> AccountGroup:
    """Give a group another name. Commits."""
    group = group_of(staff, group_id)
    new_name = _clean_name(staff, name, group.id)
    if new_name != group.name:
        record_change(staff, "account_group_renamed", {"group_id": group.id, "name": group.name},
                      {"group_id": group.id, "name": new_name})
        group.name = new_name
    db.session.commit()
    return group


def add_members(staff: StaffUser, group_id: int, account_ids: list[int]) -> AccountGroup:
    """Add accounts of the organisation to a group (those already in stay). Commits."""
    group = group_of(staff, group_id)
    accounts = list(db.session.scalars(select(Account).where(
        Account.organization_id == staff.organization_id, Account.id.in_(account_ids or [0]))))
    if not account_ids:
        raise NotAllowed(_l("Please tick the people to add."))
    if len(accounts) != len(set(account_ids)):
        raise NotAllowed(_l("Please choose people of this organisation."))
    present = {member.id for member in group.members}
    added = [account for account in accounts if account.id not in present]
    if added:
        record_change(staff, "account_group_members_added", {"group_id": group.id},
                      {"group_id": group.id, "accounts": sorted(a.id for a in added)})
        group.members.extend(added)
    db.session.commit()
    return group


def remove_member(staff: StaffUser, group_id: int, account_id: int) -> AccountGroup:
    """Take one person out of a group. Commits."""
    group = group_of(staff, group_id)
    member = next((m for m in group.members if m.id == account_id), None)
    if member is None:
        raise NotAllowed(_l("This person is not in the group."))
    group.members.remove(member)
    record_change(staff, "account_group_member_removed", {"group_id": group.id, "account": account_id},
                  {"group_id": group.id})
    db.session.commit()
    return group


def delete_group(staff: StaffUser, group_id: int) -> None:
    """Delete a group; forms that named it no longer let its members in through it. Commits."""
    group = group_of(staff, group_id)
    record_change(staff, "account_group_deleted",
                  {"group_id": group.id, "name": group.name,
                  "accounts": sorted(member.id for member in group.members)}, {})
    db.session.execute(form_allowed_groups.delete().where(
        form_allowed_groups.c.group_id == group.id))
    group.members = []
    db.session.delete(group)
    db.session.commit()
