"""Form definitions pushed by connected systems: checked when they arrive, kept pending, and
published only when an administrator approves them (a new form, or a new version of the form
with that slug: requests keep the version they were sent on)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from widget.extensions import db
from widget.i18n import TRANSLATED_LANGUAGES
from widget.models import (ApiClient, Field, FieldType, Form, FormGroup, FormProposal,
                           FormVersion, ProposalStatus, StaffUser, Unit)
from widget.models.forms import PROFILE_KEYS
from widget.models._types import utcnow
from widget.sanitize import clean_html
from widget.services.access import NotAllowed, require_admin
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls
from widget.untrusted import json_id

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FIELDS = 100
TEXT_MAX = 500
LANGUAGES = TRANSLATED_LANGUAGES
CHOICE_TYPES = (FieldType.CHOICE.value, FieldType.MULTI_CHOICE.value)
# What a checked field spec holds: each is a Field column of the same name.
FIELD_KEYS = ("key", "type", "required", "labels", "helps", "min_length", "max_length",
              "min_value", "max_value", "prefill", "choices")


class InvalidDefinition(ValueError):
    """What is wrong with a pushed definition, by JSON path."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))
        self.errors = errors


# What is wrong with a field spec, as codes: each caller words them for its reader (the API in
# English for the system's developers, the form builder in the administrator's language).
API_MESSAGES = {
    "texts": "an object of texts by language (en, vi, fa, ru)",
    "text": "a non-empty text in one of en, vi, fa, ru",
    "number": "a number",
    "object": "an object",
    "key": "lower-case letters, digits and _ (starting with a letter)",
    "type": "one of " + ", ".join(item.value for item in FieldType),
    "length": "a whole number from 0 to 100000",
    "length_order": "a minimum length no greater than the maximum",
    "value_order": "a minimum value no greater than the maximum",
    "choices": "a list of {value, labels} for a choice field",
    "choice_value": "a text of 1 to 64 characters",
    "prefill": "one of " + ", ".join(PROFILE_KEYS),
    "boolean": "true or false",
}


def _texts(value, path: str, errors: dict, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or (required and not value):
        errors[path] = "texts"
        return {}
    texts = {}
    for language, text in value.items():
        if language not in LANGUAGES or not isinstance(text, str) or not text.strip():
            errors[f"{path}.{language}"] = "text"
        else:
            texts[language] = strip_controls(text, keep_newlines=True).strip()[:TEXT_MAX]
    return texts


def _number(value, path: str, errors: dict):
    if value is None:
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else None
    except InvalidOperation:
        number = None
    # NaN and infinities parse, but no answer can be compared with them; Numeric(18, 4) holds
    # at most 14 digits before the point.
    if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 14:
        errors[path] = "number"
        return None
    return number


def check_field(spec, path: str = "") -> tuple[dict | None, dict[str, str]]:
    """A field spec made safe to store, and its problems as {path: code} (see API_MESSAGES)."""
    errors: dict[str, str] = {}
    return _field(spec, path, errors), errors


def _field(spec, path: str, errors: dict) -> dict | None:
    if not isinstance(spec, dict):
        errors[path] = "object"
        return None
    prefix = f"{path}." if path else ""
    key, kind = spec.get("key"), spec.get("type")
    if not isinstance(key, str) or not KEY.match(key):
        errors[f"{prefix}key"] = "key"
    # A JSON list or object is no key, type or profile name (and cannot be looked up in a set).
    if not isinstance(kind, str) or kind not in {item.value for item in FieldType}:
        errors[f"{prefix}type"] = "type"
    if spec.get("required") is not None and not isinstance(spec.get("required"), bool):
        errors[f"{prefix}required"] = "boolean"
    field = {"key": key, "type": kind, "required": spec.get("required") is True,
             "labels": _texts(spec.get("labels"), f"{prefix}labels", errors),
             "helps": _texts(spec.get("helps"), f"{prefix}helps", errors, required=False)}
    for name in ("min_length", "max_length"):
        value = spec.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= 100000):
            errors[f"{prefix}{name}"] = "length"
            value = None
        field[name] = value
    for name in ("min_value", "max_value"):
        field[name] = _number(spec.get(name), f"{prefix}{name}", errors)
    for low, high, code in (("min_length", "max_length", "length_order"),
                            ("min_value", "max_value", "value_order")):
        if field[low] is not None and field[high] is not None and field[low] > field[high]:
            errors[f"{prefix}{low}"] = code
    prefill = spec.get("prefill")
    if prefill is not None and (not isinstance(prefill, str) or prefill not in PROFILE_KEYS):
        errors[f"{prefix}prefill"] = "prefill"
    field["prefill"] = prefill if isinstance(prefill, str) and prefill in PROFILE_KEYS else None
    choices = spec.get("choices") or []
    if kind in CHOICE_TYPES and (not isinstance(choices, list) or not choices):
        errors[f"{prefix}choices"] = "choices"
        choices = []
    field["choices"] = []
    for index, choice in enumerate(choices if isinstance(choices, list) else []):
        value = choice.get("value") if isinstance(choice, dict) else None
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            errors[f"{prefix}choices[{index}].value"] = "choice_value"
            continue
        field["choices"].append({"value": value, "labels": _texts(
            choice.get("labels"), f"{prefix}choices[{index}].labels", errors)})
    return field


