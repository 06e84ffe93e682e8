"""Column headers in back-office tables never break inside a word: the page's body may wrap
long words anywhere (addresses, codes), and that is inherited, so every header (a th, and on a
narrow screen the label a row shows before each value) sets its own wrapping back to whole
words, and no rule for a header turns it on again."""
from __future__ import annotations

import re
from pathlib import Path

import tinycss2

ROOT = Path(__file__).resolve().parent.parent
SHEETS = sorted((ROOT / "admin" / "static").glob("*.css"))
WHOLE_WORDS = {"hyphens": "none", "word-break": "normal", "overflow-wrap": "normal"}
BREAKING = {"hyphens": {"auto"}, "word-break": {"break-all", "break-word"},
            "overflow-wrap": {"anywhere", "break-word"}, "word-wrap": {"anywhere", "break-word"}}
# A th in a selector, or the header label a narrow table row shows (td::before).
HEADER = re.compile(r"(^|[\s,>+~(])th(?![\w-])|td::before")


def rules(sheet: Path):
    """(selector, {property: value}) of every style rule, inside @media blocks too."""
    def walk(nodes):
        for node in nodes:
            if node.type == "qualified-rule":
                declarations = tinycss2.parse_declaration_list(node.content, skip_whitespace=True,
                                                               skip_comments=True)
                yield tinycss2.serialize(node.prelude).strip(), {
                    item.lower_name: tinycss2.serialize(item.value).strip().lower()
                    for item in declarations if item.type == "declaration"}
            elif node.type == "at-rule" and node.content is not None:
                yield from walk(tinycss2.parse_rule_list(node.content, skip_whitespace=True,
                                                         skip_comments=True))
    yield from walk(tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8"),
                                              skip_whitespace=True, skip_comments=True))


def header_rules() -> list[tuple[str, str, dict]]:
    return [(sheet.name, selector, values) for sheet in SHEETS
            for selector, values in rules(sheet) if HEADER.search(selector)]


def test_every_header_keeps_words_whole():
    found = header_rules()
    assert found  # the sheets have header rules at all
    for sheet, selector, values in found:
        for name, bad in BREAKING.items():
            assert values.get(name) not in bad, (sheet, selector, name, values[name])
    for wanted in ("th", "td::before"):
        setting = [values for _sheet, selector, values in found
                   if any(part.strip().endswith(wanted) for part in selector.split(","))
                   and all(values.get(name) == value for name, value in WHOLE_WORDS.items())]
        assert setting, f"no rule gives {wanted} whole words"
