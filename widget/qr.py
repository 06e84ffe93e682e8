"""QR codes drawn on the server as inline SVG, so that a receipt printed or seen without
JavaScript still carries one.

Two choices make it cheap, about a quarter of what segno's defaults cost per receipt: a fixed
mask (segno would otherwise draw all eight and score each; any mask scans, the score only
picks the easiest for old readers) and our own drawing of the modules, one path of row runs
found by a regular expression instead of a Python loop per module.
"""
from __future__ import annotations

import re

import segno
from markupsafe import escape

_DARK_RUNS = re.compile(rb"\x01+")
SCALE = 3    # CSS pixels per module before the stylesheet scales it
BORDER = 2   # quiet zone, in modules (readers manage with 2 on a white page)


def qr_matrix(text: str) -> tuple[bytearray, ...]:
    """The modules of the QR code of a text, rows of 1 (dark) and 0 (light): level M, mask 0."""
    return segno.make_qr(text, error="m", mask=0, boost_error=False).matrix


def svg_of_matrix(matrix, title: str) -> str:
    """An inline SVG of a module matrix, titled for screen readers."""
    size = len(matrix) + 2 * BORDER
    runs = []
    for y, row in enumerate(matrix, BORDER):
        for run in _DARK_RUNS.finditer(bytes(row)):
            runs.append(f"M{run.start() + BORDER} {y}h{run.end() - run.start()}v1H{run.start() + BORDER}z")
    pixels = size * SCALE
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}" '
            f'viewBox="0 0 {size} {size}" role="img" shape-rendering="crispEdges" class="segno">'
            f'<title>{escape(title)}</title>'
            f'<path fill="#fff" d="M0 0h{size}v{size}H0z"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_svg(text: str, title: str) -> str:
    """An inline SVG QR code of a text (a URL, its fragment included)."""
    return svg_of_matrix(qr_matrix(text), title)
