"""Administrators' custom CSS for a theme, reduced to an allowlist.

Threat model: the CSS is served to citizens inside the widget. CSS can load remote files (a
tracking beacon, a font), run script in old browsers (expression(), behavior, -moz-binding),
close an inline <style> and inject markup, or hide text as "escapes" (`\\6a avascript`). So the
text is parsed with tinycss2 (which decodes escapes, so every check sees the real words), only
ordinary rules with allowed properties and plain values are kept, and the output is serialised
again from the kept tokens: the raw text never reaches a page. Decoding cuts both ways: a name
written `--fd-a\\7d body\\7b ...` decodes to `--fd-a}body{...`, which written back as it reads would
close the rule and open another. So every name kept must be plain (letters, digits, `-`, `_`)
once decoded, and is still written through tinycss2's serialiser, which escapes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import tinycss2
from flask_babel import lazy_gettext as _l
from tinycss2.serializer import serialize_identifier

MAX_LENGTH = 20_000
# Looks, not layout tricks: no position/content/url-taking properties (content would let a
# theme write text that citizens take for the organisation's own words).
ALLOWED_PROPERTIES = frozenset("""
color background-color background opacity
font font-family font-size font-weight font-style font-variant line-height letter-spacing
word-spacing text-align text-decoration text-decoration-color text-transform text-indent
margin margin-top margin-right margin-bottom margin-left margin-block margin-inline
margin-block-start margin-block-end margin-inline-start margin-inline-end
padding padding-top padding-right padding-bottom padding-left padding-block padding-inline
padding-block-start padding-block-end padding-inline-start padding-inline-end
border border-top border-right border-bottom border-left border-block border-inline
border-block-start border-block-end border-inline-start border-inline-end
border-color border-style border-width border-radius
outline outline-color outline-style outline-width outline-offset
box-shadow text-shadow gap row-gap column-gap
width max-width min-width height max-height min-height
display flex-wrap justify-content align-items
list-style-type
""".split())
# Functions a value may use (colours and arithmetic); everything else (url, expression,
# image-set, element, attr...) is refused.
ALLOWED_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc", "var", "min", "max",
                               "clamp"})
SELECTOR_FUNCTIONS = frozenset({"not", "is", "where", "nth-child", "nth-last-child",
                                "nth-of-type", "nth-last-of-type"})
SELECTOR_DELIMS = frozenset(".,>+~*:#[]=-")
VALUE_DELIMS = frozenset(",/+-*")
WORD = re.compile(r"-?-?[A-Za-z_][A-Za-z0-9_-]*\Z")
CUSTOM_PROPERTY = re.compile(r"--fd-[A-Za-z0-9_-]+\Z")
FONT_NAME = re.compile(r"[A-Za-z0-9 _-]{1,60}\Z")
SCRIPT_WORDS = frozenset({"expression", "javascript", "behavior", "vbscript"})
MEDIA_WORDS = frozenset({"and", "not", "only", "screen", "print", "all", "min-width", "max-width",
                         "prefers-reduced-motion", "prefers-color-scheme", "prefers-contrast",
                         "reduce", "dark", "light", "more", "orientation", "portrait",
                         "landscape", "hover", "none"})


@dataclass
class FilteredCss:
    """The CSS that may be served, and why each left-out part was left out (readable)."""

    css: str
    dropped: list = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def filter_css(text: str) -> FilteredCss:
    """Keep the allowed rules and declarations of a style sheet, re-serialised from tokens."""
    result = FilteredCss("")
    text = text or ""
    if len(text) > MAX_LENGTH:
        result.dropped.append(_l("The custom CSS is longer than %(max)d characters: the rest "
                                 "was left out.", max=MAX_LENGTH))
        text = text[:MAX_LENGTH]
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    result.css = "\n".join(_rules(rules, result.dropped, nested=False))
    return result


def _rules(rules, dropped: list, nested: bool) -> list[str]:
    kept = []
    for rule in rules:
        if rule.type == "error":
            dropped.append(_l("A part that could not be read was left out."))
        elif rule.type == "at-rule":
            if rule.lower_at_keyword == "media" and not nested and rule.content is not None:
                media = _media(rule, dropped)
                if media:
                    kept.append(media)
            else:
                dropped.append(_l("The rule @%(name)s is not allowed and was left out.",
                                  name=_shown(rule.at_keyword)))
        elif rule.type == "qualified-rule":
            kept_rule = _qualified(rule, dropped)
            if kept_rule:
                kept.append(kept_rule)
    return kept


def _media(rule, dropped: list) -> str:
    prelude = rule.prelude
    for token in _flatten(prelude):
        allowed = (token.type in ("whitespace", "number")
                   or (token.type == "dimension" and WORD.match(token.unit))
                   or (token.type == "ident" and token.lower_value in MEDIA_WORDS)
                   or (token.type == "literal" and token.value in ":,"))
        if not allowed:
            dropped.append(_l("A @media rule with a condition that is not allowed was left out."))
            return ""
    inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
    kept = _rules(inner, dropped, nested=True)
    if not kept:
        return ""
    return "@media " + tinycss2.serialize(prelude).strip() + " {\n" + "\n".join(kept) + "\n}"


def _flatten(tokens):
    for token in tokens:
        if token.type in ("() block", "[] block", "function"):
            if token.type == "function":
                yield token
            yield from _flatten(token.arguments if token.type == "function" else token.content)
        else:
            yield token


def _qualified(rule, dropped: list) -> str:
    try:
        _check_selector(rule.prelude)
    except _Refused as refusal:
        dropped.append(refusal.reason)
        return ""
    selector = tinycss2.serialize(rule.prelude).strip()
    if not selector:
        dropped.append(_l("A rule without a selector was left out."))
        return ""
    declarations = []
    for item in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                skip_whitespace=True):
        if item.type == "error":
            dropped.append(_l("A part that could not be read was left out."))
            continue
        if item.type != "declaration":
            dropped.append(_l("A nested rule was left out."))
            continue
        # Custom properties are case-sensitive, so they keep their case; the others are lowered.
        name = item.name if item.name.startswith("--") else item.lower_name
        if not (name in ALLOWED_PROPERTIES or CUSTOM_PROPERTY.match(name)):
            dropped.append(_l("The property %(name)s is not allowed and was left out.",
                              name=_shown(item.name)))
            continue
        try:
            _check_value(item.value, name)
        except _Refused as refusal:
            dropped.append(refusal.reason)
            continue
        value = tinycss2.serialize(item.value).strip()
        if value:
            declarations.append(f"  {serialize_identifier(name)}: {value}"
                                f"{' !important' if item.important else ''};")
    if not declarations:
        return ""
    return selector + " {\n" + "\n".join(declarations) + "\n}"


def _check_selector(tokens) -> None:
    refused = _Refused(_l("A rule with a selector that is not allowed was left out."))
    for token in tokens:
        if token.type == "whitespace":
            continue
        if token.type == "ident" and WORD.match(token.value):
            continue
        if token.type == "hash" and WORD.match(token.value.lstrip("-") or "-"):
            continue
        if token.type == "number" and token.is_integer:
            continue
        if token.type == "dimension" and token.is_integer and WORD.match(token.unit):
            continue  # the "2n" of :nth-child(2n + 1)
        if token.type == "literal" and token.value in SELECTOR_DELIMS:
            continue
        if token.type == "[] block":
            _check_selector(token.content)
            continue
        if token.type == "function" and token.lower_name in SELECTOR_FUNCTIONS:
            _check_selector(token.arguments)
            continue
        raise refused


def _check_value(tokens, prop: str) -> None:
    for token in tokens:
        kind = token.type
        if kind in ("whitespace", "number", "percentage"):
            continue
        if kind == "dimension" and WORD.match(token.unit):
            continue
        if kind in ("ident", "function") and (token.lower_value if kind == "ident" else
                                               token.lower_name) in SCRIPT_WORDS:
            raise _Refused(_l("A value of %(name)s that could run script was left out.",
                              name=prop))
        if kind == "ident" and WORD.match(token.value):
            continue
        if kind == "hash" and re.fullmatch(r"[0-9A-Fa-f]{3,8}", token.value):
            continue
        if kind == "literal" and token.value in VALUE_DELIMS:
            continue
        if kind == "string" and prop == "font-family" and FONT_NAME.match(token.value):
            continue
        if kind in ("url", "bad-url") or (kind == "function" and token.lower_name == "url"):
            raise _Refused(_l("The value of %(name)s loads a file (url()) and was left out: a "
                              "theme cannot load files from elsewhere.", name=prop))
        if kind == "function" and token.lower_name in ALLOWED_FUNCTIONS:
            _check_value(token.arguments, prop)
            continue
        if kind == "() block":
            _check_value(token.content, prop)
            continue
        raise _Refused(_l("A value of %(name)s that is not allowed was left out.", name=prop))


def _shown(name: str) -> str:
    # Names quoted back to the administrator: short and printable (they are escaped anyway).
    name = "".join(char for char in name if char.isprintable())
    return name[:40]
