"""widget.css_filter: only allowlisted rules, properties and values survive, escapes cannot hide
a forbidden word, and what is left out is named for the administrator."""
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


@pytest.mark.parametrize("css, reason", [
    ("@import url(https://evil.example/x.css);", "The rule @import is not allowed"),
    ("@charset 'utf-8';", "The rule @charset is not allowed"),
    ("@namespace svg url(http://www.w3.org/2000/svg);", "The rule @namespace is not allowed"),
    ("@font-face { font-family: x; src: url(https://evil.example/f.woff) }",
     "The rule @font-face is not allowed"),
    ("a { background: url(https://evil.example/x.png) }", "loads a file (url())"),
    ("a { background-color: url('https://evil.example/x.png') }", "loads a file (url())"),
    ("a { background: \\75 rl(https://evil.example/x.png) }", "loads a file (url())"),
    ("a { width: expression(alert(1)) }", "could run script"),
    ("a { width: \\65 xpression(alert(1)) }", "could run script"),
    ("a { color: j\\61 vascript }", "could run script"),
    ("a { behavior: url(x.htc) }", "The property behavior is not allowed"),
    ("a { -moz-binding: url(x.xml#b) }", "The property -moz-binding is not allowed"),
    ("a { content: 'Pay here' }", "The property content is not allowed"),
    ("a { position: fixed }", "The property position is not allowed"),
    ("a { font-family: '</style><script>' }", "A value of font-family that is not allowed"),
    ("a[href^='javascript'] { color: red }", "A rule with a selector that is not allowed"),
    # Both swallow the rule after them into one rule with a selector that is not allowed.
    ("</style><script>alert(1)</script>", "A rule with a selector that is not allowed"),
    ("a { color: red; } }", "A rule with a selector that is not allowed"),
])
def test_dangerous_parts_are_left_out_with_a_reason(css, reason):
    result = filter_css(css + " p { margin: 0 }")
    assert any(reason in text for text in reasons(css + " p { margin: 0 }")), reasons(css)
    for word in ("evil", "url(", "expression", "javascript", "script", "<", "import",
                 "binding", "behavior", "\\"):
        assert word not in result.css.lower(), (word, result.css)
    if not css.endswith(("</script>", "} }")):
        assert "p {\n  margin: 0;\n}" in result.css


def test_too_long_a_text_is_cut_and_said_so():
    result = filter_css("p { margin: 0 }\n" * (MAX_LENGTH // 10))
    assert len(result.css) < MAX_LENGTH * 2
    assert reasons("x" * (MAX_LENGTH + 1))[0].startswith("The custom CSS is longer than")


def test_what_cannot_be_read_is_left_out():
    assert filter_css("h1 { color: red } h2").css == "h1 {\n  color: red;\n}"
    assert reasons("h1 { color: red } h2") == ["A part that could not be read was left out."]
