"""Where a submission's and a lookup's CPU goes, phase by phase, and what the delivery worker
spends per submission: an in-process profile of the product as bench_core.py runs it.

    .venv/bin/python benchmarks/bench_phases.py [--quick]
    .venv/bin/python -m tests.postgres_server .venv/bin/python benchmarks/bench_phases.py

It builds one database as bench_core.py does (BENCH_PHASE_ROWS requests, default 200,000;
--quick 20,000), then in one process, with rate limits off:
  1. N submissions (POST /w/demo/en/f/complaint, a fresh form token each) and N lookups
     (POST /w/demo/en/track) through the app's WSGI callable, without gunicorn or HTTP: the CPU
     time of the thread per request (time.thread_time) is the total;
  2. the same again while a CPU-time sampler (SIGPROF every millisecond of CPU, or every tick
     of the kernel's clock if that is coarser: 4 ms here) reads the stack and files each sample under the first PHASES entry one of its frames matches (any
     frame: e-mail templates rendered while composing notices are notices, not page
     rendering). A phase's CPU is its share of the samples times the total;
  3. the delivery worker (widget.notify.worker.run_once, until a poll claims nothing) sending
     what the N submissions queued to a local SMTP server (aiosmtpd, its own process): its CPU
     per submission, and per phase likewise (one run, sampled: the sampler's own cost, about
     a percent, is in it).

The phases are groups of modules and functions (see PHASES, WORKER_PHASES), not line numbers,
so that they keep working while the code moves: notices composed in the request or in the
worker are widget.notify.* either way; a per-process cache of the configuration is found by
its module name ("cache") and counts as configuration lookup; a phase that no longer happens
shows 0. A function matches by its qualified name (re.search). On PostgreSQL the figures are
this process's CPU only (the server's is not sampled; bench_core.py counts it).

Settings (environment): BENCH_PHASE_ROWS (else BENCH_ROWS if smaller), BENCH_PHASE_REQUESTS
(N, default 2000; --quick 300), BENCH_KEEP=1, BENCH_DATABASE_URL / TEST_DATABASE_URL as for
bench_core.py. Exit status 1 when something failed to run.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from databases import AppData, build_app_db, open_store, tidy_up  # noqa: E402
from harness import BenchError, log, warn_if_busy  # noqa: E402

SUBMIT_PATH, LOOKUP_PATH = "/w/demo/en/f/complaint", "/w/demo/en/track"
SAMPLE_EVERY = 0.001  # seconds of CPU
OTHER = "Flask, Werkzeug and the view"
WORKER_OTHER = "the worker's loop and the rest"

# (phase, [(module pattern, function pattern or None), ...]); a sample goes to the first phase
# any of whose rules matches any frame of its stack. Patterns are re.match for modules,
# re.search for qualified function names. A rule must not match a wrapper that calls the view
# (a decorator's frame), or the whole request would be filed under it.
PHASES = [
    # Not the limit decorator's wrapper around the view (<locals>.__inner): what it checks.
    ("rate limiting", [(r"flask_limiter", r"^(?!.*<locals>\.__inner$)"),
                       (r"limits\b|redis\b", None)]),
    ("QR code", [(r"widget\.public\.presenters$", r"^qr_svg$"), (r"segno|qrcode", None)]),
    ("notices (compose, queue)", [(r"widget\.notify(\.|$)", None)]),
    ("token + validation", [(r"widget\.security$", None), (r"itsdangerous", None),
                            (r"widget\.services\.answers$", None),
                            (r"widget\.public\.forms$|wtforms|flask_wtf", None),
                            (r"widget\.codes$", r"^(parse|normalize|is_valid)$"),
                            (r"email_validator|phonenumbers", None)]),
    ("replay check", [(r"widget\.services\.submit$", r"^_written_by_token$")]),
    ("site, form, theme lookup", [
        (r"widget\.public\.routes$", r"^(load_site|site_theme|_policy)$"),
        (r"widget\.services\.(catalogue|sites|themes|form_access|upload_limits|"
         r"account_sessions|help_pages)$", None),
        (r"widget\.uploads$", r"^(form_limits|configured_store)$"),
        (r"widget\.services\.submit$", r"^token_version$"),
        (r"widget\..*cache", None)]),
    ("request query (lookup)", [(r"widget\.services\.(track|status\w*)$", None)]),
    ("writes + commit", [(r"widget\.services\.submit$", r"^(save_form|_mark_sent)$"),
                         (r"widget\.models\.changes$", None)]),
    ("page rendering", [(r"flask\.templating$", None), (r"jinja2", None),
                        (r"widget\.public\.presenters$", None), (r"widget\.i18n$", None),
                        (r"widget\.public\.routes$", r"^render_")]),
]
WORKER_PHASES = [
    ("compose notices", [(r"widget\.notify\.(compose|catalog|sms_text|account_notices)$", None),
                         (r"jinja2|flask\.templating", None)]),
    ("claim + record", [(r"widget\.notify\.outbox$", r"^(claim|settle|release)$"),
                        (r"widget\.notify\.worker$", r"^Unrecorded")]),
    ("build + send", [(r"widget\.notify\.channels", None), (r"flask_mail|smtplib|email\.", None)]),
]


def matches(rules, stack) -> bool:
    return any(re.match(module_rule, module) and (
        function_rule is None or re.search(function_rule, function))
        for module, function in stack for module_rule, function_rule in rules)


def phase_of(stack: tuple, phases: list, other: str) -> str:
    """The phase a sampled stack (outermost frame first) belongs to."""
    return next((name for name, rules in phases if matches(rules, stack)), other)


def package_of(stack: tuple) -> str:
    """The innermost frame's package (widget's by subpackage): where the time is spent."""
    module = stack[-1][0] if stack else "?"
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "widget" else parts[0]


class StackSampler:
    """Counts the stacks of the main thread every SAMPLE_EVERY seconds of the process's CPU
    time (SIGPROF from ITIMER_PROF), while `active`: a statistical profile of CPU, not of
    waiting. The signal handler runs in the main thread between two bytecodes, so the time of
    a call into C (SQLite, a regular expression) is filed under the Python frame that made it.
    Stacks are tuples of (module, qualified function name), outermost first."""

    def __init__(self):
        self.stacks, self.active = Counter(), False

    def _sample(self, _signum, frame) -> None:
        if not self.active:
            return
        stack = []
        while frame is not None:
            stack.append((frame.f_globals.get("__name__", ""), frame.f_code.co_qualname))
            frame = frame.f_back
        self.stacks[tuple(reversed(stack))] += 1

    def __enter__(self):
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, SAMPLE_EVERY, SAMPLE_EVERY)
        return self

    def __exit__(self, *_exc):
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, self._previous)


@dataclass
class Profile:
    """One path's total CPU per item and its samples by phase and by package."""

    label: str
    items: int
    cpu_ms: float  # thread CPU per item, measured without the sampler
    by_phase: Counter = field(default_factory=Counter)
    by_package: Counter = field(default_factory=Counter)
    made: int = 0  # requests made in all (warm-up, timed, sampled)

    def share(self, counter: Counter, key: str) -> float:
        return counter[key] / max(sum(counter.values()), 1)


