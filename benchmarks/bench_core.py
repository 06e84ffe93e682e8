"""Throughput and p99 of Frontdesk's two hot paths against a bare Flask + SQLAlchemy baseline and
against the floor (a minimal app doing only what must be done), on SQLite or on PostgreSQL.

    .venv/bin/python benchmarks/bench_core.py [--quick]     (or `make bench`: SQLite, then PostgreSQL)
    .venv/bin/python -m tests.postgres_server .venv/bin/python benchmarks/bench_core.py [--quick]

Four sides, each under gunicorn (2 sync workers, 127.0.0.1 only), driven by wrk (2 threads,
8 connections) with the same bodies:

  baseline    baseline_app.py: bare Flask + SQLAlchemy Core, one INSERT answering a three-line
              page; one indexed SELECT for a lookup. Its own database (table `entries`).
  floor       floor_app.py: Frontdesk's schema and its token, validation and code modules, only
              what a submission must do (token, validation, change position, request + event +
              one outbox row in one transaction, a small translated receipt) and a lookup (one
              SELECT, a small translated page). On Frontdesk's database.
  Frontdesk   the product (widget:create_app()), rate limits off. On the same database.
  +limiter    the product with Flask-Limiter on as in production: FRONTDESK_REDIS_URL names a
              throwaway redis-server this run starts, and the production limits' two windows
              are kept with their numbers raised (the benchmark is one client address), so
              every request pays the limiter's Redis round trips and none is refused.

The tests:
  submit  POST /w/demo/en/f/complaint with a fresh signed form token in every body (a replayed
          token would show the old receipt without inserting); the baseline's POST /submit
          ignores the token
  lookup  POST /w/demo/en/track with code=<one of 10,000 codes sampled from the database>; the
          baseline's POST /lookup with one of its own

The databases are built once, at the first size (BENCH_SIZES, default 200,000 and 1,000,000
requests, each with its "received" event: see databases.py), measured, then grown to the next
size and measured again. At each size and for each test: a warm-up of each side, then short
rounds in which the sides take turns in a rotating order, so that a slow spell of a shared
machine hits every side alike. A request counts only if it answered 2xx with the expected page
(receipt, status page); for submissions no more than the rows that really appeared.

It prints, per size and test, each side's rate, p99 (wrk's, the median round's) and CPU per
request (gunicorn workers; on a PostgreSQL server running here its processes too; redis-server
for the limiter side), then the ratios Frontdesk / baseline, Frontdesk / floor, floor /
baseline, and the goals with PASS or MISS:
  SQLite      submit >= 25 % of the baseline's rate, lookup >= 40 %; p99 <= 25 ms and <= 12 ms
  PostgreSQL  submit >= 20 %, lookup >= 30 %
Absolute rates drift by a third between runs on a shared machine; the ratios, measured in the
same run, are the figures.

--quick: one size of 20,000 rows, 2 rounds of 2 s (a check that everything runs; its figures
are rough). Settings (environment, override --quick): BENCH_SIZES (comma separated), else
BENCH_ROWS (the largest size: sizes 200,000 and BENCH_ROWS, or BENCH_ROWS alone if smaller),
BENCH_DURATION (measured seconds per side, size and test, default 12), BENCH_ROUNDS (default 6),
BENCH_WARMUP (s, default 2), BENCH_TESTS (default "submit,lookup"), BENCH_LIMITER=0 leaves the
limiter side out, BENCH_KEEP=1 keeps the temporary directory (databases, gunicorn logs) and the
PostgreSQL databases; BENCH_DATABASE_URL (else TEST_DATABASE_URL, which `python -m
tests.postgres_server` sets) names a PostgreSQL server to create the databases on. wrk comes
from Debian; it is installed with apt-get when missing.

Exit status 0 when everything ran (whether or not the goals are met), 1 when something failed
to run.
"""
from __future__ import annotations

import argparse
import contextlib
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

from databases import (AppData, BaselineData, Database, add_baseline_entries,  # noqa: E402
                       add_requests, build_baseline_db, create_app_db, open_store, tidy_up)
