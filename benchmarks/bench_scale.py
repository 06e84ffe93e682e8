"""Does a lookup slow down as the database grows? Lookup p99 with 10,000 and with 1,000,000
requests in the database, under the same moderate load.

    .venv/bin/python benchmarks/bench_scale.py        (or `make bench`: SQLite, then PostgreSQL)
    .venv/bin/python -m tests.postgres_server .venv/bin/python benchmarks/bench_scale.py

In one run it builds two databases of the same app (schema by its migrations, demo data, then
sent requests in bulk: see databases.py), one with 10,000 requests and one with 1,000,000,
starts the same app on each under gunicorn (2 sync workers, 127.0.0.1 only) and posts
lookups (POST /w/demo/en/track, a code sampled from that database's requests) with wrk at a
fixed low concurrency: 2 threads, 1 connection each, one request after the other. With two
workers for two connections nothing queues, so the latency is the work of a lookup, not a
wait for a free worker. After a warm-up of each, short rounds alternate small / large / large /
small ... so that a slow spell of a shared machine hits both alike. Every request's own time
is recorded (not wrk's percentiles, which add made-up samples for coordinated omission), and
the p99 of each side is taken over all its rounds.

Goal: p99 with 1,000,000 requests <= 1.5 x p99 with 10,000.

Before the load, it records the SQL statements one lookup runs (in-process, through the app's
engine) and shows each statement's plan on the large database (SQLite: EXPLAIN QUERY PLAN;
PostgreSQL: EXPLAIN, and again with only bitmap scans allowed, which leaves a Seq Scan only
where no index condition can serve): every table that grows with the requests (requests and
every table with a request_id) must be reached through an index condition. PostgreSQL rightly
reads the tiny tables of a fresh database (letters, messages, the configuration) whole.

Settings (environment): BENCH_ROWS (the large database, default 1000000), BENCH_SCALE_SMALL
(default 10000), BENCH_SCALE_ROUNDS (default 12), BENCH_SCALE_SECONDS (per round and side,
default 3), BENCH_WARMUP (s, default 2), BENCH_KEEP=1 keeps the temporary directory and the
PostgreSQL databases; BENCH_DATABASE_URL / TEST_DATABASE_URL as for bench_core.py. Exit
status 0 when everything ran (whether or not the goal is met), 1 when something failed to run.
"""
from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from databases import AppData, build_app_db, open_store, tidy_up  # noqa: E402
from harness import (ROOT, BenchError, Server, ensure_wrk, log, percentile,  # noqa: E402
                     run_wrk, warn_if_busy, write_lines)

LARGE = int(os.environ.get("BENCH_ROWS", "1000000"))
SMALL = int(os.environ.get("BENCH_SCALE_SMALL", "10000"))
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "12"))
SECONDS = int(os.environ.get("BENCH_SCALE_SECONDS", "3"))  # short: busy spells hit both
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
THREADS = CONNECTIONS = 2
WORKERS = 2
GOAL = 1.5
PATH = "/w/demo/en/track"
MARKER = '<dd class="status">'


@dataclass
class Side:
    """One database under load: its rows, server, bodies file and every timed request."""

    label: str
    rows: int
    data: AppData
    server: Server | None = None
    bodies: Path | None = None
    latencies: list[float] = field(default_factory=list)  # ms, every round
    round_p99: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def quantile(self, p: float) -> float:
        return percentile(sorted(self.latencies), p)


# ------------------------------------------------------------------------------ the plans

def lookup_statements(data: AppData, code: str) -> list[tuple[str, object]]:
    """The SQL one lookup runs, as the driver received it (statement, parameters)."""
    from sqlalchemy import event

    from widget import create_app
    from widget.extensions import db

    app = create_app(data.settings)
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = app.test_client().post(PATH, data={"code": code})
        finally:
            event.remove(engine, "before_cursor_execute", record)
            db.session.remove()
        if response.status_code != 200 or MARKER not in response.get_data(as_text=True):
            raise BenchError(f"the in-process lookup answered {response.status_code}")
        engine.dispose()
    # pool_pre_ping's "SELECT 1" and the like touch no table.
    return [(s, p) for s, p in seen if re.search(r"\bFROM\b", s, re.I)]


def growing_tables() -> set[str]:
    """Tables whose row count grows with the requests: requests, and those with a request_id."""
    from widget.extensions import db

    return {name for name, table in db.metadata.tables.items()
            if name == "requests" or "request_id" in table.columns}


