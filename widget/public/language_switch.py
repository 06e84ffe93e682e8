"""A page reached by a post switches language by posting again (base.html: its language buttons
post the page's form, or a hidden one carrying what opens the page, with action=language). The
view then shows the same page in the new language with what was posted, and does nothing else:
nothing is looked up, sent or counted."""
from __future__ import annotations

from flask import request


def is_language_switch() -> bool:
    return request.method == "POST" and request.form.get("action") == "language"


def counted(_response) -> bool:
    """Flask-Limiter's deduct_when for a page whose language switch must not use up its limit."""
    return not is_language_switch()


def holds_no_files() -> bool:
    """Flask-Limiter's exempt_when for the form posts' limit on a page whose switch holds the
    files posted with it (the status page): a post with files writes them, as a form post does,
    and only such a post meets that limit."""
    return not any(upload.filename for _name, upload in request.files.items(multi=True))


def switch_without_files() -> bool:
    """Flask-Limiter's exempt_when for the form posts' limit on a form page: a language switch
    that carries no file writes nothing and is no form post (one with files holds them)."""
    return is_language_switch() and holds_no_files()


def switched_code(name: str = "code") -> str:
    """The one-time code typed into the page's field `name` when it switches language, for the
    page to show again (the field holds at most 12 characters); blank otherwise: a code refused
    is typed anew."""
    return request.form.get(name, "")[:12] if is_language_switch() else ""