from harness import (ROOT, BenchError, RedisServer, Server, ensure_wrk, log,  # noqa: E402
                     run_wrk, warn_if_busy, write_lines)

THREADS, CONNECTIONS, WORKERS = 2, 8, 2
TOKENS_PER_SECOND = 3000  # form tokens per bodies file and second of a round: none replayed
SUBMIT_PATH, LOOKUP_PATH = "/w/demo/en/f/complaint", "/w/demo/en/track"
MESSAGE = "The+bus+to+the+district+office+was+late+again+this+week"
RATE_GOALS = {"SQLite": {"submit": 0.25, "lookup": 0.40},
              "PostgreSQL": {"submit": 0.20, "lookup": 0.30}}
P99_GOALS_MS = {"SQLite": {"submit": 25.0, "lookup": 12.0}}
# The production limits' windows, with numbers no benchmark reaches.
UNREACHED_LIMITS = {"FRONTDESK_RATE_LIMIT_SUBMIT": "1000000 per minute;100000000 per day",
                    "FRONTDESK_RATE_LIMIT_LOOKUP": "1000000 per minute;100000000 per hour"}
BASELINE, FLOOR, PRODUCT, LIMITED = "baseline", "floor", "Frontdesk", "+limiter"


@dataclass
class Settings:
    sizes: list[int]
    rounds: int
    duration: int  # measured seconds per side, size and test
    warmup: int
    tests: list[str]
    limiter: bool
    keep: bool

    @property
    def round_seconds(self) -> int:
        return max(1, round(self.duration / self.rounds))


def read_settings(argv: list[str]) -> Settings:
    """--quick's defaults or the full run's, then the BENCH_* variables over them."""
    parser = argparse.ArgumentParser(description="Frontdesk vs the baseline and the floor.")
    parser.add_argument("--quick", action="store_true",
                        help="one small database, two short rounds: a check that all runs")
    quick = parser.parse_args(argv).quick
    env = os.environ.get
    largest = int(env("BENCH_ROWS", "20000" if quick else "1000000"))
    sizes = [int(n) for n in env("BENCH_SIZES", "").split(",") if n.strip()] or (
        [largest] if largest <= 200_000 else [200_000, largest])
    return Settings(
        sizes=sorted(sizes),
        rounds=int(env("BENCH_ROUNDS", "2" if quick else "6")),
        duration=int(env("BENCH_DURATION", "4" if quick else "12")),
        warmup=int(env("BENCH_WARMUP", "1" if quick else "2")),
        tests=[t.strip() for t in env("BENCH_TESTS", "submit,lookup").split(",") if t.strip()],
        limiter=env("BENCH_LIMITER", "1") not in ("", "0"),
        keep=env("BENCH_KEEP", "") not in ("", "0"))


# ------------------------------------------------------------------------------ measuring

@dataclass
class Round:
    successes: int
    seconds: float
    p99_ms: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.successes / self.seconds


