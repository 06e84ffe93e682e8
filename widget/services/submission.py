"""What a form post is and what saving it came to (Submission, Policy, SaveResult), and the
row a page writes: made new, found again by the page's token, its files changed. Shared by
services/submit.py (drafts and sends) and services/held_files.py (a page that comes back)."""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from widget import codes
from widget.config_values import FormConfig, SiteConfig, VersionConfig
from widget.extensions import db
from widget.file_stores import FileStore, delete_quietly
from widget.models import (Account, Attachment, Channel, Event, EventKind, Form, Request,
                           RequestStatus, Site)
from widget.models._types import utcnow
from widget.security import FormToken
from widget.uploads import IncomingFile, UploadLimits
from widget.workdays import WorkCalendar

# The form's hand-over choice: not a field key (those start with a letter), so never one of them.
HANDOVER_KEY = "_handover"


class Action(str, enum.Enum):
    SEND = "send"
    DRAFT = "draft"
    LANGUAGE = "language"  # show the page in another language: nothing checked, files held


class Outcome(str, enum.Enum):
    SENT = "sent"
    DRAFT_SAVED = "draft_saved"
    REPLAYED = "replayed"      # this page was already sent: show the request's receipt again
    INVALID = "invalid"        # errors beside fields; nothing stored
    BAD_TOKEN = "bad_token"    # token for another site or form
    TOO_FAST = "too_fast"      # sent sooner than a person can fill the form
    SPAM = "spam"              # the hidden honeypot field was filled
    NOT_ALLOWED = "not_allowed"  # the form is not open to this person (form_access)
    STORE_DOWN = "store_down"  # the file store did not answer: nothing stored, nothing sent
    KEPT = "kept"              # the page again (another language): what was typed, files held


@dataclass
class Submission:
    """Everything a form post carries, parsed out of the HTTP request by the view. The site and
    the form are the configuration cache's frozen values (or models: only their ids and
    settings are read, never their relationships)."""

    site: Site | SiteConfig
    form: Form | FormConfig
    token: FormToken
    action: Action
    language: str
    raw: Mapping[str, list[str]]
    files: list[IncomingFile] = field(default_factory=list)
    remove_attachment_ids: set[int] = field(default_factory=set)
    honeypot: str = ""
    # Signed in: the request goes to the account's cabinet, or for an agent, records the agent.
    account: Account | None = None
    # How the person wants the result, when the form offers several ways (Form.handovers).
    handover: str = ""


@dataclass
class Policy:
    """Limits from configuration that the use case enforces."""

    upload_limits: UploadLimits
    min_fill_seconds: float
    store: FileStore
    # The organisation's notice rules ((event key, channel) -> enabled), from its configuration.
    notice_rules: Mapping[tuple[str, str], bool] = field(default_factory=dict)


@dataclass
class SaveResult:
    outcome: Outcome
    request: Request | None = None
    errors: dict = field(default_factory=dict)
    # Where a saved draft's resume code was just sent (masked, for the page to say).
    code_sent_to: list[str] = field(default_factory=list)


def new_row(sub: Submission, version: VersionConfig) -> Request:
    # Its files given as a list, even empty: a collection only read on a new object stays
    # unloaded, and the receipt would read it again after the commit.
    return Request(organization_id=sub.site.organization_id, site_id=sub.site.id,
                   form_version_id=version.id, channel=Channel.WEB.value, attachments=[])


def only_holds_files(row: Request) -> bool:
    """True for a row that only holds a returned page's files: no draft anyone saved."""
    return row.is_draft and row.resume_code is None


def change_files(request: Request, new_files: list, stored_keys: list[str],
                 remove_ids: set[int]) -> list[str]:
    """Attach the new files (already stored under stored_keys) and detach those the person
    ticked; return the storage keys to delete once the change is committed."""
    removed_keys = []
    for attachment in list(request.attachments):
        if attachment.id in remove_ids:
            removed_keys.append(attachment.storage_key)
            request.attachments.remove(attachment)
    for item, key in zip(new_files, stored_keys):
        request.attachments.append(Attachment(
            field_key=item.field_key, filename=item.filename, content_type=item.content_type,
            size=len(item.data), sha256=item.sha256, storage_key=key))
    return removed_keys


def written_by_token(sub: Submission) -> Request | None:
    """The row this page already wrote: by the token's nonce, or the draft it was resumed from."""
    request = db.session.scalar(
        select(Request).where(Request.submit_nonce == sub.token.nonce,
                              Request.site_id == sub.site.id))
    if request is None and sub.token.draft_id:
        request = db.session.scalar(
            select(Request).where(Request.id == sub.token.draft_id, Request.site_id == sub.site.id))
    return request


def race_winner(sub: Submission, store: FileStore, stored_keys: list[str]) -> Request | None:
    """After another post of the same page wrote first (its unique nonce, or a newer version of
    the row): undo this post (its transaction and the files it stored) and find what the other
    one wrote."""
    db.session.rollback()
    delete_quietly(store, stored_keys)
    return written_by_token(sub)


def stamp_sent(request: Request, form: Form | FormConfig, organization=None) -> Event:
    """Give the request what sending gives it (status, code, due date, unit, the only way of
    hand-over) and return its "received" event, not yet added to anything: mark_sent adds it
    through the session, services/first_send.py writes both rows itself."""
    now = utcnow()
    if request.handover is None and len(form.handovers or []) == 1:
        request.handover = form.handovers[0]  # the only way there is
    request.status = RequestStatus.RECEIVED.value
    request.code = codes.generate()
    request.resume_code = None  # a sent draft can no longer be resumed
    request.submitted_at = now
    request.unit_id = form.unit_id
    request.due_at = WorkCalendar.for_organization(organization or request.organization).due_at(
        now, form.processing_days)
    return Event(kind=EventKind.RECEIVED.value, created_at=now, data={"channel": request.channel})
