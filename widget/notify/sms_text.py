"""SMS length, encoding and segment arithmetic per 3GPP TS 23.038, the GSM-7 equivalents of
typography, and a diacritic stripper.

Pure functions (standard library only) so the template editor's live counter, the rules and the
SMS channel all agree on what a message costs.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# The GSM 03.38 default alphabet, in table order (0x00-0x7F); 0x1B is the escape, not a character.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape, so each costs two septets.
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# (single-part capacity, capacity of each part of a concatenated message); multi-part messages
# lose 7 septets / 3 UCS-2 units per part to the user data header.
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}
_ELLIPSIS = {GSM7: "...", UCS2: "…"}

# The one table of GSM-7 equivalents (admin/static/sms-counter.js carries a copy, checked equal by
# tests/test_notice_settings.py): typography that Babel's formats, word processors and phones put
# into a text and that would otherwise send the whole message as UCS-2, at 70 characters a part.
# Only characters whose replacement means the same; letters are never touched here.
GSM_EQUIVALENTS = {
    # Spaces: Babel's no-break (U+00A0, Russian thousands) and narrow no-break (U+202F, English
    # "3:05 PM", Russian "2025 г.") ones, the typographic widths, ideographic; line separators.
    "\t": " ", "\u00a0": " ", "\u1680": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ",
    "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ",
    "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ",
    "\u0085": "\n", "\u2028": "\n", "\u2029": "\n",
    # Invisible: zero-width space, word joiner, byte order mark, soft hyphen.
    "\u200b": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    # Quotes and primes (guillemets are not in GSM-7 either).
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    # Hyphens, dashes and the minus sign.
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "…": "...", "•": "-",
}
_TO_GSM = str.maketrans(GSM_EQUIVALENTS)
# Joiners and direction marks shape Persian and emoji and order right-to-left text (Babel puts
# U+200F into Persian dates): kept in such a text, meaningless and dropped in an otherwise GSM-7 one.
GSM_DROPPED_IF_ALONE = ("\u200c\u200d\u200e\u200f\u061c"  # ZWNJ, ZWJ, LRM, RLM, Arabic letter mark
                        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # bidi controls
# Vietnamese d with stroke has no decomposition, so NFD alone would leave it.
_STROKES = str.maketrans({"đ": "d", "Đ": "D"})


@dataclass(frozen=True)
class SmsInfo:
    """What a text costs as an SMS: encoding, length in its units, parts and capacity per part."""

    encoding: str
    length: int
    segments: int
    per_segment: int


def _is_gsm(char: str) -> bool:
    return char in _GSM_BASIC or char in _GSM_EXTENSION


def encoding(text: str) -> str:
    """"GSM-7" if every character is in the default alphabet or its extension, else "UCS-2"."""
    return GSM7 if all(_is_gsm(c) for c in text) else UCS2


def to_gsm(text: str) -> str:
    """The text with GSM-7 equivalents for its typography, so it costs no more than its letters
    need; idempotent, and a GSM-7 text is returned unchanged."""
    text = text.translate(_TO_GSM)
    if all(_is_gsm(c) or c in GSM_DROPPED_IF_ALONE for c in text):
        return "".join(c for c in text if c not in GSM_DROPPED_IF_ALONE)
    return text


def _weights(text: str, enc: str) -> list[int]:
    if enc == GSM7:
        return [2 if c in _GSM_EXTENSION else 1 for c in text]
    # UCS-2 here means UTF-16 on the wire, as every modern handset and SMSC treats it.
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _count(weights: list[int], enc: str) -> int:
    single, per_part = _LIMITS[enc]
    total = sum(weights)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # An escape+character pair (GSM-7) or a surrogate pair (UCS-2) must not straddle two parts,
    # or the receiving phone shows garbage; so characters are packed greedily, whole, into parts.
    # This can need one part more than ceil(total / per_part). Greedy is also the minimum for an
    # in-order split, which keeps the count monotone in the text (truncate_to_segments needs it).
    parts, used = 1, 0
    for w in weights:
        if used + w > per_part:
            parts, used = parts + 1, 0
        used += w
    return parts


def septets_or_units(text: str) -> int:
    """Length in septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2)."""
    return sum(_weights(text, encoding(text)))


length = septets_or_units


def segments(text: str) -> int:
    """Number of SMS parts needed to send the text; 0 for the empty text (nothing is sent)."""
    enc = encoding(text)
    return _count(_weights(text, enc), enc)


def analyse(text: str) -> SmsInfo:
    """Encoding, length, segment count and per-segment capacity, for the live counter."""
    enc = encoding(text)
    weights = _weights(text, enc)
    parts = _count(weights, enc)
    single, per_part = _LIMITS[enc]
    return SmsInfo(enc, sum(weights), parts, single if parts <= 1 else per_part)


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN ")


def strip_diacritics(text: str) -> str:
    """Latin letters without diacritics (đ -> d), GSM-7 typography (to_gsm); other scripts
    untouched."""
    out: list[str] = []
    latin_base = False
    # Character by character rather than NFD/NFC over the whole text: a whole-text round trip
    # would also rewrite Persian or Cyrillic that is not in NFC, and those must stay as written.
    for char in text.translate(_STROKES):
        if unicodedata.category(char).startswith("M"):
            # An already-decomposed mark (typed as base + combining mark) follows its base.
            if not latin_base:
                out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        latin_base = _is_latin(decomposed[0])
        if latin_base:
            kept = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
            # NFC per letter, not over the text, so the output is normalised without touching
            # other scripts.
            out.append(unicodedata.normalize("NFC", kept))
        else:
            out.append(char)
    return to_gsm("".join(out))


def _longest_fitting(text: str, end: int, enc: str, max_segments: int) -> int:
    """Largest k <= end with text[:k] + ellipsis in at most max_segments parts, or -1."""
    ellipsis = _weights(_ELLIPSIS[enc], enc)
    weights = _weights(text[:end], enc)
    if _count(ellipsis, enc) > max_segments:
        return -1
    # The count only grows as the prefix grows (see _count), so bisect instead of scanning.
    lo, hi = 0, end
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _count(weights[:mid] + ellipsis, enc) <= max_segments:
            lo = mid
        else:
            hi = mid - 1
    return lo


def truncate_to_segments(text: str, max_segments: int) -> str:
    """The longest prefix that, with an ellipsis if cut, fits in max_segments SMS parts."""
    if max_segments < 0:
        raise ValueError("max_segments must not be negative")
    if segments(text) <= max_segments:
        return text
    # Python strings index code points, so a cut never splits a surrogate pair or an escape pair.
    # Two candidates: a GSM-7 result ("...") can only come from the part before the first non-GSM
    # character; anything longer is UCS-2 and ends with "…" (one unit instead of three septets).
    gsm_end = next((i for i, c in enumerate(text) if not _is_gsm(c)), len(text))
    cut, enc = _longest_fitting(text, gsm_end, GSM7, max_segments), GSM7
    if gsm_end < len(text):
        ucs_cut = _longest_fitting(text, len(text), UCS2, max_segments)
        # A cut at or before gsm_end leaves a GSM-only prefix, better sent as GSM-7 with "...".
        if ucs_cut > gsm_end:
            cut, enc = ucs_cut, UCS2
    if cut < 0:
        return ""
    # A dangling space before the ellipsis reads badly, and dropping it only makes the text shorter.
    return text[:cut].rstrip() + _ELLIPSIS[enc]
