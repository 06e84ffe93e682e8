"""Turning requests into what the back office shows: staff-worded labels, inbox rows, the full
timeline, which action forms a page offers, and letter drafts from templates."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext as _l, to_user_timezone

from widget import codes
from widget.contacts import name_in_answers
from widget.extensions import db
from widget.i18n import LANGUAGE_NAMES, format_day, format_due
from widget.models import (Attachment, Channel, Event, EventKind, FeeStatus, FieldType, Handover,
                           Message, PauseReason, Request, RequestStatus, StaffUser, Unit)
from widget.models._types import as_utc, utcnow
from widget.public.presenters import amount, display_answer, timeline_label
from widget.services.inbox import Sort, View
from widget.services.letter_templates import KINDS, fill, wording_for
from widget.services.transfer import may_transfer
from widget.services.workflow import ALLOWED_FROM, OPEN

# The widget words these for the person ("waiting for you to..."); staff read them about the person.
PAUSE_REASONS = {
    PauseReason.SUPPLEMENT.value: _l("Waiting for the person's documents"),
    PauseReason.THIRD_PARTY.value: _l("Waiting for another authority"),
    PauseReason.INSPECTION.value: _l("Site inspection"),
    PauseReason.PERSON_REQUEST.value: _l("At the person's request"),
}
HANDOVERS = {
    Handover.DESK.value: _l("At the desk"),
    Handover.POST.value: _l("By post"),
    Handover.ONLINE.value: _l("Online, on the status page"),
}
CHANNELS = {
    Channel.WEB.value: _l("Online"),
    Channel.DESK.value: _l("At the desk"),
    Channel.POST.value: _l("By post"),
}
FEE_STATUSES = {
    FeeStatus.NONE.value: _l("No fee"),
    FeeStatus.REQUESTED.value: _l("Requested, not paid yet"),
    FeeStatus.PAID.value: _l("Paid"),
    FeeStatus.WAIVED.value: _l("Waived"),
}
STAFF_EVENT_LABELS = {EventKind.CITIZEN_MESSAGE.value: _l("Message from the person")}
VIEWS = {
    View.NEW.value: _l("New"),
    View.MINE.value: _l("Mine"),
    View.WAITING_FOR_US.value: _l("Waiting for us"),
    View.WAITING_FOR_PERSON.value: _l("Waiting for the person"),
    View.OVERDUE.value: _l("Overdue"),
    View.DUE_SOON.value: _l("Due soon"),
    View.PAUSED.value: _l("Paused"),
    View.ALL.value: _l("All"),
}
SORTS = {
    Sort.DUE.value: _l("Deadline, soonest first"),
    Sort.NEWEST.value: _l("Newest first"),
    Sort.OLDEST.value: _l("Oldest first"),
}
LETTER_TEMPLATES = KINDS


def label(labels: dict, value: str | None) -> str:
    """A value's label from one of the dicts above, or the value itself when unknown."""
    return str(labels.get(value or "", value or ""))


def message_author(message: Message) -> str:
    """Who wrote a message: the staff member's name, or the person."""
    staff = db.session.get(StaffUser, message.staff_user_id) if message.staff_user_id else None
    return staff.name if staff else (_("The organisation") if message.from_staff else _("The person"))


def person_name(request: Request) -> str:
    """The person's name if a text answer looks like one, else the first text answer."""
    return name_in_answers(request.form_version.fields, request.answers)


def is_overdue(request: Request, now: datetime | None = None) -> bool:
    """Open and past its deadline."""
    return bool(request.is_open and request.due_at and as_utc(request.due_at) < (now or utcnow()))


@dataclass
class InboxRow:
    request: Request
    person: str
    overdue: bool


def inbox_rows(requests: list[Request]) -> list[InboxRow]:
    """The inbox table's rows."""
    now = utcnow()
    return [InboxRow(r, person_name(r), is_overdue(r, now)) for r in requests]


def files_of(request: Request) -> dict[int, Attachment]:
    """Every file of a request by id: sent with it, in its messages, in its letters."""
    files = list(request.attachments)
    files += [a for message in request.messages for a in message.attachments]
    files += [a for letter in request.letters for a in letter.attachments]
    return {attachment.id: attachment for attachment in files}


@dataclass
class TimelineEntry:
    event: Event
    label: str
    details: list[str] = field(default_factory=list)


def timeline(request: Request) -> list[TimelineEntry]:
    """The whole timeline, internal notes included, newest first."""
    return [TimelineEntry(event, str(STAFF_EVENT_LABELS.get(event.kind) or timeline_label(event)),
                          [text for text in [*_details(event), *_person_versions(event)] if text])
            for event in reversed(request.events)]


def _person_versions(event: Event) -> list[str]:
    """The note as staff also wrote it in the person's language, named by that language."""
    written = (event.data or {}).get("notes")
    if not isinstance(written, dict):
        return []
    return [f"{LANGUAGE_NAMES.get(language, language)}: {text}" for language, text in written.items()]


