"""The host page's loader stays tiny and checks who it listens to."""
import gzip
from pathlib import Path

EMBED = Path(__file__).resolve().parent.parent / "widget" / "static" / "embed.js"


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
