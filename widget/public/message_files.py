"""The status page's message keeps the files chosen for it across a language switch
(services/message_files.py): the page names them by a signed token bound to its request, read
here; a token of another request's page, or one nobody issued, names nothing."""
from __future__ import annotations

from flask import current_app, request

from widget.config import setting
from widget.models import Request
from widget.security import TokenError, issue_held_files_token, read_held_files_token
from widget.services.access import NotAllowed
from widget.services.message_files import HELD_GONE
from widget.untrusted import parse_id


def held_nonce(req: Request) -> str | None:
    """The nonce of the files the posted page holds for a message to `req` (None: it holds
    none); NotAllowed (HELD_GONE) when it names files held for another request, or a token
    nobody issued or too old."""
    token = request.form.get("held", "")
    if not token:
        return None
    try:
        held = read_held_files_token(current_app.secret_key, token, setting("FORM_TOKEN_MAX_AGE"))
    except TokenError:
        raise NotAllowed(HELD_GONE) from None
    if held.request_id != req.id:
        raise NotAllowed(HELD_GONE)
    return held.nonce


def removed_held_ids() -> frozenset[int]:
    """The held files the person ticked for removal."""
    return frozenset(parse_id(value) for value in request.form.getlist("remove_held")) - {None}


def held_context(req: Request, row: Request | None, ticked: frozenset[int] = frozenset()) -> dict:
    """What the status page shows of the files held for its message (those in `ticked` still
    ticked for removal: a refused send changes nothing the person chose), and the token naming
    them."""
    if row is None:
        return {"held_files": [], "held_token": "", "held_ticked": ticked}
    return {"held_files": row.attachments, "held_ticked": ticked,
            "held_token": issue_held_files_token(current_app.secret_key, req.id, row.submit_nonce)}
