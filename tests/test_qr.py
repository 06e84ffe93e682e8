"""The receipt's QR code scans: read back from the SVG the page carries, with a reader written
from the standard (tests/qr_reader.py), it gives the status page's address and the code."""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from tests.conftest import form_token, tracking_code
from tests.qr_reader import read
from widget import codes
from widget.qr import BORDER, qr_svg

PATH = re.compile(r'<path fill="#000" d="([^"]*)"')
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1H\d+z")
VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


def modules(svg: str) -> list[list[bool]]:
    """The module grid an SVG drawn by widget.qr shows, quiet zone removed."""
    size = int(VIEWBOX.search(svg).group(1)) - 2 * BORDER
    grid = [[False] * size for _ in range(size)]
    drawn = PATH.search(svg).group(1)
    assert RUN.sub("", drawn) == "", "the path holds something else than row runs"
    for x, y, width in RUN.findall(drawn):
        for column in range(int(x), int(x) + int(width)):
            grid[int(y) - BORDER][column - BORDER] = True
    return grid


@given(site=st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40),
       lang=st.sampled_from(["en", "vi", "fa", "ru"]),
       host=st.sampled_from(["https://desk.example.org", "http://localhost:5000",
                             "https://dich-vu-cong.hanoi.gov.vn"]))
def test_the_drawn_code_reads_back_as_the_address(site, lang, host):
    address = f"{host}/w/{site}/{lang}/track#{codes.display(codes.generate())}"
    assert read(modules(qr_svg(address, "QR"))) == address


def test_the_title_is_text_not_markup():
    svg = qr_svg("https://x.org", '<script>alert(1)</script>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_receipt_carries_a_code_that_opens_the_status_page(client, create_site, create_form):
    create_form(create_site(), slug="contact")
    token = form_token(client.get("/w/test/vi/f/contact").get_data(as_text=True))
    receipt = client.post("/w/test/vi/f/contact", data={
        "form_token": token, "action": "send", "name": "Lan", "message": "Xin chào"})
    html = receipt.get_data(as_text=True)
    code = tracking_code(html).replace("-", "")  # the code as stored: the page reads either
    address = f"http://localhost/w/test/vi/track#{code}"
    # The browser draws it (tests/e2e/test_receipt_print.py reads the drawing back); the
    # server spends nothing on it ...
    assert f'data-qr="{address}"' in html and "<svg" not in html
    assert "js/vendor/qrcode.min.js" in html
    # ... unless a page without JavaScript asks: the same receipt, with the code drawn here.
    drawn = client.post("/w/test/vi/f/contact", data={
        "form_token": token, "action": "language", "qr": "1"}).get_data(as_text=True)
    assert tracking_code(drawn) == tracking_code(html)
    svg = re.search(r"<svg.*?</svg>", drawn, re.S).group(0)
    assert read(modules(svg)) == address
