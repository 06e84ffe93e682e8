"""The Nu HTML Checker (vnu-jar from npm, run with Java) finds no error on any widget page."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pages import widget_pages

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_widget_page_is_valid_html_in_every_language(client, db, tmp_path):
    if not (VNU.exists() and shutil.which("java")):
        pytest.fail("the Nu HTML Checker needs Java and node_modules/vnu-jar: run `make test`")
    files = {}
    for language in ("en", "vi", "fa", "ru"):
        for name, html in widget_pages(client, language).items():
            path = tmp_path / f"{language}-{name.replace(' ', '-')}.html"
            path.write_text(html, encoding="utf-8")
            files[str(path)] = f"{language}: {name}"
    # One start of the checker for all pages: it costs seconds to start.
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=240)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    problems = [f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
                f"line {m.get('lastLine')}: {m['message']}" for m in messages]
    assert problems == []
    assert len(files) >= 4 * 18
