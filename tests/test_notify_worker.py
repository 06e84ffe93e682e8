"""The outbox and its worker against a real SMTP server on loopback: delivery, refusals, an
outage and its end, a worker killed between claim and send, concurrent claims, dead letters."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import SERVER_DATABASE_URL, empty_server_database, form_token, settings_for
from tests.mailserver import free_port
from widget.extensions import db as _db
from widget.models import DeliveryAttempt, OutboxChannel, OutboxItem, OutboxStatus
from widget.models._types import utcnow
from widget.notify import outbox, worker
from widget.notify.outbox import RetryPolicy, claim, enqueue

ROOT = Path(__file__).resolve().parent.parent
PERSIAN_SUBJECT = "درخواست شما ثبت شد"


@pytest.fixture
def app_settings(tmp_path, mail_server):
    return settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0,
                        NOTIFY_RETRY_SECONDS=0.01, NOTIFY_MAX_ATTEMPTS=3)


@pytest.fixture
def org(create_site):
    return create_site().organization


def queue_mail(org, n: int = 1, recipient: str = "lan@example.org", subject: str = PERSIAN_SUBJECT):
    items = [enqueue(org.id, OutboxChannel.EMAIL, recipient, f"متن پیام {i}\nCode 7K3M-9QX2",
                     language="fa", subject=subject, html_body=f'<p dir="rtl">متن پیام {i}</p>')
             for i in range(n)]
    _db.session.commit()
    return items


def deliver_all(app, rounds: int = 1) -> int:
    channels = worker.channels_from_config(app.config)
    policy = worker.policy_from_config(app.config)
    return sum(worker.run_once(channels, "test-worker", policy) for _ in range(rounds))


def statuses(db) -> dict[str, int]:
    return dict(db.session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status)).all())


def history(db, item) -> list[str]:
    return list(db.session.scalars(select(DeliveryAttempt.outcome).where(
        DeliveryAttempt.outbox_id == item.id).order_by(DeliveryAttempt.id)))


def make_due_now(db) -> None:
    db.session.execute(OutboxItem.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_queued_mail_arrives_once_with_text_html_and_its_reference(app, db, org, mail_server):
    item, = queue_mail(org)
    assert deliver_all(app) == 1
    assert deliver_all(app) == 0  # nothing left: never sent twice
    message, = mail_server.received
    assert message["Subject"] == PERSIAN_SUBJECT and message["To"] == "lan@example.org"
    assert message["Message-ID"] == f"<{item.reference}@frontdesk.invalid>"
    assert message["Content-Language"] == "fa"
    assert message.get_body(("plain",)).get_content().startswith("متن پیام 0")
    assert 'dir="rtl"' in message.get_body(("html",)).get_content()
    item = db.session.get(OutboxItem, item.id)
    assert item.status == "sent" and item.sent_at and item.attempts == 1
    assert history(db, item) == ["sent"]


def test_a_long_subject_in_two_scripts_arrives_exactly_as_written(app, db, org, mail_server):
    subject = ("درخواست شما ثبت شد و به زودی پاسخ داده می‌شود — Hồ sơ của Ông/Bà đã được "
               "tiếp nhận và đang được xử lý tại bộ phận một cửa")
    queue_mail(org, subject=subject)
    deliver_all(app)
    message, = mail_server.received
    assert message["Subject"] == subject


def test_a_refused_recipient_is_a_dead_letter_with_the_reason(app, db, org, mail_server):
    mail_server.mode = "refuse"
    item, = queue_mail(org)
    deliver_all(app)
    item = db.session.get(OutboxItem, item.id)
    assert item.status == "dead" and "550" in item.last_error
    assert history(db, item) == ["permanent"]
    from widget.models import Role
    from widget.services.deliveries import retry_dead_letter
    from widget.services.staff import create_staff
    admin = create_staff(org, "admin@org.test", "Admin", "correct horse battery", Role.ADMIN)
    mail_server.mode = "accept"
    retry_dead_letter(admin, item.id)  # an administrator sends it again
    deliver_all(app)
    item = db.session.get(OutboxItem, item.id)
    assert item.status == "sent" and len(mail_server.received) == 1


def test_try_later_is_retried_with_backoff_then_given_up(app, db, org, mail_server):
    mail_server.mode = "busy"
    item, = queue_mail(org)
    before = utcnow()
    deliver_all(app)
    item = db.session.get(OutboxItem, item.id)
    assert item.status == "queued" and "451" in item.last_error
    assert item.next_attempt_at.replace(tzinfo=before.tzinfo) > before
    for _ in range(3):
        make_due_now(db)
        deliver_all(app)
    item = db.session.get(OutboxItem, item.id)
    assert item.status == "dead" and item.attempts == 3  # NOTIFY_MAX_ATTEMPTS
    assert history(db, item) == ["temporary", "temporary", "permanent"]
    assert "gave up after 3 attempts" in item.last_error


def test_an_outage_of_the_mail_server_loses_nothing_and_sends_nothing_twice(app, db, org, mail_server):
    queue_mail(org, 5)
    mail_server.stop()                      # the server goes down while requests keep coming
    deliver_all(app)
    queue_mail(org, 5)
    deliver_all(app)
    assert statuses(db) == {"queued": 10} and mail_server.received == []
    mail_server.start()                     # back on the same port
    make_due_now(db)
    deliver_all(app, rounds=2)
    assert statuses(db) == {"sent": 10}
    references = {f"<{item.reference}@frontdesk.invalid>"
                  for item in db.session.scalars(select(OutboxItem))}
    assert sorted(mail_server.message_ids()) == sorted(references)  # each exactly once


def test_a_claimed_row_is_taken_over_only_after_its_lease(app, db, org, mail_server):
    item, = queue_mail(org)
    policy = RetryPolicy(lease_seconds=60)
    assert [row.id for row in claim("worker-a", 10, policy)] == [item.id]  # then worker-a dies
    assert claim("worker-b", 10, policy) == []
    later = utcnow() + timedelta(seconds=61)
    taken, = claim("worker-b", 10, policy, now=later)
    assert taken.claimed_by == "worker-b" and taken.attempts == 2
    assert history(db, item) == ["lease_expired"]
    # worker-a wakes up and reports: its result no longer counts.
    assert outbox.settle(taken, "worker-a", utcnow(), outbox.AttemptOutcome.SENT) is False


def test_concurrent_workers_never_claim_the_same_row(app, db, org):
    queue_mail(org, 60)
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def take(name):
        with app.app_context():
            while rows := claim(name, 7, RetryPolicy()):
                claimed[name] += [row.id for row in rows]
            _db.session.remove()
    threads = [threading.Thread(target=take, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    ids = claimed["a"] + claimed["b"]
    assert len(ids) == 60 and len(set(ids)) == 60


@pytest.mark.real_clock  # the `flask worker` processes stamp leases with the real clock
def test_a_worker_killed_between_claim_and_send_is_replaced_after_its_lease(tmp_path, mail_server):
    """A real `flask worker` process claims a message, hangs on a stalled mail server and is
    killed with SIGKILL; after the lease a second worker delivers it, once."""
    from widget import create_app
    settings = settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=30.0,
                            NOTIFY_LEASE_SECONDS=2)
    app = create_app(settings)
    with app.app_context():
        if SERVER_DATABASE_URL:  # the server database holds what earlier tests left
            empty_server_database()
        _db.create_all()
        from widget.models import Organization
        org = Organization(slug="o", names={"en": "O"}, country="VN", timezone="Asia/Ho_Chi_Minh")
        _db.session.add(org)
        _db.session.commit()
        item, = queue_mail(org)
        item_id = item.id
    mail_server.mode = "stall"
    env = {**os.environ, **{f"FRONTDESK_{key}": str(value) for key, value in settings.items()}}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "widget", "worker"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with app.app_context():
            deadline = time.monotonic() + 20
            while _db.session.get(OutboxItem, item_id).status != "sending":
                assert time.monotonic() < deadline, "the worker never claimed the message"
                _db.session.remove()
                time.sleep(0.1)
            _db.session.remove()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()
    mail_server.mode = "accept"
    time.sleep(2.2)  # the lease runs out
    with app.app_context():
        assert deliver_all(app) == 1
        item = _db.session.get(OutboxItem, item_id)
        assert item.status == "sent" and item.attempts == 2
        assert history(_db, item) == ["lease_expired", "sent"]
        _db.session.remove()
        _db.engine.dispose()
    assert len(mail_server.received) == 1


def test_worker_once_from_the_command_line(app, db, org, mail_server):
    queue_mail(org, 3)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "3 messages handled" in result.output
    assert statuses(db) == {"sent": 3}


def test_sms_rows_go_through_the_configured_sms_channel(app, db, org, capsys):
    enqueue(org.id, OutboxChannel.SMS, "+84912345678", "Ho so 7K3M-9QX2 da duoc tiep nhan")
    db.session.commit()
    deliver_all(app)
    assert statuses(db) == {"sent": 1}
    printed = capsys.readouterr().out  # the console backend prints what it would send
    assert "+84912345678" in printed and "7K3M-9QX2" in printed


def test_retry_delays_grow_and_stay_bounded():
    policy = RetryPolicy(first_delay=30, longest_delay=3600)
    for attempts, ceiling in ((1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)):
        for _ in range(20):
            assert ceiling / 2 <= policy.delay(attempts).total_seconds() <= ceiling


def test_nothing_is_queued_when_the_change_rolls_back(app, db, org):
    enqueue(org.id, OutboxChannel.EMAIL, "lan@example.org", "text")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0


def test_a_mail_server_that_is_not_there(app, db, org):
    app.config["FRONTDESK_MAIL_PORT"] = free_port()  # nothing listens
    item, = queue_mail(org)
    deliver_all(app)
    item = db.session.get(OutboxItem, item.id)
    assert item.status == OutboxStatus.QUEUED.value and "unreachable" in item.last_error


def test_a_request_sent_in_persian_reaches_the_person_by_email(app, db, client, org, create_form,
                                                              mail_server):
    """From the widget's form to the mail server: the receipt notice, in Persian, right to left."""
    form = create_form(org.sites[0], slug="contact", fields=[{"key": "name", "type": "text", "required": True},
                                               {"key": "email", "type": "email", "required": True}])
    page = client.get(f"/w/test/fa/f/{form.slug}").get_data(as_text=True)
    response = client.post(f"/w/test/fa/f/{form.slug}", data={
        "form_token": form_token(page), "name": "Sara", "email": "sara@example.org"})
    assert response.status_code == 200
    assert deliver_all(app) == 1
    message, = mail_server.received
    assert message["To"] == "sara@example.org" and message["Content-Language"] == "fa"
    html = message.get_body(("html",)).get_content()
    assert '<html lang="fa" dir="rtl">' in html
    text = message.get_body(("plain",)).get_content()
    assert "/w/test/fa/track#" in text  # the status page, the code in the fragment only


