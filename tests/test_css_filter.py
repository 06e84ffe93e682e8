"""widget.css_filter: ordinary rules survive, rewritten; what cannot be read or is too long is
left out and named for the administrator; names and values written with escapes inject nothing
(a property test). Every dangerous part (escapes included) is tested
through the theme editor and the served stylesheet, in test_hostile_input.py."""
from __future__ import annotations

import random
import re

import pytest
import tinycss2
from hypothesis import HealthCheck, given, settings, strategies as st

from widget.css_filter import (ALLOWED_FUNCTIONS, ALLOWED_PROPERTIES, MAX_LENGTH, SCRIPT_WORDS,
                               SELECTOR_FUNCTIONS, filter_css)


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


# --- escapes cannot smuggle a rule through a name (issue 16, security 2) -------------------------

# Custom property names written with escapes that decode to `}` `{` `:` `;` `<`: written back
# decoded, each closed its rule and opened one of its own.
ESCAPED_NAME_EXPLOITS = [
    r'h1 { --fd-a\7d body\7b content\3a\22 Pay\20 here\22\3b position\3a fixed\7d a\7b x: 1 }',
    r"h1 { --fd-x\3a 1\3b position\3a fixed: 1 }",
    r"h1 { --fd-\7d \2a \7b position\3a fixed\3b content\3a\27 Pay\27: 0 }",
    r"h1 { --fd-x\<\/style\>\<script\>alert\(1\)\<\/script\>: 1 }",
    r"h1 { --fd-x\}\*\{position\:fixed\}a\{y: 1 }",
    r"h1 { --fd-x\a\7d\a\2a\7b\a position\3a fixed: 1 }",
    r"h1 { --\66 d-a\7d\2a\7b position\3a fixed: 1 }",
    r"@media print { h1 { --fd-a\7d\2a\7b position\3a fixed: 1 } }",
]


@pytest.mark.parametrize("css", ESCAPED_NAME_EXPLOITS)
def test_a_name_written_with_escapes_injects_no_rule(css):
    result = filter_css(css)
    assert "position" not in result.css and "content" not in result.css, result.css
    assert "<" not in result.css and "}" not in result.css.replace("\n}", ""), result.css
    assert_only_allowlisted(result.css)
    assert [reason for reason in reasons(css)
            if reason.startswith("The property ") and reason.endswith("is not allowed and was "
                                                                     "left out.")]


def test_plain_custom_properties_keep_their_names():
    assert filter_css("h1 { --fd-Accent-2: red; --FD-x: blue }").css == (
        "h1 {\n  --fd-Accent-2: red;\n}")


PLAIN_WORD = re.compile(r"-?-?[A-Za-z_][A-Za-z0-9_-]*\Z")
CUSTOM_PROPERTY = re.compile(r"--fd-[A-Za-z0-9_-]+\Z")


def assert_only_allowlisted(css: str) -> None:
    """The filtered text, read again by a CSS parser: ordinary rules (or @media holding them)
    with plain selectors and allowed declarations only, and nothing that closes a <style>."""
    assert "<" not in css
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        assert rule.type in ("qualified-rule", "at-rule"), rule
        if rule.type == "at-rule":
            assert rule.lower_at_keyword == "media" and rule.content is not None
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                             skip_whitespace=True)
            assert inner and all(item.type == "qualified-rule" for item in inner), inner
            for token in _tokens(rule.prelude):
                assert token.type in ("whitespace", "ident", "dimension", "number", "literal",
                                      "() block"), token
            for item in inner:
                _assert_allowed_rule(item)
        else:
            _assert_allowed_rule(rule)


def _assert_allowed_rule(rule) -> None:
    for token in _tokens(rule.prelude):
        assert token.type in ("whitespace", "ident", "hash", "literal", "number", "dimension",
                              "[] block", "function", "comment"), token
        if token.type == "function":
            assert token.lower_name in SELECTOR_FUNCTIONS, token.name
        if token.type in ("ident", "hash"):
            assert PLAIN_WORD.match(token.value.lstrip("-") or "x"), token.value
    declarations = tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                   skip_whitespace=True)
    assert declarations
    for declaration in declarations:
        assert declaration.type == "declaration", declaration
        assert (declaration.name in ALLOWED_PROPERTIES
                or CUSTOM_PROPERTY.match(declaration.name)), declaration.name
        for token in _tokens(declaration.value):
            assert token.type not in ("url", "bad-url", "{} block", "[] block", "at-keyword",
                                      "bad-string"), token
            if token.type == "function":
                assert token.lower_name in ALLOWED_FUNCTIONS, token.name
            if token.type == "string":
                assert declaration.name == "font-family", declaration.name
            if token.type == "ident":
                assert token.lower_value not in SCRIPT_WORDS


