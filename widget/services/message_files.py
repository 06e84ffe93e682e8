"""Files chosen for a message on the status page, held across a language switch the way a form
page holds its files (services/held_files.py): on a draft row without a resume code, under a
nonce that only the page's signed token names (security.HeldFiles, which also names the request
the message is written to). They go with the message when it is sent (services/messaging.py);
nobody can resume the row, and the worker deletes it with its files once a form token of its
age would have expired (services/draft_expiry.py)."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.file_stores import FileStore, delete_quietly, save_all
from widget.models import Channel, Request, RequestStatus
from widget.services.access import NotAllowed
from widget.services.held_files import fitting
from widget.services.submission import change_files
from widget.uploads import IncomingFile, UploadLimits, check_files

# Said when a page names held files that are not (or no longer) there for this request: taken
# from another request's page, made up, or already sent.
HELD_GONE = _l("The files attached earlier to this message are no longer kept. Please attach "
               "them again.")


def held_files(request: Request, nonce: str) -> Request | None:
    """The row holding files for a message to `request` under `nonce`, or None."""
    return db.session.scalar(select(Request).where(
        Request.submit_nonce == nonce, Request.status == RequestStatus.DRAFT.value,
        Request.resume_code.is_(None), Request.organization_id == request.organization_id,
        Request.form_version_id == request.form_version_id))


def hold_message_files(request: Request, nonce: str | None, files: list[IncomingFile],
                       remove_ids: set[int], limits: UploadLimits, store: FileStore,
                       language: str) -> tuple[Request | None, dict]:
    """Hold the new files that may be attached (beside those held already, less those ticked
    for removal) for the message being written to `request`; return the holding row (None when
    nothing is held) and the errors naming the files refused. NotAllowed (HELD_GONE) when
    `nonce` names no held files, and then nothing changes."""
    held = held_files(request, nonce) if nonce else None
    if nonce and held is None:
        raise NotAllowed(HELD_GONE)
    present = held.attachments if held else []
    removing = {a.id for a in present} & remove_ids
    staying = [a for a in present if a.id not in removing]
    count, size = len(staying), sum(a.size for a in staying)
    checked, errors = check_files(files, limits, already_count=count, already_bytes=size)
    new_files = fitting(checked, count, size, limits)
    if not new_files and not removing:
        return held, errors
    stored_keys = save_all(store, [item.data for item in new_files])
    try:
        row = held or Request(organization_id=request.organization_id, site_id=request.site_id,
                              form_version_id=request.form_version_id,
                              channel=Channel.WEB.value, language=language,
                              submit_nonce=secrets.token_hex(16), attachments=[])
        removed_keys = change_files(row, new_files, stored_keys, removing)
        db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_quietly(store, stored_keys)
        raise
    delete_quietly(store, removed_keys)
    return (row if row.attachments else None), errors
