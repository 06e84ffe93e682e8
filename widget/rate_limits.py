"""How long a client refused by a rate limit waits: one reading for every refusal's
Retry-After and for the pages that say it in words."""
from __future__ import annotations

import math
import time

from widget.extensions import limiter


def seconds_to_wait(now: float | None = None) -> int:
    """Until the breached limit lets this client try again (at least a second; 60 when no
    limit was breached in this request)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    # Flask-Limiter's reset_at is a second past the window's end (it rounds up).
    return max(1, limit.reset_at - 1 - math.floor(now if now is not None else time.time()))


def retry_after() -> str:
    """The Retry-After header's value for a refusal in this request."""
    return str(seconds_to_wait())
