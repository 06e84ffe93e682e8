"""Throughput of Frontdesk's two hot paths against a bare Flask + SQLAlchemy + SQLite baseline.

    .venv/bin/python benchmarks/bench_core.py        (or `make bench`)

In one run it builds two SQLite databases of 1,000,000 sent requests each (the baseline's
`entries` table; the app's schema by its migrations, the demo data, then requests and their
"received" events inserted through SQLAlchemy), starts both apps under gunicorn (2 sync workers
each, 127.0.0.1 only) and drives them with wrk (2 threads, 8 connections): a warm-up, then
alternating rounds baseline / app / app / baseline ... so that a slow spell of a shared machine
hits both sides alike.

  submit  POST /w/demo/en/f/complaint, a fresh signed form token in every body (a replayed
          token would show the old receipt without inserting), against POST /submit (one INSERT)
  lookup  POST /w/demo/en/track with code=<one of 10,000 sampled codes>, against POST /lookup
          (one indexed SELECT)

A request counts only if it answered 2xx with the expected page (receipt, status page); for
submissions also no more than the rows that really appeared in the database. Absolute figures
drift by a third between runs on the same machine; the ratio app / baseline is the figure.
Goals: submit >= 60 %, lookup >= 80 % of the baseline.

Exit status 0 when everything ran (whether or not the goals are met), 1 when something failed
to run. Settings (environment): BENCH_DURATION (measured seconds per side and test, default
12), BENCH_ROUNDS (default 3), BENCH_WARMUP (s, default 2), BENCH_ROWS (default 1000000),
BENCH_TESTS (default "submit,lookup"), BENCH_KEEP=1 keeps the temporary directory (databases,
gunicorn logs). wrk comes from Debian; it is installed with apt-get when missing.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DURATION = int(os.environ.get("BENCH_DURATION", "12"))  # measured seconds per side and test
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
TESTS = [t.strip() for t in os.environ.get("BENCH_TESTS", "submit,lookup").split(",") if t.strip()]
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
THREADS, CONNECTIONS, WORKERS = 2, 8, 2
SAMPLE_CODES = 10_000
TOKENS = 80_000
BATCH = 50_000
GOALS = {"submit": 0.60, "lookup": 0.80}
LUA = HERE / "post_bodies.lua"
MESSAGE = "The+bus+to+the+district+office+was+late+again+this+week"
ANSWERS = {"topic": "delay", "message": "The bus to the district office was late again this week",
           "name": "", "email": "a@example.com", "call_back": False, "phone": ""}


class BenchError(Exception):
    """Something failed to run: the figures of this run mean nothing."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------- tools

