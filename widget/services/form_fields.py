"""The form builder's field editing: every change goes to the form's draft version, made as a
copy of the current version on the first change (published versions are frozen). Specs are
checked by form_proposals.check_field, the same rules a connected system's definitions meet."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from flask_babel import lazy_gettext as _l
from sqlalchemy import null

from widget.extensions import db
from widget.models import Field, Form, FormVersion, StaffUser
from widget.services.access import NotAllowed
from widget.services.audit_log import record_change
from widget.services.form_builder import NoSuchForm, form_of, version_to_edit
from widget.services.form_proposals import CHOICE_TYPES, LANGUAGES, MAX_FIELDS, check_field

# The words for check_field's problem codes, by the part of the field they are about.
FIELD_MESSAGES = {
    "key": _l("The key is lower-case letters, digits and _, starting with a letter (at most 64)."),
    "type": _l("Please choose the type of the field."),
    "texts": _l("Please write the label in at least one language."),
    "text": _l("Please write the label in at least one language."),
    "number": _l("Please enter a number, such as 10 or 2.5."),
    "length": _l("A length is a whole number from 0 to 100000."),
    "length_order": _l("The shortest length cannot be more than the longest."),
    "value_order": _l("The smallest value cannot be more than the largest."),
    "choices": _l("A choice field needs at least one choice, one per line."),
    "choice_value": _l("Each choice starts with its value: 1 to 64 characters before the first |."),
    "prefill": _l("Please choose a detail of the person's profile, or none."),
    "object": _l("Please check the field."),
}
CHOICE_LABEL_MISSING = _l("Each choice needs a label after its value: "
                          "value | English | Vietnamese | Persian | Russian.")


class FieldRefused(NotAllowed):
    """A field spec the builder cannot keep: a translated message per part of the field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


@dataclass
class FieldInput:
    """A field as typed in the builder: every part a text, checked by the service."""

    key: str
    type: str
    labels: dict[str, str] = dataclass_field(default_factory=dict)
    helps: dict[str, str] = dataclass_field(default_factory=dict)
    required: bool = False
    min_length: str = ""
    max_length: str = ""
    min_value: str = ""
    max_value: str = ""
    choices: str = ""
    prefill: str = ""


# --- fields of the draft -------------------------------------------------------------------------

def _draft(form: Form) -> FormVersion:
    """The draft version, made as a copy of the current version on the first change."""
    draft = form.draft_version
    if draft is not None:
        return draft
    current = form.current_version
    draft = FormVersion(number=form.versions[-1].number + 1 if form.versions else 1,
                        published_at=null())
    for source in (current.fields if current is not None else []):
        draft.fields.append(Field(
            position=source.position, key=source.key, type=source.type,
            labels=dict(source.labels or {}), helps=dict(source.helps or {}),
            required=source.required, min_length=source.min_length,
            max_length=source.max_length, min_value=source.min_value,
            max_value=source.max_value, prefill=source.prefill,
            choices=[dict(choice) for choice in source.choices or []]))
    form.versions.append(draft)
    db.session.flush()
    return draft


def _whole(text: str):
    text = (text or "").strip()
    if not text:
        return None
    # Not a whole number: left as text, which check_field refuses in its own words.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else text


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {language: text for language, text in values.items()
            if language in LANGUAGES and isinstance(text, str) and text.strip()}


def parse_choices(text: str) -> list[dict]:
    """Choices written one per line: "value | English | Vietnamese | Persian | Russian"."""
    choices = []
    for line in (text or "").splitlines():
        if line.strip():
            value, *labels = [part.strip() for part in line.split("|")]
            choices.append({"value": value, "labels": {
                language: label for language, label in zip(LANGUAGES, labels) if label}})
    return choices


def choices_text(field: Field) -> str:
    """A field's choices as the builder's text area shows them."""
    return "\n".join(" | ".join([choice["value"], *[(choice.get("labels") or {}).get(language, "")
                                                    for language in LANGUAGES]]).rstrip(" |")
                     for choice in field.choices or [])


