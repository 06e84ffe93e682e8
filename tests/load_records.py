"""What the load and fault run (tests/load_run.py) records and checks: its figures, its database
as this process reads it through the app's models, and the checks made once the outbox drained."""
from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.load_people import FORM, SITE, People
from tests.sms_gateway import SmsGateway


@dataclass
class Figures:
    """What the run saw; `problems` lists every check that failed."""

    seconds: float = 0.0
    requests: Counter = field(default_factory=Counter)
    latencies: dict = field(default_factory=dict)
    codes: int = 0
    outage_pages: int = 0
    emails: int = 0
    sms: int = 0
    killed_holding: int = 0
    repeats_after_kill: int = 0
    temporary_failures: Counter = field(default_factory=Counter)
    timeline: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def summary(self) -> str:
        total = sum(self.requests.values())
        lines = [f"load and faults: {total} requests in {self.seconds:.0f} s "
                 f"({total / max(self.seconds, 1):.0f}/s): "
                 + ", ".join(f"{kind} {n}" for kind, n in sorted(self.requests.items())),
                 "  " + ", ".join(f"{kind} p50 {_percentile(times, 50):.0f} ms, p99 "
                                  f"{_percentile(times, 99):.0f} ms"
                                  for kind, times in self.latencies.items()),
                 f"  {self.codes} codes received; {self.outage_pages} answers were the 503 "
                 f"page while PostgreSQL was down",
                 f"  delivered: {self.emails} e-mails, {self.sms} SMS; failed attempts retried: "
                 f"{dict(self.temporary_failures)}",
                 f"  the killed worker held {self.killed_holding} messages; sent twice "
                 f"(handed over, not recorded): {self.repeats_after_kill}",
                 "  faults: " + "; ".join(f"{at:.1f} s {what}" for at, what in self.timeline)]
        lines += [f"  PROBLEM: {problem}" for problem in self.problems[:30]]
        return "\n".join(lines)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [0.0]
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * share / 100))]


class Database:
    """The run's database, read and written from this process through the app's models."""

    def __init__(self, env: dict):
        from widget import create_app
        self.app = create_app({"DATABASE_URL": env["FRONTDESK_DATABASE_URL"],
                               "SECRET_KEY": env["FRONTDESK_SECRET_KEY"]})

    @contextmanager
    def session(self):
        from widget.extensions import db
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def close(self) -> None:
        from widget.extensions import db
        with self.app.app_context():
            db.engine.dispose()

    def prepare(self) -> dict:
        """The schema (the models', which tests/test_migrations.py shows the migrations give),
        one organisation, site and form; returns what form tokens name."""
        from widget.extensions import db
        from widget.models import Field, Form, FormVersion, Organization, Site, Unit

        with self.session() as session:
            db.create_all()
            organization = Organization(slug="load", names={"en": "Load test"}, country="VN",
                                        timezone="Asia/Ho_Chi_Minh")
            site = Site(key=SITE, name="Load", allowed_origins=["http://localhost:8000"],
                        organization=organization)
            session.add(site)
            session.flush()
            unit = Unit(organization_id=organization.id, code="DESK", names={"en": "Front desk"})
            session.add(unit)
            session.flush()
            # A form's requests land in its unit's inbox; a form without one is offered nowhere.
            form = Form(organization_id=organization.id, slug=FORM, titles={"en": "Feedback"},
                        processing_days=5, is_published=True, unit_id=unit.id)
            specs = [("name", "text", False), ("email", "email", True),
                     ("phone", "phone", True), ("message", "long_text", True)]
            form.versions.append(FormVersion(number=1, fields=[
                Field(position=i, key=key, type=kind, required=required,
                      labels={"en": key.title()})
                for i, (key, kind, required) in enumerate(specs)]))
            session.add(form)
            session.commit()
            return {"site_id": site.id, "form_id": form.id, "version_id": form.versions[0].id}

    def unsent(self, worker: str | None = None) -> int:
        """Outbox rows still queued or being sent, and notices promised but not composed yet
        (or the rows `worker` is sending)."""
        from sqlalchemy import func, select

        from widget.models import NoticePromise, OutboxItem, OutboxStatus
        query = select(func.count()).select_from(OutboxItem)
        if worker is None:
            query = query.where(OutboxItem.status.in_((OutboxStatus.QUEUED.value,
                                                       OutboxStatus.SENDING.value)))
        else:
            query = query.where(OutboxItem.status == OutboxStatus.SENDING.value,
                                OutboxItem.claimed_by == worker)
        with self.session() as session:
            promised = 0 if worker else session.scalar(
                select(func.count()).select_from(NoticePromise))
            return session.scalar(query) + promised



