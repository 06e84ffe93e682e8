"""Saving a form: as a draft, or sent as a request with a tracking code and a due date.

One function, save_form, serves both buttons of the form because they share every check: the
form token, the spam checks, the files. Replays are harmless: the token's nonce is stored on the
row it wrote, so a double click or a resent page finds that row and shows the same receipt.
A page that comes back (with errors, or in another language) keeps its files
(services/held_files.py); what a post is and what it came to are in services/submission.py.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from widget import codes
from widget.config_values import FormConfig, VersionConfig
from widget.contacts import Contact, masked
from widget.extensions import db
from widget.file_stores import StoreUnavailable, delete_quietly, save_all
from widget.models import (Attachment, AuditEntry, Channel, Event, Form, FormVersion, Request,
                           Site, StaffUser)
from widget.notify.catalog import SMS
from widget.notify.compose import reachable_at, ruled_channels
from widget.notify.notices import queue_notice, queue_notices
from widget.security import FormToken
from widget.services import first_send
from widget.services.answers import HARD_MAX_LENGTH, clean_answers
from widget.services.form_access import may_use_form
from widget.services.held_files import page_again
from widget.services.submission import (HANDOVER_KEY, Action, Outcome, Policy, SaveResult,
                                        Submission, change_files, new_row, only_holds_files,
                                        race_winner, stamp_sent, written_by_token)
from widget.textnorm import strip_controls
from widget.uploads import IncomingFile, check_files


def token_version(site: Site, form: Form, token: FormToken) -> FormVersion | None:
    """The form version the token was issued for, if the token belongs to this site and form."""
    if token.site_id != site.id or token.form_id != form.id:
        return None
    return next((version for version in form.versions if version.id == token.version_id), None)


def save_form(sub: Submission, policy: Policy) -> SaveResult:
    """Save a draft or send a request, exactly once per form token."""
    # First, and judged now: a page opened (and its token issued) before the form's access
    # changed must not slip through, nor replay a receipt to someone no longer allowed.
    if not may_use_form(sub.form, sub.account):
        return SaveResult(Outcome.NOT_ALLOWED)
    version = token_version(sub.site, sub.form, sub.token)
    if version is None:
        return SaveResult(Outcome.BAD_TOKEN)
    if sub.token.draft_id is not None:
        return _save_submission(sub, policy, version, written_by_token(sub))
    # A page's first post: whether it wrote a row already (a double click, a reload) is told by
    # the INSERT's unique nonce, not by a SELECT before every first post; the outcomes that
    # write nothing look for that row themselves.
    return _save_submission(sub, policy, version, None, looked=False)


def _save_submission(sub: Submission, policy: Policy, version: FormVersion, earlier: Request | None,
          looked: bool = True) -> SaveResult:
    """save_form once the row this page wrote before (earlier) was looked for, or not yet."""
    def written_first() -> SaveResult | None:
        # What this page wrote before wins over an outcome that writes nothing (or only holds
        # the page's files): a sent request's receipt again, or the draft it saved (or the
        # files it held), worked on as if found first.
        written = None if looked else written_by_token(sub)
        if written is None:
            return None
        if not written.is_draft:
            return SaveResult(Outcome.REPLAYED, written)
        return _save_submission(sub, policy, version, written)

    def unless_written(result: SaveResult) -> SaveResult:
        return written_first() or result

    if earlier is not None and not earlier.is_draft:
        return SaveResult(Outcome.REPLAYED, earlier)
    if sub.honeypot:
        return unless_written(SaveResult(Outcome.SPAM))
    if sub.action is not Action.LANGUAGE and sub.token.age() < policy.min_fill_seconds:
        return unless_written(SaveResult(Outcome.TOO_FAST))

    draft = earlier
    kept = [a for a in (draft.attachments if draft else []) if a.id not in sub.remove_attachment_ids]
    new_files, errors = check_files(sub.files, policy.upload_limits, already_count=len(kept),
                                    already_bytes=sum(a.size for a in kept))
    if sub.action is Action.LANGUAGE:
        return written_first() or page_again(Outcome.KEPT, sub, version, draft, new_files,
                                              errors, policy)
    files_present: dict[str, int] = {}
    for item in [*kept, *new_files]:
        files_present[item.field_key] = files_present.get(item.field_key, 0) + 1
    if sub.action is Action.SEND:
        answers, answer_errors = clean_answers(version.fields, sub.raw, sub.site.organization.country,
                                               files_present=files_present)
        errors = {**answer_errors, **errors, **_handover_problem(sub.form, sub.handover)}
    else:
        answers = _typed_answers(version, sub.raw)
    if errors:
        return written_first() or page_again(Outcome.INVALID, sub, version, draft, new_files,
                                              errors, policy)

    try:
        stored_keys = save_all(policy.store, [item.data for item in new_files])
    except StoreUnavailable:
        # Before any row: nothing to undo.
        return unless_written(SaveResult(Outcome.STORE_DOWN, draft))
    removed_keys: list[str] = []
    sent_to: list[str] = []
    try:
        request = draft or new_row(sub, version)
        if sub.account is not None and (draft is None or only_holds_files(draft)):
            if sub.account.is_agent:
                request.agent = sub.account
            else:
                request.account = sub.account
        removed_keys = change_files(request, new_files, stored_keys, sub.remove_attachment_ids)
        reachable_before = _reachable(request, version, sub) if request.resume_code else {}
        request.answers = answers
        request.language = sub.language
        request.submit_nonce = sub.token.nonce
        # Kept with a draft too: the choice is back when the draft is resumed.
        request.handover = sub.handover if sub.handover in (sub.form.handovers or []) else None
        if sub.action is Action.SEND and draft is None and not new_files and first_send.fits(sub):
            first_send.write_sent(request, sub.form, sub.site.organization)  # not in the session
            outcome = Outcome.SENT
        elif sub.action is Action.SEND:
            mark_sent(request, sub.form, sub.site.organization)
            outcome = Outcome.SENT
            db.session.add(request)
        else:
            request.resume_code = request.resume_code or codes.generate()
            outcome = Outcome.DRAFT_SAVED
            sent_to = _send_resume_code(request, version, sub, policy, reachable_before)
            db.session.add(request)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # Another post of the same page won the race: show what it wrote.
        winner = race_winner(sub, policy.store, stored_keys)
        if winner is None:
            raise
        if not looked and winner.is_draft:
            return _save_submission(sub, policy, version, winner)  # this page saved a draft before
        return SaveResult(Outcome.REPLAYED if not winner.is_draft else Outcome.DRAFT_SAVED, winner)
    except Exception:
        db.session.rollback()
        delete_quietly(policy.store, stored_keys)
        raise
    delete_quietly(policy.store, removed_keys)
    return SaveResult(outcome, request, code_sent_to=sent_to)


def _reachable(request: Request, version: VersionConfig, sub: Submission) -> dict[str, str]:
    """Where a draft's answers reach its author (the form version read from the cache)."""
    return reachable_at(request.answers or {}, version.fields, sub.site.organization.country)


