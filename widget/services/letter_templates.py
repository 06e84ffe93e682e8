"""Letter templates: the organisation's title and text of each kind of answer letter, per
language, over the built-in translated defaults; their `{placeholders}`, checked on save and
filled for a request; and the gaps that keep a letter from being issued.

A placeholder is a name between braces from the fixed list PLACEHOLDERS, or `{answer.KEY}` for
the request's own answer to the field KEY. Braces mean nothing else in a letter, so a stray one
is refused too: it is what a mistyped placeholder leaves.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from widget.extensions import db
from widget.models import LetterTemplate, StaffUser
from widget.models._types import utcnow
from widget.services.access import FieldsRefused, NotAllowed, require_admin
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls

MAX_TITLE = 200  # the column's width
MAX_BODY = 5000  # a message's and a letter's longest text

# The kinds of letter staff start from, as staff know them.
KINDS: dict[str, LazyString] = {
    "answer": _l("Answer"),
    "supplement": _l("Request for documents"),
    "refusal": _l("Refusal"),
}
# What each placeholder becomes in a letter (docs/administration.md lists them too).
PLACEHOLDERS: dict[str, LazyString] = {
    "name": _l("the person's name"),
    # A letter may be shown to others: the whole code would open the request to its readers.
    "code": _l("the request's tracking code with its middle hidden (the whole code opens the "
               "request)"),
    "number": _l("the journal number, or before registration the tracking code with its middle "
                 "hidden"),
    "form": _l("the title of the form"),
    "date": _l("the date the request was sent"),
    "today": _l("the date of the letter"),
    "due": _l("the date the answer is due"),
    "organisation": _l("your organisation's name"),
    "unit": _l("the name of the unit handling the request"),
    "sender": _l("the unit and the organisation, as a letter is signed"),
}
ANSWER_HINT = "{answer.KEY}"
_TOKEN = re.compile(r"\{([^{}]*)\}")
_ANSWER_KEY = re.compile(r"answer\.([a-z][a-z0-9_]{0,63})")
# What staff are to replace before a letter goes out: the defaults mark it with an ellipsis.
_ELLIPSIS = re.compile(r"…|\.\.\.")
_SHOWN = 40  # at most this much of an odd placeholder is quoted back


class TemplateRefused(FieldsRefused):
    """A letter template that cannot be saved; `problems` says what is wrong with which field."""


@dataclass(frozen=True)
class LetterWording:
    kind: str
    language: str
    title: str
    body: str
    own: bool  # the organisation's own wording, not the built-in default


def is_placeholder(name: str) -> bool:
    """A placeholder letters may use: one of PLACEHOLDERS, or answer.KEY."""
    return name in PLACEHOLDERS or _ANSWER_KEY.fullmatch(name) is not None


def placeholder_names(text: str) -> list[str]:
    """The names between braces in a text, in order."""
    return _TOKEN.findall(text)


def _quoted(token: str) -> str:
    return "{" + (token if len(token) <= _SHOWN else token[:_SHOWN] + "…") + "}"


def placeholder_problem(text: str) -> LazyString | None:
    """Why a template's text cannot be kept: a stray brace, or a name that is no placeholder;
    the message names what was typed."""
    if "{" in _TOKEN.sub("", text) or "}" in _TOKEN.sub("", text):
        return _l("The braces do not match: write each placeholder as its name between { and }, "
                  "with nothing else inside. Letters may use: %(allowed)s.", allowed=allowed_list())
    unknown = [_quoted(name) for name in placeholder_names(text) if not is_placeholder(name)]
    if unknown:
        # Lazy strings skip Jinja's escaping (LazyString.__html__): pages must show str() of this.
        return _l("Not a placeholder of letters: %(unknown)s. Letters may use: %(allowed)s.",
                  unknown=", ".join(dict.fromkeys(unknown)), allowed=allowed_list())
    return None


def allowed_list() -> str:
    """Every placeholder as written in a template."""
    return ", ".join(["{%s}" % name for name in PLACEHOLDERS] + [ANSWER_HINT])


def letter_gap(text: str) -> str | None:
    """The first thing in a letter still waiting for staff: an ellipsis, a placeholder left
    unfilled (known or not) or a stray brace; None when the letter is complete."""
    found = [(match.start(), match.group()) for match in _ELLIPSIS.finditer(text)]
    found += [(match.start(), _quoted(match.group(1))) for match in _TOKEN.finditer(text)]
    rest = _TOKEN.sub(lambda match: " " * len(match.group()), text)
    found += [(index, char) for index, char in enumerate(rest) if char in "{}"]
    return min(found)[1] if found else None


def fill(text: str, values: dict[str, str], answers: dict[str, str]) -> str:
    """A template's text with the placeholders it has values for replaced; any other stays as
    typed, so that the letter cannot be issued until staff replace it."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        key = _ANSWER_KEY.fullmatch(name)
        return answers.get(key.group(1), match.group()) if key else match.group()
    return _TOKEN.sub(value, text)


