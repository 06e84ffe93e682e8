"""The baseline the benchmark compares Frontdesk with: bare Flask + SQLAlchemy Core, on SQLite
or PostgreSQL.

It does the least a request desk must do and nothing else: POST /submit inserts one row (a
random code and the posted fields as a small JSON text) and answers a small HTML page with the
code; POST /lookup finds one row by code through its unique index and answers 200 or 404.
SQLite runs as Frontdesk's does (WAL, synchronous=NORMAL, busy_timeout); PostgreSQL through
psycopg 3 with SQLAlchemy's default connection pool (Frontdesk's also pings each connection
it takes from the pool: that is its own cost, not the baseline's).

    BASELINE_DATABASE=/tmp/x/baseline.db gunicorn -w 2 -b 127.0.0.1:8001 baseline_app:app
    BASELINE_DATABASE=postgresql+psycopg://USER@HOST:PORT/DB gunicorn ... baseline_app:app

bench_core.py builds the database (see create_schema) and runs this under gunicorn.
"""
from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timezone
from html import escape

from flask import Flask, request
from sqlalchemy import (Column, DateTime, Integer, MetaData, String, Table, Text, create_engine,
                        event, insert, select)

metadata = MetaData()
entries = Table(
    "entries", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("answers", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code() -> str:
    """14 random symbols of the tracking-code alphabet (no check symbol: not needed here)."""
    return "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(14))


def make_engine(target: str):
    """An engine for an SQLite file (a path, or a sqlite:/// URL) or a PostgreSQL URL."""
    if target.startswith("postgresql"):
        return create_engine(target)
    engine = create_engine(target if target.startswith("sqlite:") else f"sqlite:///{target}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def create_schema(engine) -> None:
    metadata.create_all(engine)


def create_app(target: str | None = None) -> Flask:
    engine = make_engine(target or os.environ["BASELINE_DATABASE"])
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.post("/submit")
    def submit():
        code = new_code()
        answers = json.dumps({key: request.form.get(key, "")
                              for key in ("topic", "message", "name", "email")})
        with engine.begin() as connection:
            connection.execute(insert(entries).values(
                code=code, answers=answers, created_at=datetime.now(timezone.utc)))
        return (f"<!doctype html><title>Receipt</title>"
                f"<p>Your tracking code: <strong class=\"code\">{code}</strong></p>")

    @app.post("/lookup")
    def lookup():
        code = request.form.get("code", "").strip().upper()
        with engine.connect() as connection:
            row = connection.execute(
                select(entries.c.code, entries.c.answers, entries.c.created_at)
                .where(entries.c.code == code)).first()
        if row is None:
            return "<!doctype html><title>Not found</title><p>Unknown code.</p>", 404
        return (f"<!doctype html><title>Status</title><p class=\"status\">"
                f"{escape(row.code)} received {row.created_at:%Y-%m-%d}</p>"
                f"<pre>{escape(row.answers)}</pre>")

    return app


app = create_app() if "BASELINE_DATABASE" in os.environ else None