@dataclass
class Target:
    """One side of a test: a running server, its URL, the page a success shows, its bodies
    (a file for the warm-up, then one per round), what CPU it is charged with, and for
    submissions the table whose new rows must match the successes."""

    label: str
    server: Server
    url: str
    marker: str
    bodies: list[Path]
    cpu_sources: list = field(default_factory=list)  # callables: CPU seconds so far
    database: Database | None = None
    table: str = ""
    rounds: list[Round] = field(default_factory=list)

    def cpu_now(self) -> float:
        return self.server.worker_cpu() + sum(source() for source in self.cpu_sources)

    @property
    def rate(self) -> float:
        return sum(r.successes for r in self.rounds) / sum(r.seconds for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        """The median round's p99 (the worst of many short rounds is mostly the machine's)."""
        return statistics.median(r.p99_ms for r in self.rounds)

    @property
    def cpu_ms(self) -> float:
        """CPU time per counted request: moved less than req/s by other load on the machine
        (though a crowded machine still inflates it)."""
        return 1000 * sum(r.cpu_seconds for r in self.rounds) / sum(r.successes
                                                                    for r in self.rounds)


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


def measure(wrk: str, target: Target, bodies: Path, seconds: int) -> None:
    """One timed wrk run, recorded as a round of the target.

    A success is a 2xx response showing the expected page; for submissions no more successes
    are counted than rows really appeared in the table (a replayed token shows a receipt
    without inserting). Everything else is printed and not counted."""
    before = settled_count(target.database, target.table) if target.database else 0
    cpu = target.cpu_now()
    load = run_wrk(wrk, target.url, bodies, target.marker, seconds, THREADS, CONNECTIONS)
    cpu = target.cpu_now() - cpu
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
    log(f"  {target.label:<10} {load.requests:>6} requests in {load.seconds:4.1f} s, "
        f"{successes:>6} counted = {successes / load.seconds:>6,.0f}/s  "
        f"p50 {load.p50_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms  "
        f"cpu {1000 * cpu / max(successes, 1):5.2f} ms/req"
        + "".join(f"\n{'':13}{note}" for note in notes))
    if successes == 0:
        raise BenchError(f"{target.label}: no successful request; wrk said:\n{load.raw}")
    target.rounds.append(Round(successes, load.seconds, load.p99_ms, cpu))


def compare(wrk: str, targets: list[Target], settings: Settings) -> None:
    """Warm every side up, then measure them round by round, each round in another order
    (rotated, and reversed every other round), so that a busy spell hits all alike."""
    for target in targets:
        run_wrk(wrk, target.url, target.bodies[0], target.marker, settings.warmup, THREADS,
                CONNECTIONS)
    for number in range(settings.rounds):
        shift = number // 2 % len(targets)
        order = targets[shift:] + targets[:shift]
        for target in (order if number % 2 == 0 else order[::-1]):
            measure(wrk, target, target.bodies[1 + number], settings.round_seconds)


# ------------------------------------------------------------------------------ the sides

def submission_bodies(data: AppData, count: int) -> list[str]:
    from widget.security import issue_form_token

    return [f"form_token={issue_form_token(data.secret_key, data.site_id, data.form_id, data.version_id)}"
            f"&action=send&topic=delay&message={MESSAGE}&email=a%40example.com"
            for _ in range(count)]


def token_files(tmp: Path, data: AppData, side: str, settings: Settings) -> list[Path]:
    """A warm-up file and one per round, every line with a fresh form token."""
    per_file = TOKENS_PER_SECOND * max(settings.round_seconds, settings.warmup)
    return [write_lines(tmp / f"submit-{side}-{data.rows}-{n}.txt",
                        submission_bodies(data, per_file))
            for n in range(settings.rounds + 1)]


def submit_targets(servers: dict, tmp: Path, baseline: BaselineData, data: AppData,
                   settings: Settings, cpu_sources: dict) -> list[Target]:
    """The sides of the submit test: the product sides each with tokens of their own (they
    share one database, where a token inserts once)."""
    files = {label: token_files(tmp, data, label, settings) for label in servers
             if label != BASELINE}
    files[BASELINE] = files[FLOOR]  # the baseline ignores the token
    targets = []
    for label, server in servers.items():
        if label == BASELINE:
            url, marker, database, table = "/submit", 'class="code"', baseline.database, "entries"
        else:
            url, marker, database, table = SUBMIT_PATH, "tracking-code", data.database, "requests"
        targets.append(Target(label, server, server.url + url, marker, files[label],
                              cpu_sources[label], database, table))
    return targets


def lookup_targets(servers: dict, tmp: Path, baseline: BaselineData, data: AppData,
                   settings: Settings, cpu_sources: dict) -> list[Target]:
    """The sides of the lookup test: each looks up codes sampled from its own database."""
    base_codes = write_lines(tmp / f"lookup-baseline-{baseline.rows}.txt",
                             (f"code={code}" for code in baseline.sample))
    app_codes = write_lines(tmp / f"lookup-app-{data.rows}.txt",
                            (f"code={code}" for code in data.sample))
    targets = []
    for label, server in servers.items():
        if label == BASELINE:
            url, marker, codes = "/lookup", 'class="status"', base_codes
        else:
            url, marker, codes = LOOKUP_PATH, '<dd class="status">', app_codes
        targets.append(Target(label, server, server.url + url, marker,
                              [codes] * (settings.rounds + 1), cpu_sources[label]))
    return targets


def start_servers(stack: contextlib.ExitStack, tmp: Path, baseline: BaselineData,
                  data: AppData, redis: RedisServer | None) -> dict[str, Server]:
    """The four sides' gunicorns (three without the limiter side)."""
    servers = {
        BASELINE: Server("baseline", "baseline_app:app", HERE,
                         {"BASELINE_DATABASE": baseline.database.url}, tmp, "/healthz", WORKERS),
        FLOOR: Server("floor", "floor_app:app", HERE, data.env, tmp, "/healthz", WORKERS),
        PRODUCT: Server("app", "widget:create_app()", ROOT, data.env, tmp, "/healthz", WORKERS),
    }
    if redis is not None:
        limited = {**data.env, **UNREACHED_LIMITS, "FRONTDESK_RATELIMIT_ENABLED": "true",
                   "FRONTDESK_REDIS_URL": redis.url}
        servers[LIMITED] = Server("app-limiter", "widget:create_app()", ROOT, limited, tmp,
                                  "/healthz", WORKERS)
    for server in servers.values():
        stack.enter_context(server)
    return servers


# -------------------------------------------------------------------------------- the run

@dataclass
class Measured:
    database: str
    size: int
    test: str
    targets: dict[str, Target]


def grow_to(size: int, baseline: BaselineData, data: AppData, rng: random.Random) -> None:
    """Both databases up to `size` rows (the app's by bulk-inserted requests, besides those
    the benchmark sent)."""
    if size > baseline.rows:
        add_baseline_entries(baseline, size - baseline.rows, rng)
    if size > data.rows:
        add_requests(data, size - data.rows, rng)
    log(f"databases at {size:,} rows")


def run(settings: Settings, wrk: str, tmp: Path, store) -> list[Measured]:
    rng = random.Random(20240601)
    baseline = build_baseline_db(store.new_database("baseline"), 0, rng)
    data = create_app_db(store.new_database("app"), tmp / "uploads")
    results = []
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp)) if settings.limiter else None
        cpu_sources = {BASELINE: [store.server_cpu], FLOOR: [store.server_cpu],
                       PRODUCT: [store.server_cpu],
                       LIMITED: [store.server_cpu] + ([redis.cpu] if redis else [])}
        grow_to(settings.sizes[0], baseline, data, rng)
        # Started once: they read the databases as these grow (the floor's configuration, read
        # at its start, does not change).
        servers = start_servers(stack, tmp, baseline, data, redis)
        for number, size in enumerate(settings.sizes):
            if number:
                grow_to(size, baseline, data, rng)
            for test in settings.tests:
                make = {"submit": submit_targets, "lookup": lookup_targets}.get(test)
                if make is None:
                    raise BenchError(f"unknown test {test!r} in BENCH_TESTS")
                targets = make(servers, tmp, baseline, data, settings, cpu_sources)
                log(f"{test} at {size:,} rows: wrk -t{THREADS} -c{CONNECTIONS}; "
                    f"{settings.warmup} s warm-up each, then {settings.rounds} rounds of "
                    f"{settings.round_seconds} s per side")
                compare(wrk, targets, settings)
                results.append(Measured(store.label, size, test,
                                        {target.label: target for target in targets}))
    return results