def classify(stacks: Counter, phases: list, other: str) -> tuple[Counter, Counter]:
    by_phase, by_package = Counter(), Counter()
    for stack, count in stacks.items():
        phase = phase_of(stack, phases, other)
        by_phase[phase] += count
        by_package[package_of(stack)] += count
    return by_phase, by_package


# ----------------------------------------------------------------------------- the requests

def form_environs(path: str, bodies: list[str]) -> list[dict]:
    """WSGI environs of form posts, built before any is timed."""
    from werkzeug.test import EnvironBuilder

    environs = []
    for body in bodies:
        builder = EnvironBuilder(path=path, method="POST", data=body.encode(),
                                 content_type="application/x-www-form-urlencoded",
                                 base_url="http://127.0.0.1:8000")
        environs.append(builder.get_environ())
        builder.close()
    return environs


def call(app, environ: dict, marker: str) -> None:
    """One request through the WSGI callable; its page must show the marker."""
    status = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    if not status[0].startswith("200") or marker.encode() not in body:
        raise BenchError(f"{environ['PATH_INFO']} answered {status[0]} without {marker!r}")


def timed(app, environs: list[dict], marker: str, sampler: StackSampler | None = None) -> float:
    """CPU seconds of this thread for the requests (with the sampler active if given)."""
    started = time.thread_time()
    for environ in environs:
        if sampler:
            sampler.active = True
        call(app, environ, marker)
        if sampler:
            sampler.active = False
    return time.thread_time() - started


def profile_requests(app, label: str, path: str, bodies: list[str], marker: str) -> Profile:
    """Warm up, time the requests, then sample the same number again."""
    count = len(bodies) // 3
    warm, plain, sampled = bodies[:min(count, 200)], bodies[count:2 * count], bodies[2 * count:]
    timed(app, form_environs(path, warm), marker)
    cpu = timed(app, form_environs(path, plain), marker)
    with StackSampler() as sampler:
        timed(app, form_environs(path, sampled), marker, sampler)
    by_phase, by_package = classify(sampler.stacks, PHASES, OTHER)
    return Profile(label, len(plain), 1000 * cpu / len(plain), by_phase, by_package,
                   made=len(warm) + len(plain) + len(sampled))


# ------------------------------------------------------------------------------ the worker

