"""Every place administrators' HTML is sanitised drops scripts and styles whole: what was inside
a removed <script> or <style> never shows up as text (a header or form description once read
"alert(1)"); and every module that sanitises is one of the entry points tested here."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import widget.sanitize as sanitize
from tests.backoffice import office  # noqa: F401
from widget.services.form_builder import FormSettings, update_settings
from widget.services.form_proposals import check_definition
from widget.services.help_pages import HelpPageInput, save_help_page
from widget.services.themes import ThemeInput, save_theme

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT type='text/javascript'>alert(1)</SCRIPT >",
    "<script>alert(1)",                                  # never closed
    "<style>body{color:red} alert(1)</style>",
    "<div><script><script>alert(1)</script></script></div>",
    "<svg><script>alert(1)</script><style>alert(1)</style></svg>",
    "<noscript>alert(1)</noscript>",
    "<template><p>alert(1)</p></template>",
    "<iframe>alert(1)</iframe>",
    "<textarea>alert(1)</textarea><title>alert(1)</title>",
    "<p onclick='alert(1)'>x</p><img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
]
KEPT = "<p>Bring your <strong>ID card</strong></p>"


def entry_points() -> list[str]:
    return sorted(name for name, function in inspect.getmembers(sanitize, inspect.isfunction)
                  if name.startswith("clean") and function.__module__ == sanitize.__name__)


def assert_clean(html: str) -> None:
    assert "alert" not in html and "color:red" not in html, html
    assert not re.search(r"<(script|style|svg|iframe|template|noscript|textarea|title)", html, re.I)


@pytest.mark.parametrize("name", entry_points())
@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_sanitiser_drops_scripts_and_styles_whole(name, hostile):
    clean = getattr(sanitize, name)
    cleaned = clean(f"<p>Before</p>{hostile}<p>After</p>")
    assert_clean(cleaned)
    assert "Before" in cleaned
    assert "<strong>ID card</strong>" in clean(KEPT)  # formatting stays


def test_the_entry_points_are_the_ones_tested_here():
    """Every module that calls a sanitiser is one whose saving is exercised below."""
    callers = set()
    uses = re.compile(r"^\s*(from widget\.sanitize import|from widget import sanitize|"
                      r"import widget\.sanitize)", re.M)
    for path in [*(ROOT / "widget").rglob("*.py"), *(ROOT / "admin").rglob("*.py")]:
        if path.name != "sanitize.py" and uses.search(path.read_text(encoding="utf-8")):
            callers.add(path.relative_to(ROOT).as_posix())
    assert callers == {"widget/services/form_builder.py", "widget/services/form_proposals.py",
                       "widget/services/help_pages.py", "widget/services/themes.py"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_saved_headers_descriptions_and_help_pages_show_no_script_text(office, hostile):
    admin, form = office["people"]["admin"], office["forms"]["HN"]
    typed = f"<p>Hello</p>{hostile}"
    theme = save_theme(admin, None, ThemeInput(name="T", header_html={"en": typed})).theme
    assert_clean(theme.header_html["en"])
    update_settings(admin, form.id, FormSettings(
        titles={"en": "Form"}, descriptions={"en": typed}, processing_days="5", sms_enabled=True,
        same_day=False, handovers=[], fee="", unit_id=str(form.unit_id), group_id="",
        is_published=True))
    assert_clean(form.descriptions["en"])
    page = save_help_page(admin, None, HelpPageInput(titles={"en": "Help"}, bodies={"en": typed}))
    assert_clean(page.bodies["en"])
    pushed = check_definition({"slug": "pushed", "processing_days": 5, "titles": {"en": "P"},
                               "descriptions": {"en": typed},
                               "fields": [{"key": "name", "type": "text",
                                           "labels": {"en": "Name"}}]})
    assert_clean(pushed["descriptions"]["en"])
