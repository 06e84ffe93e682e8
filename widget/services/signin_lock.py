"""The rule that locks a password sign-in after repeated failures, for people's accounts and
staff accounts alike.

The count is per account, never per client address: an attacker spreading guesses over many
addresses (each under the per-address rate limit) still locks the account. Five failures in a
row lock it for a quarter of an hour; tries during the lock neither count nor extend it, so a
stranger cannot keep someone out for ever. A lock is never announced on its own: the sign-in
pages show one message for every failure, which states this rule.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from widget.extensions import db
from widget.models._types import as_utc

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)


class Lockable(Protocol):
    """An account with a password: Account and StaffUser."""

    failed_signins: int
    locked_until: datetime | None


def is_locked(account: Lockable, now: datetime) -> bool:
    """True while the account waits out a lock."""
    return account.locked_until is not None and as_utc(account.locked_until) > now


def count_failure(account: Lockable, now: datetime) -> None:
    """Count a wrong password; the last allowed one starts the lock. In the caller's
    transaction."""
    if is_locked(account, now):
        return  # tries during a lock do not extend it
    # Counted by the database (UPDATE ... SET n = n + 1), then read back: guesses sent in
    # parallel must not overwrite each other's count and slip past the lock.
    account.failed_signins = type(account).failed_signins + 1
    db.session.flush()
    if account.failed_signins >= LOCK_AFTER:
        account.locked_until, account.failed_signins = now + LOCK_FOR, 0


def unlock(account: Lockable) -> None:
    """Forget failures and any lock (a right password, a new one, an administrator)."""
    account.failed_signins, account.locked_until = 0, None
