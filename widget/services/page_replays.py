"""Posts sent again from the page they came from: a double click without the page's script, the
back button and "send again", a reload of the page a post answered with.

A page carries the moment it was served (signed in the person's status token; a hidden field in
the back office). What the same person wrote since that moment with the same content is what an
earlier copy of this post already wrote: the service hands that back instead of writing again.
A page served later is a new page, so writing the same words again from it is never refused.
"""
from __future__ import annotations

from datetime import datetime, timezone

from widget.models._types import as_utc


def made_since(rows, page_served_at: float | None) -> list:
    """The rows (messages, letters, events, systems...) created since the page was served; none
    when the post does not say when its page was served."""
    if page_served_at is None:
        return []
    served = datetime.fromtimestamp(page_served_at, timezone.utc)
    return [row for row in rows if as_utc(row.created_at) >= served]