def default_wording(kind: str, language: str) -> tuple[str, str]:
    """The built-in title and text of a kind of letter in a language, with placeholders."""
    # The catalogs word the defaults with %(name)s; each becomes its {name} placeholder.
    names = {name: "{%s}" % name for name in ("name", "number", "date", "form", "sender")}
    with force_locale(language):
        if kind == "answer":
            return (_("Answer to your request %(number)s", **names),
                    _("Dear %(name)s,\n\nIn answer to your request %(number)s of %(date)s "
                      "(%(form)s):\n\n…\n\nYours sincerely,\n%(sender)s", **names))
        if kind == "supplement":
            return (_("Documents needed for your request %(number)s", **names),
                    _("Dear %(name)s,\n\nTo go on with your request %(number)s of %(date)s "
                      "(%(form)s), we need the following documents:\n\n…\n\nThe time we wait "
                      "for them is added to the deadline.\n\nYours sincerely,\n%(sender)s",
                      **names))
        return (_("Refusal of your request %(number)s", **names),
                _("Dear %(name)s,\n\nWe cannot grant your request %(number)s of %(date)s "
                  "(%(form)s) for the following reason:\n\n…\n\nYours sincerely,\n%(sender)s",
                  **names))


def _stored(organization_id: int, kind: str, language: str) -> LetterTemplate | None:
    return db.session.scalar(select(LetterTemplate).where(
        LetterTemplate.organization_id == organization_id, LetterTemplate.kind == kind,
        LetterTemplate.language == language))


def _check(kind: str, language: str, languages: Iterable[str]) -> None:
    if kind not in KINDS or language not in languages:
        raise NotAllowed(_l("There is no such letter template."))


def wording_for(organization_id: int, kind: str, language: str) -> LetterWording:
    """The title and text a letter of this kind starts from: the organisation's own, else the
    built-in default, in the language given."""
    template = _stored(organization_id, kind, language)
    if template is not None:
        return LetterWording(kind, language, template.title, template.body, True)
    return LetterWording(kind, language, *default_wording(kind, language), False)


def template_overview(staff: StaffUser, languages: Iterable[str]) -> dict[str, set[str]]:
    """Each kind of letter with the languages the organisation has its own wording in."""
    require_admin(staff)
    own: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kind, language in db.session.execute(
            select(LetterTemplate.kind, LetterTemplate.language)
            .where(LetterTemplate.organization_id == staff.organization_id)):
        if kind in own and language in languages:
            own[kind].add(language)
    return own


def template_of(staff: StaffUser, kind: str, language: str,
                languages: Iterable[str]) -> LetterWording:
    """What the template editor shows for a kind of letter in a language."""
    require_admin(staff)
    _check(kind, language, languages)
    return wording_for(staff.organization_id, kind, language)


def _clean(text: str | None, one_line: bool) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(text, keep_newlines=not one_line)
    return " ".join(text.split()) if one_line else text.strip()


def save_template(staff: StaffUser, kind: str, language: str, title: str, body: str,
                  languages: Iterable[str]) -> LetterTemplate:
    """Keep the organisation's own title and text of a kind of letter in a language, after
    checking their placeholders."""
    require_admin(staff)
    _check(kind, language, languages)
    title, body = _clean(title, one_line=True), _clean(body, one_line=False)
    problems: dict[str, LazyString] = {}
    if not title:
        problems["title"] = _l("Please give the letter a title.")
    elif len(title) > MAX_TITLE:
        problems["title"] = _l("The title may have at most %(max)d characters; this one has "
                               "%(count)d.", max=MAX_TITLE, count=len(title))
    elif problem := placeholder_problem(title):
        problems["title"] = problem
    if not body:
        problems["body"] = _l("Please write the text of the letter.")
    elif len(body) > MAX_BODY:
        problems["body"] = _l("The text may have at most %(max)d characters; this one has "
                              "%(count)d.", max=MAX_BODY, count=len(body))
    elif problem := placeholder_problem(body):
        problems["body"] = problem
    if problems:
        raise TemplateRefused(problems)
    template = _stored(staff.organization_id, kind, language)
    what = {"kind": kind, "language": language}
    if template is not None and (template.title, template.body) == (title, body):
        return template
    before = what if template is None else what | {"title": template.title, "body": template.body}
    if template is None:
        template = LetterTemplate(organization_id=staff.organization_id, kind=kind,
                                  language=language)
        db.session.add(template)
    template.title, template.body, template.updated_at = title, body, utcnow()
    record_change(staff, "letter_template", before, what | {"title": title, "body": body})
    _commit()
    return template


def reset_template(staff: StaffUser, kind: str, language: str,
                   languages: Iterable[str]) -> bool:
    """Drop the organisation's own wording: the built-in default applies again; False if there
    was none."""
    require_admin(staff)
    _check(kind, language, languages)
    template = _stored(staff.organization_id, kind, language)
    if template is None:
        return False
    what = {"kind": kind, "language": language}
    record_change(staff, "letter_template_reset",
                  what | {"title": template.title, "body": template.body}, what)
    db.session.delete(template)
    _commit()
    return True


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Two administrators writing the first wording at once: the unique constraint keeps one.
        db.session.rollback()
        raise NotAllowed(_l("Someone else changed this setting a moment ago. Please look at it "
                            "again and repeat your change.")) from None
