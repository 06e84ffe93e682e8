"""The delivery worker: composes the notices the changes promised, claims due outbox rows, sends
each through its channel, settles the outcome. `flask --app widget worker` runs it; any number
may run at once."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from widget.db_outage import is_database_outage
from widget.extensions import db
from widget.models import AttemptOutcome, OutboxChannel, OutboxItem
from widget.models._types import utcnow
from widget.notify.channels import Channel, Delivery, PermanentFailure, TemporaryFailure
from widget.notify.channels.address_guard import parse_networks
from widget.notify.channels.email import EmailChannel
from widget.notify.channels.webhook import WebhookChannel
from widget.notify.outbox import Claimed, RetryPolicy, claim, release, settle
from widget.notify.promises import keep_promises
from widget.notify.recovery import answer_code_recoveries
from widget.notify.schedule import run_schedule
from widget.notify.staff_notices import compose_pending, queue_deadline_notices
from widget.notify.webhooks import signing_secret
from widget.services import account_sessions, one_time, staff_sessions
from widget.services.draft_expiry import forget_expired_drafts
from widget.uploads import configured_store

SCHEDULE_EVERY = 60.0  # seconds between two looks for time-based notices
# Seconds a worker rests when nothing was due: a signed-in person's box shows a new notice
# at most this long (plus its composition) after the change.
IDLE_SECONDS = 0.5
# Batches of promises composed before a round of deliveries, so neither starves the other.
PROMISE_BATCHES = 10

log = logging.getLogger("frontdesk.worker")


def worker_name() -> str:
    """Who claimed a row, as the delivery history shows it: host and process."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def channels_from_config(config: Mapping) -> dict[str, Channel]:
    """The channels the settings describe, keyed by OutboxChannel value."""
    from widget.notify.channels.sms import sms_channel_from_config
    setting = {key.removeprefix("FRONTDESK_"): value for key, value in config.items()
               if key.startswith("FRONTDESK_")}
    email = EmailChannel(setting["MAIL_SERVER"], setting["MAIL_PORT"], setting["MAIL_SENDER"],
                         username=setting["MAIL_USERNAME"], password=setting["MAIL_PASSWORD"],
                         use_tls=setting["MAIL_USE_TLS"], use_ssl=setting["MAIL_USE_SSL"],
                         timeout=setting["MAIL_TIMEOUT"])
    return {OutboxChannel.EMAIL.value: email, OutboxChannel.SMS.value: sms_channel_from_config(setting),
            OutboxChannel.WEBHOOK.value: WebhookChannel(
                timeout=setting["WEBHOOK_TIMEOUT"],
                private_networks=parse_networks(setting["WEBHOOK_PRIVATE_NETWORKS"]))}


def policy_from_config(config: Mapping) -> RetryPolicy:
    """The retry policy the settings describe."""
    return RetryPolicy(max_attempts=config["FRONTDESK_NOTIFY_MAX_ATTEMPTS"],
                       first_delay=config["FRONTDESK_NOTIFY_RETRY_SECONDS"],
                       lease_seconds=config["FRONTDESK_NOTIFY_LEASE_SECONDS"])


@dataclass(frozen=True)
class Result:
    """How one attempt went, before the database has recorded it."""

    item: Claimed
    started_at: datetime
    outcome: AttemptOutcome
    detail: str = ""
    provider_id: str | None = None


class Unrecorded:
    """What a worker could not tell the database because it went away mid-batch (a restart):
    the results of messages already handed over, recorded as soon as it is back so that their
    lease does not end and send them again; and the claimed messages not yet tried, handed back
    to the queue instead of waiting for their lease."""

    def __init__(self) -> None:
        self.results: list[Result] = []
        self.untried: list[Claimed] = []

    def __bool__(self) -> bool:
        return bool(self.results or self.untried)

    def record(self, worker: str, policy: RetryPolicy) -> None:
        """Tell the database; raises, keeping what is left, while it is still unreachable."""
        while self.results:
            result = self.results[0]
            settle(result.item, worker, result.started_at, result.outcome, result.detail,
                   result.provider_id, policy)
            self.results.pop(0)
        if self.untried:
            release(self.untried, worker)
            self.untried = []


