"""A pushed form definition as the approval page shows it: its fields in the reader's language,
and for a new version of a form, what changes against the version people fill in now."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from widget.models import FieldType, Form, FormProposal
from widget.models._types import localized
from widget.services.form_proposals import current_form

FIELD_TYPES = {
    FieldType.TEXT.value: _l("Short text"),
    FieldType.LONG_TEXT.value: _l("Long text"),
    FieldType.NUMBER.value: _l("Number"),
    FieldType.DATE.value: _l("Date"),
    FieldType.EMAIL.value: _l("E-mail address"),
    FieldType.PHONE.value: _l("Phone number"),
    FieldType.CHOICE.value: _l("One choice from a list"),
    FieldType.MULTI_CHOICE.value: _l("Several choices from a list"),
    FieldType.CHECKBOX.value: _l("Checkbox"),
    FieldType.FILE.value: _l("File"),
}
# What may differ in a field both versions have.
FIELD_CHANGES = {
    "label": _l("Label"),
    "type": _l("Type"),
    "required": _l("Required or optional"),
    "choices": _l("Choices"),
}


@dataclass(frozen=True)
class FieldRow:
    """One field as the page lists it: what it is called and what kind of answer it takes."""
    key: str
    type: str
    required: bool
    label: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldChange:
    """What differs in a field both versions have: (what, now, proposed) per difference;
    `what` is "label", "type", "required" or "choices"."""
    key: str
    label: str
    differences: list[tuple[str, object, object]]


@dataclass
class ProposalView:
    proposal: FormProposal
    title: str
    processing_days: int
    fields: list[FieldRow]
    form: Form | None = None                   # the form it gives a new version to, if any
    form_title: str = ""
    version: int | None = None                 # that form's current version number
    processing_days_now: int | None = None
    added: list[FieldRow] = field(default_factory=list)
    removed: list[FieldRow] = field(default_factory=list)
    changed: list[FieldChange] = field(default_factory=list)

    @property
    def is_new_version(self) -> bool:
        return self.form is not None

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _row(key: str, kind: str, required: bool, labels: dict | None, choices, language: str) -> FieldRow:
    return FieldRow(key, kind, bool(required), localized(labels, language),
                    tuple(str(choice.get("value")) for choice in choices or []
                          if isinstance(choice, dict)))


def _differences(now: FieldRow, proposed: FieldRow, labels_now, labels_proposed):
    found = []
    # Any language's label counts as a change; the page shows it in the reader's language.
    if (labels_now or {}) != (labels_proposed or {}):
        found.append(("label", now.label, proposed.label))
    if now.type != proposed.type:
        found.append(("type", now.type, proposed.type))
    if now.required != proposed.required:
        found.append(("required", now.required, proposed.required))
    if now.choices != proposed.choices:
        found.append(("choices", now.choices, proposed.choices))
    return found


def proposal_view(proposal: FormProposal, language: str) -> ProposalView:
    """A proposal's title and fields in a language, and its differences from the form now."""
    definition = proposal.definition or {}
    specs = definition.get("fields") or []
    view = ProposalView(proposal, localized(definition.get("titles"), language),
                        definition.get("processing_days"),
                        [_row(spec.get("key"), spec.get("type"), spec.get("required"),
                              spec.get("labels"), spec.get("choices"), language)
                         for spec in specs])
    form = current_form(proposal)
    version = form.current_version if form is not None else None
    if version is None:
        return view
    view.form, view.form_title, view.version = form, form.title(language), version.number
    view.processing_days_now = form.processing_days
    now = {f.key: (_row(f.key, f.type, f.required, f.labels, f.choices, language), f.labels)
           for f in version.fields}
    proposed = {row.key: (row, spec.get("labels")) for row, spec in zip(view.fields, specs)}
    view.added = [row for key, (row, _) in proposed.items() if key not in now]
    view.removed = [row for key, (row, _) in now.items() if key not in proposed]
    for key, (row, labels) in proposed.items():
        if key in now:
            differences = _differences(now[key][0], row, now[key][1], labels)
            if differences:
                view.changed.append(FieldChange(key, row.label or now[key][0].label, differences))
    return view