def _checked(typed: FieldInput, version: FormVersion, same_key: Field | None) -> dict:
    with_choices = typed.type in CHOICE_TYPES
    spec = {"key": (typed.key or "").strip(), "type": typed.type,
            "labels": _texts(typed.labels), "helps": _texts(typed.helps) or None,
            "required": typed.required, "min_length": _whole(typed.min_length),
            "max_length": _whole(typed.max_length), "min_value": typed.min_value.strip() or None,
            "max_value": typed.max_value.strip() or None,
            "choices": parse_choices(typed.choices) if with_choices else [],
            "prefill": typed.prefill or None}
    clean, codes = check_field(spec)
    problems = {}
    for path, code in codes.items():
        part = path.split(".")[0].split("[")[0]  # "choices[2].labels" is about "choices"
        message = (CHOICE_LABEL_MISSING if part == "choices" and code in ("texts", "text")
                   else FIELD_MESSAGES.get(code, FIELD_MESSAGES["object"]))
        problems.setdefault(part, str(message))
    taken = {field.key for field in version.fields if field is not same_key}
    if clean and clean["key"] in taken:
        problems.setdefault("key", str(_l("Another field of this form has this key.")))
    if problems:
        raise FieldRefused(problems)
    return clean


def _field_snapshot(field: Field) -> dict:
    return {"key": field.key, "type": field.type, "labels": field.labels, "helps": field.helps,
            "required": field.required, "min_length": field.min_length,
            "max_length": field.max_length,
            "min_value": None if field.min_value is None else str(field.min_value),
            "max_value": None if field.max_value is None else str(field.max_value),
            "choices": field.choices, "prefill": field.prefill}


def _field_in(version: FormVersion, key: str) -> Field:
    found = next((field for field in version.fields if field.key == key), None)
    if found is None:
        raise NoSuchForm()
    return found


def _renumber(version: FormVersion) -> None:
    for position, field in enumerate(sorted(version.fields, key=lambda f: f.position)):
        field.position = position


def add_field(admin: StaffUser, form_id: int, typed: FieldInput) -> Field:
    """Add a field at the end of the draft (made from the current version if needed). Commits."""
    form = form_of(admin, form_id)
    version = form.draft_version or form.current_version or FormVersion(fields=[])
    clean = _checked(typed, version, None)
    draft = _draft(form)
    if len(draft.fields) >= MAX_FIELDS:
        raise FieldRefused({"key": str(_l("A form has at most %(num)d fields.", num=MAX_FIELDS))})
    field = Field(position=len(draft.fields), **clean)
    draft.fields.append(field)
    record_change(admin, "field_added", {}, {"form_id": form.id, "version": draft.number,
                  **_field_snapshot(field)})
    db.session.commit()
    return field


def update_field(admin: StaffUser, form_id: int, key: str, typed: FieldInput) -> Field:
    """Change a field of the draft (its key and type stay: a new key is a new field). Commits."""
    form = form_of(admin, form_id)
    shown = version_to_edit(form)
    if shown is None:
        raise NoSuchForm()
    existing = _field_in(shown, key)
    typed.key, typed.type = existing.key, existing.type
    clean = _checked(typed, shown, existing)
    field = _field_in(_draft(form), key)
    before = _field_snapshot(field)
    for name, value in clean.items():
        setattr(field, name, value)
    after = _field_snapshot(field)
    if after != before:
        record_change(admin, "field_updated", {"form_id": form.id, **before},
                      {"form_id": form.id, "version": field.version.number, **after})
    db.session.commit()
    return field


def move_field(admin: StaffUser, form_id: int, key: str, step: int) -> None:
    """Move a field of the draft one place up (-1) or down (+1). Commits."""
    form = form_of(admin, form_id)
    if step not in (-1, 1) or version_to_edit(form) is None:
        raise NoSuchForm()
    _field_in(version_to_edit(form), key)
    draft = _draft(form)
    _renumber(draft)
    fields = sorted(draft.fields, key=lambda f: f.position)
    index = next(i for i, field in enumerate(fields) if field.key == key)
    other = index + step
    if 0 <= other < len(fields):
        fields[index].position, fields[other].position = other, index
        record_change(admin, "field_moved", {"form_id": form.id, "key": key, "position": index},
                      {"form_id": form.id, "key": key, "position": other, "version": draft.number})
    db.session.commit()


def remove_field(admin: StaffUser, form_id: int, key: str) -> None:
    """Take a field out of the draft; requests sent on earlier versions keep it. Commits."""
    form = form_of(admin, form_id)
    if version_to_edit(form) is None:
        raise NoSuchForm()
    _field_in(version_to_edit(form), key)
    draft = _draft(form)
    field = _field_in(draft, key)
    draft.fields.remove(field)
    _renumber(draft)
    record_change(admin, "field_removed", {"form_id": form.id, **_field_snapshot(field)},
                  {"form_id": form.id, "version": draft.number})
    db.session.commit()


