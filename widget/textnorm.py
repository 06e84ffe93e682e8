"""Folding of what people type: digits from any script, invisible control characters."""
import re

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, and the Arabic decimal separator.
DIGITS = {chr(0x06F0 + i): str(i) for i in range(10)} | {chr(0x0660 + i): str(i) for i in range(10)}
_DIGIT_TABLE = str.maketrans(DIGITS | {"\u066b": ".", "\u066c": ","})

# C0/C1 controls except tab and newline, and the bidi overrides that can disguise text
# (U+202A-202E, U+2066-2069). Zero-width non-joiner (U+200C) stays: Persian spelling needs it.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def fold_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits (and separators) by ASCII ones."""
    return text.translate(_DIGIT_TABLE)


def strip_controls(text: str, keep_newlines: bool = False) -> str:
    """Drop control and bidi-override characters; fold newlines to spaces unless kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROLS.sub("", text)