def masked_recipient(channel: str, recipient: str) -> str:
    """Enough of a recipient for an operator to tell messages apart in a log, not enough to be
    a contact list: an e-mail's first letter and domain, a phone's first four and last three
    characters, a webhook's scheme and host (its path may hold a token)."""
    if channel == OutboxChannel.WEBHOOK.value:
        parts = urllib.parse.urlsplit(recipient)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
    if "@" in recipient:
        local, _, domain = recipient.rpartition("@")
        return f"{local[0]}***@{domain}" if len(local) > 1 else f"*@{domain}"
    if len(recipient) <= 6:
        return "*" * len(recipient)
    return recipient[:4] + "*" * (len(recipient) - 7) + recipient[-3:]


def _described(item: OutboxItem) -> str:
    # Never the body, the subject or the whole recipient: a log is read by more people.
    return (f"outbox {item.id} ({item.channel} to "
            f"{masked_recipient(item.channel, item.recipient)}, attempt {item.attempts})")


def _log_outcome(who: str, result: Result, policy: RetryPolicy, recorded: bool) -> None:
    if not recorded:
        log.info("%s: taken over by another worker meanwhile; this result is dropped", who)
    elif result.outcome is AttemptOutcome.SENT:
        log.info("%s: sent%s", who, f", provider id {result.provider_id}"
                 if result.provider_id else "")
    elif (result.outcome is AttemptOutcome.TEMPORARY
          and result.item.attempts < policy.max_attempts):
        log.warning("%s: failed, will be tried again: %s", who, result.detail)
    else:
        log.warning("%s: dead letter: %s", who, result.detail if result.outcome is
                    AttemptOutcome.PERMANENT else f"{result.detail} (gave up after "
                    f"{result.item.attempts} attempts)")


def attempt(item: OutboxItem, channel: Channel | None) -> Result:
    """Send one claimed row through its channel; the result is not recorded yet."""
    claimed, started = Claimed(item.id, item.attempts), utcnow()
    if channel is None:
        return Result(claimed, started, AttemptOutcome.PERMANENT,
                      f"no channel {item.channel!r} is configured")
    try:
        # Inside the try: a webhook whose key was revoked since it was queued is refused here.
        delivery = Delivery(reference=item.reference, recipient=item.recipient, text=item.body_text,
                            subject=item.subject, html=item.body_html, language=item.language,
                            secret=signing_secret(item))
        provider_id = channel.send(delivery)
    except PermanentFailure as failure:
        return Result(claimed, started, AttemptOutcome.PERMANENT, failure.reason)
    except TemporaryFailure as failure:
        return Result(claimed, started, AttemptOutcome.TEMPORARY, failure.reason)
    except Exception as error:  # a bug in a channel must not stop the other messages
        log.exception("channel %s failed on outbox row %s", item.channel, item.id)
        return Result(claimed, started, AttemptOutcome.TEMPORARY, f"{type(error).__name__}: {error}")
    return Result(claimed, started, AttemptOutcome.SENT, provider_id=provider_id)


def run_once(channels: Mapping[str, Channel], worker: str, policy: RetryPolicy,
             batch: int = 50, unrecorded: Unrecorded | None = None) -> int:
    """Record what an earlier batch left unrecorded, compose the notices promised so far, claim
    one batch and deliver it; return how many rows were claimed. If the database goes away
    mid-batch, what is not recorded yet waits in `unrecorded` (pass the same one next time) and
    the outage error is raised."""
    unrecorded = unrecorded if unrecorded is not None else Unrecorded()
    items: list[OutboxItem] = []
    try:
        unrecorded.record(worker, policy)
        compose_promised(batch, policy)
        items = claim(worker, batch, policy)
        claimed = [Claimed(item.id, item.attempts) for item in items]
        for index, item in enumerate(items):
            result = attempt(item, channels.get(item.channel))
            who = _described(item)  # before the commit expires the row
            try:
                recorded = settle(result.item, worker, result.started_at, result.outcome,
                                  result.detail, result.provider_id, policy)
            except Exception as error:
                if not is_database_outage(error):
                    raise
                unrecorded.results.append(result)
                unrecorded.untried = claimed[index + 1:]
                raise
            _log_outcome(who, result, policy, recorded)
    finally:
        for channel in channels.values():
            getattr(channel, "close", lambda: None)()
        db.session.remove()
    return len(items)