def check(figures: Figures, people: People, db: Database, journal: Path, gateway: SmsGateway,
          killed_worker: str) -> None:
    """Compare what people got, what the database holds and what the mail server and the
    gateway received; add what is wrong to figures.problems."""
    from sqlalchemy import func, select

    from widget import codes
    from widget.models import (AttemptOutcome, DeliveryAttempt, Event, EventKind, OutboxItem,
                               OutboxStatus, Request)

    problems = figures.problems
    problems += people.problems
    figures.requests, figures.latencies = people.requests, people.latencies
    figures.outage_pages, figures.codes = people.outage_pages, len(people.codes)
    given = {codes.normalize(code): contact for code, contact in people.codes.items()}
    with db.session() as session:
        saved = dict(session.execute(select(Request.code, Request.id)).all())
        with_event = set(session.scalars(select(Event.request_id).where(
            Event.kind == EventKind.RECEIVED.value)))
        rows = session.execute(select(
            OutboxItem.id, OutboxItem.request_id, OutboxItem.channel, OutboxItem.recipient,
            OutboxItem.reference, OutboxItem.status)).all()
        taken_over = set(session.scalars(select(DeliveryAttempt.outbox_id).where(
            DeliveryAttempt.outcome == AttemptOutcome.LEASE_EXPIRED.value,
            DeliveryAttempt.worker == killed_worker)))
        figures.temporary_failures = Counter(dict(session.execute(
            select(OutboxItem.channel, func.count()).join(DeliveryAttempt.item)
            .where(DeliveryAttempt.outcome == AttemptOutcome.TEMPORARY.value)
            .group_by(OutboxItem.channel)).all()))

    # Every code a person received, in the database with its event and both messages.
    expected = {}  # request id -> {"email": address, "sms": phone}
    for code, (email, phone) in given.items():
        if code not in saved:
            problems.append(f"code {code} was received but is not in the database")
            continue
        expected[saved[code]] = {"email": email, "sms": phone}
        if saved[code] not in with_event:
            problems.append(f"request {code} has no 'received' event")
    problems += [f"request {code} is in the database but nobody received its code"
                 for code in set(saved) - set(given)]
    queued: dict[int, dict[str, str]] = {}
    for row in rows:
        queued.setdefault(row.request_id, {})[row.channel] = row.recipient
        if row.status != OutboxStatus.SENT.value:
            problems.append(f"outbox row {row.id} ({row.channel}) ended {row.status}")
    problems += [f"request {request_id}: queued {queued.get(request_id)}, expected {contacts}"
                 for request_id, contacts in expected.items() if queued.get(request_id) != contacts]

    # Each message arrived once; a second copy only of a row the killed worker had in hand.
    mails = Counter(json.loads(line)["message_id"] for line in journal.read_text().splitlines())
    arrived = {"email": mails, "sms": gateway.accepted}
    as_sent = {"email": lambda reference: f"<{reference}@frontdesk.invalid>", "sms": str}
    sent_by_rows: dict[str, set[str]] = {channel: set() for channel in arrived}
    for row in rows:
        key = as_sent[row.channel](row.reference)
        sent_by_rows[row.channel].add(key)
        copies = arrived[row.channel][key]
        if copies == 2 and row.id in taken_over:
            figures.repeats_after_kill += 1
        elif copies != 1:
            problems.append(f"outbox row {row.id} ({row.channel}) arrived {copies} times")
    for channel, counts in arrived.items():
        if strangers := set(counts) - sent_by_rows[channel]:
            problems.append(f"{len(strangers)} {channel} messages arrived that no row sent")
    figures.emails, figures.sms = sum(mails.values()), sum(gateway.accepted.values())

    # Each fault was met, so that passing means something.
    if not figures.outage_pages:
        problems.append("no request met the database outage")
    problems += [f"no {channel} delivery failed during its outage" for channel in ("email", "sms")
                 if not figures.temporary_failures.get(channel)]
    if not figures.killed_holding:
        problems.append("the killed worker held no message")