@dataclass
class Plan:
    statement: str
    accesses: list[str]       # one line per table access, as the database says it
    scanned: set[str]         # tables read in full
    unindexable: set[str]     # tables no index can serve (PostgreSQL: see ONLY_BITMAP;
                              # SQLite: the scanned ones)
    forced: list[str] = field(default_factory=list)  # PostgreSQL: with only bitmap scans on


# PostgreSQL's second plan: with plain and index-only scans off as well as sequential ones,
# only a bitmap scan, which needs an index condition, avoids the (still possible) Seq Scan: a
# table left with a Seq Scan has no index for the statement's condition. (With only seqscan
# off, a tiny table may be read whole through its primary key to save a sort.)
ONLY_BITMAP = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


def _pg_accesses(connection, statement: str, parameters) -> tuple[list[str], set[str]]:
    """PostgreSQL's table accesses for a statement, and the tables it reads in full."""
    (plan,) = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement,
                                         parameters).scalar()

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    accesses, full = [], set()
    for node in nodes(plan["Plan"]):
        table = node.get("Relation Name")
        if not table:
            continue
        kind = node["Node Type"]
        index, condition = node.get("Index Name"), node.get("Index Cond")
        if kind == "Bitmap Heap Scan":
            inner = next(n for n in nodes(node) if n["Node Type"] == "Bitmap Index Scan")
            index, condition = inner.get("Index Name"), inner.get("Index Cond")
        if condition is None:
            full.add(table)  # a Seq Scan, or an index read from end to end
        accesses.append(f"{kind} on {table}" + (f" using {index}" if index else "")
                        + (f" ({condition})" if condition else ""))
    return accesses, full


def explain(data: AppData, statements: list[tuple[str, object]]) -> list[Plan]:
    """Each statement's plan on data's database."""
    from sqlalchemy import create_engine

    engine = create_engine(data.database.url)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            if data.database.is_postgres:
                accesses, scanned = _pg_accesses(connection, statement, parameters)
                for setting in ONLY_BITMAP:
                    connection.exec_driver_sql(f"SET {setting} = off")
                forced, unindexable = _pg_accesses(connection, statement, parameters)
                for setting in ONLY_BITMAP:
                    connection.exec_driver_sql(f"RESET {setting}")
            else:
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                  parameters).all()
                accesses = [row[3] for row in rows if re.match(r"(SCAN|SEARCH) \w", row[3])
                            and not row[3].startswith("SCAN CONSTANT")]
                # SEARCH uses an index condition; SCAN reads the table (or an index) whole.
                scanned = {m.group(1) for line in accesses
                           if (m := re.match(r"SCAN (\w+)", line))}
                unindexable, forced = scanned, []
            plans.append(Plan(statement, accesses, scanned, unindexable, forced))
        connection.rollback()
    engine.dispose()
    return plans


def show_plans(plans: list[Plan], label: str) -> bool:
    """Print every statement's table accesses; True when no growing table is read in full."""
    growing = growing_tables()
    print(f"\nThe lookup's {len(plans)} SQL statements and their plans on the {label} database:")
    clean = True
    for number, plan in enumerate(plans, 1):
        text = " ".join(plan.statement.split())
        print(f"{number:>2}. {text[:150]}{' ...' if len(text) > 150 else ''}")
        for access in plan.accesses:
            print(f"      {access}")
        if plan.scanned & growing and plan.forced:
            # PostgreSQL reads a tiny table whole rather than through its index; show that
            # the index is there for when the table has grown.
            print(f"      with only bitmap scans allowed: {'; '.join(plan.forced)}")
        bad = plan.unindexable & growing
        if bad:
            clean = False
            print(f"      !! no index serves: {', '.join(sorted(bad))} (grows with the requests)")
    return clean


# ------------------------------------------------------------------------------- the load

def timed_round(wrk: str, side: Side, seconds: int, tmp: Path, count: bool = True) -> None:
    """One wrk run against a side; every request must show a status page."""
    load = run_wrk(wrk, side.server.url + PATH, side.bodies, MARKER, seconds, THREADS,
                   CONNECTIONS, timings=tmp / f"timings-{side.label}.txt")
    failed = load.requests - load.successes
    if failed:
        raise BenchError(f"{side.label}: {failed} of {load.requests} lookups did not show a "
                         f"status page; wrk said:\n{load.raw}")
    if load.socket_errors > load.requests / 100:
        raise BenchError(f"{side.label}: {load.socket_errors} socket errors for "
                         f"{load.requests} lookups; wrk said:\n{load.raw}")
    if not count:
        return
    values = sorted(load.latencies_ms)
    side.latencies.extend(values)
    side.round_p99.append(percentile(values, 99))
    side.seconds += load.seconds
    log(f"  {side.label:<14} {len(values):>6} lookups in {load.seconds:4.1f} s "
        f"({len(values) / load.seconds:5.0f}/s)  p50 {percentile(values, 50):6.1f} ms  "
        f"p99 {percentile(values, 99):6.1f} ms  max {values[-1]:6.1f} ms"
        + (f"  ({load.socket_errors} socket errors: those requests not timed)"
           if load.socket_errors else ""))


