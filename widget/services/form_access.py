"""Who may use a form: everyone, people signed in to an account, named accounts and account
groups, or agents only. The rule (may_use_form) is what the widget asks before it shows a form
and before it saves one; administrators set it here, audited.

Staff entering a request at the desk, and connected systems acting through the API, are staff:
the rule is about the person in the widget only.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.config_values import FormConfig
from widget.extensions import db
from widget.models import Account, AccountGroup, Form, FormAccess, StaffUser
from widget.services.access import (ActionError, NotAllowed, NotFound, organisation_row,
                                    require_admin)
from widget.services.account_admin import list_accounts
from widget.services.audit_log import record_change

ACCESS_VALUES = tuple(access.value for access in FormAccess)


class FormNotFound(NotFound):
    """No such form in this staff member's organisation."""

    def __init__(self):
        ActionError.__init__(self, _l("This form does not exist or is not yours to see."))


def may_use_form(form: Form | FormConfig, account: Account | None) -> bool:
    """Whether the person (signed in to `account`, or None) may open, save and send the form."""
    access = form.access or FormAccess.EVERYONE.value
    if access == FormAccess.EVERYONE.value:
        return True
    if account is None or account.organization_id != form.organization_id:
        return False
    if access == FormAccess.SIGNED_IN.value:
        return True
    if access == FormAccess.AGENTS.value:
        return account.is_agent
    if access == FormAccess.NAMED.value:
        if isinstance(form, FormConfig):  # the cache's frozen copy: the ids are at hand
            return account.id in form.allowed_account_ids or account.id in form.allowed_member_ids
        return (any(named.id == account.id for named in form.allowed_accounts)
                or any(member.id == account.id
                       for group in form.allowed_groups for member in group.members))
    return False  # an access this code does not know: closed rather than open


def shown_in_catalogue(form: Form, account: Account | None) -> bool:
    """Whether the catalogue lists the form to this person: forms they may use, and forms open
    to anyone signed in (with a note to sign in). Forms for named people or agents stay out of
    sight of everyone else."""
    return may_use_form(form, account) or (
        account is None and form.access == FormAccess.SIGNED_IN.value)


def form_of(staff: StaffUser, form_id: int) -> Form:
    """One of the organisation's forms, for an administrator, or FormNotFound."""
    return organisation_row(staff, Form, form_id, FormNotFound)


def forms_with_access(staff: StaffUser) -> list[Form]:
    """The organisation's forms in catalogue order, with their access and limits."""
    require_admin(staff)
    return list(db.session.scalars(select(Form).where(
        Form.organization_id == staff.organization_id).order_by(Form.position, Form.id)))


@dataclass(frozen=True)
class AccessPage:
    form: Form
    groups: list[AccountGroup]       # every group of the organisation, by name
    found: list[Account]             # accounts matching the search, not yet named
    query: str


def access_page(staff: StaffUser, form_id: int, query: str = "") -> AccessPage:
    """A form's access with the organisation's groups and, when searched, accounts to name."""
    form = form_of(staff, form_id)
    groups = list(db.session.scalars(select(AccountGroup).where(
        AccountGroup.organization_id == staff.organization_id).order_by(AccountGroup.name)))
    found, text = [], ""
    if (query or "").strip():
        page = list_accounts(staff, query, 1)
        named = {account.id for account in form.allowed_accounts}
        found, text = [a for a in page.accounts if a.id not in named], page.query
    return AccessPage(form, groups, found, text)


def _snapshot(form: Form) -> dict:
    return {"form_id": form.id, "access": form.access,
            "accounts": sorted(account.id for account in form.allowed_accounts),
            "groups": sorted(group.id for group in form.allowed_groups)}


def set_form_access(staff: StaffUser, form_id: int, access: str, account_ids: list[int],
                    group_ids: list[int]) -> Form:
    """Who may use the form; for NAMED, which accounts and groups (at least one). Commits."""
    form = form_of(staff, form_id)
    if access not in ACCESS_VALUES:
        raise NotAllowed(_l("Please choose who may use the form."))
    accounts = list(db.session.scalars(select(Account).where(
        Account.organization_id == staff.organization_id, Account.id.in_(account_ids or [0]))))
    groups = list(db.session.scalars(select(AccountGroup).where(
        AccountGroup.organization_id == staff.organization_id,
        AccountGroup.id.in_(group_ids or [0]))))
    if len(accounts) != len(set(account_ids or [])) or len(groups) != len(set(group_ids or [])):
        raise NotAllowed(_l("Please choose people and groups of this organisation."))
    if access == FormAccess.NAMED.value and not accounts and not groups:
        raise NotAllowed(_l("Please name at least one person or group who may use the form."))
    before = _snapshot(form)
    form.access = access
    # Named people are kept only for NAMED: otherwise a later switch would open the form to
    # people nobody looked at again.
    named = access == FormAccess.NAMED.value
    form.allowed_accounts = accounts if named else []
    form.allowed_groups = groups if named else []
    after = _snapshot(form)
    if after != before:
        record_change(staff, "form_access_changed", before, after)
    db.session.commit()
    return form
