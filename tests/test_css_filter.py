"""widget.css_filter: ordinary rules survive, rewritten; what cannot be read or is too long is
left out and named for the administrator. Every dangerous part (escapes included) is tested
through the theme editor and the served stylesheet, in test_hostile_input.py."""
from __future__ import annotations

import pytest

from widget.css_filter import MAX_LENGTH, filter_css


@pytest.fixture(autouse=True)
def _context(app):
    """The reasons are translated text: they need the app for their language."""


def reasons(css: str) -> list[str]:
    return [str(reason) for reason in filter_css(css).dropped]


def test_ordinary_rules_are_kept_and_reserialised():
    result = filter_css("/* brand */ h1, .form-list > li:not(.x) { color: #123456; "
                        "font-family: 'Noto Sans', sans-serif; padding: 1px calc(2px + 1rem) "
                        "!important; --fd-accent: rgb(0 0 0 / 50%) }")
    assert result.dropped == []
    assert result.css == (
        'h1, .form-list > li:not(.x) {\n  color: #123456;\n'
        '  font-family: "Noto Sans", sans-serif;\n  padding: 1px calc(2px + 1rem) !important;\n'
        '  --fd-accent: rgb(0 0 0 / 50%);\n}')
    assert "brand" not in result.css  # comments are not carried over


def test_media_rules_keep_their_allowed_insides():
    result = filter_css("@media (max-width: 30rem) { h1 { font-size: 1rem; "
                        "background-image: url(x.png) } }")
    assert result.css == "@media (max-width: 30rem) {\nh1 {\n  font-size: 1rem;\n}\n}"
    assert reasons("@media (max-width: 30rem) { h1 { font-size: 1rem; "
                   "background-image: url(x.png) } }") == [
        "The property background-image is not allowed and was left out."]
    assert filter_css("@media screen and (min-width: 1px) { @media print { a { color: red } } }"
                      ).css == ""
    assert filter_css("@media url(x) { a { color: red } }").css == ""


def test_too_long_a_text_is_cut_and_said_so():
    result = filter_css("p { margin: 0 }\n" * (MAX_LENGTH // 10))
    assert len(result.css) < MAX_LENGTH * 2
    assert reasons("x" * (MAX_LENGTH + 1))[0].startswith("The custom CSS is longer than")


def test_what_cannot_be_read_is_left_out():
    assert filter_css("h1 { color: red } h2").css == "h1 {\n  color: red;\n}"
    assert reasons("h1 { color: red } h2") == ["A part that could not be read was left out."]
