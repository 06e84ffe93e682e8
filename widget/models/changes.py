"""Change positions: the order of the API's change feed (GET /api/v1/requests?cursor=).

Every commit that changes a sent request (the row itself, or its timeline, messages, letters or
files) gives that request the next position of its organisation's counter. The feed returns
requests by position, and its cursor is the last position a system was given.

Why a position and not a time: a time is stamped before the commit, so a change stamped at t1
but committed after another stamped at t2 > t1 would fall behind a cursor already past t2, and
be lost to the poller for good. A position is taken at the very end of the transaction, from a
counter row that the transaction keeps locked until it commits:
- on PostgreSQL the UPDATE of the counter row locks it until commit (or rollback), so a second
  transaction waits there and reads the first one's committed value: positions are handed out in
  commit order, and a reader that sees position p sees every smaller one too (they committed
  first). A sequence would not do: its values are taken in start order, not commit order.
- on SQLite the database lock already lets one writer at a time through, from its first write to
  its commit: a counter taken inside the write transaction is in commit order as well.
The counter row is taken last, after every other row the transaction writes is locked, so a
transaction holding it never waits for another (no deadlock), and writers of one organisation
queue only for that short moment; other organisations have counters of their own.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from itertools import chain, groupby

from sqlalchemy import BigInteger, ForeignKey, bindparam, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from widget.extensions import db
from widget.models.requests import Attachment, Event, Letter, Message, Request, RequestStatus

_CHANGED = "frontdesk.changed_requests"
# The requests this transaction inserted (their rows are its own, locked until it commits), and
# whether a bulk UPDATE changed some (whose rows the session's objects may not tell).
_INSERTED = "frontdesk.inserted_requests"
_BULK = "frontdesk.bulk_changed_requests"
# What belongs to one request: a new row of these changes the request as the API shows it.
_PARTS = (Event, Message, Letter, Attachment)


class ChangeCounter(db.Model):
    """The last change position given out in an organisation."""

    __tablename__ = "change_counters"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)


def note_changed(session: Session, request_ids: Iterable[int]) -> None:
    """Requests changed by a bulk UPDATE, which the flush does not see: positioned at commit."""
    session.info.setdefault(_CHANGED, set()).update(request_ids)
    session.info[_BULK] = True


@event.listens_for(db.session, "after_flush")
def _note_flushed_changes(session: Session, _context) -> None:
    changed = session.info.setdefault(_CHANGED, set())
    changed.update(row.id for row in chain(session.new, session.dirty) if isinstance(row, Request))
    session.info.setdefault(_INSERTED, set()).update(
        row.id for row in session.new if isinstance(row, Request))
    # A new event, message, letter or file; not a message marked read, which the API never shows.
    changed.update(row.request_id for row in session.new
                   if isinstance(row, _PARTS) and row.request_id is not None)


@event.listens_for(db.session, "before_commit")
def _position_changes(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit positions what it kept
    session.flush()  # every row written and locked before the counter is taken
    changed = session.info.pop(_CHANGED, None)
    inserted = session.info.pop(_INSERTED, set())
    bulk = session.info.pop(_BULK, False)
    if changed:
        rows = None if bulk or not changed <= inserted else _inserted_rows(session, changed)
        _give_positions(session, changed, rows)


@event.listens_for(db.session, "after_transaction_end")
def _forget_changes(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing is pending any more
        for key in (_CHANGED, _INSERTED, _BULK):
            session.info.pop(key, None)


def _inserted_rows(session: Session, request_ids: set[int]) -> list[tuple[int, int]] | None:
    """(organisation id, id) of the sent ones among requests this transaction inserted, from the
    session's own objects; None when one of them is not there whole (gone, expired)."""
    rows = []
    for request_id in request_ids:
        request = session.identity_map.get(session.identity_key(Request, request_id))
        state = request.__dict__ if request is not None else {}
        if "status" not in state or "organization_id" not in state:
            return None
        if state["status"] != RequestStatus.DRAFT.value:
            rows.append((state["organization_id"], request_id))
    return sorted(rows)


def position_new_request(session: Session, organization_id: int, request_id: int) -> int:
    """Give a sent request this transaction inserted without the session its position now, as
    the transaction's last write (see services/first_send.py); return it. On PostgreSQL the
    counter and the request's row in one statement: the counter first, as the commit hook does."""
    if session.get_bind().dialect.name != "postgresql":
        return _give_positions(session, {request_id}, [(organization_id, request_id)])[request_id]
    return session.scalar(_take_and_set(), {"organization_id_": organization_id, "count_": 1,
                                            "request_id_": request_id})


def _give_positions(session: Session, request_ids: set[int],
                    rows: list[tuple[int, int]] | None = None) -> dict[int, int]:
    if rows is None:
        table = Request.__table__
        # Locked in id order, before any counter (drafts are nobody's business yet: no
        # position). FOR NO KEY UPDATE, the lock an UPDATE of the row takes: not FOR UPDATE,
        # which would also wait for the key-share locks that other writers' new messages and
        # events hold on the row while they wait for this transaction's own update of it (a
        # deadlock). Rows this transaction inserted need no lock, nor reading (_inserted_rows):
        # no other transaction sees them before it commits.
        rows = session.execute(
            select(table.c.organization_id, table.c.id)
            .where(table.c.id.in_(sorted(request_ids)), table.c.status != RequestStatus.DRAFT.value)
            .order_by(table.c.organization_id, table.c.id).with_for_update(key_share=True)).all()
    given = {}
    for organization_id, group in groupby(rows, key=lambda row: row[0]):
        ids = [row[1] for row in group]
        last = session.scalar(_take(session), {"organization_id_": organization_id,
                                                "count_": len(ids)})
        for position, request_id in enumerate(ids, start=last - len(ids) + 1):
            session.execute(_SET_POSITION, {"request_id_": request_id, "position_": position})
            given[request_id] = position
            request = session.identity_map.get(session.identity_key(Request, request_id))
            if request is not None:
                set_committed_value(request, "change_position", position)
    return given


# Not through the ORM: that would count as a change of the request's version, and updated_at
# keeps the moment of the change itself. Built once, as _take's statements: building a statement
# and its cache key costs more than running it from the compiled cache.
_SET_POSITION = (Request.__table__.update()
                 .where(Request.__table__.c.id == bindparam("request_id_"))
                 .values(change_position=bindparam("position_"),
                         updated_at=Request.__table__.c.updated_at))


@cache
def _take_and_set():
    """PostgreSQL: _take's counter move, then the request's position from it, in one statement
    (parameters organization_id_, count_ = 1, request_id_); returns the position. Made once."""
    counter = _take_statement("postgresql").cte("taken")
    table = Request.__table__
    return (table.update().where(table.c.id == bindparam("request_id_"))
            .values(change_position=select(counter.c.last_position).scalar_subquery(),
                    updated_at=table.c.updated_at)
            .add_cte(counter).returning(table.c.change_position))


def _take(session: Session):
    """The statement that moves an organisation's counter on by `count_` (made on first use) and
    returns its new value; its parameters: organization_id_, count_."""
    name = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    return _take_statement(name)


@cache
def _take_statement(name: str):
    """_take's statement for the dialect `name`, made once."""
    table = ChangeCounter.__table__
    dialect = postgresql if name == "postgresql" else sqlite
    count = bindparam("count_", type_=BigInteger)
    return dialect.insert(table).values(
        organization_id=bindparam("organization_id_"), last_position=count
    ).on_conflict_do_update(
        index_elements=[table.c.organization_id],
        set_={"last_position": table.c.last_position + count}
    ).returning(table.c.last_position)