def main(argv: list[str]) -> int:
    settings = read_settings(argv)
    started = time.monotonic()
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    store = None
    try:
        store = open_store(tmp)
        log(f"temporary directory {tmp}; {store.label}; sizes "
            f"{', '.join(f'{size:,}' for size in settings.sizes)} rows")
        warn_if_busy()
        results = run(settings, wrk, tmp, store)
    except BenchError as error:
        log(f"FAILED: {error}")
        print(f"(kept {tmp} for inspection)")
        return 1
    finally:
        if store is not None and not settings.keep:
            store.close()
    report(results, settings, time.monotonic() - started)
    tidy_up(tmp, store, settings.keep)
    return 0


# ----------------------------------------------------------------------------- the report

def round_ratios(top: Target, bottom: Target) -> str:
    """The spread of a ratio over the rounds (each round measures both sides)."""
    ratios = [a.rate / b.rate for a, b in zip(top.rounds, bottom.rounds)]
    return f"{min(ratios):.0%}-{max(ratios):.0%}"


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def ratio_lines(measured: Measured) -> list[tuple[str, bool | None]]:
    """Each ratio of a test, with its goal's verdict (None where there is no goal)."""
    sides, goal = measured.targets, RATE_GOALS[measured.database][measured.test]
    lines = []
    for product in (PRODUCT, LIMITED):
        if product not in sides:
            continue
        ratio = sides[product].rate / sides[BASELINE].rate
        lines.append((f"{product} / baseline {ratio:6.0%}  (rounds "
                      f"{round_ratios(sides[product], sides[BASELINE])})  goal >= {goal:.0%}",
                      ratio >= goal))
        ratio = sides[product].rate / sides[FLOOR].rate
        lines.append((f"{product} / floor    {ratio:6.0%}  (rounds "
                      f"{round_ratios(sides[product], sides[FLOOR])})", None))
    ratio = sides[FLOOR].rate / sides[BASELINE].rate
    lines.append((f"floor / baseline     {ratio:6.0%}  (rounds "
                   f"{round_ratios(sides[FLOOR], sides[BASELINE])})", None))
    p99_goal = P99_GOALS_MS.get(measured.database, {}).get(measured.test)
    for product in (PRODUCT, LIMITED):
        if product in sides:
            p99 = sides[product].p99_ms
            lines.append((f"{product} p99 {p99:.1f} ms" + (f"  goal <= {p99_goal:.0f} ms"
                                                          if p99_goal else "  (no goal)"),
                          p99 <= p99_goal if p99_goal else None))
    return lines


