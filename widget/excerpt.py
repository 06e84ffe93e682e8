"""Shortening a text for a list without cutting a word in half, in every script we serve."""
from __future__ import annotations

import re

ELLIPSIS = "…"
# Where a line may break: white space, but not the no-break spaces (U+00A0, U+2007, U+202F)
# that writers put exactly where a break must not fall ("10 000", "№ 5"). The zero-width
# non-joiner of Persian (U+200C) is no space at all: it sits inside a word.
_BREAK = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def excerpt(text: str, limit: int) -> str:
    """The text whole when it has at most `limit` characters; else its longest run of whole
    words that fits with an ellipsis after it. A first word longer than the limit is kept
    whole: a word is never cut, the limit gives way."""
    text = text.strip()
    if len(text) <= limit:
        return text
    end = None
    for gap in _BREAK.finditer(text):
        if gap.start() > limit - len(ELLIPSIS):
            break
        end = gap.start()
    if end is None:  # one word runs past the limit
        first = _BREAK.search(text)
        end = first.start() if first else len(text)
        if end == len(text):
            return text
    return text[:end] + ELLIPSIS
