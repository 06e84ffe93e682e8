"""The administrators' side of people's accounts: the list and its search, one account with its
requests, the agent switch, and the asks to change registered details, approved or refused.

Everything is scoped to the staff member's organisation: another organisation's account or ask
is "not found", exactly like one that does not exist.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from widget.contacts import parse_contact
from widget.extensions import db
from widget.models import (REGISTERED_DETAILS, Account, ChangeStatus, DetailChange, Organization,
                           Request, StaffUser)
from widget.models._types import utcnow
from widget.notify.account_notices import DETAIL_LABELS, queue_account_message, to_account_box
from widget.notify.catalog import EMAIL
from widget.services.access import ActionError, NotAllowed, NotFound, require_admin, visible_to
from widget.services.audit_log import record_change
from widget.textnorm import fold_digits, strip_controls

PAGE_SIZE = 25
ON_BEHALF_LIMIT = 100
CHANGES_SHOWN = 20
NOTE_MAX = 2000
QUERY_MAX = 100
# The widths of the account's columns: a longer approved value would not fit.
DETAIL_MAX = {"name": 200, "document_number": 60}
EARLIEST_BIRTH = date(1900, 1, 1)
ALREADY_DECIDED = _l("This change has already been decided: the list shows the changes still "
                     "waiting.")


class AccountNotFound(NotFound):
    """No such account (or ask) in this staff member's organisation."""

    def __init__(self, message=None):
        # Not NotFound's own words, which are about a request.
        ActionError.__init__(self, message or _l("This account does not exist or is not yours "
                                                 "to see."))


@dataclass(frozen=True)
class AccountPage:
    accounts: list[Account]
    total: int
    page: int
    pages: int
    query: str
    pending_changes: int     # asks waiting for a decision, for the link to them


@dataclass(frozen=True)
class AccountView:
    account: Account
    requests: list[Request]     # the person's own, newest first
    on_behalf: list[Request]    # an agent's: sent for other people, newest first
    changes: list[DetailChange]  # the person's asks to change details, newest first


def _account(staff: StaffUser, account_id: int) -> Account:
    account = db.session.scalar(select(Account).where(
        Account.id == account_id, Account.organization_id == staff.organization_id))
    if account is None:
        raise AccountNotFound()
    return account


def _search_condition(text: str, country: str):
    """Accounts whose name, e-mail address or phone number contains the text."""
    lowered = text.lower()
    conditions = [func.lower(Account.name).contains(lowered, autoescape=True),
                  Account.email.contains(lowered, autoescape=True)]
    # Numbers are kept in E.164 (+84903123456): "0903 123 456" is found whole, "3456" as a part.
    contact = parse_contact(text, country) if "@" not in text else None
    if contact is not None:
        conditions.append(Account.phone == contact.value)
    digits = "".join(char for char in fold_digits(text) if char.isdigit())
    if len(digits) >= 3:
        conditions.append(Account.phone.contains(digits, autoescape=True))
    return or_(*conditions)


