"""Telling "the database is down, restarting or full" from a bug, and answering it as such.

While PostgreSQL restarts, every request fails in the driver: the connection is refused, or the
server ends the session mid-query. That is no bug and no traceback: the web tier answers 503 with
`Retry-After` (a page in the person's language, a problem document to the API, the spec's error
list to Open311), and the worker keeps what it sent until it can record it (notify.worker).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, has_request_context, make_response, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from widget.extensions import db

# A PostgreSQL restart takes seconds; a client that waits this long finds it back.
RETRY_AFTER_SECONDS = 15
# The exception classes an outage arrives as (is_database_outage decides among them).
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
# PostgreSQL's SQLSTATEs for a server that is gone or not ready: class 08 (connection exception),
# 57P01-57P03 (shut down by an administrator, crashed, still starting), 53300 (too many clients).
_POSTGRES_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite's: another process kept the write lock past busy_timeout, or the file cannot be opened.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN")

log = logging.getLogger("frontdesk.database")


def is_database_outage(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached now, not that a statement is wrong
    (a missing table or a broken constraint stays a 500 with its traceback)."""
    if isinstance(error, PoolTimeout):  # every pooled connection busy past pool_timeout
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # SQLAlchemy saw the connection drop
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    original = error.orig
    if hasattr(original, "sqlstate"):  # psycopg: no SQLSTATE means the connection itself failed
        return original.sqlstate is None or original.sqlstate.startswith(_POSTGRES_UNAVAILABLE)
    return str(getattr(original, "sqlite_errorname", "")).startswith(_SQLITE_UNAVAILABLE)


def forget_session() -> None:
    """Roll the request's session back; its objects are expired and must not be read again."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone: nothing was left to undo there
        log.debug("rollback after an outage failed", exc_info=True)


def remove_session(_error: BaseException | None = None) -> None:
    """End the request's session, as Flask-SQLAlchemy's teardown does. When the server dropped
    the connection after the view's work was done (a restart), the rollback on it fails: that
    connection is already invalidated, so the session is forgotten instead of turning an
    answer that is ready (a receipt, a status page) into a 500."""
    try:
        db.session.remove()
    except Exception as error:
        if not is_database_outage(error):
            raise
        where = f"{request.method} {request.path}" if has_request_context() else "a task"
        log.warning("database connection dropped at the end of %s", where)
        db.session.registry.clear()


def answer_outages(target: Flask | Blueprint, respond: Callable[[], object]) -> None:
    """Answer a database outage in `target`'s views with `respond()` as a 503 with Retry-After;
    any other database error goes on to the ordinary 500 (logged with its traceback)."""
    def outage(error: Exception):
        if not is_database_outage(error):
            raise error
        reason = (str(getattr(error, "orig", error)).strip().splitlines() or [""])[0][:200]
        log.warning("database unavailable, 503 for %s %s: %s", request.method, request.path, reason)
        forget_session()
        response = make_response(respond())
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    for error_class in OUTAGE_ERRORS:
        target.register_error_handler(error_class, outage)
