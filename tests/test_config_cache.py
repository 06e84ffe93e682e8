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
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Integer, Numeric, String,
                        Text, delete, event, insert, select, text, update)
from sqlalchemy.orm import make_transient

from tests.conftest import form_token, tracking_code
from widget.config_cache import site_and_configuration
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
    key = table.autoincrement_column
    if key is None:
        return False
    # A row unique by other rows' keys alone (pending_staff_notices.event_id: one per event) has
    # no copy; one unique by a key and a value of its own (forms: organisation and slug) has.
    unique = _unique_columns(table) - {key.name}
    return not unique or not all(table.columns[name].foreign_keys for name in unique)


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
    db.session.commit()
    assert all(after > before[key] for key, after in _versions(db).items())


# The cache itself.

@pytest.fixture
def site(create_site):
    return create_site()


@pytest.fixture
def form(site, create_form):
    return create_form(site, slug="permit", fields=[
        {"key": "name", "type": "text", "required": True, "max_length": 50},
        {"key": "colour", "type": "choice", "choices": [
            {"value": "red", "labels": {"en": "Red"}}, {"value": "blue", "labels": {"en": "Blue"}}]},
    ])


def _no_models_in(value, db, seen=None) -> None:
    """Walk a snapshot: frozen containers and frozen dataclasses all the way, no ORM object."""
    seen = seen if seen is not None else set()
    if id(value) in seen:
        return
    seen.add(id(value))
    assert not isinstance(value, (db.Model, list, dict, set)), type(value)
    if dataclasses.is_dataclass(value):
        assert type(value).__dataclass_params__.frozen, type(value)
        for item in dataclasses.fields(value):
            _no_models_in(getattr(value, item.name), db, seen)
    elif isinstance(value, (MappingProxyType, tuple, frozenset)):
        items = value.items() if isinstance(value, MappingProxyType) else value
        for item in items:
            _no_models_in(item, db, seen)


def test_the_cache_holds_frozen_values_and_no_model(db, site, form):
    cached_site, configuration = site_and_configuration("test")
    _no_models_in(configuration, db)
    permit = configuration.published_form(cached_site, "permit")
    with pytest.raises(dataclasses.FrozenInstanceError):
        permit.slug = "other"
    with pytest.raises(TypeError):
        permit.titles["en"] = "Changed"
    with pytest.raises(TypeError):
        permit.current_version.fields[1].choices[0]["value"] = "green"
    assert permit.current_version.fields[1].choice_label("blue", "en") == "Blue"
    assert site_and_configuration("test")[1] is configuration  # nothing moved: the same one
    assert site_and_configuration("nope") == (None, None)


def _get(client, path="/w/test/en/f/permit"):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_every_kind_of_change_shows_on_the_next_request(client, db, site, form):
    from widget.models import Form, Site
    assert "Permit" in _get(client)[1]
    form = db.session.get(Form, form.id)
    form.titles = {**form.titles, "en": "Building permit"}
    db.session.commit()
    assert "Building permit" in _get(client)[1]
    db.session.execute(update(Site).values(allowed_origins=["https://city.example"]))
    db.session.commit()
    response = client.get("/w/test/en/f/permit")
    assert "https://city.example" in response.headers["Content-Security-Policy"]
    db.session.execute(update(Form).values(is_published=False))
    db.session.commit()
    assert _get(client)[0] == 404
    assert "Building permit" not in _get(client, "/w/test/en/")[1]


def test_threads_reading_while_a_writer_changes_configuration_see_no_torn_or_stale_snapshot(
        app, db, site, form):
    """The writer changes the form's title and the site's name together; every reader sees
    both from the same commit, and never one older than the last commit it knew of."""
    from widget.models import Form, Site
    committed = [0]
    problems: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            floor = committed[0]
            with app.app_context():
                cached_site, configuration = site_and_configuration("test")
                title = configuration.published_form(cached_site, "permit").titles["en"]
                name = cached_site.name
                db.session.remove()
            seen = int(title.rpartition(" ")[2]) if title.startswith("Round") else 0
            if name != f"Site {seen}" and not (seen == 0 and name == "Site test"):
                problems.append(f"torn: {title!r} with {name!r}")
            if seen < floor:
                problems.append(f"stale: round {seen} after round {floor} was committed")

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(1, 25):
            with app.app_context():
                db.session.get(Form, form.id).titles = {"en": f"Round {round_}"}
                db.session.get(Site, site.id).name = f"Site {round_}"
                db.session.commit()
                db.session.remove()
            committed[0] = round_
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert problems == []
    with app.app_context():
        cached_site, configuration = site_and_configuration("test")
        assert configuration.published_form(cached_site, "permit").titles["en"] == "Round 24"