def list_accounts(staff: StaffUser, query: str, page: int) -> AccountPage:
    """One page of the organisation's accounts, newest first, searched by name, e-mail or phone."""
    require_admin(staff)
    text = " ".join(strip_controls(query or "").split())[:QUERY_MAX]
    statement = select(Account).where(Account.organization_id == staff.organization_id)
    if text:
        country = db.session.get(Organization, staff.organization_id).country
        statement = statement.where(_search_condition(text, country))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    accounts = db.session.scalars(statement.order_by(Account.created_at.desc(), Account.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    pending = db.session.scalar(select(func.count()).select_from(DetailChange).where(
        DetailChange.organization_id == staff.organization_id,
        DetailChange.status == ChangeStatus.PENDING.value))
    return AccountPage(list(accounts), total, page, pages, text, pending)


def account_for_staff(staff: StaffUser, account_id: int) -> AccountView:
    """An account with its own requests, an agent's for others and its asks, or AccountNotFound."""
    require_admin(staff)
    account = _account(staff, account_id)
    newest = (Request.submitted_at.desc(), Request.id.desc())
    own = db.session.scalars(select(Request).where(Request.account_id == account.id,
                                                   visible_to(staff)).order_by(*newest)).all()
    on_behalf = []
    if account.is_agent:
        on_behalf = db.session.scalars(select(Request).where(
            Request.agent_id == account.id, visible_to(staff))
            .order_by(*newest).limit(ON_BEHALF_LIMIT)).all()
    changes = db.session.scalars(select(DetailChange).where(
        DetailChange.account_id == account.id)
        .order_by(DetailChange.id.desc()).limit(CHANGES_SHOWN)).all()
    return AccountView(account, list(own), list(on_behalf), list(changes))


def set_agent(staff: StaffUser, account_id: int, is_agent: bool) -> bool:
    """Let an account send forms for other people, or stop it; False if nothing changed."""
    require_admin(staff)
    account = _account(staff, account_id)
    was = bool(account.is_agent)
    if was == bool(is_agent):
        return False
    account.is_agent = bool(is_agent)
    what = {"account_id": account.id}
    record_change(staff, "account_agent", what | {"is_agent": was}, what | {"is_agent": bool(is_agent)})
    db.session.commit()
    return True


def pending_detail_changes(staff: StaffUser) -> list[DetailChange]:
    """The organisation's asks waiting for a decision, oldest first, with their accounts."""
    require_admin(staff)
    return list(db.session.scalars(
        select(DetailChange).join(Account, Account.id == DetailChange.account_id)
        .where(DetailChange.organization_id == staff.organization_id,
               Account.organization_id == staff.organization_id,
               DetailChange.status == ChangeStatus.PENDING.value)
        .order_by(DetailChange.created_at, DetailChange.id)
        .options(selectinload(DetailChange.account))))


def _new_value(change: DetailChange) -> str | date:
    """The value an approval writes into the account; NotAllowed if it cannot be one."""
    if change.field not in REGISTERED_DETAILS:
        raise NotAllowed(_l("This detail cannot be changed here."))
    if change.field == "birth_date":
        try:
            born = date.fromisoformat(change.new_value.strip())
        except ValueError:
            born = None
        if born is None or not EARLIEST_BIRTH <= born <= date.today():
            raise NotAllowed(_l("The new date of birth is not a real date (year-month-day), so "
                                "it cannot be approved. Refuse the change and ask the person "
                                "to send it again."))
        return born
    if len(change.new_value) > DETAIL_MAX[change.field]:
        raise NotAllowed(_l("The new value is too long for this detail, so it cannot be "
                            "approved. Refuse the change and say why."))
    return change.new_value


def _as_text(value) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def decide_detail_change(staff: StaffUser, change_id: int, approve: bool,
                         note: str) -> DetailChange:
    """Approve an ask (the value is applied) or refuse it with a note, and tell the person."""
    require_admin(staff)
    change = db.session.scalar(select(DetailChange).where(
        DetailChange.id == change_id, DetailChange.organization_id == staff.organization_id))
    if change is None or change.account.organization_id != staff.organization_id:
        raise AccountNotFound(_l("This change does not exist or is not yours to see."))
    if change.status != ChangeStatus.PENDING.value:
        raise NotAllowed(ALREADY_DECIDED)
    note = strip_controls(note or "", keep_newlines=True).strip()
    if len(note) > NOTE_MAX:
        raise NotAllowed(_l("Please shorten the note to %(max)d characters.", max=NOTE_MAX))
    if not approve and not note:
        raise NotAllowed(_l("Please say why the change is refused: the person reads it."))
    account = change.account
    before = _as_text(getattr(account, change.field))
    value = _new_value(change) if approve else None
    status = (ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED).value
    # Only while it is still pending: of two administrators deciding at once, one wins.
    decided = db.session.execute(
        update(DetailChange)
        .where(DetailChange.id == change.id, DetailChange.status == ChangeStatus.PENDING.value)
        .values(status=status, decided_by_id=staff.id, decided_at=utcnow(), decision_note=note)
    ).rowcount
    if not decided:
        db.session.rollback()
        raise NotAllowed(ALREADY_DECIDED)
    if approve:
        setattr(account, change.field, value)
    what = {"change_id": change.id, "account_id": account.id, "field": change.field}
    record_change(staff, "detail_change", what | {"status": ChangeStatus.PENDING.value, "value": before},
                  what | {"status": status, "value": _as_text(getattr(account, change.field)),
                  "note": note})
    _tell_the_person(account, change.field, approve, note)
    db.session.commit()
    return change


def _tell_the_person(account: Account, field: str, approved: bool, note: str) -> None:
    kind = "detail_approved" if approved else "detail_refused"
    # The label stays lazy: the message translates it into the person's language.
    values = {"detail": DETAIL_LABELS.get(field, field), "note": note}
    to_account_box(account, kind, values)
    if account.email and account.email_verified_at is not None:
        queue_account_message(account.organization, kind, EMAIL, account.email, account.language,
                              values)
