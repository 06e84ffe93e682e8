"""A person's notification box: a notice put there worded as its e-mail, and worded again in
the language of the page that shows it, from the key, values and request state it kept."""
from __future__ import annotations

from datetime import datetime

from widget.extensions import db
from widget.i18n import reading_as
from widget.models import InboxItem, Request
from widget.notify.catalog import EMAIL, NOTICES
from widget.notify.compose import placeholder_values, worded
from widget.notify.request_state import RequestState, read_values, stored_values


def to_inbox(request: Request, key: str, extra: dict, state: RequestState | None = None,
             created_at: datetime | None = None) -> InboxItem:
    """The notice in the account's box, worded as its e-mail (nothing to send: it is there);
    its key and values are kept, so that the box words it in the language of its page."""
    account = request.account
    state = state or RequestState.of(request)
    with reading_as(account.language, request.organization.timezone):
        subject, body = worded(request.organization, key, EMAIL, account.language,
                               placeholder_values(request, account.language, extra, state))
    # The request as it was then (deadline, journal number, fee): a later change must not
    # rewrite what the notice said.
    kept = stored_values(extra) | {STATE_KEPT: state.stored()}
    item = InboxItem(account_id=account.id, request=request, subject=subject, body=body,
                     notice_key=key, notice_values=kept)
    if created_at is not None:
        item.created_at = created_at  # the box shows when it happened, not when it was worded
    db.session.add(item)
    return item


def inbox_words(item: InboxItem, language: str) -> tuple[str, str]:
    """(subject, body) of a notice in the box, worded in `language`: again from its key and
    values while its request exists, else as it was first written."""
    request = item.request
    if request is None or item.notice_key not in NOTICES:
        return item.subject, item.body
    stored = dict(item.notice_values or {})
    kept_state = stored.pop(STATE_KEPT, None)
    state = RequestState.from_stored(kept_state) if kept_state else None
    with reading_as(language, request.organization.timezone):
        values = placeholder_values(request, language, read_values(stored), state)
        return worded(request.organization, item.notice_key, EMAIL, language, values)


STATE_KEPT = "_state"  # not a placeholder's name (those are words), so never one of the values