class Peer:
    """Another process of the app on the same database (tests/config_cache_peer.py)."""

    def __init__(self, settings: dict):
        import json
        self._json = json
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.config_cache_peer", json.dumps(settings)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert self._answer() == {"ready": True}

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        assert line, "the peer process ended"
        return self._json.loads(line)

    def ask(self, command: str) -> dict:
        """Send one command, return its answer."""
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        """End the peer (closing its stdin ends its loop)."""
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def test_a_change_made_in_one_process_shows_in_the_other_on_its_next_request(
        app_settings, client, db, site, form):
    peer = Peer(app_settings)
    try:
        assert "Permit" in peer.ask("GET /w/test/en/f/permit")["body"]  # its cache is warm
        assert "Permit" in _get(client)[1]                               # and so is this one
        from widget.models import Form
        form = db.session.get(Form, form.id)
        form.titles = {**form.titles, "en": "Changed here"}
        db.session.commit()
        assert "Changed here" in peer.ask("GET /w/test/en/f/permit")["body"]
        assert peer.ask("TITLE permit Changed there") == {"done": True}
        assert "Changed there" in _get(client)[1]
        assert "Changed there" in peer.ask("GET /w/test/en/")["body"]
    finally:
        peer.close()


class Statements:
    """The SQL statements the app sends while the block runs."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _note(self, _connection, _cursor, statement, *_args):
        self.sent.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._note)

    def reading_configuration(self) -> list[str]:
        """The statements that read configuration tables for their own sake (not a request
        read with its organisation and form joined)."""
        import re
        read = [(statement, set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)', statement)))
                for statement in self.sent if statement.lstrip().upper().startswith("SELECT")]
        return [statement for statement, tables in read
                if tables & CONFIG_TABLES and "requests" not in tables]


def _send(client, token):
    response = client.post("/w/test/en/f/permit", data={
        "form_token": token, "action": "send", "name": "Lan", "colour": "red"},
        content_type="multipart/form-data")
    assert response.status_code == 200
    return tracking_code(response.get_data(as_text=True))


def test_a_warm_cache_reads_configuration_once_per_page_submission_and_lookup(
        client, db, site, form):
    token = form_token(_get(client)[1])
    code = _send(client, form_token(_get(client)[1]))   # warms the cache
    with Statements(db.engine) as page:
        assert _get(client)[0] == 200
    with Statements(db.engine) as catalogue:
        assert _get(client, "/w/test/en/")[0] == 200
    with Statements(db.engine) as submission:
        _send(client, token)
    with Statements(db.engine) as lookup:
        assert client.post("/w/test/en/track", data={"code": code}).status_code == 200
    # The organisation's version, read with the site: the cache answers the rest.
    assert len(page.sent) == 1 and len(catalogue.sent) == 1
    assert len(lookup.reading_configuration()) == 1
    assert len(lookup.sent) <= 5, lookup.sent
    # The submission: the version with the site, then what composing its notices reads as models
    # (the request's organisation, site, form version, fields, form, notice rules and wordings),
    # until the worker composes them.
    assert len(submission.reading_configuration()) <= 6, submission.reading_configuration()
    assert len(submission.sent) <= 13, submission.sent


def test_a_snapshot_torn_by_changes_is_never_used_however_often_it_tears(client, app, site,
                                                                          monkeypatch):
    """Every read of the configuration sees a change committed half-way (the version moved by
    the end), a dozen times in a row: the widget waits for a whole one; if it never comes, the
    page says "try again" (503), never shows a torn configuration."""
    import dataclasses

    from widget import config_cache

    real = config_cache.load_configuration
    reads = []

    def tearing(session, organization_id, tears=12):
        reads.append(organization_id)
        snapshot = real(session, organization_id)
        return dataclasses.replace(snapshot, version=-len(reads)) if len(reads) <= tears else snapshot
    monkeypatch.setattr(config_cache, "load_configuration", tearing)
    monkeypatch.setattr(config_cache, "MAX_PAUSE", 0)
    with app.app_context():
        config_cache.process_cache().forget()
        cached_site, configuration = site_and_configuration("test")
        assert configuration.version >= 0 and len(reads) == 13
        config_cache.process_cache().forget()
    monkeypatch.setattr(config_cache, "load_configuration",
                        lambda session, organization_id: tearing(session, organization_id, 10**6))
    assert client.get("/w/test/en/").status_code == 503
