"""Tracking codes: every typo a person makes is caught before any lookup."""
import re

from hypothesis import given, strategies as st

from widget import codes

data_strings = st.text(alphabet=codes.ALPHABET, min_size=codes.DATA_LENGTH, max_size=codes.DATA_LENGTH)
valid_codes = data_strings.map(lambda data: data + codes.check_symbol(data))


def test_generated_codes_are_valid_and_random():
    generated = {codes.generate() for _ in range(2000)}
    assert len(generated) == 2000
    assert all(codes.is_valid(code) for code in generated)
    # 13 random symbols of 32 = 65 bits: every position takes many values.
    for position in range(codes.DATA_LENGTH):
        assert len({code[position] for code in generated}) > 25


def test_display_groups_by_four():
    code = codes.generate()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", codes.display(code))


@given(valid_codes, st.integers(min_value=0, max_value=codes.CODE_LENGTH - 1),
       st.sampled_from(codes.ALPHABET))
def test_every_single_symbol_typo_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1:]
    assert not codes.is_valid(typo)


@given(valid_codes, st.integers(min_value=0, max_value=codes.CODE_LENGTH - 2))
def test_every_adjacent_swap_is_caught(code, position):
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert not codes.is_valid(swapped)


def test_every_typo_exhaustively_on_one_code():
    code = codes.generate()
    for position in range(codes.CODE_LENGTH):
        for symbol in codes.ALPHABET:
            if symbol != code[position]:
                assert not codes.is_valid(code[:position] + symbol + code[position + 1:])


def test_a_dropped_or_added_symbol_is_caught():
    code = codes.generate()
    assert not codes.is_valid(code[:-1])
    assert not codes.is_valid(code + "0")


_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TO_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@given(valid_codes)
def test_normalisation_round_trips_what_people_type(code):
    shown = codes.display(code)
    variants = [
        shown, shown.lower(), code.lower(), " ".join(shown.split("-")),
        shown.translate(_TO_PERSIAN), shown.translate(_TO_ARABIC),
        shown.replace("0", "O").replace("1", "I"), shown.replace("1", "l"),
        f"  {shown}\t",
    ]
    for typed in variants:
        assert codes.parse(typed) == code, typed


def test_cyrillic_lookalikes_from_a_russian_keyboard():
    code = "7KMX" + "ABCEHPT0" + "9"
    code = code + codes.check_symbol(code)
    cyrillic = code.replace("K", "К").replace("M", "М").replace("X", "Х").replace("A", "А")
    assert codes.parse(cyrillic.lower()) == code


def test_garbage_is_refused():
    for typed in ["", "   ", "hello", "<script>alert(1)</script>", "7K3M-9QX2-HR4T-B5" * 3, "ÜÜÜ"]:
        assert codes.parse(typed) is None
