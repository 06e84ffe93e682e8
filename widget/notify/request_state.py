"""What a notice keeps of the moment it tells of: the request's state then (RequestState) and
its own placeholder values, as JSON a promise or a box item holds and read back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from widget.models import Request


@dataclass(frozen=True)
class RequestState:
    """What a notice names of a request that later changes may alter (its deadline, journal
    number, fee), as it was at the change the notice tells of."""

    code: str | None
    due_at: datetime | None
    journal_number: str | None
    fee_amount: Decimal | None
    # Where the notice goes ({channel: address}) when that was fixed at the change: a draft's
    # resume code goes to the address it held when saved, not one typed into it later.
    reach: dict[str, str] | None = None

    @classmethod
    def of(cls, request: Request, reach: dict[str, str] | None = None) -> RequestState:
        """The request as it is now, in this (maybe uncommitted) transaction."""
        return cls(request.code, request.due_at, request.journal_number, request.fee_amount,
                   reach)

    def stored(self) -> dict:
        """The state as a promise keeps it (JSON)."""
        kept = {"code": self.code, "due_at": self.due_at.isoformat() if self.due_at else None,
                "journal_number": self.journal_number,
                "fee_amount": str(self.fee_amount) if self.fee_amount is not None else None}
        return kept | ({"reach": self.reach} if self.reach is not None else {})

    @classmethod
    def from_stored(cls, data: dict) -> RequestState:
        """The state a promise kept."""
        due, fee = data.get("due_at"), data.get("fee_amount")
        return cls(data.get("code"), datetime.fromisoformat(due) if due else None,
                   data.get("journal_number"), Decimal(fee) if fee is not None else None,
                   data.get("reach"))


def stored_values(extra: dict) -> dict:
    """A notice's own placeholder values as a promise keeps them (JSON): dates tagged, so
    that they are formatted in the reader's language when the notice is composed."""
    return {name: ["datetime" if isinstance(value, datetime) else "date", value.isoformat()]
            if isinstance(value, date) else value for name, value in extra.items()}


def read_values(stored: dict) -> dict:
    """The placeholder values a promise kept, dates as dates again."""
    kinds = {"datetime": datetime.fromisoformat, "date": date.fromisoformat}
    return {name: kinds[value[0]](value[1]) if isinstance(value, list) else value
            for name, value in stored.items()}
