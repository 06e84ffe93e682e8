"""SMS encoding, length and segment arithmetic (3GPP TS 23.038) and the diacritic stripper."""
import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widget.notify.sms_text import (
    GSM_EQUIVALENTS, SmsInfo, analyse, encoding, length, segments, septets_or_units,
    strip_diacritics, to_gsm,
    truncate_to_segments,
)

VIETNAMESE = "Hồ sơ của Ông/Bà đã được tiếp nhận"
PERSIAN = "درخواست شما دریافت شد. کد پیگیری: ۱۲۳۴"
RUSSIAN = "Ваше обращение зарегистрировано. Код: 1234"
EMOJI = "\U0001F600"

# Written out again here, independently of the module, so a typo there cannot hide in both.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"
ESC = "\x1b"


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def units(text: str) -> list:
    """The text as sent: septets (an extension character is ESC + character) or UTF-16 units."""
    if is_gsm(text):
        return [u for c in text for u in ((ESC, c) if c in GSM_EXTENSION else (c,))]
    raw = text.encode("utf-16-be")
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def reference_parts(text: str) -> list:
    """Split as a sender would: cut the units into parts, never ending a part mid-pair."""
    rest = units(text)
    if is_gsm(text):
        single, per_part = 160, 153
        dangling = lambda u: u == ESC  # noqa: E731
    else:
        single, per_part = 70, 67
        dangling = lambda u: 0xD800 <= u <= 0xDBFF  # noqa: E731
    if len(rest) <= single:
        return [rest] if rest else []
    parts = []
    while rest:
        part = rest[:per_part]
        if len(part) == per_part and dangling(part[-1]):
            part = part[:-1]
        parts.append(part)
        rest = rest[len(part):]
    return parts


# --- encoding -------------------------------------------------------------------------------

def test_the_whole_default_alphabet_and_extension_are_gsm7():
    assert encoding(GSM_BASIC + GSM_EXTENSION) == "GSM-7"


@pytest.mark.parametrize("char", ["`", "\t", "ç", "á", "Đ", "\u00a0", "’", "…", EMOJI])
def test_one_character_outside_the_alphabet_makes_it_ucs2(char):
    assert encoding("Hello " + char) == "UCS-2"


def test_the_empty_text_is_gsm7_with_no_segments():
    assert analyse("") == SmsInfo("GSM-7", 0, 0, 160)


# --- lengths and segments: GSM-7 ------------------------------------------------------------

@pytest.mark.parametrize("n, parts", [
    (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4),
])
def test_gsm7_segment_boundaries(n, parts):
    text = "a" * n
    assert length(text) == n
    assert segments(text) == parts


def test_an_extension_character_counts_two_septets():
    assert septets_or_units("€") == 2
    assert septets_or_units("a{b}") == 6
    assert analyse("€" * 80) == SmsInfo("GSM-7", 160, 1, 160)
    assert analyse("€" * 81) == SmsInfo("GSM-7", 162, 2, 153)


def test_an_extension_character_is_not_split_at_the_153_boundary():
    # 152 + 2 + 152 = 306 septets: ceil(306 / 153) says 2, but the € cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 152
    assert length(text) == 306
    assert segments(text) == 3
    # Moved one to the left the € ends part 1 exactly, and two parts are enough.
    assert segments("a" * 151 + "€" + "a" * 153) == 2


# --- lengths and segments: UCS-2 ------------------------------------------------------------

