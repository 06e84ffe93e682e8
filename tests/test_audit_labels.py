"""The audit log speaks words: every action the code can write, and every field name its
before/after values can hold, has a translated label. The code is read for them (every call
that writes an audit entry, and the snapshots it records), so a new action or field without a
label fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import polib
import pytest

from admin.audit_labels import AUDIT_ACTIONS, AUDIT_FIELDS, audit_values
from widget.models import Organization, Unit
from widget.services.upload_limits import NUMBER_KEYS
from widget.services.workflow import _AUDITED

ROOT = Path(__file__).resolve().parent.parent
# Functions that write an entry, and the position of the action among their arguments.
WRITERS = {"record_change": 1, "audit": 1, "apply_action": 3, "_save": 3}
SNAPSHOTS = ("snapshot", "_summary")  # functions whose returned dict is recorded


def _modules():
    for path in [*(ROOT / "widget").rglob("*.py"), *(ROOT / "admin").rglob("*.py")]:
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _strings(node) -> list[str]:
    return [item.value for item in ast.walk(node)
            if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def _dict_keys(node) -> set[str]:
    return {key.value for item in ast.walk(node) if isinstance(item, ast.Dict)
            for key in item.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}


def written() -> tuple[set[str], set[str], list[str]]:
    """(actions, field names, calls whose action is not a literal here)."""
    actions, fields, unresolved = set(), set(), []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(word in node.name for word in SNAPSHOTS):
                for item in ast.walk(node):
                    if isinstance(item, ast.Return) and item.value is not None:
                        fields |= _dict_keys(item.value)
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            action, values = None, []
            if name in WRITERS and len(node.args) > WRITERS[name]:
                action, values = node.args[WRITERS[name]], node.args[WRITERS[name] + 1:]
            elif name == "AuditEntry":
                keywords = {keyword.arg: keyword.value for keyword in node.keywords}
                action = keywords.get("action")
                values = [keywords[key] for key in ("before", "after") if key in keywords]
            if action is None:
                continue
            if _strings(action):
                actions |= set(_strings(action))
            else:
                unresolved.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if name != "apply_action":
                for value in values:
                    fields |= _dict_keys(value)
    # Recorded from names rather than literals: the request's audited columns, the settings
    # written by attribute name (organisation, units), the upload limits, an export's scope.
    fields |= set(_AUDITED) | {column.key for column in Organization.__table__.columns}
    fields |= {column.key for column in Unit.__table__.columns} | set(NUMBER_KEYS)
    fields |= {"types", "filters", "selected", "reason", "note"}
    return actions, fields - {"id", "organization_id"}, unresolved


def test_every_action_the_code_writes_has_a_label():
    actions, _fields, unresolved = written()
    assert len(actions) > 60  # the scan finds them
    assert sorted(actions - AUDIT_ACTIONS.keys()) == []
    # The helpers that pass an action on (checked by their callers above) and nothing else.
    assert {place.split(":")[0] for place in unresolved} == {
        "widget/services/audit_log.py", "widget/services/upload_limits.py",
        "widget/services/workflow.py", "widget/services/form_builder.py"}


def test_every_field_the_code_records_has_a_label():
    _actions, fields, _unresolved = written()
    assert len(fields) > 90
    assert sorted(fields - AUDIT_FIELDS.keys()) == []


@pytest.mark.parametrize("language", ["vi", "fa", "ru"])
def test_every_label_is_translated(language):
    catalog = {entry.msgid: entry.msgstr for entry in polib.pofile(
        str(ROOT / f"widget/translations/{language}/LC_MESSAGES/messages.po"))}
    for label in [*AUDIT_ACTIONS.values(), *AUDIT_FIELDS.values()]:
        assert catalog.get(label._args[0] if hasattr(label, "_args") else str(label)), label


def test_values_are_shown_by_their_labels(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        rows = audit_values({"unit_id": 3, "status": "registered", "mystery": "x"})
    assert rows[0][:2] == ("Подразделение", True)
    assert rows[1][1:] == (True, "Зарегистрировано", True)
    assert rows[2] == ("mystery", False, "x", False)