class CountingChannel:
    """A delivery channel that counts what went through it."""

    def __init__(self, channel):
        self.channel, self.sent = channel, 0

    def send(self, delivery):
        result = self.channel.send(delivery)
        self.sent += 1
        return result

    def close(self):
        getattr(self.channel, "close", lambda: None)()


def drain(app, channels: dict, sampler: StackSampler | None = None) -> float:
    """Run the worker until a poll claims nothing; returns its CPU seconds."""
    from widget.notify import worker

    policy = worker.policy_from_config(app.config)
    started = time.thread_time()
    with app.app_context():
        while True:
            if sampler:
                sampler.active = True
            claimed = worker.run_once(channels, "bench-phases", policy, batch=50)
            if sampler:
                sampler.active = False
            if not claimed:
                break
    return time.thread_time() - started


def profile_worker(app, submissions: int, channels: dict) -> Profile:
    """The worker's CPU for what `submissions` submissions queued, per submission."""
    with StackSampler() as sampler:
        cpu = drain(app, channels, sampler)
    sent = sum(channel.sent for channel in channels.values())
    if sent == 0:
        raise BenchError("the worker delivered nothing for the submissions")
    log(f"the worker delivered {sent} messages for {submissions} submissions "
        f"({', '.join(f'{name} {c.sent}' for name, c in channels.items() if c.sent)})")
    by_phase, by_package = classify(sampler.stacks, WORKER_PHASES, WORKER_OTHER)
    return Profile("worker, per submission", submissions, 1000 * cpu / submissions,
                   by_phase, by_package)


# --------------------------------------------------------------------------------- the run

def submission_bodies(data: AppData, count: int) -> list[str]:
    from bench_core import submission_bodies as bodies

    return bodies(data, count)


def run(data: AppData, requests: int, mail_port: int) -> list[Profile]:
    from widget import create_app
    from widget.notify import worker

    app = create_app({**data.settings, "MAIL_PORT": mail_port})
    channels = {name: CountingChannel(channel)
                for name, channel in worker.channels_from_config(app.config).items()}
    drain(app, channels)  # whatever the demo data queued
    for channel in channels.values():
        channel.sent = 0
    total = 3 * requests
    log(f"{total:,} submissions and {total:,} lookups (a third each to warm up, time, sample)")
    submit = profile_requests(app, "submission", SUBMIT_PATH, submission_bodies(data, total),
                              "tracking-code")
    codes = (data.sample * (total // len(data.sample) + 1))[:total]
    lookup = profile_requests(app, "lookup", LOOKUP_PATH, [f"code={c}" for c in codes],
                              '<dd class="status">')
    return [submit, lookup, profile_worker(app, submit.made, channels)]


def report(profiles: list[Profile], database: str, rows: int) -> None:
    print(f"\nCPU per phase, in process, {database}, {rows:,} requests in the database "
          f"(ms of the request thread's CPU; a phase = its share of the samples)")
    for item in profiles:
        print(f"\n{item.label}: {item.cpu_ms:.2f} ms CPU ({item.items:,} timed; "
              f"{sum(item.by_phase.values()):,} samples)")
        for phase, _count in item.by_phase.most_common():
            share = item.share(item.by_phase, phase)
            print(f"  {phase:<30} {share * item.cpu_ms:6.2f} ms {share:5.0%}")
        top = [(package, item.share(item.by_package, package))
               for package, _ in item.by_package.most_common(8)]
        print("  by package: " + ", ".join(f"{package} {share:.0%}" for package, share in top))


def main(argv: list[str]) -> int:
    from bench_mail import start_sink

    parser = argparse.ArgumentParser(description="CPU per phase of a submission and a lookup.")
    parser.add_argument("--quick", action="store_true", help="a small database, fewer requests")
    quick = parser.parse_args(argv).quick
    rows = int(os.environ.get("BENCH_PHASE_ROWS") or min(
        int(os.environ.get("BENCH_ROWS", "200000")), 20000 if quick else 200000))
    requests = int(os.environ.get("BENCH_PHASE_REQUESTS", "300" if quick else "2000"))
    keep = os.environ.get("BENCH_KEEP", "") not in ("", "0")
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-phases-"))
    store, sink = None, None
    started = time.monotonic()
    try:
        store = open_store(tmp)
        log(f"temporary directory {tmp}; {store.label}, {rows:,} requests")
        warn_if_busy()
        data = build_app_db(store.new_database("phases"), tmp / "uploads", rows,
                            random.Random(20240603))
        sink, port = start_sink()
        profiles = run(data, requests, port)
    except BenchError as error:
        log(f"FAILED: {error}")
        return 1
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait(timeout=10)
        if store is not None and not keep:
            store.close()
    report(profiles, store.label, rows)
    print(f"\nWhole run {time.monotonic() - started:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f}.")
    tidy_up(tmp, store, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
