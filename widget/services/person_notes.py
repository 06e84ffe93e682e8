"""What staff write for the person, also in the person's language.

The pause note, the deadline's reason, the refusal and the result note may carry a second
version in the request's own language (`Request.language`) beside the note as staff wrote it:
kept in the event's data as {"notes": {language: text}}, which status_page.public_note and the
notices read. Only the request's language is written: a version in any other language would
reach nobody (the person reads their own), and the server, not the form, says which it is.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from widget.models import Request
from widget.services.access import NotAllowed
from widget.textnorm import strip_controls

PERSON_NOTE_MAX_LENGTH = 2000  # as the note itself (workflow.REASON_MAX_LENGTH)


def clean_person_note(text: str | None) -> str:
    """The version in the person's language as it is kept: without control or bidi-override
    characters (which could disguise the text around them), trimmed; refused when too long."""
    note = strip_controls(text or "", keep_newlines=True).strip()
    if len(note) > PERSON_NOTE_MAX_LENGTH:
        raise NotAllowed(_l("Please shorten the note in the person's language to %(max)d "
                            "characters.", max=PERSON_NOTE_MAX_LENGTH))
    return note


def check_person_note(note: str, person_note: str) -> None:
    """Refuse a version in the person's language without the note itself: staff, the audit
    and readers of every other language read that one."""
    if person_note and not note:
        raise NotAllowed(_l("Please write the note in your own language too."))


def with_person_note(data: dict | None, request: Request, person_note: str) -> dict:
    """An event's data with the version in the request's language beside the note, if any."""
    data = dict(data or {})
    if person_note:
        data["notes"] = {request.language: person_note}
    return data
