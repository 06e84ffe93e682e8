"""The organisation's configuration version: one number that moves with every change of what the
widget reads as configuration (sites, forms, themes, notice rules...), in the same transaction.

Every process keeps what it read of an organisation's configuration as frozen values
(widget.config_cache) and checks this number once per request: when another process changed the
configuration, the number it committed with the change says so at once, and nothing else needs
telling. The number only has to be right, never precise: moving it too often costs a rebuild,
missing a change would show stale forms for ever. So it is moved by the session itself, for every
table classified CONFIG_TABLES below, whatever service wrote it:
- the unit of work: a new, changed or deleted row of a configuration table (after_flush), and a
  changed many-to-many collection whose secondary table is one (from either side);
- bulk statements through Session.execute (update(), delete(), insert(), text()) that name a
  configuration table (do_orm_execute): their rows are not known, so every organisation moves;
- at commit (before_commit), after the last flush, by one UPDATE of the organisations touched.
Writes that bypass the session (a raw connection, a migration) must bump_all themselves.

Every table of the metadata is either configuration or data (tests/test_config_cache.py fails on
a table that is neither): data (requests, their events, sessions, the outbox...) never moves the
number, so a busy desk never empties the cache.
"""
from __future__ import annotations

import re

from sqlalchemy import TextClause, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, attributes

from widget.models.forms import Field, Form, FormVersion
from widget.models.org import Organization

# What the widget reads as configuration: a change to any of these moves the version.
CONFIG_TABLES = frozenset({
    "organizations", "units", "sites", "site_forms", "themes", "help_pages",
    "form_groups", "forms", "form_versions", "fields", "form_allowed_accounts",
    "form_allowed_groups", "account_groups", "account_group_members",
    "notification_rules", "notification_templates", "form_reminders", "letter_templates",
    "api_clients",  # whether a new request has any webhook subscriber to look for
})
# What people and staff write while working: never moves the version.
DATA_TABLES = frozenset({
    "accounts", "account_sessions", "attachments", "audit_entries",
    "change_counters", "code_recoveries", "delivery_attempts", "detail_changes", "events",
    "form_proposals", "idempotency_records", "inbox_items", "journal_counters", "letters",
    "messages", "one_time_codes", "outbox", "requests", "scheduled_notices", "staff_sessions",
    "staff_units", "staff_users", "notice_promises", "pending_staff_notices", "staff_notices",
    "staff_notice_switches", "request_looks",
})

_TOUCHED = "frontdesk.config_touched"
_ALL = "all"  # every organisation: a bulk statement's rows are not known
_WRITES = re.compile(r"\b(?:update|insert\s+(?:or\s+\w+\s+)?into|delete\s+from|replace\s+into)"
                     r"\s+[\"`]?(\w+)", re.IGNORECASE)


def _touched(session: Session) -> set:
    return session.info.setdefault(_TOUCHED, set())


def bump_all(session: Session) -> None:
    """Move every organisation's version when this transaction commits (for writes the session
    cannot see: raw SQL on a connection, data loaded in bulk)."""
    _touched(session).add(_ALL)


def _organisation_of(session: Session, row) -> int | str:
    """The organisation a configuration row belongs to, or _ALL when it cannot be told."""
    if isinstance(row, Organization):
        return row.id
    organization_id = getattr(row, "organization_id", None)
    if organization_id is not None:
        return organization_id
    # A form version, a form's reminder...: whatever names its form.
    form_id = getattr(row, "form_id", None)
    if isinstance(row, Field):
        form_id = session.scalar(select(FormVersion.form_id).where(
            FormVersion.id == row.version_id)) if row.version_id is not None else None
    if form_id is not None:
        found = session.scalar(select(Form.organization_id).where(Form.id == form_id))
        if found is not None:
            return found
    return _ALL


def _changes_configuration(session: Session, row) -> bool:
    """Whether a dirty row changed a configuration table: its own columns (for a configuration
    row), or a many-to-many collection kept in a configuration table (from either side)."""
    return (_is_config_row(row) and session.is_modified(row)) or _changes_config_collection(row)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    rows = [row for row in (*session.new, *session.deleted)
            if _is_config_row(row) or _changes_config_collection(row)]
    rows += [row for row in session.dirty if _changes_configuration(session, row)]
    if rows:
        with session.no_autoflush:
            _touched(session).update(_organisation_of(session, row) for row in rows)


def _is_config_row(row) -> bool:
    return inspect(row).mapper.local_table.name in CONFIG_TABLES


def _changes_config_collection(row) -> bool:
    """Whether a many-to-many collection kept in a configuration table changed on this row
    (group.members, form.allowed_accounts, site.forms, or the other side of one)."""
    return any(relation.secondary is not None and relation.secondary.name in CONFIG_TABLES
               and attributes.get_history(row, relation.key).has_changes()
               for relation in inspect(row).mapper.relationships)


def _written_tables(statement) -> set[str]:
    """The tables a bulk statement writes to (for text(), those its SQL names after UPDATE,
    INSERT INTO or DELETE FROM)."""
    if isinstance(statement, TextClause):
        return {name.lower() for name in _WRITES.findall(statement.text)}
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    return {name} if name else set()


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    if _written_tables(state.statement) & CONFIG_TABLES:
        _touched(state.session).add(_ALL)


@event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit bumps what it kept
    session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    table = Organization.__table__
    statement = update(table).values(config_version=table.c.config_version + 1)
    if _ALL not in touched:
        statement = statement.where(table.c.id.in_(sorted(touched)))
    # On the connection, not session.execute: this UPDATE is no bulk change of its own.
    session.connection().execute(statement)
    for row in list(session.identity_map.values()):
        if isinstance(row, Organization) and (_ALL in touched or row.id in touched):
            session.expire(row, ["config_version"])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing pending any more
        session.info.pop(_TOUCHED, None)