def compose_promised(batch: int = 50, policy: RetryPolicy = RetryPolicy()) -> int:
    """Compose the notices the changes promised (up to PROMISE_BATCHES batches); return how
    many promises were kept."""
    kept = 0
    for _ in range(PROMISE_BATCHES):
        done = keep_promises(batch, policy)
        kept += done
        if done < batch:
            break
    return kept


def scheduled(config: Mapping) -> int:
    """Queue the time-based notices due now (overdue warnings, date reminders, drafts about to
    be deleted), delete drafts past their time, and forget spent account secrets (old one-time
    codes, ended sessions)."""
    try:
        queued = run_schedule(config["FRONTDESK_NOTIFY_DUE_SOON_HOURS"],
                              config["FRONTDESK_DRAFT_MAX_AGE_DAYS"],
                              config["FRONTDESK_NOTIFY_DRAFT_WARNING_DAYS"])
        queued += queue_deadline_notices()
        forget_expired_drafts(config["FRONTDESK_DRAFT_MAX_AGE_DAYS"], configured_store(),
                              held_max_age_seconds=config["FRONTDESK_FORM_TOKEN_MAX_AGE"])
        one_time.forget_old()
        account_sessions.forget_expired()
        staff_sessions.forget_expired()
        return queued
    finally:
        db.session.remove()


def recoveries(config: Mapping) -> int:
    """Answer the asks for lost codes (queues their messages)."""
    try:
        return answer_code_recoveries(config["FRONTDESK_RECOVERY_SMS_DAILY_BUDGET"])
    finally:
        db.session.remove()


def staff_notices() -> int:
    """Tell staff of the events recorded since the last look (queues their e-mails)."""
    try:
        return compose_pending()
    finally:
        db.session.remove()


def run(app: Flask, stop: threading.Event, channels: Mapping[str, Channel] | None = None,
        batch: int = 50, idle_seconds: float = IDLE_SECONDS) -> None:
    """Deliver until `stop` is set, resting `idle_seconds` whenever nothing was due."""
    worker = worker_name()
    with app.app_context():
        channels = channels if channels is not None else channels_from_config(app.config)
        policy = policy_from_config(app.config)
        unrecorded = Unrecorded()
        log.info("worker %s started", worker)
        next_schedule = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_schedule:
                    scheduled(app.config)
                    next_schedule = time.monotonic() + SCHEDULE_EVERY
                recoveries(app.config)
                staff_notices()
                claimed = run_once(channels, worker, policy, batch, unrecorded)
            except Exception as error:  # the database may be restarting: wait and go on
                if is_database_outage(error):
                    log.warning("worker %s: the database is unreachable; %d results wait to be "
                                "recorded; trying again shortly", worker, len(unrecorded.results))
                else:
                    log.exception("worker %s: a batch failed; trying again shortly", worker)
                db.session.remove()
                claimed = 0
            if not claimed:
                stop.wait(idle_seconds)
        if unrecorded:  # stopped during an outage: one last try, else their leases resend them
            try:
                unrecorded.record(worker, policy)
            except Exception:  # noqa: BLE001 - nothing more to do on the way out
                log.warning("worker %s stopped with %d results unrecorded", worker,
                            len(unrecorded.results))
            finally:
                db.session.remove()
        log.info("worker %s stopped", worker)
