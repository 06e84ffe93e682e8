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

import secrets

from widget.textnorm import DIGITS

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 13
CODE_LENGTH = DATA_LENGTH + 1
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}

_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
# Cyrillic capitals that a Russian keyboard produces for the Latin letters they resemble.
_CYRILLIC = dict(zip("АВЕКМНОРСТХ", "ABEKMH0PCTX"))
_DIGITS = DIGITS
_SEPARATORS = set(" -\u2010\u2011\u2012\u2013\u2014\u00a0\t_.")


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