def _tokens(tokens):
    for token in tokens:
        yield token
        if token.type == "function":
            yield from _tokens(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            yield from _tokens(token.content)


def _escaped(chance, text: str) -> str:
    """The text with some characters written as CSS escapes (hex with or without the space that
    ends one, or a backslash before the character). `chance` is a seeded random.Random: one
    draw per character would make the examples slow to generate."""
    out = []
    for char in text:
        how = chance.choice(("plain", "plain", "hex", "hex-space", "backslash"))
        if how == "hex" or (how == "backslash" and char in "0123456789abcdefABCDEF \n"):
            out.append(f"\\{ord(char):x} ")  # the space keeps a next hex digit out
        elif how == "hex-space":
            out.append(f"\\{ord(char):06x}")
        elif how == "backslash":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


NAMES = ["color", "background-color", "font-family", "margin", "width", "position", "content",
         "behavior", "-moz-binding", "--fd-accent", "--fd-a}body{content:", "--fd-x:1;position:fixed",
         "--fd-x</style><script>", "--fd-", "--x", "--fd-\\", "--fd-a\nb", "--fd-Ω", "font"]
VALUES = ["red", "#123", "#12345678", "1px", "-2.5e3em", "50%", "calc(1px + 2%)", "var(--fd-a)",
          "rgb(0 0 0 / 50%)", "url(x.png)", "url('https://evil.example/x')", "'Noto Sans'",
          '"a\\"b\\\\c"', "'x\\\ny'", "U+0-7F", "U+4??", "expression(alert(1))", "javascript",
          "}", "{", ";", ":", "\\", "\n", "/* c */", "!important", "<", "</style>", "1e",
          "attr(x)", "(1px)", "[a]", "{ a: b }", "\\7d", "\\3a", "\\7b", "\\\\", "@x", "sans-serif"]
SELECTORS = ["h1", ".a", "#b", "a:hover", "li:nth-child(2n + 1)", "[x=y]", "*", "a > b", "a, b",
             "\\7d", "a\\3a b", "x\\7b y", ":not(.x)", "a[href^='j']", "#1x", "u+0-7f", "@a",
             "a::before", ".a\\\\b"]
AT_RULES = ["@media (max-width: 30rem)", "@media print", "@media screen and (min-width: 1\\7d)",
            "@import url(x)", "@font-face", "@supports (color: red)", "@media url(x)",
            "@\\6d edia print", "@charset 'x';", "@page"]
JUNK = ["}", "{", ";", ":", "\\", "\n", "/*", "*/", "'", '"', "(", ")", "<", "!", "@"]


@st.composite
def escape_heavy_css(draw, depth: int = 0, chance=None) -> str:
    """A style sheet of rules, at-rules and junk whose names, values and selectors are written
    with CSS escapes."""
    chance = chance or random.Random(draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("rule", "rule", "at", "junk")))
        if kind == "junk":
            parts.append(draw(st.sampled_from(JUNK)))
        elif kind == "at" and depth < 2:
            at = _escaped(chance, draw(st.sampled_from(AT_RULES)))
            parts.append(at + " { " + draw(escape_heavy_css(depth + 1, chance)) + " }")
        else:
            declarations = []
            for _ in range(draw(st.integers(0, 3))):
                name = _escaped(chance, draw(st.sampled_from(NAMES)))
                value = " ".join(draw(st.sampled_from(VALUES))
                                 for _ in range(draw(st.integers(1, 3))))
                if draw(st.booleans()):
                    value = _escaped(chance, value)
                declarations.append(f"{name}: {value}")
            if draw(st.booleans()) and depth < 2:
                declarations.append(draw(escape_heavy_css(depth + 1, chance)))
            selector = _escaped(chance, draw(st.sampled_from(SELECTORS)))
            parts.append(selector + " { " + "; ".join(declarations) + " }")
    return "\n".join(parts)


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(escape_heavy_css())
def test_filtering_is_idempotent_and_keeps_only_allowlisted_rules(css):
    filtered = filter_css(css).css
    assert filter_css(filtered).css == filtered
    assert_only_allowlisted(filtered)
