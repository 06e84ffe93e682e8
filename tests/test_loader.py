"""The host page's loader stays tiny and checks who it listens to; a form's first paint stays
light."""
import gzip
import re
from pathlib import Path

from tests.test_widget_routes import ALL_TYPES

EMBED = Path(__file__).resolve().parent.parent / "widget" / "static" / "embed.js"
# What a first paint fetches besides the page: stylesheets, scripts, images.
ASSET_RE = re.compile(r'<(?:link rel="stylesheet"|script|img)[^>]*?\s(?:href|src)="([^"]+)"')


def test_embed_js_is_at_most_2_kb_gzipped():
    assert len(gzip.compress(EMBED.read_bytes(), compresslevel=9)) <= 2048


def test_embed_js_checks_message_origin_and_source():
    source = EMBED.read_text()
    assert "e.origin !== base" in source and "e.source !== f.contentWindow" in source


def test_loader_is_served_with_its_type(client):
    response = client.get("/static/embed.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert response.get_data() == EMBED.read_bytes()
    response.close()


def _wire_bytes(response) -> int:
    """A response's size on the wire, uncompressed: status line, headers and body."""
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in response.headers.items()) + "\r\n"
    size = len(head.encode()) + len(response.get_data())
    response.close()
    return size


def test_first_paint_of_a_form_is_at_most_30_kb_uncompressed(client, create_site, create_form):
    # What the loader fetches for a form with every field type: itself, the redirect, the page
    # and everything the page links for its first paint (benchmarks/bench_weight.py measures
    # the same in Chromium). No reverse proxy's gzip counted.
    create_form(create_site(), slug="everything", fields=ALL_TYPES)
    page = client.get("/w/test/en/f/everything")
    assets = ASSET_RE.findall(page.get_data(as_text=True))
    assert {"/static/css/widget.css", "/static/js/widget.js"} <= set(assets)
    total = (_wire_bytes(client.get("/static/embed.js"))
             + _wire_bytes(client.get("/w/test/?lang=en&form=everything")) + _wire_bytes(page)
             + sum(_wire_bytes(client.get(url)) for url in assets))
    assert total <= 30 * 1024
