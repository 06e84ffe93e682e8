"""The dashboard on a 360-pixel phone in Chromium: the page never scrolls sideways, the phone's
charts show (not the screen's, scaled down to 5-pixel text), and no two labels of a chart
overlap or leave it."""
from __future__ import annotations

import pytest

from tests.e2e.test_back_office import sign_in

pytestmark = pytest.mark.e2e

# For every shown chart: its box, and the boxes of its texts and their font size on screen.
MEASURE = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => ({id: svg.id, box: svg.getBoundingClientRect().toJSON(),
                texts: [...svg.querySelectorAll(':scope > text')].map(text => ({
                  text: text.textContent, box: text.getBoundingClientRect().toJSON(),
                  size: text.getBoundingClientRect().height}))}))"""


def overlap(a: dict, b: dict) -> bool:
    # A pixel of slack: neighbouring glyph boxes may touch.
    return (a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
            and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1)


@pytest.mark.parametrize("days", ["7", "30", "90"])
def test_the_dashboard_reads_on_a_360_pixel_phone(browser, live_app, days):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_app, "admin@demo.frontdesk")
        page.goto(f"{live_app.url}/admin/dashboard?days={days}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        charts = page.evaluate(MEASURE)
        assert {chart["id"] for chart in charts} == {
            "chart-per-day-narrow", "chart-statuses-narrow", "chart-on-time-narrow",
            "chart-overdue-narrow"}
        for chart in charts:
            frame = chart["box"]
            texts = [text for text in chart["texts"] if text["text"].strip()]
            for text in texts:
                assert text["size"] >= 10, (chart["id"], text["text"])  # readable, not 5 px
                box = text["box"]
                assert frame["left"] - 1 <= box["left"] and box["right"] <= frame["right"] + 1, \
                    (chart["id"], text["text"])
            for index, one in enumerate(texts):
                for other in texts[index + 1:]:
                    assert not overlap(one["box"], other["box"]), (chart["id"], one["text"],
                                                                   other["text"])
    finally:
        context.close()
