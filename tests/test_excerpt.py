"""Shortened texts (what staff wrote, in a cabinet's list) never end inside a word, in any of
the four scripts the widget speaks."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import given, strategies as st

from widget.excerpt import ELLIPSIS, excerpt

# Letters of each script, with what makes them hard: Vietnamese stacked diacritics (composed
# and decomposed), Persian's zero-width non-joiner inside words, Cyrillic ё.
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậềểễếệờởỡớợừửữứựỳỷỹýỵ"
PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيك\u200c"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
LATIN = "abcdefghijklmnopqrstuvwxyz0123456789,.;:!?()«»-'"
SPACES = [" ", "  ", "\n", "\t", " \n "]
NO_BREAK = ["\u00a0", "\u202f"]  # inside a word as far as breaking goes

word = st.one_of(*[st.text(alphabet, min_size=1, max_size=14) for alphabet in
                   (VIETNAMESE, PERSIAN, CYRILLIC, LATIN)]).map(
    lambda w: unicodedata.normalize("NFD", w) if len(w) % 3 == 0 else w)
texts = st.lists(st.tuples(word, st.sampled_from(SPACES + NO_BREAK)), min_size=1, max_size=40).map(
    lambda pairs: "".join(w + gap for w, gap in pairs).strip())
BREAK = re.compile(r"[^\S\u00a0\u202f]+")


def words(text: str) -> list[str]:
    return [w for w in BREAK.split(text) if w]


@given(texts, st.integers(min_value=1, max_value=200))
def test_an_excerpt_is_whole_words_of_the_text(text, limit):
    short = excerpt(text, limit)
    if len(text) <= limit:
        assert short == text
        return
    if short == text:  # one word longer than the limit: nothing to cut between words
        assert len(words(text)) == 1
        return
    assert short.endswith(ELLIPSIS)
    kept = short[:-len(ELLIPSIS)]
    assert text.startswith(kept) and kept
    following = text[len(kept):]
    assert BREAK.match(following), "cut inside a word"  # the next character is a break
    assert words(kept) == words(text)[:len(words(kept))]
    first = words(text)[0]
    assert len(short) <= limit or kept == first  # only a first word too long stretches it


@given(texts)
def test_a_text_that_fits_is_left_alone(text):
    assert excerpt(text, len(text)) == text
    assert excerpt(text, len(text) + 5) == text


def test_examples():
    assert excerpt("Mang theo giấy tờ nhà đất bản gốc", 16) == "Mang theo giấy…"
    assert excerpt("سند ملک را بیاورید", 11) == "سند ملک را…"
    assert excerpt("Принесите документ", 12) == "Принесите…"
    assert excerpt("10\u00a0000 đồng", 7) == "10\u00a0000…"
