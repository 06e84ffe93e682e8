"""Mails per second from the notification outbox to a local SMTP server, with one worker.

    .venv/bin/python benchmarks/bench_mail.py        (or `make bench`)

In one run, against the same aiosmtpd server on loopback (its own process, so that it does not
share the interpreter lock with the sender): the baseline composes N messages with the
standard library and sends them with bare smtplib over one connection; Frontdesk
enqueues N messages in a SQLite database and one worker delivers them (claim, compose with
Flask-Mail, send, record each attempt). It prints both rates and their ratio; the goal is at
least 200 mails/s for the worker. BENCH_MAILS sets N (default 2000).
"""
from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mailserver import free_port  # noqa: E402

MAILS = int(os.environ.get("BENCH_MAILS", "2000"))
GOAL = 200.0
TEXT = "Hồ sơ của Ông/Bà đã được tiếp nhận. Mã tra cứu: 7K3M-9QX2-HR4T-B5.\n" * 3


def start_sink() -> tuple[subprocess.Popen, int]:
    """aiosmtpd in its own process, accepting and discarding every message."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                "-c", "aiosmtpd.handlers.Sink"])
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the SMTP server did not start")
            time.sleep(0.1)


def baseline(port: int) -> float:
    """Bare smtplib: compose each message and send it, over one connection."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for number in range(MAILS):
            message = EmailMessage()
            message["From"], message["To"] = "no-reply@localhost", f"person{number}@example.org"
            message["Subject"] = "Hồ sơ đã được tiếp nhận"
            message.set_content(TEXT)
            message.add_alternative(f"<p>{TEXT}</p>", subtype="html")
            smtp.send_message(message)
    return MAILS / (time.perf_counter() - start)


def frontdesk(port: int, tmp: Path) -> float:
    """The outbox and one worker, from queued rows to all rows sent."""
    from sqlalchemy import func, select

    from widget import create_app
    from widget.extensions import db
    from widget.models import Organization, OutboxChannel, OutboxItem
    from widget.notify import worker
    from widget.notify.outbox import enqueue

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "MAIL_PORT": port,
                      "DATABASE_URL": f"sqlite:///{tmp / 'mail.db'}"})
    with app.app_context():
        db.create_all()
        org = Organization(slug="bench", names={"en": "Bench"}, country="VN",
                           timezone="Asia/Ho_Chi_Minh")
        db.session.add(org)
        db.session.commit()
        for number in range(MAILS):
            enqueue(org.id, OutboxChannel.EMAIL, f"person{number}@example.org", TEXT,
                    language="vi", subject="Hồ sơ đã được tiếp nhận", html_body=f"<p>{TEXT}</p>")
        db.session.commit()
        channels = worker.channels_from_config(app.config)
        policy = worker.policy_from_config(app.config)
        start = time.perf_counter()
        while worker.run_once(channels, "bench", policy, batch=100):
            pass
        elapsed = time.perf_counter() - start
        sent = db.session.scalar(select(func.count()).where(OutboxItem.status == "sent"))
        if sent != MAILS:
            raise SystemExit(f"only {sent} of {MAILS} mails were sent")
    return MAILS / elapsed


def main() -> None:
    process, port = start_sink()
    try:
        with tempfile.TemporaryDirectory(prefix="frontdesk-mail-bench-") as tmp:
            base = baseline(port)
            app_rate = frontdesk(port, Path(tmp))
    finally:
        process.terminate()
        process.wait(timeout=10)
    verdict = "ok" if app_rate >= GOAL else "FAIL"
    print(f"\nmails/s to a local SMTP server, {MAILS} mails each, one connection / one worker")
    print(f"baseline (bare smtplib)   {base:8.0f}/s")
    print(f"Frontdesk outbox worker   {app_rate:8.0f}/s   ratio {app_rate / base:4.0%}   "
          f"goal >= {GOAL:.0f}/s {verdict}")


if __name__ == "__main__":
    main()
