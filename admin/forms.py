"""Flask-WTF forms of the back office. They carry the CSRF token and parse the fields; the rules
(a reason is required, which statuses allow what) live in the services, whose translated
refusals the pages show."""
from __future__ import annotations

import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (DateField, EmailField, IntegerField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from widget.models import RequestStatus
from widget.services.inbox import InboxQuery, Sort, View
from widget.untrusted import parse_day, parse_id


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=500)])


class ActionForm(FlaskForm):
    """An action on a request: it carries the request's version the staff member saw."""

    version = IntegerField(widget=HiddenInput())


class RegisterForm(ActionForm):
    unit = SelectField(_l("Unit"), validate_choice=False)


class AssignForm(ActionForm):
    executor = SelectField(_l("Executor"), validate_choice=False)


class PersonNoteForm(ActionForm):
    """An action whose note the person reads: staff may write it in the person's language too
    (the page names that language, admin.person_notes, or drops the box where it is theirs)."""

    person_note = TextAreaField(_l("Note in the person's language"))


class DeadlineForm(PersonNoteForm):
    day = DateField(_l("New deadline"))
    reason = TextAreaField(_l("Reason (the person reads it)"))


class PauseForm(PersonNoteForm):
    reason = SelectField(_l("What the request waits for"), validate_choice=False)
    note = TextAreaField(_l("Note for the person (optional)"))


class ResultReadyForm(PersonNoteForm):
    handover = SelectField(_l("How the result is handed over"), validate_choice=False)
    note = TextAreaField(_l("Note for the person (optional)"))


class RefuseForm(PersonNoteForm):
    reason = TextAreaField(_l("Reason for the refusal (the person reads it)"))


class TransferForm(ActionForm):
    unit = SelectField(_l("Unit to move it to"), validate_choice=False)
    reason = TextAreaField(_l("Reason (only staff read it)"))


class FeeRequestForm(ActionForm):
    amount = StringField(_l("Amount"))


class FeePaidForm(ActionForm):
    receipt_number = StringField(_l("Receipt number"))


class FeeWaiveForm(ActionForm):
    reason = TextAreaField(_l("Reason for waiving the fee"))


class PostForm(ActionForm):
    item_number = StringField(_l("Postal item number"))


def served_now() -> str:
    """The moment a page with a form is served, for its hidden served_at field."""
    return f"{time.time():.6f}"


def served_moment(text: str | None) -> float | None:
    """When the page that posted a form was served (its hidden served_at field), if the text is
    a sane moment. Not signed: a made-up moment only changes which of a staff member's own posts
    count as a repeat of an earlier one (widget.services.page_replays)."""
    try:
        moment = float(text or "")
    except ValueError:
        return None
    return moment if 0 < moment < time.time() + 60 else None


class WrittenOnceForm(FlaskForm):
    """Something written on a request (a message, a note, a letter): it carries when its page
    was served, so the same post sent again from that page is kept once."""

    served_at = StringField(widget=HiddenInput(), default=served_now)


class MessageForm(WrittenOnceForm):
    body = TextAreaField(_l("Message to the person"))
    files = MultipleFileField(_l("Attach files (optional)"))


class NoteForm(WrittenOnceForm):
    body = TextAreaField(_l("Internal note (only staff see it)"))


class LetterForm(WrittenOnceForm):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text of the letter"))
    pdf = FileField(_l("The letter as a PDF file (optional)"))


class DeskForm(FlaskForm):
    """What a desk entry carries besides the answers (prefixed: field keys cannot clash)."""

    language = SelectField(_l("Language of the person"), validate_choice=False)


# The form each action of a request's page posts (its prefix is the action's name).
ACTION_FORMS: dict[str, type[FlaskForm]] = {
    "register": RegisterForm, "assign": AssignForm, "deadline": DeadlineForm,
    "start": ActionForm, "pause": PauseForm, "resume": ActionForm,
    "result_ready": ResultReadyForm, "refuse": RefuseForm, "close": ActionForm,
    "message": MessageForm, "note": NoteForm, "letter": LetterForm,
    "fee_request": FeeRequestForm, "fee_paid": FeePaidForm, "fee_waive": FeeWaiveForm,
    "post_sent": PostForm, "post_received": PostForm, "transfer": TransferForm,
}
INBOX_STATUSES = [status.value for status in RequestStatus if status is not RequestStatus.DRAFT]


def inbox_query(args) -> tuple[InboxQuery, dict[str, str], dict]:
    """Parse the inbox's query string: (the query, the clean parameters to keep in links,
    translated problems by parameter). A value that makes no sense is left out, never fatal."""
    query, params, problems = InboxQuery(), {}, {}
    if args.get("view") in {view.value for view in View}:
        query.view = View(args["view"])
    params["view"] = query.view.value
    query.text = (args.get("q") or "").strip()[:100]
    if query.text:
        params["q"] = query.text
    if args.get("form"):
        if parse_id(args["form"]):
            query.form_id = params["form"] = parse_id(args["form"])
        else:
            problems["form"] = _l("Please choose a form from the list.")
    if args.get("unit"):
        if parse_id(args["unit"]):
            query.unit_id = params["unit"] = parse_id(args["unit"])
        else:
            problems["unit"] = _l("Please choose a unit from the list.")
    if args.get("status"):
        if args["status"] in INBOX_STATUSES:
            query.status = params["status"] = args["status"]
        else:
            problems["status"] = _l("Please choose a status from the list.")
    for key, attribute in (("from", "sent_from"), ("to", "sent_to")):
        if args.get(key):
            day = parse_day(args[key])
            if day is None:
                problems[key] = _l("Please enter a date such as 2026-10-23.")
            else:
                setattr(query, attribute, day)
                params[key] = day.isoformat()
    if args.get("sort") in {sort.value for sort in Sort}:
        query.sort = Sort(args["sort"])
        params["sort"] = query.sort.value
    query.page = parse_id(args.get("page")) or 1
    return query, params, problems
