"""The Nu HTML Checker (vnu-jar from npm, run with the machine's Java) over rendered pages."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def html_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """The checker's errors on each page ({name: HTML}), as "name: line N: message"."""
    if not (VNU.exists() and shutil.which("java")):
        pytest.fail("the Nu HTML Checker needs Java and node_modules/vnu-jar: run `make test`")
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"page-{number}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = name
    # One start of the checker for all pages: it costs seconds to start.
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=240)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
            f"line {m.get('lastLine')}: {m['message']}" for m in messages]
