"""The Nu HTML Checker (vnu-jar from npm, run with Java) finds no error on any widget page."""
from tests.pages import widget_pages
from tests.vnu import html_errors


def test_every_widget_page_is_valid_html_in_every_language(client, db, tmp_path):
    pages = {f"{language}: {name}": html for language in ("en", "vi", "fa", "ru")
             for name, html in widget_pages(client, language).items()}
    assert html_errors(pages, tmp_path) == []
    assert len(pages) >= 4 * 18