class Scripted:
    """A channel that answers each send with the next outcome of a script: None (sent) or an
    exception to raise."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)

    def send(self, delivery):
        outcome = self.outcomes.pop(0)
        if outcome is not None:
            raise outcome


def test_each_send_retry_and_dead_letter_is_logged_without_body_or_whole_recipient(
        app, db, org, caplog):
    from widget.notify.channels import PermanentFailure, TemporaryFailure
    body = "Your code is 7K3M-9QX2-HR4T-B5, keep it secret"
    sms = enqueue(org.id, OutboxChannel.SMS, "+84912345678", body)
    mail = enqueue(org.id, OutboxChannel.EMAIL, "lan.nguyen@example.org", body, subject="Hi")
    db.session.commit()
    channels = {"sms": Scripted(TemporaryFailure("gateway answered HTTP 503"),
                                PermanentFailure("gateway declined: unknown number")),
                "email": Scripted(None)}
    policy = worker.policy_from_config(app.config)
    with caplog.at_level(logging.INFO, logger="frontdesk.worker"):
        worker.run_once(channels, "test-worker", policy)
        make_due_now(db)
        worker.run_once(channels, "test-worker", policy)
    lines = {(record.levelname, record.getMessage()) for record in caplog.records
             if record.name == "frontdesk.worker"}
    sent = [text for level, text in lines if level == "INFO" and f"outbox {mail.id} " in text]
    retry = [text for level, text in lines if level == "WARNING" and f"outbox {sms.id} " in text
             and "again" in text]
    dead = [text for level, text in lines if level == "WARNING" and f"outbox {sms.id} " in text
            and "dead letter" in text]
    assert len(sent) == len(retry) == len(dead) == 1, lines
    assert "email" in sent[0] and "l***@example.org" in sent[0] and "attempt 1" in sent[0]
    assert "sms" in retry[0] and "+849*****678" in retry[0] and "attempt 1" in retry[0]
    assert "HTTP 503" in retry[0]
    assert "attempt 2" in dead[0] and "unknown number" in dead[0]
    for secret in ("7K3M", "+84912345678", "lan.nguyen"):
        assert secret not in caplog.text


def test_a_webhook_address_is_logged_without_its_path(app, db, org, caplog):
    from widget.notify.worker import masked_recipient
    assert masked_recipient("webhook", "https://crm.example:8443/hooks/tok3n?sig=1") == \
        "https://crm.example:8443/…"
    assert masked_recipient("email", "a@b.example") == "*@b.example"
    assert masked_recipient("sms", "+123") == "****"


def test_the_worker_command_reads_the_private_networks_from_the_environment(
        tmp_path, monkeypatch):
    from widget import create_app
    monkeypatch.setenv("FRONTDESK_WEBHOOK_PRIVATE_NETWORKS", "10.20.0.0/16, fd00:20::/48")
    app = create_app(settings_for(tmp_path))
    built = []
    original = worker.channels_from_config

    def recording(config):
        built.append(original(config))
        return built[-1]
    monkeypatch.setattr(worker, "channels_from_config", recording)
    with app.app_context():
        _db.drop_all()  # a server database may hold an earlier test's rows
        _db.create_all()
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        _db.session.remove()
        _db.engine.dispose()  # on PostgreSQL a connection left to the collector warns later
    assert result.exit_code == 0, result.output
    networks = {str(network) for network in built[0]["webhook"].private_networks}
    assert networks == {"10.20.0.0/16", "fd00:20::/48"}