def _details(event: Event) -> list[str]:
    data, kind, K = event.data or {}, event.kind, EventKind
    if kind == K.REGISTERED.value:
        number = data.get("journal_number")
        return [_("Journal number %(number)s", number=number) if number else ""]
    if kind == K.ASSIGNED.value:
        executor = db.session.get(StaffUser, data["executor_id"]) if data.get("executor_id") else None
        return [_("Assigned to %(name)s", name=executor.name) if executor else ""]
    if kind == K.DEADLINE_CHANGED.value:
        moved = _("From %(old)s to %(new)s", old=_due(data.get("from")), new=_due(data.get("to")))
        return [moved, event.note]
    if kind == K.PAUSED.value:
        return [label(PAUSE_REASONS, data.get("reason")), event.note]
    if kind == K.RESUMED.value and data.get("waited_seconds"):
        return [_("Waited %(hours)s working hours; the deadline moved as much.",
                  hours=f"{data['waited_seconds'] / 3600:.1f}")]
    if kind == K.RESULT_READY.value:
        return [label(HANDOVERS, data.get("handover")), event.note]
    if kind == K.TRANSFERRED.value:
        units = [db.session.get(Unit, data[key]) if data.get(key) else None
                 for key in ("from_unit_id", "to_unit_id")]
        names = [unit.name(str(get_locale())) if unit else _("no unit") for unit in units]
        return [_("From %(old)s to %(new)s", old=names[0], new=names[1]), data.get("reason")]
    if kind == K.LETTER_ISSUED.value:
        return [data.get("title", "")]
    if kind in (K.FEE_REQUESTED.value, K.FEE_PAID.value):
        paid = _("Receipt number %(number)s", number=data["receipt_number"]) \
            if data.get("receipt_number") else ""
        return [_("Amount %(amount)s", amount=amount(data.get("amount"))), paid]
    if kind in (K.POST_SENT.value, K.POST_RECEIVED.value):
        return [_("Postal item number %(number)s", number=data.get("item_number", ""))]
    return [event.note]  # refusal reason, fee waiver reason, internal note


def _due(text: str | None) -> str:
    return format_due(datetime.fromisoformat(text)) if text else _("none")


def available_actions(staff: StaffUser, request: Request) -> set[str]:
    """The actions whose forms the request's page offers this staff member now."""
    actions = {name for name, statuses in ALLOWED_FROM.items() if request.status in statuses}
    actions |= {"message", "note", "letter", "post_sent", "post_received"}
    if may_transfer(staff, request):
        actions.add("transfer")
    if staff.is_unit_head and request.status in OPEN:
        actions.add("deadline")
        if request.status != RequestStatus.RECEIVED.value:
            actions.add("assign")
    if request.status in OPEN and request.fee_status != FeeStatus.PAID.value:
        actions.add("fee_request")
    if request.fee_status == FeeStatus.REQUESTED.value:
        actions.add("fee_paid")
        if staff.is_unit_head:
            actions.add("fee_waive")
    return actions


def letter_draft(kind: str | None, request: Request) -> tuple[str, str] | None:
    """A letter's title and text from the organisation's template, in the person's language,
    its placeholders filled; an answer the request lacks stays a placeholder staff must replace."""
    if kind not in LETTER_TEMPLATES:
        return None
    language = request.language
    wording = wording_for(request.organization_id, kind, language)
    with force_locale(language):
        today = to_user_timezone(utcnow()).date()
        unit = request.unit.name(language) if request.unit else ""
        values = {
            "name": person_name(request) or _("Sir or Madam"),
            # A letter may be shown to others (the verification page is for them): the whole
            # tracking code would open the request to whoever reads it.
            "code": codes.masked(request.code),
            "number": request.journal_number or codes.masked(request.code),
            "form": request.form_version.form.title(language),
            "date": format_day(to_user_timezone(as_utc(request.submitted_at)).date())
            if request.submitted_at else "",
            "today": format_day(today),
            "due": format_due(request.due_at) if request.due_at else "",
            "organisation": request.organization.name(language),
            "unit": unit,
            "sender": (unit + ", " if unit else "") + request.organization.name(language),
        }
        answers = _answer_texts(request, language)
        return fill(wording.title, values, answers), fill(wording.body, values, answers)


def _answer_texts(request: Request, language: str) -> dict[str, str]:
    """Each answer as the person reads it, by field key (files and empty answers left out)."""
    texts = {}
    for form_field in request.form_version.fields:
        value = request.answers.get(form_field.key)
        if form_field.type == FieldType.FILE.value or value in (None, "", []):
            continue
        shown = display_answer(form_field, value, language)
        texts[form_field.key] = ", ".join(map(str, shown)) if isinstance(shown, list) else str(shown)
    return texts