def main() -> int:
    started = time.monotonic()
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-scale-"))
    rng = random.Random(20240602)
    store = None
    try:
        store = open_store(tmp)
        log(f"temporary directory {tmp}; {store.label}, {SMALL:,} and {LARGE:,} requests")
        warn_if_busy()
        sides = []
        for rows in (SMALL, LARGE):
            label = f"{rows:,} rows"
            database = store.new_database(f"lookup_{rows}")
            sides.append(Side(label, rows, build_app_db(database, tmp / "uploads", rows, rng)))
            log(f"database with {rows:,} requests built")
        small, large = sides
        plans_clean = show_plans(explain(large.data, lookup_statements(
            large.data, large.data.sample[0])), f"{LARGE:,}-request")
        print()
        for side in sides:
            side.bodies = write_lines(tmp / f"lookup-{side.rows}.txt",
                                      (f"code={code}" for code in side.data.sample))
        log(f"lookups: wrk -t{THREADS} -c{CONNECTIONS} (one request at a time per connection), "
            f"{WARMUP} s warm-up each, then {ROUNDS} alternating rounds of {SECONDS} s each")
        with Server("small", "widget:create_app()", ROOT, small.data.env, tmp, "/healthz",
                    WORKERS) as small.server, \
                Server("large", "widget:create_app()", ROOT, large.data.env, tmp, "/healthz",
                       WORKERS) as large.server:
            for side in sides:
                timed_round(wrk, side, WARMUP, tmp, count=False)
            for number in range(ROUNDS):
                for side in (sides if number % 2 == 0 else sides[::-1]):
                    timed_round(wrk, side, SECONDS, tmp)
    except BenchError as error:
        log(f"FAILED: {error}")
        print(f"(kept {tmp} for inspection)")
        return 1
    finally:
        if store is not None and not KEEP:
            store.close()
    report(small, large, store.label, plans_clean, time.monotonic() - started)
    tidy_up(tmp, store, KEEP)
    return 0


def report(small: Side, large: Side, database: str, plans_clean: bool, elapsed: float) -> None:
    print()
    print(f"Lookup latency by database size, {database}, {date.today()}: {os.cpu_count()} CPUs, "
          f"gunicorn -w {WORKERS} sync, wrk -t{THREADS} -c{CONNECTIONS}, "
          f"{ROUNDS} x {SECONDS} s per side")
    header = (f"{'requests in db':>14} {'lookups':>8} {'per s':>6} {'p50':>8} {'p90':>8} "
              f"{'p99':>8} {'max':>8}  {'round p99s: min / median / max':<30}")
    print(header)
    print("-" * len(header))
    for side in (small, large):
        rounds = (f"{min(side.round_p99):.1f} / {statistics.median(side.round_p99):.1f} / "
                  f"{max(side.round_p99):.1f} ms")
        print(f"{side.rows:>14,} {len(side.latencies):>8} {len(side.latencies) / side.seconds:>6.0f} "
              f"{side.quantile(50):>6.1f}ms {side.quantile(90):>6.1f}ms "
              f"{side.quantile(99):>6.1f}ms {max(side.latencies):>6.1f}ms  {rounds}")
    ratio = large.quantile(99) / small.quantile(99)
    per_round = [b / a for a, b in zip(small.round_p99, large.round_p99)]
    print(f"p99 ratio {LARGE:,} / {SMALL:,}: {ratio:.2f} (round pairs: median "
          f"{statistics.median(per_round):.2f}, {min(per_round):.2f}-{max(per_round):.2f}); "
          f"goal <= {GOAL}: {'PASS' if ratio <= GOAL else 'FAIL'}")
    print(f"Every growing table reached through an index (EXPLAIN): "
          f"{'yes' if plans_clean else 'NO (see the plans above)'}")
    print("Latencies: each request's own time in wrk, from sending to the whole answer; "
          "p-values over all rounds.")
    print(f"Whole run {elapsed:.0f} s; load average now {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    sys.exit(main())
