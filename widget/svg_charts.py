"""Charts drawn on the server as inline SVG: no script, no library, nothing from elsewhere.

Each chart is an image to assistive technology (role="img", named by its <title> and <desc>);
the page shows the same numbers in a table too. Every text is escaped here (form titles and unit
names are typed by people). For right-to-left languages the charts are mirrored: labels on the
right, bars growing to the left, the oldest day on the right.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Distinct on white and for the common colour blindnesses (Okabe and Ito), darkest first.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000", "#999999")
WIDTH = 720
# How far below the axis a day label's baseline is: clear of the axis's "0" beside it.
DAY_LABEL_DROP = 21
# A phone's chart (360 px screens): drawn for the width, so its 12-unit text stays about 12 px.
NARROW = 360
FONT = 'font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[int]


def _open(chart_id: str, title: str, desc: str, height: int, rtl: bool, width: int = WIDTH) -> str:
    # The direction is set, not inherited from the page, so that text-anchor="start" is the
    # left edge in left-to-right charts and the right edge in mirrored ones.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'role="img" viewBox="0 0 {width} {height}" direction="{"rtl" if rtl else "ltr"}" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>')


def _ceiling(value: int) -> int:
    """A round top for an axis: 1, 2, 5 or 10 times a power of ten, at least the value."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def stacked_columns(chart_id: str, title: str, desc: str, categories: Sequence[str],
                    series: Sequence[Series], rtl: bool = False,
                    number: Callable[[int], str] = str, width: int = WIDTH) -> Markup:
    """Columns of stacked counts, one per category (a day), one colour per series (a form)."""
    height, top, bottom, side = 260, 12, 36, 48 if width >= WIDTH else 40
    plot_width, plot_height = width - 2 * side, height - top - bottom
    count = max(len(categories), 1)
    top_value = _ceiling(max((sum(s.values[i] for s in series) for i in range(len(categories))),
                             default=0))
    slot = plot_width / count
    parts = [_open(chart_id, title, desc, height, rtl, width)]

    def x_of(left: float, bar: float) -> float:
        return width - left - bar if rtl else left

    # Grid lines with their values, at 0, half and the top.
    for value in (0, top_value // 2, top_value) if top_value > 1 else (0, top_value):
        y = top + plot_height - plot_height * value / top_value
        parts.append(f'<line x1="{side}" x2="{width - side}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ccc" stroke-width="1"/>')
        label_x = width - side + 6 if rtl else side - 6
        parts.append(f'<text x="{label_x}" y="{y + 4:.1f}" text-anchor="end" '
                     f'{FONT}>{escape(number(value))}</text>')
    # A day label ("30 Oct") needs about 72 units: ten on a wide chart, five on a phone's.
    every = math.ceil(count / max(width // 72, 1))
    for index, category in enumerate(categories):
        left = side + index * slot
        bar_width = max(slot * 0.7, 1)
        x = x_of(left + (slot - bar_width) / 2, bar_width)
        base = top + plot_height
        for one in series:
            value = one.values[index]
            if not value:
                continue
            bar_height = plot_height * value / top_value
            base -= bar_height
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_width:.1f}" '
                         f'height="{bar_height:.1f}" fill="{escape(one.colour)}">'
                         f'<title>{escape(category)}, {escape(one.name)}: '
                         f'{escape(number(value))}</title></rect>')
        if index % every == 0:
            parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{height - bottom + DAY_LABEL_DROP}" '
                         f'text-anchor="middle" {FONT}>{escape(category)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, float, str]],
         maximum: float | None = None, rtl: bool = False, colour: str = PALETTE[0],
         width: int = WIDTH) -> Markup:
    """Horizontal bars, one per (label, value, value as shown) item, the value beside the bar."""
    narrow = width < WIDTH
    row, top = 28, 8
    label_width, value_width = (120, 64) if narrow else (220, 80)
    # About 7 units a character at the charts' 12-unit font: the label never runs into its bar.
    most = label_width // 7 if narrow else 32
    height = top * 2 + row * max(len(items), 1)
    scale = maximum if maximum else max((value for _label, value, _shown in items), default=0) or 1
    bar_room = width - label_width - value_width - 16
    parts = [_open(chart_id, title, desc, height, rtl, width)]
    for index, (label, value, shown) in enumerate(items):
        y = top + index * row
        length = bar_room * max(value, 0) / scale
        # Text starts at the chart's reading edge (see _open): no anchor changes when mirrored.
        if rtl:
            label_x, bar_x = width - 4, width - label_width - 8 - length
            value_x = bar_x - 6
        else:
            label_x, bar_x = 4, label_width + 8
            value_x = bar_x + length + 6
        parts.append(f'<text x="{label_x}" y="{y + 18}" text-anchor="start" {FONT}>'
                     f'{escape(_clipped(label, most))}</text>')
        parts.append(f'<rect x="{bar_x:.1f}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
                     f'fill="{escape(colour)}"/>')
        parts.append(f'<text x="{value_x:.1f}" y="{y + 18}" text-anchor="start" {FONT}>'
                     f'{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clipped(text: str, most: int = 32) -> str:
    # The label column is narrow; the table beside the chart has the whole text.
    return text if len(text) <= most else text[:most - 1] + "…"
