"""Messages between the person and staff, internal notes, and the answer letter."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.orm.exc import StaleDataError

from widget import codes
from widget.extensions import db
from widget.file_stores import FileStore, delete_quietly, save_all
from widget.models import (LETTER_DOCUMENT, Attachment, Event, EventKind, Letter, Message,
                           Request, RequestStatus, StaffUser)
from widget.models._types import utcnow
from widget.notify.notices import queue_notices
from widget.services.access import NotAllowed, find_for_staff
from widget.services.letter_documents import attach_document
from widget.services.letter_templates import letter_gap
from widget.services.message_files import HELD_GONE, held_files
from widget.services.page_replays import made_since
from widget.services.workflow import apply_action
from widget.textnorm import strip_controls
from widget.uploads import CheckedFile, IncomingFile, UploadLimits, check_files

MESSAGE_MAX_LENGTH = 5000
CITIZEN_MESSAGE_TRIES = 3
LETTER_TITLE_MAX_LENGTH = 200


def _clean_body(text: str | None, required: bool = True) -> str:
    body = strip_controls(text or "", keep_newlines=True).strip()
    if required and not body:
        raise NotAllowed(_l("Please write a message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise NotAllowed(_l("Please shorten the message to %(max)d characters.", max=MESSAGE_MAX_LENGTH))
    return body


def _checked(files: list[IncomingFile], limits: UploadLimits,
             held: list[Attachment] = ()) -> list[CheckedFile]:
    checked, errors = check_files(files, limits, already_count=len(held),
                                  already_bytes=sum(a.size for a in held))
    if errors:
        raise NotAllowed(next(iter(errors.values())))
    return checked


def _stored(request: Request, files: list[CheckedFile], store: FileStore,
            keys: list[str]) -> list[Attachment]:
    """Save the files (all or none: StoreUnavailable) and note their keys in `keys`."""
    keys.extend(save_all(store, [item.data for item in files]))
    return [Attachment(request_id=request.id, field_key="message", filename=item.filename,
                       content_type=item.content_type, size=len(item.data), sha256=item.sha256,
                       storage_key=key) for item, key in zip(files, keys)]


@contextmanager
def _deleted_on_failure(store: FileStore, keys: list[str]):
    """Files saved for a change are deleted again when the change fails after saving them (a
    lost race, the database): no committed row will ever name them."""
    try:
        yield
    except Exception:
        delete_quietly(store, keys)
        raise


def send_staff_message(staff: StaffUser, request_id: int, body: str, files: list[IncomingFile],
                       limits: UploadLimits, store: FileStore,
                       page_served_at: float | None = None,
                       expected_version: int | None = None) -> Request:
    """Write to the person about their request, with attachments. Sent again from the page it
    was sent from (`page_served_at`), it is the message already written: the person is not told
    twice. With `expected_version`, a request changed meanwhile is a Conflict."""
    body = _clean_body(body)
    checked = _checked(files, limits)
    request = find_for_staff(staff, request_id)
    if any(message.from_staff and message.staff_user_id == staff.id and message.body == body
           and _same_files(message.attachments, checked)
           for message in made_since(request.messages, page_served_at)):
        return request
    keys: list[str] = []

    def change(request: Request, now: datetime) -> Event:
        message = Message(from_staff=True, staff_user_id=staff.id, body=body, created_at=now,
                          attachments=_stored(request, checked, store, keys))
        request.messages.append(message)
        return Event(kind=EventKind.STAFF_MESSAGE.value)
    with _deleted_on_failure(store, keys):
        return apply_action(staff, request_id, expected_version, "message", change)


def add_internal_note(staff: StaffUser, request_id: int, body: str,
                      page_served_at: float | None = None) -> Request:
    """A note for colleagues; the person never sees it. Kept once per page, as a message is."""
    body = _clean_body(body)
    request = find_for_staff(staff, request_id)
    if any(event.kind == EventKind.NOTE.value and event.staff_user_id == staff.id
           and event.note == body for event in made_since(request.events, page_served_at)):
        return request

    def change(request: Request, now: datetime) -> Event:
        return Event(kind=EventKind.NOTE.value, note=body, public=False)
    return apply_action(staff, request_id, None, "note", change)


def issue_letter(staff: StaffUser, request_id: int, title: str, body: str,
                 pdf: IncomingFile | None, limits: UploadLimits, store: FileStore,
                 page_served_at: float | None = None,
                 expected_version: int | None = None) -> Request:
    """Answer with a letter: a text written from a template, an uploaded PDF enclosed, or both.
    Every letter becomes a PDF document rendered here once, stored with its SHA-256 and a
    verification code; a text still holding a gap for staff to fill is refused. Issued once per
    page, as a message is. With `expected_version`, a request changed meanwhile is a Conflict."""
    title = strip_controls(title or "").strip()[:LETTER_TITLE_MAX_LENGTH]
    body = _clean_body(body, required=False)
    checked = _checked([pdf] if pdf is not None else [], limits)
    if any(item.content_type != "application/pdf" for item in checked):
        raise NotAllowed(_l("The letter must be a PDF file."))
    if not title:
        raise NotAllowed(_l("Please give the letter a title."))
    if not body and not checked:
        raise NotAllowed(_l("Please write the letter or attach it as a PDF."))
    if (gap := letter_gap(title) or letter_gap(body)) is not None:
        raise NotAllowed(_l("The letter still has a gap to fill: %(gap)s. Please replace it "
                            "with the words it stands for, then issue the letter.", gap=gap))
    request = find_for_staff(staff, request_id)
    if codes.written_in(f"{title}\n{body}", request.code or ""):
        raise NotAllowed(_l("The letter shows the request's tracking code, which opens the "
                            "request to whoever reads it, and a letter may be shown to others. "
                            "Please remove it: the journal number names the request."))
    if any(letter.staff_user_id == staff.id and letter.title == title
           and (letter.body or "") == body and _same_files(_enclosures(letter), checked)
           for letter in made_since(request.letters, page_served_at)):
        return request
    keys: list[str] = []

    def change(request: Request, now: datetime) -> Event:
        letter = Letter(staff_user_id=staff.id, title=title, body=body or None, created_at=now,
                        attachments=_stored(request, checked, store, keys))
        keys.append(attach_document(request, letter, now, store, [f.filename for f in checked]))
        request.letters.append(letter)
        return Event(kind=EventKind.LETTER_ISSUED.value, data={"title": title})
    with _deleted_on_failure(store, keys):
        return apply_action(staff, request_id, expected_version, "letter", change)


def _enclosures(letter: Letter) -> list[Attachment]:
    return [a for a in letter.attachments if a.field_key != LETTER_DOCUMENT]


def send_citizen_message(request: Request, body: str, files: list[IncomingFile],
                         limits: UploadLimits, store: FileStore,
                         page_served_at: float | None = None, held_nonce: str | None = None,
                         remove_held_ids: frozenset[int] = frozenset()) -> Message:
    """The person writes to the organisation from the status page (their code is their key),
    with the files chosen now and those the page held for it (`held_nonce`, less those
    ticked for removal: services/message_files.py). The same message sent again from the page
    it was sent from (a double click, a resent post: `page_served_at` is when that page was
    served) is the one already kept."""
    if request.is_draft:
        raise NotAllowed(_l("This request was not sent yet."))
    body = _clean_body(body)
    held = held_files(request, held_nonce) if held_nonce else None
    if held_nonce and held is None:
        # Its files went with this page's message already (a twin post), or are gone.
        earlier = _sent_from_page(request, body, None, page_served_at)
        if earlier is not None:
            return earlier
        raise NotAllowed(HELD_GONE)
    kept = [a for a in held.attachments if a.id not in remove_held_ids] if held else []
    checked = _checked(files, limits, kept)
    # Plain values: a lost race below expires the rows they come from.
    moving = HeldMove(held.id, [a.id for a in kept],
                      [a.storage_key for a in held.attachments if a.id in remove_held_ids]
                      ) if held else None
    hashes = [a.sha256 for a in kept] + [item.sha256 for item in checked]
    # Staff may change the request between loading it and this commit (its version moves on):
    # then the message is written again on the request as it is now, up to three times.
    for _attempt in range(CITIZEN_MESSAGE_TRIES):
        earlier = _sent_from_page(request, body, hashes, page_served_at)
        if earlier is not None:
            return earlier  # a twin of this post got there first
        try:
            message = _write_citizen_message(request, body, checked, store, moving)
        except StaleDataError:
            db.session.rollback()  # and `request` reads itself afresh
            continue
        except HeldFilesTaken:
            db.session.rollback()  # a twin of this post took the held files with its message
            earlier = _sent_from_page(request, body, None, page_served_at)
            if earlier is None:
                raise NotAllowed(HELD_GONE) from None
            return earlier
        if moving is not None:
            delete_quietly(store, moving.removed_keys)
        return message
    raise NotAllowed(_l("The request changed while your message was being saved; please send it "
                        "again."))


class HeldFilesTaken(Exception):
    """The row of held files was gone when the message came to take them."""


@dataclass(frozen=True)
class HeldMove:
    """Held files going with a message: the row holding them, those kept, those removed."""

    row_id: int
    kept_ids: list[int]
    removed_keys: list[str]


def _write_citizen_message(request: Request, body: str, checked: list[CheckedFile],
                           store: FileStore, held: HeldMove | None = None) -> Message:
    now = utcnow()
    keys: list[str] = []
    with _deleted_on_failure(store, keys):
        message = Message(from_staff=False, body=body, created_at=now,
                          attachments=_stored(request, checked, store, keys))
        request.messages.append(message)
        event = Event(kind=EventKind.CITIZEN_MESSAGE.value, created_at=now)
        request.events.append(event)
        request.updated_at = now  # a connected system polling for changes sees it
        queue_notices(request, [event])  # no notice to the person; the systems that asked are told
        if held is not None:
            _take_held_files(request, message, held)
        db.session.commit()
    return message


def _take_held_files(request: Request, message: Message, held: HeldMove) -> None:
    """Move the kept held files onto the message, in the same transaction, and delete the row
    that held them (with the files removed); HeldFilesTaken when another post took it first."""
    db.session.flush()  # the message's id
    db.session.execute(update(Attachment).where(
        Attachment.request_id == held.row_id, Attachment.id.in_(held.kept_ids)).values(
        request_id=request.id, message_id=message.id),
        execution_options={"synchronize_session": False})
    db.session.execute(delete(Attachment).where(Attachment.request_id == held.row_id),
                       execution_options={"synchronize_session": False})
    gone = db.session.execute(delete(Request).where(
        Request.id == held.row_id, Request.status == RequestStatus.DRAFT.value),
        execution_options={"synchronize_session": False})
    if gone.rowcount != 1:
        raise HeldFilesTaken()


def _sent_from_page(request: Request, body: str, hashes: list[str] | None,
                    page_served_at: float | None) -> Message | None:
    """The person's message with these words and files (any files: None) written since the
    page was served."""
    return next((message for message in made_since(request.messages, page_served_at)
                 if not message.from_staff and message.body == body
                 and (hashes is None or _same_hashes(message.attachments, hashes))), None)


def _same_files(attachments: list[Attachment], files: list[CheckedFile]) -> bool:
    return _same_hashes(attachments, [item.sha256 for item in files])


def _same_hashes(attachments: list[Attachment], hashes: list[str]) -> bool:
    return sorted(a.sha256 for a in attachments) == sorted(hashes)


def mark_citizen_messages_read(staff: StaffUser, request: Request) -> None:
    """Staff opened the request: the person's messages count as read."""
    now = utcnow()
    unread = [m for m in request.messages if not m.from_staff and m.read_at is None]
    for message in unread:
        message.read_at = now
    if unread:
        db.session.commit()
