"""The limit on code look-ups per client address, and the page a person meets at it.

Only FAILED look-ups count (an unknown, mistyped or blank code): a post office counter behind
one address looks codes up all day and is never stopped, while a guessing run meets the limit
as before. The page that refuses is the page the person was on, with what they typed, how long
to wait and the way back.
"""
from __future__ import annotations

import math

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from widget.public import bp
from widget.public.forms import CodeForm, ContactForm
from widget.rate_limits import seconds_to_wait

# The pages asking for a code, by endpoint: refused, they come back with the code kept.
CODE_PAGES = {"public.track": "public/track.html", "public.resume": "public/resume.html"}


def failed_lookup(response) -> bool:
    """Flask-Limiter's deduct_when for code look-ups: true for a code that found nothing (404)
    or was no code (422); a look-up that found its request or draft costs nothing."""
    return response.status_code in (404, 422)


def wait_message(seconds: int) -> str:
    """How long to wait, in whole minutes rounded up, in the page's language."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Too many attempts from this connection. Please wait %(num)d minute, then "
                    "try again.", "Too many attempts from this connection. Please wait "
                    "%(num)d minutes, then try again.", minutes)


@bp.errorhandler(429)
def too_many_attempts(_error):
    """A widget page over its limit: the same page with what was typed, how long to wait and
    the way back; other widget pages get the general page with the wait."""
    wait = wait_message(seconds_to_wait())
    if request.endpoint in CODE_PAGES:
        page = render_template(CODE_PAGES[request.endpoint], form=CodeForm(),
                               problem="too_many", wait=wait)
    elif request.endpoint == "public.recover":
        page = render_template("public/recover.html", form=ContactForm(), problem=wait,
                               too_many=True)
    else:
        page = render_template("error.html", title=_("Too many attempts"), message=wait)
    return page, 429
