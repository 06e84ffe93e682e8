"""A load and fault run on loopback: people keep sending a form and looking up their codes while
the mail server, the SMS gateway, a notification worker and PostgreSQL fail in turn.

    .venv/bin/python -m tests.load_run [--seconds 180] [--threads 8]

(tests/test_load_and_faults.py runs it for 36 seconds in `make test`.) What runs, all on
127.0.0.1: a throwaway PostgreSQL (tests.postgres_server) with the app's schema, one
organisation whose form asks for an e-mail address and a phone number (so every submission
queues an e-mail and an SMS); the app under gunicorn (2 sync workers); two `flask worker`
processes; an SMTP server in its own process (tests.mailserver, journalling every Message-ID);
an HTTP SMS gateway (tests.sms_gateway, counting every Idempotency-Key); THREADS people
(tests.load_people) who each send the form with a fresh form token and look up a code received
so far, in a loop, sending a form answered 503 again (the same token) until it is saved.

Faults, at shares of the load's length (see fault_times): the SMTP server is stopped at 5 % and
started again 10 s later on the same port; the gateway answers 503 for 10 s from 20 %; at 50 %
it takes SMS but answers 2 s late, and a worker caught sending is killed with SIGKILL and a new
one started, as a supervisor would; PostgreSQL is stopped at 65 % (`pg_ctl stop -m fast`), the
pages are probed for the 503 page meanwhile, and it is started again 5 s later. Then the outbox
is given up to a minute to drain, and the run checks:

- no 5xx but 503s while PostgreSQL was down, every one of them the clear page with Retry-After;
- every code a person received is in the database with its "received" event and its e-mail
  and SMS rows, and no request exists whose code nobody received;
- every outbox row is sent, none is a dead letter; the SMTP server got each Message-ID once and
  the gateway each reference once, and nothing else;
- each fault was met (failed deliveries of both channels, 503 pages, a worker killed holding
  messages), so passing means something.

Exactly once holds when the mail server goes down, the gateway fails and the database restarts:
a worker records what it handed over as soon as the database is back (notify.worker.Unrecorded).
A worker killed between the provider's acceptance and its own record is the exception: those
messages are sent again when their lease ends (at least once), with the same Message-ID and
Idempotency-Key, so the receiver can drop the repeat. The check allows a second copy for exactly
those rows: the ones whose history shows the killed worker's lease running out.
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.load_people import People, probe_outage
from tests.load_records import Database, Figures, check
from tests.mailserver import free_port
from tests.postgres_server import PostgresServer
from tests.sms_gateway import SmsGateway

ROOT = Path(__file__).resolve().parent.parent
SMTP_DOWN, SMS_FAILING, PG_DOWN = 10.0, 10.0, 5.0
AFTER_PG_START = 3.0  # seconds after PostgreSQL is back that a 503 still counts as its outage
READY_LIMIT = DRAIN_LIMIT = 60.0
SETTINGS = {
    "RATELIMIT_ENABLED": "false", "MIN_FILL_SECONDS": "0", "MAIL_SERVER": "127.0.0.1",
    "MAIL_TIMEOUT": "5", "SMS_BACKEND": "http",
    # Short, so that the run sees retries, and a lease ending, within its minute.
    "NOTIFY_RETRY_SECONDS": "0.5", "NOTIFY_LEASE_SECONDS": "10",
}


# ------------------------------------------------------------------------------ processes

class Process:
    """A child process with its output in a log file; signalled by its own pid only."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        self.name, self.log_path = name, folder / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT)

    def signal(self, number: int = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(number)

    def wait(self, timeout: float = 30) -> None:
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def stop(self) -> None:
        self.signal()
        self.wait()

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait()

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} (the end of {self.log_path}) ---\n" + "\n".join(text)


def wait_until(ready, what: str, processes: list[Process], limit: float = READY_LIMIT) -> None:
    """Poll `ready()` until it is true; fail if a process died or `limit` seconds passed."""
    deadline = time.monotonic() + limit
    while not ready():
        dead = [process for process in processes if process.popen.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready" + "".join(
                f"\n{process.tail()}" for process in dead or processes))
        time.sleep(0.1)


def answers(port: int, path: str, status: int = 200) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == status
    except OSError:
        return False
    finally:
        connection.close()


