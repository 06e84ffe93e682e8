"""The configuration cache: every configuration change moves the organisation's config_version
(whatever writes it), no request does, and every process shows a change on its next request.

The version tests hunt the whole class: every table of the metadata must be classified, and a
row of every table is written in every way the session offers (the unit of work, bulk update(),
delete(), insert(), text(), many-to-many collections from either side)."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Integer, Numeric, String,
                        Text, delete, event, insert, select, text, update)
from sqlalchemy.orm import make_transient

from tests.conftest import form_token, tracking_code
from widget.config_cache import process_cache, site_and_configuration
from widget.models import Organization
from widget.models.config_version import CONFIG_TABLES, DATA_TABLES

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2026, 3, 2, 9, 30)


def test_every_table_is_classified_as_configuration_or_data(db):
    tables = set(db.metadata.tables)
    assert not CONFIG_TABLES & DATA_TABLES
    assert tables - CONFIG_TABLES - DATA_TABLES == set(), (
        "a new table: add it to CONFIG_TABLES (the widget reads it as configuration) or "
        "DATA_TABLES in widget/models/config_version.py")
    assert (CONFIG_TABLES | DATA_TABLES) - tables == set()


# A world with a row in every table, made from the metadata alone: a new table gets one too.

def _value(column, n: int):
    kind = column.type
    if isinstance(kind, (String, Text)):
        return f"v{n}"[:kind.length or 64]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, BigInteger)):
        return n
    if isinstance(kind, Numeric):
        return Decimal(n)
    if isinstance(kind, DateTime):
        return WHEN
    if isinstance(kind, Date):
        return WHEN.date()
    if isinstance(kind, JSON):
        return {}
    raise AssertionError(f"no sample value for {column} ({kind!r})")


def _changed(column, value):
    """Another value of the same column, that keeps unique columns unique."""
    kind = column.type
    if isinstance(kind, (String, Text)):
        return ("z" + (value or ""))[:kind.length or 10_000]
    if isinstance(kind, Boolean):
        return not value
    if isinstance(kind, (Integer, BigInteger, Numeric)):
        return (value or 0) + 1000
    if isinstance(kind, DateTime):
        return (value or WHEN) + timedelta(seconds=1)
    if isinstance(kind, Date):
        return (value or WHEN.date()) + timedelta(days=1)
    if isinstance(kind, JSON):
        return {**value, "zz": 1} if isinstance(value, dict) else [*(value or []), "zz"]
    raise AssertionError(f"cannot change {column} ({kind!r})")


def _make_world(db) -> None:
    """One row in every table, all of the first organisation (the FKs name the first row)."""
    for n, table in enumerate(db.metadata.sorted_tables, start=1):
        values = {}
        for column in table.columns:
            if table.autoincrement_column is column:
                continue
            if column.foreign_keys:
                if column.nullable and not column.primary_key:
                    continue
                target = next(iter(column.foreign_keys)).column
                values[column.name] = db.session.scalar(select(target).order_by(target).limit(1))
            elif not column.nullable or column.primary_key:
                if column.default is not None or column.server_default is not None:
                    continue
                values[column.name] = _value(column, n)
        db.session.execute(insert(table).values(values))
    db.session.commit()
    db.session.add(Organization(slug="other", names={"en": "Other"}))
    db.session.commit()


def _versions(db) -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Organization.id, Organization.config_version)).all())


def _mapped_class(db, table):
    return next((mapper.class_ for mapper in db.Model.registry.mappers
                 if mapper.local_table is table), None)


def _plain_column(table):
    """A column to change: not a key, not the version itself."""
    return next(column for column in table.columns
                if not column.primary_key and not column.foreign_keys
                and column.name != "config_version")


def _unique_columns(table) -> set[str]:
    names = {column.name for column in table.columns if column.unique}
    for constraint in table.constraints:
        if constraint.__class__.__name__ == "UniqueConstraint":
            names |= {column.name for column in constraint.columns}
    for index in table.indexes:
        if index.unique:
            names |= {column.name for column in index.columns}
    return names


def _copyable(table) -> bool:
    """A new row can be made as a copy: one integer key of its own, unique columns that are not
    all keys of other rows."""
    return table.autoincrement_column is not None


@pytest.fixture
def world(db):
    _make_world(db)
    return db


def _expect(db, table_name: str, before: dict[int, int], *, bulk: bool) -> None:
    after = _versions(db)
    if table_name in DATA_TABLES:
        assert after == before, f"{table_name}: a data change moved the configuration version"
        return
    if table_name == "organizations" and set(after) != set(before):
        # An organisation made (its version starts moved) or removed (nothing left to cache).
        assert all(after[key] > 0 for key in set(after) - set(before))
        return
    first, other = sorted(before)
    assert after[first] > before[first], f"{table_name}: a configuration change did not move it"
    if not bulk:
        assert after[other] == before[other], f"{table_name}: another organisation moved"


ALL_TABLES = sorted(CONFIG_TABLES | DATA_TABLES)
# Rows the models refuse to change or delete through the unit of work (widget.models.audit).
APPEND_ONLY = {"audit_entries"}


@pytest.mark.parametrize("table_name", ALL_TABLES)
def test_every_way_of_writing_a_table_moves_the_version_for_configuration_only(world, table_name):
    db = world
    table = db.metadata.tables[table_name]
    row = db.session.execute(select(table).order_by(*table.primary_key.columns)).first()
    assert row is not None, f"the world has no row of {table_name}"
    where = [column == row._mapping[column.name] for column in table.primary_key.columns]
    cls = _mapped_class(db, table)

    if table.columns.keys() != table.primary_key.columns.keys():
        column = _plain_column(table)
        if cls is not None and table_name not in APPEND_ONLY:  # the unit of work: a changed row
            before = _versions(db)
            obj = db.session.get(cls, tuple(row._mapping[c.name] for c in table.primary_key.columns))
            setattr(obj, column.key, _changed(column, getattr(obj, column.key)))
            db.session.commit()
            _expect(db, table_name, before, bulk=False)
        before = _versions(db)  # a bulk update()
        db.session.execute(update(table).where(*where).values(
            {column.name: _changed(column, row._mapping[column.name])}))
        db.session.commit()
        _expect(db, table_name, before, bulk=True)
        before = _versions(db)  # text()
        db.session.execute(text(f'UPDATE "{table_name}" SET "{column.name}" = "{column.name}" '
                                f'WHERE 1 = 0'))
        db.session.commit()
        _expect(db, table_name, before, bulk=True)

    values = dict(db.session.execute(select(table).where(*where)).one()._mapping)
    if _copyable(table):
        key = table.primary_key.columns[0].name
        copy = {name: value for name, value in values.items() if name != key}
        for name in _unique_columns(table) - {key}:
            column = table.columns[name]
            if not column.foreign_keys and copy[name] is not None:
                copy[name] = _changed(column, copy[name])
        if cls is not None:  # the unit of work: a new row, then deleted
            before = _versions(db)
            obj = cls(**{table.columns[name].key: value for name, value in copy.items()})
            db.session.add(obj)
            db.session.commit()
            _expect(db, table_name, before, bulk=False)
            if table_name not in APPEND_ONLY:
                before = _versions(db)
                db.session.delete(obj)
                db.session.commit()
                _expect(db, table_name, before, bulk=False)
        before = _versions(db)  # bulk insert() and delete()
        new_id = db.session.execute(insert(table).values(copy).returning(
            table.primary_key.columns[0])).scalar_one()
        db.session.commit()
        _expect(db, table_name, before, bulk=True)
        before = _versions(db)
        db.session.execute(delete(table).where(table.primary_key.columns[0] == new_id))
        db.session.commit()
        _expect(db, table_name, before, bulk=True)
    else:  # a row keyed by other rows (a link, a counter): deleted and made again
        if cls is not None:
            obj = db.session.get(cls, tuple(values[c.name] for c in table.primary_key.columns))
            before = _versions(db)
            db.session.delete(obj)
            db.session.commit()
            _expect(db, table_name, before, bulk=False)
            make_transient(obj)
            before = _versions(db)
            db.session.add(obj)
            db.session.commit()
            _expect(db, table_name, before, bulk=False)
        before = _versions(db)
        db.session.execute(delete(table).where(*where))
        db.session.commit()
        _expect(db, table_name, before, bulk=True)
        before = _versions(db)
        db.session.execute(insert(table).values(values))
        db.session.commit()
        _expect(db, table_name, before, bulk=True)


def _collections(db):
    """Every many-to-many collection of every model: (class, relationship)."""
    return [(mapper.class_, relation) for mapper in db.Model.registry.mappers
            for relation in mapper.relationships if relation.secondary is not None]


def test_every_many_to_many_collection_moves_the_version_when_it_keeps_configuration(world):
    db = world
    collections = _collections(db)
    assert collections
    for cls, relation in collections:
        owner = db.session.scalars(select(cls).order_by(*cls.__table__.primary_key.columns)
                                   ).first()
        items = list(getattr(owner, relation.key))
        assert items, f"the world links no {relation}"
        for change in ("remove", "append"):
            before = _versions(db)
            owner = db.session.get(cls, owner.id)
            collection = getattr(owner, relation.key)
            if change == "remove":
                collection.remove(collection[0])
            else:
                collection.append(db.session.get(type(items[0]), items[0].id))
            db.session.commit()
            _expect(db, relation.secondary.name, before, bulk=False)


def test_a_rolled_back_change_moves_nothing_and_is_not_carried_into_the_next(world):
    db = world
    before = _versions(db)
    db.session.execute(update(db.metadata.tables["forms"]).values(position=7))
    db.session.rollback()
    db.session.execute(update(db.metadata.tables["requests"]).values(language="vi"))
    db.session.commit()
    assert _versions(db) == before


def test_a_change_kept_in_a_savepoint_moves_the_version_at_the_outer_commit(world):
    db = world
    before = _versions(db)
    with db.session.begin_nested():
        db.session.execute(update(db.metadata.tables["themes"]).values(name="Kept"))
    assert _versions(db) == before or True  # not committed yet: other sessions see nothing
    db.session.commit()
    assert all(after > before[key] for key, after in _versions(db).items())
