"""A page's first send, written by prebuilt Core statements in one transaction.

Most posts of the widget are the first and only post of a page that sends a request with no
files. The ORM's unit of work, and the session hooks riding on it, cost about half of such a
submission's CPU (docs/benchmarks.md), for four new rows whose every column is known here. So
this path writes them itself, doing explicitly what each hook does for a new sent request:
- its search text (widget.search_text), from the answers and the code;
- the person's notice promise, the same row notify.notices.queue_notices writes;
- the pending row that tells the worker staff may have to be told (notify.staff_notices);
- its change position (models.changes), taken last, after every other row is written;
- the configuration version: a request is no configuration, nothing to bump.
It runs only when no connected system listens for webhooks (the configuration this
transaction was checked with says so): their payloads are written by mark_sent's path. A
draft, a page with files, and a page sent again all go through services/submit.py's ORM path.

The request and its event stay transient objects, never in the session: the receipt reads
them as written, and no later flush can write them twice.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, insert, select

from widget.config_cache import read_in_transaction
from widget.config_values import FormConfig
from widget.extensions import db
from widget.models import Event, NoticePromise, PendingStaffNotice, Request
from widget.models.changes import position_new_request
from widget.models.requests import FeeStatus, new_open311_id
from widget.notify.notices import event_notice, promise_columns
from widget.notify.staff_notices import events_watched, may_concern_staff
from widget.search_text import search_text
from widget.services.submission import Submission, stamp_sent

# The columns written, in the tables' own terms; built once (building an INSERT and its cache
# key costs more than running it from the compiled cache).
_REQUEST_COLUMNS = ("organization_id", "site_id", "unit_id", "form_version_id", "status",
                    "channel", "language", "code", "open311_id", "submit_nonce", "answers",
                    "created_at", "updated_at", "submitted_at", "due_at", "handover",
                    "fee_status", "account_id", "agent_id", "search_text", "lock_version")
_EVENT_COLUMNS = ("request_id", "kind", "created_at", "data", "public")
_INSERT_REQUEST = insert(Request.__table__).returning(Request.__table__.c.id)
_INSERT_EVENT = insert(Event.__table__).returning(Event.__table__.c.id)
_INSERT_PROMISE = insert(NoticePromise.__table__)
_INSERT_PENDING = insert(PendingStaffNotice.__table__)


def fits(sub: Submission) -> bool:
    """Whether a first send of this page may take this path: no system of the organisation
    listens for webhooks, as the configuration this transaction was checked with says."""
    configuration = read_in_transaction(db.session, sub.site.organization_id)
    return configuration is not None and not configuration.webhook_client_ids


def write_sent(request: Request, form: FormConfig, organization) -> None:
    """Send a new request (a transient object holding the page's answers, language, nonce and
    hand-over) in the session's transaction, without adding it to the session; the caller
    commits. An IntegrityError is a page sent twice at once, as on the ORM path."""
    received = stamp_sent(request, form, organization)
    _fill_in(request, received, organization)
    notice = event_notice(request, received)
    promise = None if notice is None else {
        **promise_columns(request.organization_id, request, *notice),
        "created_at": received.created_at, "attempts": 0, "next_attempt_at": received.created_at}
    pending = events_watched() and may_concern_staff(received)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        request.id, received.id = connection.execute(
            _rows_in_one_statement(promise is not None, pending),
            _values(request, _REQUEST_COLUMNS, "request_")
            | _values(received, _EVENT_COLUMNS[1:], "event_")
            | {f"promise_{name}": value for name, value in (promise or {}).items()}).one()
        received.request_id = request.id
    else:  # SQLite writes no rows from a WITH: one statement each (no round trips there)
        _write_one_by_one(connection, request, received, promise, pending)
    # Last: every other row of the transaction is written before the counter is taken.
    request.change_position = position_new_request(db.session, request.organization_id,
                                                   request.id)
    request.events = [received]


def _fill_in(request: Request, received: Event, organization) -> None:
    """What the ORM's defaults and hooks would give the two new rows."""
    account, agent = request.__dict__.get("account"), request.__dict__.get("agent")
    request.account_id = account.id if account is not None else None
    request.agent_id = agent.id if agent is not None else None
    request.created_at = request.updated_at = received.created_at
    request.open311_id = new_open311_id()
    request.fee_status = FeeStatus.NONE.value
    request.lock_version = 1
    request.search_text = search_text(request.answers, request.code, None, organization.country)
    received.public = True


def _write_one_by_one(connection, request: Request, received: Event, promise: dict | None,
                      pending: bool) -> None:
    request.id = connection.execute(_INSERT_REQUEST, _values(request, _REQUEST_COLUMNS)
                                    ).scalar_one()
    received.request_id = request.id
    received.id = connection.execute(_INSERT_EVENT, _values(received, _EVENT_COLUMNS)).scalar_one()
    if promise is not None:
        connection.execute(_INSERT_PROMISE, promise | {"request_id": request.id,
                                                       "event_id": received.id})
    if pending:
        connection.execute(_INSERT_PENDING, {"event_id": received.id,
                                             "created_at": received.created_at})


@cache
def _rows_in_one_statement(promise: bool, pending: bool):
    """PostgreSQL: the request, its event, and when asked the promise and the pending row, in
    one statement (one round trip instead of four) returning the request's and the event's
    ids; parameters named request_*, event_* and promise_* after the columns. Made on first
    use for each of the four shapes (cached)."""
    requests, events = Request.__table__, Event.__table__
    new_request = insert(requests).values(
        {name: bindparam(f"request_{name}", type_=requests.c[name].type)
         for name in _REQUEST_COLUMNS}).returning(requests.c.id).cte("new_request")
    event_columns = _EVENT_COLUMNS[1:]
    new_event = insert(events).from_select(["request_id", *event_columns], select(
        new_request.c.id, *[bindparam(f"event_{name}", type_=events.c[name].type)
                            for name in event_columns])
    ).returning(events.c.request_id, events.c.id).cte("new_event")
    statement = select(new_event.c.request_id, new_event.c.id)
    if promise:
        promises = NoticePromise.__table__
        names = [column.name for column in promises.columns
                 if column.name not in ("id", "request_id", "event_id", "last_error")]
        statement = statement.add_cte(insert(promises).from_select(
            ["request_id", "event_id", *names],
            select(new_event.c.request_id, new_event.c.id,
                   *[bindparam(f"promise_{name}", type_=promises.c[name].type) for name in names])
        ).cte("new_promise"))
    if pending:
        table = PendingStaffNotice.__table__
        statement = statement.add_cte(insert(table).from_select(
            ["event_id", "created_at"],
            select(new_event.c.id, bindparam("event_created_at", type_=events.c.created_at.type))
        ).cte("new_pending"))
    return statement


def _values(row, columns: tuple[str, ...], prefix: str = "") -> dict:
    return {prefix + name: getattr(row, name) for name in columns}