def _send_resume_code(draft: Request, version: VersionConfig, sub: Submission, policy: Policy,
                      reachable_before: dict[str, str]) -> list[str]:
    """Promise the resume code to the e-mail address and mobile number the draft holds, when
    they are new (saving again to the same ones sends nothing twice); return where it goes,
    masked. The worker composes it, in the draft's language."""
    reachable = _reachable(draft, version, sub)
    if not reachable or reachable == reachable_before:
        return []
    queue_notice(draft, "draft_code", {"resume_code": codes.display(draft.resume_code)},
                 reach=reachable)
    channels = ruled_channels("draft_code", policy.notice_rules)
    if not sub.form.sends_sms:
        channels.discard(SMS)
    return [masked(Contact(channel, reachable[channel]))
            for channel in sorted(channels & reachable.keys())]


def _typed_answers(version: FormVersion, raw: Mapping[str, list[str]]) -> dict:
    """What was typed into each known field, kept as text for a draft."""
    typed = {}
    for form_field in version.fields:
        values = [strip_controls(value, keep_newlines=True)[:HARD_MAX_LENGTH]
                  for value in raw.get(form_field.key, []) if isinstance(value, str)]
        if any(values):
            typed[form_field.key] = values
    return typed


def _handover_problem(form: Form, chosen: str) -> dict:
    """{HANDOVER_KEY: why} when the form offers several ways to receive the result and none of
    them was chosen."""
    offered = form.handovers or []
    if len(offered) > 1 and chosen not in offered:
        return {HANDOVER_KEY: _l("Please choose how you want to receive the result.")}
    return {}


def mark_sent(request: Request, form: Form | FormConfig, organization=None) -> None:
    """Send the request: its code, due date (in `organization`'s calendar, by default the
    request's), timeline event and notices."""
    received = stamp_sent(request, form, organization)
    request.events.append(received)
    _queue_notices(request, received)


def _queue_notices(request: Request, received: Event) -> None:
    """The person's notices of a new request, in its transaction: promises the worker composes
    (nothing of the organisation or the form is read here; a webhook's payload loads what it
    names only when a connected system listens)."""
    queue_notices(request, [received])


def file_on_behalf(staff: StaffUser, form: Form, channel: Channel, language: str,
                   raw: Mapping[str, list[str]], files: list[IncomingFile], policy: Policy
                   ) -> SaveResult:
    """Staff enter a request received at the desk or by post; the person gets a code and a
    receipt just as online, and the channel is recorded."""
    if channel not in (Channel.DESK, Channel.POST):
        raise ValueError(channel)
    if form.organization_id != staff.organization_id or form.unit_id is None or (
            not staff.is_admin and form.unit_id not in {unit.id for unit in staff.units}):
        return SaveResult(Outcome.BAD_TOKEN)
    version = form.current_version
    new_files, errors = check_files(files, policy.upload_limits)
    present: dict[str, int] = {}
    for item in new_files:
        present[item.field_key] = present.get(item.field_key, 0) + 1
    answers, answer_errors = clean_answers(version.fields, raw, staff.organization.country,
                                           files_present=present)
    errors = {**answer_errors, **errors}
    if errors:
        return SaveResult(Outcome.INVALID, None, errors)
    try:
        stored_keys = save_all(policy.store, [item.data for item in new_files])
    except StoreUnavailable:
        return SaveResult(Outcome.STORE_DOWN)
    try:
        request = Request(organization=staff.organization, form_version=version,
                          channel=channel.value, language=language, answers=answers,
                          attachments=[Attachment(
                              field_key=item.field_key, filename=item.filename,
                              content_type=item.content_type, size=len(item.data),
                              sha256=item.sha256, storage_key=key)
                              for item, key in zip(new_files, stored_keys)])
        mark_sent(request, form)
        request.events[-1].actor = staff.name
        request.events[-1].staff_user_id = staff.id
        db.session.add(request)
        db.session.flush()
        db.session.add(AuditEntry(organization_id=request.organization_id, staff_user_id=staff.id,
                                  request_id=request.id, action="file_on_behalf",
                                  after={"channel": channel.value, "form": form.slug}))
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_quietly(policy.store, stored_keys)
        raise
    return SaveResult(Outcome.SENT, request)
