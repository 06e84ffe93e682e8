"""The Nu HTML Checker (vnu-jar from npm, run with Java) finds no error on any widget page."""
from tests.pages import back_office_pages, widget_pages
from tests.vnu import html_errors


def test_every_widget_page_is_valid_html_in_every_language(client, db, tmp_path):
    pages = {f"{language}: {name}": html for language in ("en", "vi", "fa", "ru")
             for name, html in widget_pages(client, language).items()}
    assert html_errors(pages, tmp_path) == []
    assert len(pages) >= 4 * 18


def test_every_back_office_page_is_valid_html(client, db, tmp_path):
    """Every back-office and administration page of tests.pages, in Persian (the markup does not
    change with the language; the direction does)."""
    pages = back_office_pages(client, "fa")
    assert html_errors(pages, tmp_path) == []