def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: installing Debian's package")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "install", "-y", "-qq", "wrk"],
                    ["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if command[1] == "install" and result.returncode == 0:
            break
    path = shutil.which("wrk")
    if not path:
        raise BenchError("wrk is not installed and `apt-get install wrk` failed")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def count_rows(db_path: Path, table: str) -> int:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def settled_count(db_path: Path, table: str) -> int:
    """The row count once the requests still in flight after wrk stopped have landed."""
    count = count_rows(db_path, table)
    for _ in range(50):
        time.sleep(0.3)
        again = count_rows(db_path, table)
        if again == count:
            break
        count = again
    return count


def cpu_busy(seconds: float = 1.0) -> float:
    """The fraction of all CPUs busy (not idle, not waiting for I/O) over a short interval."""
    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(total2 - total, 1)


def write_lines(path: Path, lines) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------------ databases
#
# Both builders insert through SQLAlchemy's Connection at the driver level (exec_driver_sql with
# plain tuples, in batches, one transaction) with values already in the form SQLAlchemy stores
# them on SQLite: insert(table) with a million dicts runs every type processor per row and takes
# four times as long.

def _stamp(moment: datetime) -> str:
    """A datetime as SQLAlchemy's DateTime stores it in SQLite."""
    return f"{moment:%Y-%m-%d %H:%M:%S.%f}"


def build_baseline_db(path: Path, rows: int, rng: random.Random) -> list[str]:
    """The baseline's table with `rows` entries; returns a sample of their codes."""
    import baseline_app

    engine = baseline_app.make_engine(str(path))
    baseline_app.create_schema(engine)
    sample_at = set(rng.sample(range(rows), min(SAMPLE_CODES, rows)))
    sample = []
    answers = json.dumps({key: ANSWERS[key] for key in ("topic", "message", "name", "email")})
    created = _stamp(datetime.now(timezone.utc) - timedelta(days=30))
    alphabet = baseline_app.ALPHABET
    with engine.begin() as connection:
        for start in range(0, rows, BATCH):
            batch = []
            for i in range(start, min(start + BATCH, rows)):
                code = "".join(rng.choices(alphabet, k=14))
                if i in sample_at:
                    sample.append(code)
                batch.append((code, answers, created))
            connection.exec_driver_sql(
                "INSERT INTO entries (code, answers, created_at) VALUES (?, ?, ?)", batch)
    engine.dispose()
    rng.shuffle(sample)
    return sample


@dataclass
class AppData:
    secret_key: str
    site_id: int
    form_id: int
    version_id: int
    env: dict = field(default_factory=dict)
    sample: list[str] = field(default_factory=list)


def app_environment(tmp: Path) -> dict:
    return {
        "FRONTDESK_DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
        "FRONTDESK_SECRET_KEY": secrets.token_hex(32),
        "FRONTDESK_RATELIMIT_ENABLED": "false",
        "FRONTDESK_MIN_FILL_SECONDS": "0",
        "FRONTDESK_UPLOAD_DIR": str(tmp / "uploads"),
    }


def build_app_db(tmp: Path, rows: int, rng: random.Random) -> AppData:
    """Frontdesk's schema (its migrations) and demo data, then `rows` sent complaints with the
    "received" event the app writes beside each."""
    env = app_environment(tmp)
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from widget import codes, create_app
    from widget.demo import load_demo_data
    from widget.extensions import db
    from widget.models import EventKind, Form, Request, RequestStatus, Site

    app = create_app()
    with app.app_context():
        chatter = io.StringIO()  # alembic's INFO lines: shown only if the upgrade fails
        try:
            with contextlib.redirect_stderr(chatter):
                upgrade()
        except BaseException:
            sys.stderr.write(chatter.getvalue())
            raise
        load_demo_data("http://localhost:8000")
        site = db.session.scalar(select(Site).where(Site.key == "demo"))
        form = db.session.scalar(select(Form).where(Form.organization_id == site.organization_id,
                                                    Form.slug == "complaint"))
        version = form.current_version
        data = AppData(env["FRONTDESK_SECRET_KEY"], site.id, form.id, version.id, env)
        fixed = (site.organization_id, site.id, version.id, RequestStatus.RECEIVED.value, "web",
                 "en", json.dumps(ANSWERS), 1)
        first_id = (db.session.scalar(select(db.func.max(Request.id))) or 0) + 1
        db.session.commit()

        sample_at = set(rng.sample(range(rows), min(SAMPLE_CODES, rows)))
        # Codes exactly as codes.generate() makes them (13 symbols + the Damm check symbol),
        # drawn from a seeded PRNG: secrets.choice would cost ~25 s per million codes.
        start_day = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=400)
        received = EventKind.RECEIVED.value
        with db.engine.begin() as connection:
            for start in range(0, rows, BATCH):
                requests, events = [], []
                for i in range(start, min(start + BATCH, rows)):
                    payload = "".join(rng.choices(codes.ALPHABET, k=codes.DATA_LENGTH))
                    code = payload + codes.check_symbol(payload)
                    if i in sample_at:
                        data.sample.append(code)
                    moment = start_day + timedelta(seconds=i * 30)
                    stamp = _stamp(moment)
                    due = _stamp(moment + timedelta(days=14))
                    requests.append((first_id + i, code, stamp, stamp, stamp, due, *fixed))
                    events.append((first_id + i, received, stamp, "{}"))
                connection.exec_driver_sql(
                    "INSERT INTO requests (id, code, created_at, updated_at, submitted_at, "
                    "due_at, organization_id, site_id, form_version_id, status, channel, "
                    "language, answers, lock_version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", requests)
                connection.exec_driver_sql(
                    "INSERT INTO events (request_id, kind, created_at, data) VALUES (?, ?, ?, ?)",
                    events)
        # The rows read back through the models like rows the app wrote.
        probe = db.session.scalar(select(Request).where(Request.code == data.sample[0]))
        if (probe is None or probe.status != RequestStatus.RECEIVED.value or probe.due_at is None
                or len(probe.events) != 1 or probe.answers != ANSWERS):
            raise BenchError("the inserted requests do not read back as sent requests")
        db.session.remove()
        db.engine.dispose()
    if not all(codes.is_valid(code) for code in data.sample):
        raise BenchError("generated codes fail widget.codes.is_valid")
    rng.shuffle(data.sample)
    return data