@pytest.mark.parametrize("n, parts", [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segment_boundaries(n, parts):
    text = "ж" * n
    assert encoding(text) == "UCS-2"
    assert length(text) == n
    assert segments(text) == parts


def test_an_emoji_counts_two_units():
    assert analyse(EMOJI) == SmsInfo("UCS-2", 2, 1, 70)
    assert length("ж" * 68 + EMOJI) == 70
    assert segments("ж" * 68 + EMOJI) == 1
    assert segments("ж" * 69 + EMOJI) == 2


def test_a_surrogate_pair_is_not_split_at_the_67_boundary():
    text = "ж" * 66 + EMOJI + "ж" * 66
    assert length(text) == 134
    assert segments(text) == 3
    assert segments("ж" * 65 + EMOJI + "ж" * 67) == 2


def test_analyse_reports_the_capacity_per_part():
    assert analyse("a" * 161).per_segment == 153
    assert analyse("ж" * 71).per_segment == 67
    assert analyse(RUSSIAN).per_segment == 70


# --- strip_diacritics -----------------------------------------------------------------------

def test_vietnamese_is_ucs2_until_its_diacritics_are_stripped():
    assert encoding(VIETNAMESE) == "UCS-2"
    stripped = strip_diacritics(VIETNAMESE)
    assert stripped == "Ho so cua Ong/Ba da duoc tiep nhan"
    assert encoding(stripped) == "GSM-7"


def test_d_with_stroke_becomes_d():
    # Đ/đ have no canonical decomposition, so dropping combining marks alone would keep them.
    assert strip_diacritics("Đà Nẵng, đường") == "Da Nang, duong"


def test_already_decomposed_vietnamese_is_stripped_too():
    assert strip_diacritics(unicodedata.normalize("NFD", VIETNAMESE)) == strip_diacritics(VIETNAMESE)


def test_every_vietnamese_letter_becomes_gsm7():
    letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    for text in (letters, letters.upper()):
        assert encoding(strip_diacritics(text)) == "GSM-7"


@pytest.mark.parametrize("text", [PERSIAN, RUSSIAN, "Йод, ёлка", "آب"])
def test_other_scripts_are_left_alone_and_stay_ucs2(text):
    assert strip_diacritics(text) == text
    assert encoding(strip_diacritics(text)) == "UCS-2"


def test_typography_is_replaced_by_gsm_equivalents():
    text = "‘Hồ sơ’ – “đã nhận”\u00a0— chờ…"
    stripped = strip_diacritics(text)
    assert stripped == "'Ho so' - \"da nhan\" - cho..."
    assert encoding(stripped) == "GSM-7"


# --- truncate_to_segments -------------------------------------------------------------------

def test_a_text_that_fits_is_returned_unchanged():
    assert truncate_to_segments("a" * 160, 1) == "a" * 160
    assert truncate_to_segments("", 0) == ""


def test_a_gsm7_cut_ends_with_three_dots():
    assert truncate_to_segments("a" * 161, 1) == "a" * 157 + "..."
    assert truncate_to_segments("a" * 400, 2) == "a" * 303 + "..."


def test_a_ucs2_cut_ends_with_one_ellipsis_character():
    assert truncate_to_segments("ж" * 71, 1) == "ж" * 69 + "…"


def test_a_cut_does_not_leave_half_of_a_pair():
    assert truncate_to_segments("a" * 156 + "€" * 10, 1) == "a" * 156 + "..."
    assert truncate_to_segments("ж" * 68 + EMOJI * 3, 1) == "ж" * 68 + "…"


def test_a_cut_before_the_first_non_gsm_character_stays_gsm7():
    result = truncate_to_segments("a" * 200 + "ж", 1)
    assert result == "a" * 157 + "..."
    assert encoding(result) == "GSM-7"


def test_no_space_is_left_before_the_ellipsis():
    assert truncate_to_segments("a" * 156 + " bcdef", 1) == "a" * 156 + "..."


def test_zero_segments_leaves_nothing_and_negative_is_refused():
    assert truncate_to_segments("hello", 0) == ""
    with pytest.raises(ValueError):
        truncate_to_segments("hello", -1)


# --- properties -----------------------------------------------------------------------------

gsm_texts = st.text(alphabet=st.sampled_from(GSM_BASIC + GSM_EXTENSION), max_size=600)
mixed_texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(GSM_BASIC + GSM_EXTENSION),
        st.sampled_from("ồơủđĐưжЙدرخ’…\u00a0" + EMOJI + "\U0001F44D"),
        st.characters(codec="utf-8"),
    ),
    max_size=400,
)


