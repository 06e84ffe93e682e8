"""Tracking codes: generate, normalise, check and format.

A code is 13 random Crockford base32 symbols (65 bits from `secrets`) plus one check symbol.
The check symbol comes from the Damm algorithm over the field GF(32), x*y = 2x + y: unlike Luhn
mod 32 (which misses swaps of 0 and Z) it catches every single-symbol typo and every swap of two
neighbours, and unlike Crockford's mod 37 it needs no symbols outside the 32 of the alphabet.

Stored and compared in normal form (upper case, no separators); shown grouped for reading:
7K3M-9QX2-HR4T-B5. People may type lower case, spaces, dashes, O for 0, I or L for 1, Persian
or Arabic-Indic digits, and Cyrillic letters that look like Latin ones (a Russian keyboard).
"""
from __future__ import annotations

import re
import secrets

from markupsafe import Markup, escape

from widget.textnorm import DIGITS

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 13
CODE_LENGTH = DATA_LENGTH + 1
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}

_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
# Cyrillic capitals that a Russian keyboard produces for the Latin letters they resemble.
_CYRILLIC = dict(zip("АВЕКМНОРСТХ", "ABEKMH0PCTX"))
_DIGITS = DIGITS
# Invisible marks come along when a code is copied out of a right-to-left e-mail (isolates, the
# word joiners that keep it on one line, direction marks): they are separators too.
_SEPARATORS = set(" -\u2010\u2011\u2012\u2013\u2014\u00a0\t_."
                  "\u2060\u2066\u2067\u2068\u2069\u200e\u200f")


def _gf32_double(value: int) -> int:
    """Multiply by x in GF(2^5) with the primitive polynomial x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _damm(symbols: str) -> int:
    interim = 0
    for symbol in symbols:
        interim = _gf32_double(interim) ^ _VALUE[symbol]
    return interim


def check_symbol(data: str) -> str:
    """The check symbol that makes the Damm checksum of data + symbol zero."""
    # interim * c = 2*interim + c = 0  <=>  c = 2*interim (addition is XOR in GF(32)).
    return ALPHABET[_gf32_double(_damm(data))]


def generate() -> str:
    """A new random code in normal form."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_symbol(data)


def normalize(text: str) -> str:
    """Fold what a person typed into normal form; the result may still be invalid."""
    folded = []
    for char in text.upper():
        if char in _SEPARATORS:
            continue
        char = _DIGITS.get(char, char)
        char = _CYRILLIC.get(char, char)
        folded.append(_LOOKALIKES.get(char, char))
    return "".join(folded)


def is_valid(code: str) -> bool:
    """True when a normalised code has the right length, alphabet and check symbol."""
    return (
        len(code) == CODE_LENGTH
        and all(symbol in _VALUE for symbol in code)
        and _damm(code) == 0
    )


def parse(text: str) -> str | None:
    """Normalise and validate what a person typed: the code in normal form, or None."""
    code = normalize(text or "")
    return code if is_valid(code) else None


def display(code: str) -> str:
    """Group a normalised code by four for reading: 7K3M-9QX2-HR4T-B5."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# What a document others may read shows of a code: its first group and its last, the middle
# hidden. The person recognises their code; a reader cannot open the request with it (8 symbols,
# 40 bits, stay unknown).
MASK = "\u2022"


def masked(code: str | None) -> str:
    """A normalised code with its middle hidden, grouped as display() groups it:
    7K3M-••••-••••-B5 (empty for a request without a code)."""
    if not code:
        return ""
    hidden = code[:4] + MASK * (len(code) - 6) + code[-2:]
    return display(hidden)


def written_in(text: str, code: str) -> bool:
    """Whether a text holds this code in any spelling parse() accepts (grouped or not, lower
    case, look-alike letters, other digits, invisible marks between its symbols)."""
    return bool(code) and code in normalize(text)


# A code as display() writes it, standing alone in a sentence.
_DISPLAYED = re.compile(r"(?<![0-9A-Z-])[0-9A-Z]{4}(?:-[0-9A-Z]{4}){2}-[0-9A-Z]{2}(?![0-9A-Z-])")
_WORD_JOINER = "\u2060"


def unbroken_in_text(text: str) -> str:
    """Every displayed code in a plain-text message kept whole: a word joiner after each dash
    (no line break there) and the code isolated left to right (a right-to-left paragraph does
    not reorder its groups). normalize() drops both, so a copied code still works."""
    return _DISPLAYED.sub(
        lambda m: "\u2066" + m.group(0).replace("-", "-" + _WORD_JOINER) + "\u2069", text)


def unbroken_in_html(text: str) -> Markup:
    """The text escaped, every displayed code in a left-to-right span that does not wrap."""
    parts, last = [], 0
    for match in _DISPLAYED.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<span dir="ltr" style="white-space:nowrap">%s</span>') % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)

