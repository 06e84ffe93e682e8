"""Reminders set in the form builder (seeds 000 and 001): the date field a reminder counts from,
how many days before, its channels and its wording per language, which may quote the request's
own answers by field key ("{card_number}", "{holder}"). Everything is checked when saved, so
the scheduler never meets a wording it cannot fill."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.models import Field, FieldType, Form, FormReminder, StaffUser
from widget.notify.catalog import COMMON, EMAIL, INBOX, SMS
from widget.notify.compose import template_problems
from widget.services.access import NotAllowed
from widget.services.audit_log import record_change
from widget.services.form_builder import form_of, version_to_edit
from widget.services.form_proposals import LANGUAGES

CHANNELS = (SMS, EMAIL, INBOX)
# What a reminder's wording may say besides the form's field keys.
REMINDER_PLACEHOLDERS = COMMON | {"field", "date"}
MAX_DAYS = 365
MAX_WORDING = 1000
MAX_REMINDERS = 10  # per form: each one is a scan of the form's requests every minute


class NoSuchReminder(NotAllowed):
    """Not a reminder of this form (or of the organisation): the pages say "not found"."""

    def __init__(self):
        super().__init__(_l("There is no such reminder."))


class ReminderRefused(NotAllowed):
    """A reminder the builder cannot keep: a translated message per input."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


@dataclass
class ReminderInput:
    """A reminder as typed in the builder: texts, checked by the service."""

    date_field: str = ""
    days_before: str = ""
    channels: list[str] = dataclass_field(default_factory=list)
    wordings: dict[str, str] = dataclass_field(default_factory=dict)


def form_fields(form: Form) -> list[Field]:
    """The fields a reminder may use: those of the version the builder shows."""
    version = version_to_edit(form)
    return list(version.fields) if version is not None else []


def reminders_of(admin: StaffUser, form_id: int) -> list[FormReminder]:
    """A form's reminders, oldest first."""
    form = form_of(admin, form_id)
    return list(db.session.scalars(select(FormReminder).where(
        FormReminder.form_id == form.id).order_by(FormReminder.id)))


def _checked(form: Form, typed: ReminderInput) -> dict:
    problems: dict[str, str] = {}
    fields = {field.key: field for field in form_fields(form)}
    key = (typed.date_field or "").strip()
    chosen = fields.get(key)
    if not key:
        problems["date_field"] = str(_l("Please choose the date field the reminder counts from."))
    elif chosen is None:
        problems["date_field"] = str(_l("The form has no field with the key %(key)s.", key=key))
    elif chosen.type != FieldType.DATE.value:
        problems["date_field"] = str(_l(
            "The field %(key)s holds no date: a reminder counts days before a date field.",
            key=key))
    days = (typed.days_before or "").strip()
    if not (days.isascii() and days.isdigit() and int(days) <= MAX_DAYS):
        problems["days_before"] = str(_l(
            "The days before the date are a whole number from 0 to %(num)d.", num=MAX_DAYS))
    channels = [channel for channel in CHANNELS if channel in typed.channels]
    if not channels or set(typed.channels) - set(CHANNELS):
        problems["channels"] = str(_l("Please choose at least one channel: SMS, e-mail or the "
                                      "notification box."))
    allowed = REMINDER_PLACEHOLDERS | fields.keys()
    wordings = {}
    for language, text in typed.wordings.items():
        text = " ".join((text or "").split())
        if language not in LANGUAGES or not text:
            continue
        if len(text) > MAX_WORDING:
            problems[f"wording_{language}"] = str(_l(
                "A wording may have at most %(num)d characters.", num=MAX_WORDING))
        elif unknown := template_problems(text, allowed):
            problems[f"wording_{language}"] = str(_l(
                "The wording uses placeholders the form does not have: %(names)s. Use the "
                "keys of the form's fields or the placeholders listed.",
                names=", ".join("{" + name + "}" for name in unknown)))
        wordings[language] = text
    if not wordings and not any(name.startswith("wording_") for name in problems):
        problems["wordings"] = str(_l("Please write the reminder in at least one language."))
    if problems:
        raise ReminderRefused(problems)
    return {"date_field": key, "days_before": int(days), "channels": channels,
            "wordings": wordings}


def add_reminder(admin: StaffUser, form_id: int, typed: ReminderInput) -> FormReminder:
    """A new reminder on a form, checked (fields, days, channels, placeholders). Commits."""
    form = form_of(admin, form_id)
    if len(reminders_of(admin, form_id)) >= MAX_REMINDERS:
        raise ReminderRefused({"reminders": str(_l(
            "A form has at most %(num)d reminders.", num=MAX_REMINDERS))})
    values = _checked(form, typed)
    reminder = FormReminder(form_id=form.id, **values)
    db.session.add(reminder)
    db.session.flush()
    record_change(admin, "form_reminder_added", {"form_id": form.id},
                  {"form_id": form.id, "reminder_id": reminder.id, **values})
    db.session.commit()
    return reminder


def remove_reminder(admin: StaffUser, form_id: int, reminder_id: int) -> None:
    """Delete a reminder of a form: nothing more is sent for it. Commits."""
    form = form_of(admin, form_id)
    reminder = db.session.scalar(select(FormReminder).where(
        FormReminder.id == reminder_id, FormReminder.form_id == form.id))
    if reminder is None:
        raise NoSuchReminder()
    before = {"form_id": form.id, "reminder_id": reminder.id, "date_field": reminder.date_field,
              "days_before": reminder.days_before, "channels": reminder.channels,
              "wordings": reminder.wordings}
    db.session.delete(reminder)
    record_change(admin, "form_reminder_removed", before, {"form_id": form.id})
    db.session.commit()