def _nearly_full(alphabet: str, per_part: int, max_size: int, seed: int, slack: int) -> str:
    rng = random.Random(seed)
    body = "".join(rng.choices(alphabet, k=rng.randint(0, max_size)))
    # Pad with "a"/"ж" to just under a whole number of parts: only then does a pair that cannot
    # straddle a boundary cost an extra part, which is the case a naive ceil() gets wrong.
    filler = alphabet[0] * ((len(units(body)) // per_part + 1) * per_part - len(units(body)) - slack)
    return body + filler


def dense(alphabet: str, per_part: int, max_size: int):
    """Long texts full of two-unit characters, filling their last part (nearly) exactly.

    st.text keeps most examples short and never near a boundary; a seed spreads lengths evenly.
    """
    return st.builds(
        lambda seed, slack: _nearly_full(alphabet, per_part, max_size, seed, slack),
        st.integers(min_value=0), st.integers(min_value=0, max_value=3),
    )


dense_texts = st.one_of(dense("a€{", 153, 700), dense("ж" + EMOJI, 67, 300))
any_text = st.one_of(gsm_texts, mixed_texts, dense_texts)


@settings(max_examples=300, deadline=None, database=None)
@given(any_text)
def test_segments_match_a_reference_splitter(text):
    parts = reference_parts(text)
    assert segments(text) == len(parts)
    assert length(text) == sum(len(p) for p in parts)
    assert analyse(text).segments == len(parts)


@settings(max_examples=300, deadline=None, database=None)
@given(any_text, st.integers(min_value=0, max_value=4))
def test_truncation_never_exceeds_the_cap(text, cap):
    result = truncate_to_segments(text, cap)
    assert len(reference_parts(result)) <= cap
    if segments(text) <= cap:
        assert result == text
    elif result:
        ellipsis = "..." if encoding(result) == "GSM-7" else "…"
        assert result.endswith(ellipsis)
        assert text.startswith(result[: -len(ellipsis)])


def reference_truncate(text: str, cap: int) -> str:
    """Brute force: try every cut, keep the longest whose text plus ellipsis fits."""
    if len(reference_parts(text)) <= cap:
        return text
    best = None
    for cut in range(len(text) + 1):
        prefix = text[:cut]
        ellipsis = "..." if is_gsm(prefix) else "…"
        if len(reference_parts(prefix + ellipsis)) <= cap:
            best = prefix.rstrip() + ellipsis
    return "" if best is None else best


@settings(max_examples=150, deadline=None, database=None)
@given(any_text.map(lambda t: t[:250]), st.integers(min_value=1, max_value=2))
def test_truncation_keeps_as_much_as_fits(text, cap):
    assert truncate_to_segments(text, cap) == reference_truncate(text, cap)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_no_combining_mark_is_left_on_a_latin_letter(text):
    stripped = unicodedata.normalize("NFD", strip_diacritics(text))
    for before, mark in zip(stripped, stripped[1:]):
        if unicodedata.category(mark).startswith("M"):
            assert not unicodedata.name(before, "").startswith("LATIN ")


# --- to_gsm ---------------------------------------------------------------------------------

def test_babel_spaces_quotes_and_dashes_become_gsm7():
    text = "Due 5:00\u202fPM, 1\u00a0234 ₫ – “Residents’ «card»” ‐ −3 … • ok\u200b"
    assert to_gsm(text) == "Due 5:00 PM, 1 234 ₫ - \"Residents' \"card\"\" - -3 ... - ok"
    assert encoding(to_gsm("October 23, 2026, 5:00\u202fPM")) == "GSM-7"


def test_persian_keeps_its_joiners_and_marks_a_latin_text_drops_them():
    persian = "می\u200cخواهم\u060c\u200f 15:05"
    assert to_gsm(persian) == persian
    assert to_gsm("Code\u200f 12\u200c") == "Code 12"


def test_the_equivalents_are_gsm7_and_replace_no_letter():
    for char, replacement in GSM_EQUIVALENTS.items():
        assert encoding(char) == "UCS-2" and encoding(replacement) == "GSM-7"
        assert unicodedata.category(char)[0] not in "LMN", char


@settings(derandomize=True, max_examples=300)
@given(st.one_of(mixed_texts, st.text(alphabet=st.sampled_from(
    "a ‘’“”«»–—…\u202f\u00a0\u200b\u200c\u200fжد"), max_size=60)))
def test_to_gsm_is_idempotent_and_keeps_every_letter(text):
    normalised = to_gsm(text)
    assert to_gsm(normalised) == normalised
    assert ([c for c in normalised if unicodedata.category(c)[0] in "LMN"]
            == [c for c in text if unicodedata.category(c)[0] in "LMN"])


@settings(derandomize=True, max_examples=200)
@given(gsm_texts)
def test_a_gsm7_text_is_left_as_it_is(text):
    assert to_gsm(text) == text