def report(results: list[Measured], settings: Settings, elapsed: float) -> None:
    database = results[0].database if results else "?"
    print()
    print(f"Frontdesk vs the bare baseline and the floor, on {database}, {date.today()}: "
          f"{os.cpu_count()} CPUs, gunicorn -w {WORKERS} sync, wrk -t{THREADS} "
          f"-c{CONNECTIONS}, {settings.rounds} x {settings.round_seconds} s per side")
    verdicts = []
    for measured in results:
        print(f"\n{measured.test} at {measured.size:,} rows")
        print(f"  {'side':<10} {'req/s':>8} {'p99':>9} {'cpu ms/req':>11}")
        for target in measured.targets.values():
            print(f"  {target.label:<10} {target.rate:>8,.0f} {target.p99_ms:>7.1f}ms "
                  f"{target.cpu_ms:>11.2f}")
        for text, passed in ratio_lines(measured):
            print(f"  {text}" + ("" if passed is None else f"  {verdict(passed)}"))
            if passed is not None:
                verdicts.append((f"{measured.test} at {measured.size:,} rows: {text}", passed))
    print("\nreq/s: successful requests only; a ratio is over all rounds, its spread per round;"
          "\np99: the median round's, wrk's (with its coordinated-omission correction);"
          "\ncpu ms/req: gunicorn workers' CPU time per counted request (with the PostgreSQL "
          "server's\nprocesses when it runs here, and redis-server's for +limiter).")
    print(f"\nGoals on {database}: {sum(p for _, p in verdicts)} PASS, "
          f"{sum(not p for _, p in verdicts)} MISS")
    for text, passed in verdicts:
        print(f"  {verdict(passed)}  {text}")
    print(f"Whole run {elapsed:.0f} s; load average now {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