def submission_bodies(data: AppData, count: int) -> list[str]:
    from widget.security import issue_form_token

    return [f"form_token={issue_form_token(data.secret_key, data.site_id, data.form_id, data.version_id)}"
            f"&action=send&topic=delay&message={MESSAGE}&email=a%40example.com"
            for _ in range(count)]


# ------------------------------------------------------------------------ servers and load

class Server:
    """One gunicorn (2 sync workers) on a free loopback port, stopped by its own pid."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, tmp: Path, health: str):
        self.name, self.port = name, free_port()
        self.log_path = tmp / f"gunicorn-{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(chdir), "--log-level", "warning", app],
            env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait(health)

    def _wait(self, health: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_tail = self.tail()
                self.stop()
                raise BenchError(f"{self.name}: gunicorn exited ({self.process.returncode}); "
                                 f"its log ends:\n{log_tail}")
            try:
                with urllib.request.urlopen(self.url + health, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"{self.name}: no answer on {self.url}{health} after {timeout:.0f} s")

    def worker_cpu(self) -> float:
        """CPU seconds (user + system) used so far by this gunicorn's worker processes."""
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # a process that just ended
            if int(fields[1]) == self.process.pid:  # ppid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 15) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self._log.closed:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.stop()


@dataclass
class Load:
    """What one wrk run reported."""

    requests: int
    seconds: float
    successes: int
    wraps: int
    statuses: dict
    socket_errors: int
    p50_ms: float
    p99_ms: float
    raw: str


