"""Throughput of Frontdesk's two hot paths against a bare Flask + SQLAlchemy baseline, on
SQLite or on PostgreSQL.

    .venv/bin/python benchmarks/bench_core.py        (or `make bench`: SQLite, then PostgreSQL)
    .venv/bin/python -m tests.postgres_server .venv/bin/python benchmarks/bench_core.py

In one run it builds two databases of 1,000,000 sent requests each (the baseline's `entries`
table; the app's schema by its migrations, the demo data, then requests and their "received"
events inserted in bulk: see databases.py), starts both apps under gunicorn (2 sync workers
each, 127.0.0.1 only) and drives them with wrk (2 threads, 8 connections): a warm-up, then
six alternating rounds of 2 s, baseline / app / app / baseline ..., so that a slow spell of a
shared machine hits both sides alike. Both databases are SQLite files, or, when BENCH_DATABASE_URL (else
TEST_DATABASE_URL, which `python -m tests.postgres_server` sets) names a PostgreSQL server, two
databases created on that server for the run and dropped after it.

  submit  POST /w/demo/en/f/complaint, a fresh signed form token in every body (a replayed
          token would show the old receipt without inserting), against POST /submit (one INSERT)
  lookup  POST /w/demo/en/track with code=<one of 10,000 sampled codes>, against POST /lookup
          (one indexed SELECT)

A request counts only if it answered 2xx with the expected page (receipt, status page); for
submissions also no more than the rows that really appeared in the database. Absolute figures
drift by a third between runs on the same machine; the ratio app / baseline is the figure.
Goals: submit >= 60 %, lookup >= 80 % of the baseline. CPU per request counts the gunicorn
workers and, on a PostgreSQL server running on this machine, the whole server's processes.

Exit status 0 when everything ran (whether or not the goals are met), 1 when something failed
to run. Settings (environment): BENCH_DURATION (measured seconds per side and test, default
12), BENCH_ROUNDS (default 6), BENCH_WARMUP (s, default 2), BENCH_ROWS (default 1000000),
BENCH_TESTS (default "submit,lookup"), BENCH_KEEP=1 keeps the temporary directory (databases,
gunicorn logs) and the PostgreSQL databases. wrk comes from Debian; it is installed with
apt-get when missing.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from databases import (AppData, Database, build_app_db, build_baseline_db,  # noqa: E402
                       open_store, tidy_up)
from harness import (ROOT, BenchError, Server, ensure_wrk, log, run_wrk,  # noqa: E402
                     warn_if_busy, write_lines)

DURATION = int(os.environ.get("BENCH_DURATION", "12"))  # measured seconds per side and test
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))  # short rounds: a busy spell hits both sides
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
TESTS = [t.strip() for t in os.environ.get("BENCH_TESTS", "submit,lookup").split(",") if t.strip()]
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
THREADS, CONNECTIONS, WORKERS = 2, 8, 2
TOKENS = 80_000
GOALS = {"submit": 0.60, "lookup": 0.80}
MESSAGE = "The+bus+to+the+district+office+was+late+again+this+week"


def settled_count(database: Database, table: str) -> int:
    """The row count once the requests still in flight after wrk stopped have landed."""
    count = database.count(table)
    for _ in range(50):
        time.sleep(0.3)
        again = database.count(table)
        if again == count:
            break
        count = again
    return count


def submission_bodies(data: AppData, count: int) -> list[str]:
    from widget.security import issue_form_token

    return [f"form_token={issue_form_token(data.secret_key, data.site_id, data.form_id, data.version_id)}"
            f"&action=send&topic=delay&message={MESSAGE}&email=a%40example.com"
            for _ in range(count)]


@dataclass
class Target:
    """One side of a test: a running server, its URL, the page a success shows, and for
    submissions the table whose new rows must match the successes."""

    label: str
    server: Server
    url: str
    marker: str
    warm_bodies: Path | None = None
    round_bodies: list[Path] = field(default_factory=list)  # one bodies file per round
    database: Database | None = None
    table: str = ""
    rounds: list = field(default_factory=list)  # (successes, seconds, p99 ms, cpu seconds)

    @property
    def rate(self) -> float:
        return sum(r[0] for r in self.rounds) / sum(r[1] for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        """The median round's p99 (the worst of many short rounds is mostly the machine's)."""
        return statistics.median(r[2] for r in self.rounds)

    @property
    def cpu_ms(self) -> float:
        """Worker (and database server) CPU time per counted request: moved less than req/s
        by other load on the machine (though a crowded machine still inflates it)."""
        return 1000 * sum(r[3] for r in self.rounds) / sum(r[0] for r in self.rounds)


def measure(wrk: str, target: Target, bodies: Path, seconds: int, server_cpu) -> float:
    """One timed wrk run; returns successes per second and records the round on the target.

    A success is a 2xx response showing the expected page; for submissions no more successes
    are counted than rows really appeared in the table (a replayed token shows a receipt
    without inserting). Everything else is printed and not counted. server_cpu() is the CPU
    time the database server has used so far (0 for SQLite, whose work the workers do)."""
    before = settled_count(target.database, target.table) if target.database else 0
    cpu = target.server.worker_cpu() + server_cpu()
    load = run_wrk(wrk, target.url, bodies, target.marker, seconds, THREADS, CONNECTIONS)
    cpu = target.server.worker_cpu() + server_cpu() - cpu
    successes, notes = load.successes, []
    rejected = {status: n for status, n in load.statuses.items() if not 200 <= status < 300}
    if rejected:
        notes.append(f"{sum(rejected.values())} non-2xx responses {rejected}: not counted")
    unexpected = load.requests - sum(rejected.values()) - load.successes
    if unexpected:
        notes.append(f"{unexpected} 2xx responses without the expected page: not counted")
    if load.socket_errors:
        notes.append(f"{load.socket_errors} socket errors/timeouts")
    if load.wraps and target.database:
        notes.append(f"the bodies file ran out {load.wraps} times (tokens replayed)")
    if target.database:
        inserted = settled_count(target.database, target.table) - before
        if inserted < successes:
            notes.append(f"only {inserted} rows inserted for {successes} successful responses: "
                         f"counting {inserted}")
            successes = inserted
        elif inserted > successes + CONNECTIONS:
            notes.append(f"{inserted} rows inserted for {successes} successful responses")
        else:
            notes.append(f"{inserted} rows inserted")
    rate = successes / load.seconds
    log(f"  {target.label:<16} {load.requests:>6} requests in {load.seconds:4.1f} s, "
        f"{successes:>6} counted = {rate:>6,.0f}/s  p50 {load.p50_ms:6.1f} ms  "
        f"p99 {load.p99_ms:6.1f} ms  cpu {1000 * cpu / max(successes, 1):5.2f} ms/req"
        + "".join(f"\n{'':13}{note}" for note in notes))
    if successes == 0:
        raise BenchError(f"{target.label}: no successful request; wrk said:\n{load.raw}")
    target.rounds.append((successes, load.seconds, load.p99_ms, cpu))
    return rate


def compare(wrk: str, base: Target, real: Target, server_cpu) -> list[float]:
    """Warm both up, then alternate them (ABBA...) round by round, so that a slow spell of a
    shared machine hits both sides alike; returns the ratio of each round pair."""
    for target in (base, real):
        run_wrk(wrk, target.url, target.warm_bodies, target.marker, WARMUP, THREADS, CONNECTIONS)
    seconds = max(1, round(DURATION / ROUNDS))
    ratios = []
    for number in range(ROUNDS):
        order = (base, real) if number % 2 == 0 else (real, base)
        rates = {target.label: measure(wrk, target, target.round_bodies[number], seconds,
                                       server_cpu)
                 for target in order}
        ratios.append(rates[real.label] / rates[base.label])
    return ratios


# -------------------------------------------------------------------------------- the run

def main() -> int:
    started = time.monotonic()
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    rng = random.Random(20240601)
    results = {}
    store = None
    try:
        store = open_store(tmp)
        log(f"temporary directory {tmp}; {store.label}, {ROWS:,} rows per database")
        warn_if_busy()
        baseline_db, app_db = store.new_database("baseline"), store.new_database("app")
        baseline_sample = build_baseline_db(baseline_db, ROWS, rng)
        log("baseline database built")
        data = build_app_db(app_db, tmp / "uploads", ROWS, rng)
        log("app database built")
        # A fresh form token in every submission: one file per round and one for the warm-up.
        per_round = TOKENS // (ROUNDS + 1)
        token_files = [write_lines(tmp / f"submit-{n}.txt", submission_bodies(data, per_round))
                       for n in range(ROUNDS + 1)]
        base_codes = write_lines(tmp / "lookup-baseline.txt",
                                 (f"code={code}" for code in baseline_sample))
        app_codes = write_lines(tmp / "lookup-app.txt", (f"code={code}" for code in data.sample))
        log(f"{per_round * (ROUNDS + 1):,} form tokens and {len(data.sample):,} sampled codes "
            f"written")

        for test in TESTS:
            log(f"{test}: wrk -t{THREADS} -c{CONNECTIONS}; {WARMUP} s warm-up each, then "
                f"{ROUNDS} alternating rounds of {max(1, round(DURATION / ROUNDS))} s each")
            with Server("baseline", "baseline_app:app", HERE,
                        {"BASELINE_DATABASE": baseline_db.url}, tmp, "/healthz",
                        WORKERS) as bs, \
                    Server("app", "widget:create_app()", ROOT, data.env, tmp, "/healthz",
                           WORKERS) as ap:
                if test == "submit":
                    # The baseline ignores the tokens: both sides post the same bodies.
                    base = Target("baseline submit", bs, bs.url + "/submit", 'class="code"',
                                  token_files[0], token_files[1:], baseline_db, "entries")
                    real = Target("app submit", ap, ap.url + "/w/demo/en/f/complaint",
                                  "tracking-code", token_files[0], token_files[1:],
                                  app_db, "requests")
                elif test == "lookup":
                    # Each side looks up codes sampled from its own database, every round.
                    base = Target("baseline lookup", bs, bs.url + "/lookup", 'class="status"',
                                  base_codes, [base_codes] * ROUNDS)
                    real = Target("app lookup", ap, ap.url + "/w/demo/en/track",
                                  '<dd class="status">', app_codes, [app_codes] * ROUNDS)
                else:
                    raise BenchError(f"unknown test {test!r} in BENCH_TESTS")
                ratios = compare(wrk, base, real, store.server_cpu)
            results[test] = (base, real, ratios)
    except BenchError as error:
        log(f"FAILED: {error}")
        print(f"(kept {tmp} for inspection)")
        return 1
    finally:
        if store is not None and not KEEP:
            store.close()
    report(results, store.label, time.monotonic() - started)
    tidy_up(tmp, store, KEEP)
    return 0


def report(results: dict, database: str, elapsed: float) -> None:
    print()
    print(f"Frontdesk vs bare Flask+SQLAlchemy, both on {database}, {date.today()}: "
          f"{os.cpu_count()} CPUs, gunicorn -w {WORKERS} sync, wrk -t{THREADS} -c{CONNECTIONS}, "
          f"{ROUNDS} x {max(1, round(DURATION / ROUNDS))} s per side, {ROWS:,} rows")
    header = (f"{'test':<8} {'baseline/s':>10} {'app/s':>8} {'ratio':>6} {'(rounds)':>13} "
              f"{'goal':>5} {'':4} {'p99 base':>9} {'p99 app':>9} {'cpu ms/req base':>16} "
              f"{'app':>6} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for test, (base, real, ratios) in results.items():
        ratio = real.rate / base.rate
        goal = GOALS[test]
        spread = f"{min(ratios):.0%}-{max(ratios):.0%}"
        print(f"{test:<8} {base.rate:>10,.0f} {real.rate:>8,.0f} {ratio:>6.0%} {spread:>13} "
              f"{goal:>5.0%} {'PASS' if ratio >= goal else 'FAIL':4} "
              f"{base.p99_ms:>7.1f}ms {real.p99_ms:>7.1f}ms {base.cpu_ms:>16.2f} "
              f"{real.cpu_ms:>6.2f} {base.cpu_ms / real.cpu_ms:>6.0%}")
    where = ("gunicorn workers' and the PostgreSQL server's CPU time" if database == "PostgreSQL"
             else "gunicorn workers' CPU time")
    print("req/s: successful requests only; ratio = app/s / baseline/s over all rounds (the "
          f"goal);\np99: the median round's (wrk's, with its coordinated-omission correction); "
          f"cpu ms/req: {where}\nper counted request, its ratio = base/app (what the throughput "
          "ratio would be if CPU were the only limit).")
    print(f"Whole run {elapsed:.0f} s; load average now {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    sys.exit(main())
