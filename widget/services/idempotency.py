"""Idempotency-Key records of the REST API: the first POST with a key claims it, its answer is
kept, and a repeat of the key is answered from the record."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from widget.extensions import db
from widget.models import IdempotencyRecord

IN_PROGRESS = 0  # the status of a record whose first request has not answered yet


def claim(client_id: int, key: str, fingerprint: str) -> tuple[bool, IdempotencyRecord | None]:
    """Claim a key for a request: (True, None) when this request has it; else (False, the record
    of whoever claimed it first, or None if that one failed and was forgotten meanwhile).
    Commits."""
    db.session.add(IdempotencyRecord(api_client_id=client_id, key=key, fingerprint=fingerprint,
                                     status_code=IN_PROGRESS, response_body=""))
    try:
        db.session.commit()
        return True, None
    except IntegrityError:
        db.session.rollback()
    return False, db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.api_client_id == client_id, IdempotencyRecord.key == key))


def keep_answer(client_id: int, key: str, status_code: int, body: str) -> None:
    """Keep the answer to a claimed key, for its repeats. Commits."""
    db.session.execute(update(IdempotencyRecord).where(
        IdempotencyRecord.api_client_id == client_id, IdempotencyRecord.key == key)
        .values(status_code=status_code, response_body=body))
    db.session.commit()


def forget(client_id: int, key: str) -> None:
    """Free a claimed key whose request failed on our side: a retry runs it again. Commits."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.api_client_id == client_id, IdempotencyRecord.key == key))
    db.session.commit()