def check_definition(definition) -> dict:
    """A pushed definition made safe to keep; raises InvalidDefinition with every problem."""
    errors: dict[str, str] = {}
    if not isinstance(definition, dict):
        raise InvalidDefinition({"": "a JSON object"})
    slug = definition.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        errors["slug"] = "lower-case letters, digits and - (1 to 64)"
    days = definition.get("processing_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        errors["processing_days"] = "a whole number of working days from 1 to 365"
    fields = definition.get("fields")
    if not isinstance(fields, list) or not 1 <= len(fields) <= MAX_FIELDS:
        errors["fields"] = f"a list of 1 to {MAX_FIELDS} fields"
        fields = []
    checked = [_field(spec, f"fields[{index}]", errors) for index, spec in enumerate(fields)]
    keys = [field["key"] for field in checked if field and isinstance(field["key"], str)]
    if len(keys) != len(set(keys)):
        errors["fields"] = "each field needs its own key"
    clean = {"slug": slug, "processing_days": days,
             "titles": _texts(definition.get("titles"), "titles", errors),
             "descriptions": {language: clean_html(text) for language, text in _texts(
                 definition.get("descriptions"), "descriptions", errors, required=False).items()},
             "fields": [field for field in checked if field]}
    if errors:
        raise InvalidDefinition({path: API_MESSAGES.get(problem, problem)
                                 for path, problem in errors.items()})
    return clean


def _placement(client: ApiClient, definition: dict) -> dict:
    """The pushed unit_id and group_id, checked against the key: a unit must be an active one
    of its organisation and, for a key limited to units, one of those; a group one of the
    organisation's. Raises InvalidDefinition."""
    errors, placed = {}, {"unit_id": None, "group_id": None}
    unit_id, group_id = definition.get("unit_id"), definition.get("group_id")
    if unit_id is not None:
        unit = db.session.get(Unit, json_id(unit_id)) if json_id(unit_id) else None
        allowed = {unit.id for unit in client.staff_user.units}
        if (unit is None or unit.organization_id != client.organization_id or not unit.is_active
                or (allowed and unit.id not in allowed)):
            errors["unit_id"] = "the id of an active unit this key may see (GET /units)"
        else:
            placed["unit_id"] = unit.id
    if group_id is not None:
        group = db.session.get(FormGroup, json_id(group_id)) if json_id(group_id) else None
        if group is None or group.organization_id != client.organization_id:
            errors["group_id"] = "the id of a form group of the organisation (GET /forms)"
        else:
            placed["group_id"] = group.id
    if errors:
        raise InvalidDefinition(errors)
    return placed


def propose_form(client: ApiClient, definition) -> FormProposal:
    """Keep a pushed definition, pending an administrator's decision. Raises
    InvalidDefinition. Commits."""
    try:
        clean = check_definition(definition)
    except InvalidDefinition as invalid:
        try:  # every problem at once, the placement's too
            if isinstance(definition, dict):
                _placement(client, definition)
        except InvalidDefinition as misplaced:
            invalid.errors.update(misplaced.errors)
        raise InvalidDefinition(invalid.errors) from None
    clean.update(_placement(client, definition))
    for field in clean["fields"]:  # JSON has no Decimal
        for name in ("min_value", "max_value"):
            field[name] = None if field[name] is None else str(field[name])
    proposal = FormProposal(organization_id=client.organization_id, api_client_id=client.id,
                            slug=clean["slug"], definition=clean)
    db.session.add(proposal)
    db.session.commit()
    return proposal


def proposal_for_client(client: ApiClient, proposal_id: int) -> FormProposal | None:
    """One of the proposals this system pushed."""
    proposal = db.session.get(FormProposal, proposal_id)
    return proposal if proposal is not None and proposal.api_client_id == client.id else None


def pending_proposals(admin: StaffUser) -> list[FormProposal]:
    """The organisation's proposals waiting for a decision, oldest first."""
    require_admin(admin)
    return list(db.session.scalars(select(FormProposal).where(
        FormProposal.organization_id == admin.organization_id,
        FormProposal.status == ProposalStatus.PENDING.value).order_by(FormProposal.id)))


def current_form(proposal: FormProposal) -> Form | None:
    """The form a proposal would give a new version to, if its slug exists."""
    return db.session.scalar(select(Form).where(Form.organization_id == proposal.organization_id,
                                                Form.slug == proposal.slug))


def proposed_placement(proposal: FormProposal) -> tuple[int | None, int | None]:
    """The unit and group the approval starts from: the pushed ones, else those of the form a
    new version is for; None where neither says (the administrator must choose a unit)."""
    form = current_form(proposal)
    definition = proposal.definition or {}
    unit_id = definition.get("unit_id") or (form.unit_id if form is not None else None)
    group_id = definition.get("group_id") or (form.group_id if form is not None else None)
    return unit_id, group_id


def decide_proposal(admin: StaffUser, proposal_id: int, approve: bool, reason: str,
                    unit_id: int | None = None, group_id: int | None = None) -> FormProposal:
    """Publish a proposal (a new form, or a new version of the form with its slug) into the
    unit whose inbox gets its requests (`unit_id`; None: the pushed one or the form's own; there
    must be one) and the catalogue group `group_id` (None: the pushed one or the form's; 0: no
    group), or reject it with a reason the system can read. Commits."""
    require_admin(admin)
    proposal = db.session.scalar(select(FormProposal).where(
        FormProposal.id == proposal_id, FormProposal.organization_id == admin.organization_id))
    if proposal is None:
        raise NotAllowed(_l("There is no such proposal."))
    if proposal.status != ProposalStatus.PENDING.value:
        raise NotAllowed(_l("This proposal has already been decided."))
    reason = strip_controls(reason or "", keep_newlines=True).strip()[:2000]
    if not approve and not reason:
        raise NotAllowed(_l("Please say why the form is rejected: the system reads it."))
    if approve:
        unit, group = _chosen_placement(admin, proposal, unit_id, group_id)
        proposal.form_id = _publish(proposal, unit, group).id
    proposal.status = (ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED).value
    proposal.reason, proposal.decided_at, proposal.decided_by_id = reason, utcnow(), admin.id
    record_change(admin, "form_proposal", {"proposal_id": proposal.id}, {
        "proposal_id": proposal.id, "status": proposal.status, "form_id": proposal.form_id})
    db.session.commit()
    return proposal


def _chosen_placement(admin: StaffUser, proposal: FormProposal, unit_id: int | None,
                      group_id: int | None) -> tuple[Unit, FormGroup | None]:
    proposed_unit, proposed_group = proposed_placement(proposal)
    unit_id = proposed_unit if unit_id is None else unit_id
    unit = db.session.get(Unit, unit_id) if json_id(unit_id) else None
    if unit is None or unit.organization_id != admin.organization_id or not unit.is_active:
        # Without a unit the form's requests would reach no inbox at all.
        raise NotAllowed(_l("Please choose the unit whose staff handle this form's requests."))
    group_id = proposed_group if group_id is None else group_id
    group = db.session.get(FormGroup, group_id) if json_id(group_id) else None
    if group_id and (group is None or group.organization_id != admin.organization_id):
        raise NotAllowed(_l("Please choose a group of the organisation, or none."))
    return unit, group


def _publish(proposal: FormProposal, unit: Unit, group: FormGroup | None) -> Form:
    definition = proposal.definition
    form = current_form(proposal)
    if form is None:
        form = Form(organization_id=proposal.organization_id, slug=proposal.slug)
        db.session.add(form)
    form.unit_id, form.group_id = unit.id, group.id if group is not None else None
    form.titles, form.descriptions = definition["titles"], definition["descriptions"]
    form.processing_days, form.is_published = definition["processing_days"], True
    number = (form.versions[-1].number + 1) if form.versions else 1
    draft = form.draft_version
    if draft is not None:
        # The form builder's draft stays the newest version, still a draft, to publish later.
        number, draft.number = draft.number, draft.number + 1
        db.session.flush()
    form.versions.append(FormVersion(number=number, published_at=utcnow(), fields=[
        Field(position=index, **{name: Decimal(value) if name in ("min_value", "max_value")
                                 and value is not None else value
                                 for name, value in spec.items() if name in FIELD_KEYS})
        for index, spec in enumerate(definition["fields"])]))
    db.session.flush()
    return form
