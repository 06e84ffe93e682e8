"""A page that comes back (with errors, or in another language) keeps its files: they are held
on a draft row under the page's token nonce, with no resume code, so only that page (its signed
token) reaches them, and they go with the request when it is sent. Nobody can resume such a
row; the worker deletes it with its files once its token has expired (services/draft_expiry.py).
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from widget.extensions import db
from widget.file_stores import StoreUnavailable, delete_quietly, save_all
from widget.models import FormVersion, Request
from widget.services.submission import (Outcome, Policy, SaveResult, Submission, change_files,
                                        new_row, race_winner)
from widget.uploads import UploadLimits

def page_again(outcome: Outcome, sub: Submission, version: FormVersion, draft: Request | None,
                new_files: list, errors: dict, policy: Policy) -> SaveResult:
    """The page comes back (errors, another language): hold its files for its token, so that
    they are there when it is sent. What was typed comes back in the page itself, and a saved
    draft's answers stay as they were saved."""
    present = draft.attachments if draft else []
    removing = {a.id for a in present} & sub.remove_attachment_ids
    staying = [a for a in present if a.id not in removing]
    new_files = fitting(new_files, len(staying), sum(a.size for a in staying),
                         policy.upload_limits)
    if not new_files and not removing:
        return SaveResult(outcome, draft, errors)
    try:
        stored_keys = save_all(policy.store, [item.data for item in new_files])
    except StoreUnavailable:
        return SaveResult(Outcome.STORE_DOWN, draft, errors)
    try:
        row = draft or new_row(sub, version)
        removed_keys = change_files(row, new_files, stored_keys, removing)
        if draft is None:
            row.language = sub.language
            row.submit_nonce = sub.token.nonce
        db.session.add(row)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # Another post of the same page wrote first: show what that one holds (its receipt
        # when it sent the request).
        winner = race_winner(sub, policy.store, stored_keys)
        if winner is not None and not winner.is_draft:
            return SaveResult(Outcome.REPLAYED, winner)
        return SaveResult(outcome, winner, errors)
    except Exception:
        db.session.rollback()
        delete_quietly(policy.store, stored_keys)
        raise
    delete_quietly(policy.store, removed_keys)
    return SaveResult(outcome, row, errors)


def fitting(new_files: list, count: int, size: int, limits: UploadLimits) -> list:
    """The first of the new files that still fit the form's totals beside what is attached
    (check_files names the file that did not fit; it is not held)."""
    fitting = []
    for item in new_files:
        count, size = count + 1, size + len(item.data)
        if count > limits.max_files or size > limits.max_total_bytes:
            break
        fitting.append(item)
    return fitting
