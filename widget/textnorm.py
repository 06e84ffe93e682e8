"""Folding of what people type: digits from any script, invisible control characters."""
import re
import unicodedata

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


# Letters a search treats as one: the Arabic yeh and kaf (and alef maksura) Persian keyboards
# may type for the Persian ones, the Vietnamese đ, the Russian ё (often written е), and what
# carries no meaning for a search (the zero-width non-joiner of Persian spelling, the tatweel).
_SEARCH_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "đ": "d", "ё": "е",
                                 "\u200c": "", "\u200d": "", "\u0640": ""})
# й is a letter of its own in Russian (and Ukrainian ї too), not и with a mark: kept whole.
_KEPT_WHOLE = {"й": "\ue000", "ї": "\ue001"}
_SPACES = re.compile(r"\s+")


def fold_for_search(text: str) -> str:
    """Text as the inbox search compares it: lower case (casefold), without diacritics
    (Trần -> tran, ё -> е), the Arabic forms of Persian letters made Persian, ASCII digits,
    runs of spaces as one. Folding twice changes nothing."""
    text = fold_digits(strip_controls(text or "")).casefold()
    for letter, mark in _KEPT_WHOLE.items():
        text = text.replace(letter, mark)
    text = "".join(char for char in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(char))
    text = unicodedata.normalize("NFC", text).translate(_SEARCH_LETTERS)
    for letter, mark in _KEPT_WHOLE.items():
        text = text.replace(mark, letter)
    return _SPACES.sub(" ", text).strip()