def listens(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def worker_name(process: Process) -> str:
    """How the worker names itself in the outbox (widget.notify.worker.worker_name)."""
    return f"{socket.gethostname()[:40]}:{process.popen.pid}"


# -------------------------------------------------------------------------------- the run

def fault_times(seconds: float) -> dict[str, float]:
    """When each fault starts, in seconds into the load: spread over it, one after another
    (the worker is killed once the gateway works again, so that it is caught mid-send)."""
    times = {"smtp": 0.05 * seconds, "sms": 0.2 * seconds}
    times["kill"] = max(0.5 * seconds, times["sms"] + SMS_FAILING + 1)
    times["postgres"] = max(0.65 * seconds, times["kill"] + 3)
    times["end"] = max(seconds, times["postgres"] + PG_DOWN + 5)
    return times


def run(seconds: float = 40, threads: int = 4, server: PostgresServer | None = None,
        log=print) -> Figures:
    """The whole run on a new database of `server`, or on a server of its own."""
    if server is None:
        with PostgresServer() as own:
            return run(seconds, threads, own, log)
    began = time.monotonic()

    def say(text: str) -> None:
        log(f"[{time.monotonic() - began:5.1f} s] {text}")

    folder = Path(tempfile.mkdtemp(prefix="frontdesk-load-"))  # logs; kept if anything failed
    mail_port, web_port, journal = free_port(), free_port(), folder / "mail.jsonl"
    gateway = SmsGateway().start()
    env = {**os.environ, **{f"FRONTDESK_{key}": value for key, value in {
        **SETTINGS, "DATABASE_URL": server.create_database(f"load_{secrets.token_hex(3)}"),
        "SECRET_KEY": secrets.token_hex(32), "UPLOAD_DIR": str(folder / "uploads"),
        "MAIL_PORT": str(mail_port), "SMS_HTTP_URL": gateway.url}.items()}}
    db = Database(env)
    processes: list[Process] = []

    def start(name: str, *command: str) -> Process:
        processes.append(Process(name, [sys.executable, "-m", *command], env, folder))
        return processes[-1]

    def start_smtp(name: str) -> Process:
        smtp = start(name, "tests.mailserver", str(mail_port), str(journal))
        wait_until(lambda: listens(mail_port), name, [smtp])
        return smtp

    def start_worker(name: str) -> Process:
        return start(name, "flask", "--app", "widget", "worker", "--idle", "0.2")

    down: dict[str, float | None] = {"from": None, "until": None}

    def during_outage() -> bool:
        now = time.monotonic()
        return down["from"] is not None and now >= down["from"] and (
            down["until"] is None or now <= down["until"] + AFTER_PG_START)

    figures, people = Figures(), None
    try:
        # The web tier and the mail server boot while the schema is made; the workers need it.
        web = start("gunicorn", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{web_port}",
                    "--log-level", "warning", "widget:create_app()")
        smtp = start_smtp("smtp")
        ids = db.prepare()
        workers = [start_worker("worker-1"), start_worker("worker-2")]
        wait_until(lambda: answers(web_port, "/healthz"), "gunicorn", [web])
        people = People(web_port, env["FRONTDESK_SECRET_KEY"], ids, threads, during_outage)
        people.send(0, 999999)  # a first form, delivered before the load: everything is up
        wait_until(lambda: not db.unsent(), "the workers' first deliveries", workers)
        say(f"{len(processes)} processes up in {folder}; {threads} people for {seconds:.0f} s")

        load_start = time.monotonic()
        people.start()
        killed: list[Process] = []  # the worker caught mid-send, once the fault has struck

        def holding(worker: Process) -> int:
            return db.unsent(worker_name(worker))

        def kill_a_worker_mid_send() -> None:
            # The gateway takes SMS but answers 2 s late, so that a worker is caught with messages
            # in hand, one of them handed over and not yet recorded. Either worker will do: under
            # load one may spend seconds composing notices with nothing in hand (a CI run waited 8 s
            # on one of them in vain). Stalled again every 2 s until one holds some, for at most
            # 10 s so that the faults after it keep their place.
            deadline = time.monotonic() + 10
            victim = None
            while victim is None and time.monotonic() < deadline:
                gateway.stall_for(2.0)
                stall_ends = min(deadline, time.monotonic() + 2)
                while time.monotonic() < stall_ends:
                    victim = next((worker for worker in workers if holding(worker)), None)
                    if victim is not None:
                        break
                    time.sleep(0.05)
            victim = victim or workers[0]
            figures.killed_holding = holding(victim)
            victim.kill()
            killed.append(victim)
            workers.remove(victim)
            workers.append(start_worker("worker-3"))
        at = fault_times(seconds)
        schedule = sorted([
            (at["smtp"], "SMTP stopped", smtp.stop),
            (at["smtp"] + SMTP_DOWN, "SMTP started", lambda: start_smtp("smtp-again")),
            (at["sms"], f"gateway failing for {SMS_FAILING:.0f} s",
             lambda: gateway.fail_for(SMS_FAILING)),
            (at["kill"], "a worker killed (SIGKILL) mid-send and replaced",
             kill_a_worker_mid_send),
            (at["postgres"], "PostgreSQL stopped", lambda: (
                down.update({"from": time.monotonic()}), server.stop(),
                figures.problems.extend(probe_outage(web_port)))),
            (at["postgres"] + PG_DOWN, "PostgreSQL started", lambda: (
                server.start(), down.update({"until": time.monotonic()}))),
        ], key=lambda step: step[0])
        for moment, what, action in schedule:
            time.sleep(max(0.0, load_start + moment - time.monotonic()))
            figures.timeline.append((time.monotonic() - load_start, what))
            action()
        time.sleep(max(0.0, load_start + at["end"] - time.monotonic()))
        people.finish()
        figures.seconds = time.monotonic() - load_start
        say("load over; waiting for the outbox to drain")
        deadline = time.monotonic() + DRAIN_LIMIT
        while (left := db.unsent()) and time.monotonic() < deadline:
            time.sleep(0.5)
        if left:
            figures.problems.append(f"{left} messages unsent {DRAIN_LIMIT:.0f} s after the load")
        check(figures, people, db, journal, gateway,
              worker_name(killed[0]) if killed else "")
        say("checked")
        if figures.problems:
            for process in processes:
                log(process.tail())
    except BaseException:
        figures.problems.append("the run broke off")
        for process in processes:
            log(process.tail())
        raise
    finally:
        if people is not None:
            people.stop.set()
        for process in processes:  # all at once; gunicorn quickly, nothing is in flight now
            process.signal(signal.SIGINT if process.name == "gunicorn" else signal.SIGTERM)
        for process in processes:
            process.wait()
        gateway.stop()
        db.close()
        if figures.problems:
            say(f"the processes' logs are kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    say("done")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="length of the load")
    parser.add_argument("--threads", type=int, default=8, help="people sending at once")
    args = parser.parse_args(argv)
    figures = run(args.seconds, args.threads)
    print(figures.summary())
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
