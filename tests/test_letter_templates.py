"""Letter templates: administrators word each kind of letter per language; placeholders are
checked on save (an unknown or malformed one is refused, named, in the reader's language), and
a letter started from a template has them filled for its request."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from tests import backoffice
from tests.test_admin import html_of, sign_in
from widget.extensions import db as _db
from widget.models import AuditEntry, LetterTemplate
from widget.services.access import NotAllowed
from widget.textnorm import strip_controls
from widget.services.letter_templates import (PLACEHOLDERS, TemplateRefused, is_placeholder,
                                              letter_gap, placeholder_names, save_template)

clock, office, received = backoffice.clock, backoffice.office, backoffice.received
LANGUAGES = ("en", "vi", "fa", "ru")

known = st.sampled_from(sorted(PLACEHOLDERS) + ["answer.card_number", "answer.x1"])
hostile_names = st.one_of(
    st.text(max_size=12), st.sampled_from([
        "", " name", "name ", "Name", "name!r", "name:>10", "name.__class__", "0", "answer.",
        "answer.Card", "answer.1x", "answer.card.__class__", "answer..x", "code[0]",
        "__import__('os')", "tod\u0430y", "answer." + "k" * 65]))
hostile_text = st.lists(st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    known.map(lambda name: "{%s}" % name),
    hostile_names.map(lambda name: "{%s}" % name),
    st.sampled_from(["{", "}", "{{", "}}", "{{name}}", "{name", "name}", "…", "..."])),
    max_size=8).map("".join)


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


def _count() -> int:
    return _db.session.scalar(select(func.count()).select_from(LetterTemplate))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_a_template_is_kept_only_when_every_brace_is_a_known_placeholder(app, admin, text):
    """Whatever is typed: saved iff each {…} names a placeholder of letters and no brace is
    stray; refused with the offending text named, and nothing written."""
    body = f"Dear reader, {text}"
    kept = strip_controls(body, keep_newlines=True).strip()  # what the service checks
    names = placeholder_names(kept)
    stray = bool(set("{}") & set(re.sub(r"\{[^{}]*\}", "", kept)))
    unknown = [name for name in names if not is_placeholder(name)]
    before = _count()
    try:
        template = save_template(admin, "answer", "en", "Answer", body, LANGUAGES)
    except TemplateRefused as refused:
        _db.session.rollback()
        message = str(refused.problems["body"])
        assert stray or unknown, (body, message)
        assert _count() == before
        if stray:
            assert "The braces do not match" in message
        else:
            assert "{" + unknown[0][:40] in message
        return
    assert not stray and not unknown, body
    assert template.body == kept


@pytest.mark.parametrize("typed, named", [
    ("Dear {nmae},", "{nmae}"),
    ("Card {answer.Card}", "{answer.Card}"),
    ("Dear {name!r}", "{name!r}"),
    ("Dear {name.__class__}", "{name.__class__}"),
    ("Dear {}", "{}"),
])
@pytest.mark.parametrize("language, words", [
    ("en", "Not a placeholder of letters"), ("ru", "В письмах нельзя использовать"),
    ("vi", "Không phải trường thay thế của thư"), ("fa", "متغیر نامعتبر برای نامه")])
def test_an_unknown_placeholder_is_refused_by_name_in_the_readers_language(
        app, admin, typed, named, language, words):
    with force_locale(language):
        with pytest.raises(TemplateRefused) as refused:
            save_template(admin, "answer", "fa", "Answer", typed, LANGUAGES)
        message = str(refused.value.problems["body"])
    assert words in message and named in message and "{name}" in message
    assert _count() == 0


@pytest.mark.parametrize("typed", ["Dear {name", "Dear name}", "Dear {{name}}", "{a{b}c}"])
def test_a_malformed_placeholder_is_refused(app, admin, typed):
    with pytest.raises(TemplateRefused) as refused:
        save_template(admin, "answer", "en", "Answer", typed, LANGUAGES)
    assert "The braces do not match" in str(refused.value.problems["body"])
    with pytest.raises(TemplateRefused) as refused:
        save_template(admin, "answer", "en", typed, "Granted.", LANGUAGES)
    assert "The braces do not match" in str(refused.value.problems["title"])
    assert _count() == 0


def test_only_administrators_edit_templates_of_known_kinds_and_languages(app, office, admin):
    with pytest.raises(NotAllowed):
        save_template(office["people"]["head"], "answer", "en", "A", "B", LANGUAGES)
    for kind, language in (("certificate", "en"), ("answer", "de")):
        with pytest.raises(NotAllowed):
            save_template(admin, kind, language, "A", "B", LANGUAGES)
    assert _count() == 0


def test_gaps_are_found_wherever_they_are():
    assert letter_gap("Dear Lan, granted.") is None
    assert letter_gap("Dear Lan, … granted") == "…"
    assert letter_gap("a {b} c ... d") == "{b}"
    assert letter_gap("a ... {b}") == "..."
    assert letter_gap("a } {b}") == "}"
    assert letter_gap("{" + "x" * 100 + "}") == "{" + "x" * 40 + "…}"


def test_the_editor_saves_in_each_language_and_a_letter_starts_from_it(
        app, client, office, admin, received, clock):
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, admin)
    assert "Letter templates" in html_of(client.get("/admin/administration"))
    listing = html_of(client.get("/admin/letter-templates"))
    assert all(f"/admin/letter-templates/answer/{code}" in listing for code in LANGUAGES)
    editor = html_of(client.get("/admin/letter-templates/answer/ru"))
    assert "{answer.KEY}" in editor and "Уважаемый" in editor  # the default, in Russian
    refused = client.post("/admin/letter-templates/answer/ru",
                          data={"title": "Ответ {number}", "body": "Карта {answer.card.x}"})
    assert refused.status_code == 422 and "{answer.card.x}" in html_of(refused)
    assert _count() == 0
    saved = client.post("/admin/letter-templates/answer/ru", data={
        "title": "Ответ по обращению {number}",
        "body": "Уважаемый(ая) {name}!\nКарта {answer.message} для {answer.missing}.\n{sender}"})
    assert saved.status_code == 302
    entry = _db.session.scalars(select(AuditEntry)).all()[-1]
    assert entry.action == "letter_template" and entry.after["language"] == "ru"
    # A Russian speaker's letter starts from it, filled; a missing answer stays a gap.
    clock("2026-10-20 10:00")
    request = received(language="ru", answers={"name": "Алёна", "message": "№ 77"})
    sign_in(client, office["people"]["op"])
    page = html_of(client.get(f"/admin/requests/{request.id}?letter_template=answer"))
    assert "Ответ по обращению" in page
    assert "Уважаемый(ая) Алёна!" in page and "Карта № 77 для {answer.missing}." in page
    assert "Unit HN" in page
    # An English speaker's still starts from the default.
    english = received(language="en")
    assert "Dear Lan" in html_of(client.get(f"/admin/requests/{english.id}?letter_template=answer"))
    # Back to the default.
    sign_in(client, admin)
    assert client.post("/admin/letter-templates/answer/ru/default").status_code == 302
    assert _count() == 0
    assert client.get("/admin/letter-templates/nothing/ru").status_code == 404
    assert client.get("/admin/letter-templates/answer/xx").status_code == 404
    sign_in(client, office["people"]["op"])
    assert client.get("/admin/letter-templates").status_code in (403, 404)
