"""Faults on the production database: a worker that loses PostgreSQL mid-batch, a request whose
connection the server ends, and the load and fault run of tests/load_run.py (whose docstring
says what it does and checks).

The tests start a PostgreSQL server of their own, to stop and start it. They run once per
`make test`, in its PostgreSQL run: the first run already carries the browser tests."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests import load_run
from tests.conftest import SERVER_DATABASE_URL, settings_for
from tests.postgres_server import PostgresServer
from widget import create_app
from widget.extensions import db
from widget.models import DeliveryAttempt, OutboxChannel, OutboxItem, Organization
from widget.notify import worker
from widget.notify.outbox import enqueue

pytestmark = [
    pytest.mark.skipif(
        not SERVER_DATABASE_URL.startswith("postgresql"),
        reason="runs once per `make test`, in its PostgreSQL run: "
               "python -m tests.postgres_server python -m pytest tests/test_load_and_faults.py"),
    # gunicorn, the workers and the mail server run in processes of their own, on the real
    # clock: this process must share it (it reads their leases and delivery times).
    pytest.mark.real_clock,
]


@pytest.fixture(scope="module")
def postgres():
    """A server of the module's own, which its tests stop and start."""
    with PostgresServer() as server:
        yield server


class StopsTheDatabase:
    """The e-mail channel, with PostgreSQL stopped right after the third message is handed over."""

    def __init__(self, channel, server: PostgresServer, after: int = 3):
        self.channel, self.server, self.after, self.sent = channel, server, after, 0

    def send(self, delivery):
        answer = self.channel.send(delivery)
        self.sent += 1
        if self.sent == self.after:
            self.server.stop()
        return answer

    def close(self):
        self.channel.close()


def test_a_worker_records_what_it_sent_once_the_database_is_back(postgres, tmp_path, mail_server):
    """PostgreSQL goes down after the worker handed a message to the mail server and before it
    recorded it. The worker keeps the result and hands the rest of its batch back when the
    database returns: nothing is sent twice, nothing waits for its lease."""
    app = create_app(settings_for(tmp_path, DATABASE_URL=postgres.create_database("worker_outage"),
                                  MAIL_PORT=mail_server.port))
    with app.app_context():
        db.create_all()
        organization = Organization(slug="o", names={"en": "O"}, country="VN",
                                    timezone="Asia/Ho_Chi_Minh")
        db.session.add(organization)
        db.session.flush()
        items = [enqueue(organization.id, OutboxChannel.EMAIL, f"p{n}@example.org", f"Notice {n}",
                         subject="Notice") for n in range(10)]
        db.session.commit()
        references = sorted(f"<{item.reference}@frontdesk.invalid>" for item in items)
        db.session.remove()

        channels = worker.channels_from_config(app.config)
        channels["email"] = StopsTheDatabase(channels["email"], postgres)
        policy, unrecorded = worker.policy_from_config(app.config), worker.Unrecorded()
        try:
            with pytest.raises(OperationalError):
                worker.run_once(channels, "w", policy, unrecorded=unrecorded)
            assert len(mail_server.received) == 3
            assert len(unrecorded.results) == 1 and len(unrecorded.untried) == 7
            with pytest.raises(OperationalError):  # still down: nothing claimed, nothing sent
                worker.run_once(channels, "w", policy, unrecorded=unrecorded)
        finally:
            postgres.start()
        # The 7 untried are due again now, not when their lease (120 s) ends.
        assert worker.run_once(channels, "w", policy, unrecorded=unrecorded) == 7
        assert not unrecorded
        assert sorted(mail_server.message_ids()) == references
        rows = db.session.scalars(select(OutboxItem)).all()
        assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
        assert sorted(db.session.scalars(select(DeliveryAttempt.outcome))) == ["sent"] * 10
        db.session.remove()
        db.engine.dispose()


def test_an_answer_is_kept_when_the_connection_drops_after_the_work(postgres, tmp_path):
    """The server ends a request's connection after the view is done, before the session is
    closed (a restart between the last query and the end of the request): the person still
    gets the page, not a 500 from the failed rollback, and the next request works."""
    app = create_app(settings_for(tmp_path, DATABASE_URL=postgres.create_database("dropped")))
    with app.app_context():
        db.create_all()  # /healthz reads the outbox too

    def work_then_lose_the_connection():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # the session's transaction
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "the answer"

    app.add_url_rule("/work", view_func=work_then_lose_the_connection)
    client = app.test_client()
    try:
        response = client.get("/work")
        assert response.status_code == 200 and response.text == "the answer"
        assert client.get("/healthz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


def test_load_with_faults(postgres, capsys):
    """36 s of load while SMTP, the SMS gateway, a worker and PostgreSQL fail in turn; nothing is
    lost, every notification arrives once (a second copy only where the killed worker had handed
    it over but not recorded it: at least once, with stable ids), nothing is a dead letter."""
    figures = load_run.run(seconds=36, threads=4, server=postgres, log=lambda _line: None)
    with capsys.disabled():  # the figures in every run's output, not only when it fails
        print("\n" + figures.summary())
    assert not figures.problems, figures.summary()
