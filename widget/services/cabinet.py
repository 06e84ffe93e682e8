"""A signed-in person's cabinet: their requests and drafts, requests sent before signing up that
they add to it, the notification box, and asks to change registered details."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from widget import codes
from widget.contacts import parse_contact
from widget.excerpt import excerpt
from widget.extensions import db
from widget.models import (REGISTERED_DETAILS, Account, ChangeStatus, CodePurpose, DetailChange,
                           FormVersion, InboxItem, OneTimeCode, Request, RequestStatus, Site)
from widget.models._types import utcnow
from widget.models.changes import note_changed
from widget.notify.compose import contacts
from widget.services import one_time
from widget.services.accounts import WRONG_CODE, CodeSent, InvalidInput, send_code
from widget.services.status_page import current_note, note_events
from widget.services.track import LookupProblem, find_request
from widget.textnorm import strip_controls

INBOX_PAGE = 50
# How much of what staff wrote a cabinet's list shows beside each request; the page has it all.
NOTE_EXCERPT = 160


@dataclass
class Cabinet:
    requests: list[Request]   # sent, newest first
    drafts: list[Request]
    on_behalf: list[Request]  # an agent's: sent for other people
    unread: int
    notes: dict[int, list] = field(default_factory=dict)  # request id -> its note events

    def note(self, request: Request, language: str) -> str:
        """What staff last wrote for the person about where the request stands, shortened."""
        return excerpt(current_note(request.status, self.notes.get(request.id, []), language),
                       NOTE_EXCERPT)


def cabinet(account: Account) -> Cabinet:
    """Everything the cabinet's first page shows."""
    mine = db.session.scalars(select(Request).where(Request.account_id == account.id)
                              .order_by(Request.created_at.desc(), Request.id.desc())).all()
    on_behalf = []
    if account.is_agent:
        on_behalf = db.session.scalars(select(Request).where(
            Request.agent_id == account.id, Request.status != RequestStatus.DRAFT.value)
            .order_by(Request.submitted_at.desc(), Request.id.desc()).limit(100)).all()
    sent = [r for r in mine if not r.is_draft]
    return Cabinet(requests=sent, drafts=[r for r in mine if r.is_draft], on_behalf=on_behalf,
                   unread=unread_count(account),
                   notes=note_events([r.id for r in [*sent, *on_behalf]]))


def own_request(account: Account, request_id: int) -> Request | None:
    """A request the account may open from its cabinet: its own, or one it sent as an agent."""
    request = db.session.get(Request, request_id)
    if request is None or account.id not in (request.account_id, request.agent_id):
        return None
    return request


# -- adding a request sent before signing up -------------------------------------------------

def ask_to_claim(site: Site, account: Account, typed_code: str, language: str) -> CodeSent:
    """Send a code to the contact the request was sent with; whoever reads it may add the request
    to their cabinet. Raises InvalidInput. Commits."""
    lookup = find_request(site, typed_code)
    if lookup.problem is LookupProblem.TYPO:
        raise InvalidInput({"code": _l("This code has a typo: please check each character.")})
    request = lookup.request
    if request is None or request.account_id not in (None, account.id):
        raise InvalidInput({"code": _l("We found no request with this code that you can add.")})
    if request.account_id == account.id:
        raise InvalidInput({"code": _l("This request is already in your cabinet.")})
    reachable = contacts(request)
    typed = reachable.get("email") or reachable.get("sms")
    contact = parse_contact(typed, site.organization.country) if typed else None
    if contact is None:
        raise InvalidInput({"code": _l(
            "This request gave no e-mail address or mobile number we could send a code to. Write "
            "to the organisation on its status page instead.")})
    sent = send_code(site, CodePurpose.CLAIM, contact, account, True, language,
                      values={"code": codes.display(request.code)}, request_id=request.id)
    db.session.commit()
    return sent


def claim(account: Account, code_id: int, typed_code: str) -> Request:
    """Add the request to the cabinet with the code sent to its contact. Raises InvalidInput.
    Commits."""
    row = db.session.get(OneTimeCode, code_id)
    if row is None or row.account_id != account.id or not one_time.check_code(
            row, CodePurpose.CLAIM.value, typed_code, current_app.secret_key):
        raise InvalidInput({"otp": WRONG_CODE})
    claimed = db.session.execute(update(Request).where(
        Request.id == row.request_id, Request.account_id.is_(None))
        .values(account_id=account.id, lock_version=Request.lock_version + 1)).rowcount
    if claimed:
        note_changed(db.session, [row.request_id])  # a new version: the change feed tells it
    db.session.commit()
    request = db.session.get(Request, row.request_id)
    if not claimed and request.account_id != account.id:
        raise InvalidInput({"code": _l("We found no request with this code that you can add.")})
    return request


# -- the notification box --------------------------------------------------------------------

def unread_count(account: Account) -> int:
    """Notices in the box not read yet."""
    return db.session.scalar(select(func.count()).select_from(InboxItem).where(
        InboxItem.account_id == account.id, InboxItem.read_at.is_(None)))


def inbox(account: Account) -> list[InboxItem]:
    """The newest notices in the box, with what wording them in the page's language reads of
    their requests (organisation, form, fields) loaded together, not once per notice."""
    version = selectinload(InboxItem.request).selectinload(Request.form_version)
    return db.session.scalars(
        select(InboxItem).where(InboxItem.account_id == account.id)
        .options(selectinload(InboxItem.request).selectinload(Request.organization),
                 version.selectinload(FormVersion.fields), version.selectinload(FormVersion.form))
        .order_by(InboxItem.id.desc()).limit(INBOX_PAGE)).all()


def mark_read(account: Account, item_id: int | None = None, request_id: int | None = None) -> int:
    """Mark one notice, a request's notices (once the person opened it) or all as read; returns
    how many changed. Commits."""
    query = update(InboxItem).where(InboxItem.account_id == account.id,
                                    InboxItem.read_at.is_(None)).values(read_at=utcnow())
    if item_id is not None:
        query = query.where(InboxItem.id == item_id)
    if request_id is not None:
        query = query.where(InboxItem.request_id == request_id)
    changed = db.session.execute(query).rowcount
    db.session.commit()
    return changed


# -- asking to change registered details ----------------------------------------------------

def pending_changes(account: Account) -> list[DetailChange]:
    """The person's asks, newest first."""
    return db.session.scalars(select(DetailChange).where(DetailChange.account_id == account.id)
                              .order_by(DetailChange.id.desc()).limit(20)).all()


def ask_detail_change(account: Account, field: str, new_value: str, reason: str) -> DetailChange:
    """Ask staff to change a registered detail. Raises InvalidInput. Commits."""
    if field not in REGISTERED_DETAILS:
        raise InvalidInput({"field": _l("Please choose the detail to change.")})
    new_value = " ".join(strip_controls(new_value or "").split())[:200]
    if not new_value:
        raise InvalidInput({"new_value": _l("Please enter the new value.")})
    waiting = db.session.scalar(select(DetailChange).where(
        DetailChange.account_id == account.id, DetailChange.field == field,
        DetailChange.status == ChangeStatus.PENDING.value))
    if waiting is not None:
        raise InvalidInput({"field": _l("You already asked to change this detail; please wait "
                                        "for the answer.")})
    old = getattr(account, field)
    change = DetailChange(organization_id=account.organization_id, account_id=account.id,
                          field=field, old_value="" if old is None else str(old),
                          new_value=new_value,
                          reason=strip_controls(reason or "", keep_newlines=True).strip()[:2000])
    db.session.add(change)
    db.session.commit()
    return change

