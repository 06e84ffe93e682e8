"""Test helper: notices are composed by the delivery worker from the promise a change writes."""
from __future__ import annotations

from widget.notify import worker


def compose_promised() -> int:
    """Compose what the changes promised, as one poll of a delivery worker does (without
    delivering); return how many promises were kept."""
    return worker.compose_promised()