def run_wrk(wrk: str, url: str, bodies: Path, marker: str, seconds: int) -> Load:
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", str(bodies), marker, str(THREADS)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH (.*)$", result.stdout, re.M)
    if result.returncode != 0 or not match:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stdout}{result.stderr}")
    values = {key: int(float(value))
              for key, value in (item.split("=") for item in match.group(1).split())}
    return Load(
        requests=values["requests"], seconds=values["duration_us"] / 1e6,
        successes=values["successes"], wraps=values["wraps"],
        statuses={int(k[7:]): v for k, v in values.items() if k.startswith("status_")},
        socket_errors=sum(v for k, v in values.items()
                          if k.startswith("err_") and k != "err_status"),
        p50_ms=values["lat_p50_us"] / 1000, p99_ms=values["lat_p99_us"] / 1000, raw=result.stdout)


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
    db_path: Path | None = None
    table: str = ""
    rounds: list = field(default_factory=list)  # (successes, seconds, p99 ms, cpu seconds)

    @property
    def rate(self) -> float:
        return sum(r[0] for r in self.rounds) / sum(r[1] for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return max(r[2] for r in self.rounds)

    @property
    def cpu_ms(self) -> float:
        """Worker CPU time per counted request: moved less than req/s by other load on the
        machine (though a crowded machine still inflates it)."""
        return 1000 * sum(r[3] for r in self.rounds) / sum(r[0] for r in self.rounds)


def measure(wrk: str, target: Target, bodies: Path, seconds: int) -> float:
    """One timed wrk run; returns successes per second and records the round on the target.

    A success is a 2xx response showing the expected page; for submissions no more successes
    are counted than rows really appeared in the table (a replayed token shows a receipt
    without inserting). Everything else is printed and not counted."""
    before = settled_count(target.db_path, target.table) if target.db_path else 0
    cpu = target.server.worker_cpu()
    load = run_wrk(wrk, target.url, bodies, target.marker, seconds)
    cpu = target.server.worker_cpu() - cpu
    successes, notes = load.successes, []
    rejected = {status: n for status, n in load.statuses.items() if not 200 <= status < 300}
    if rejected:
        notes.append(f"{sum(rejected.values())} non-2xx responses {rejected}: not counted")
    unexpected = load.requests - sum(rejected.values()) - load.successes
    if unexpected:
        notes.append(f"{unexpected} 2xx responses without the expected page: not counted")
    if load.socket_errors:
        notes.append(f"{load.socket_errors} socket errors/timeouts")
    if load.wraps and target.db_path:
        notes.append(f"the bodies file ran out {load.wraps} times (tokens replayed)")
    if target.db_path:
        inserted = settled_count(target.db_path, target.table) - before
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


def compare(wrk: str, base: Target, real: Target) -> list[float]:
    """Warm both up, then alternate them (ABBA...) round by round, so that a slow spell of a
    shared machine hits both sides alike; returns the ratio of each round pair."""
    for target in (base, real):
        run_wrk(wrk, target.url, target.warm_bodies, target.marker, WARMUP)
    seconds = max(1, round(DURATION / ROUNDS))
    ratios = []
    for number in range(ROUNDS):
        order = (base, real) if number % 2 == 0 else (real, base)
        rates = {target.label: measure(wrk, target, target.round_bodies[number], seconds)
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
    try:
        log(f"temporary directory {tmp}; {ROWS:,} rows per database")
        busy = cpu_busy()
        if busy > 0.2:
            log(f"warning: the CPUs are already {busy:.0%} busy: other processes compete with "
                f"the servers and wrk, the figures will be noisier")
        baseline_db, app_db = tmp / "baseline.db", tmp / "app.db"
        baseline_sample = build_baseline_db(baseline_db, ROWS, rng)
        log("baseline database built")
        data = build_app_db(tmp, ROWS, rng)
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
                        {"BASELINE_DATABASE": str(baseline_db)}, tmp, "/healthz") as bs, \
                    Server("app", "widget:create_app()", ROOT, data.env, tmp, "/healthz") as ap:
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
                ratios = compare(wrk, base, real)
            results[test] = (base, real, ratios)
    except BenchError as error:
        log(f"FAILED: {error}")
        print(f"(kept {tmp} for inspection)")
        return 1
    report(results, time.monotonic() - started)
    if KEEP:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def report(results: dict, elapsed: float) -> None:
    print()
    print(f"Frontdesk vs bare Flask+SQLAlchemy+SQLite, {date.today()}: {os.cpu_count()} CPUs, "
          f"gunicorn -w {WORKERS} sync, wrk -t{THREADS} -c{CONNECTIONS}, "
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
    print("req/s: successful requests only; ratio = app/s / baseline/s over all rounds (the "
          "goal);\np99: worst round; cpu ms/req: gunicorn workers' CPU time per counted request, "
          "its ratio\n= base/app (what the throughput ratio would be if CPU were the only limit).")
    print(f"Whole run {elapsed:.0f} s; load average now {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    sys.exit(main())
