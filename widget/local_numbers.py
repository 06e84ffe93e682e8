"""Numbers in the digits of the page's language.

Persian pages write numbers in Persian digits (۱۲۳). Babel knows each locale's own numbering
system; the catalogs' messages take numbers as variables (`%(num)d working days`), so the
translation domain below formats every number it is given in the locale's digits before it
fills the message. Languages whose own digits are the Latin ones are left exactly as they were.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property

import flask_babel
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal

from widget.reader_locale import babel_state, current_locale

_NUMBER_FORMAT = re.compile(r"%\((\w+)\)d")


# Babel gives each locale's numbering system and its separators, but writes 0-9 whatever the
# system: the digits of the systems our languages use.
_SYSTEM_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}


def own_digits(locale: Locale | None) -> bool:
    """True when the locale writes numbers in digits other than 0-9 (Persian)."""
    return locale is not None and locale.default_numbering_system in _SYSTEM_DIGITS


def _digits_of(locale: Locale) -> dict[int, str]:
    return str.maketrans("0123456789", _SYSTEM_DIGITS[locale.default_numbering_system])


def local_digits(text: str) -> str:
    """The 0-9 in a formatted text (a date, a time) written in the page language's digits."""
    locale = current_locale()
    if not own_digits(locale):
        return text
    return text.translate(_digits_of(locale))


def local_number(value) -> str:
    """A number as the page's language writes it: 1234 -> ۱٬۲۳۴ in Persian, 1234 elsewhere."""
    locale = current_locale()
    if not own_digits(locale) or isinstance(value, bool):
        return str(value)
    return format_decimal(value, locale=locale, numbering_system="default").translate(
        _digits_of(locale))


def list_of(items) -> str:
    """Names joined as the page's language joins a list ("PDF، تصویر و Word" in Persian); in a
    right-to-left language each name is isolated, so that neighbouring Latin names keep their
    places instead of reading as one left-to-right run."""
    locale = current_locale()
    names = [str(item) for item in items]
    if locale is None:
        return ", ".join(names)
    if locale.character_order == "right-to-left":
        names = [f"\u2068{name}\u2069" for name in names]
    return format_list(names, style="standard", locale=locale)


def _localised(variables: dict) -> dict:
    return {name: local_number(value) if isinstance(value, (int, float, Decimal))
            and not isinstance(value, bool) else value for name, value in variables.items()}


class LocalNumbersDomain(flask_babel.Domain):
    """Flask-Babel's domain, filling messages with numbers in the locale's own digits."""

    def page_translations(self):
        """This domain's catalogue for the page's locale, and that locale. A page translates
        twenty to fifty strings: the catalogue is looked up once per request (Flask-Babel keeps
        them for the process), and again only when the locale changes (force_locale sets
        another Locale object, and puts the first one back after)."""
        state = babel_state()
        known = getattr(state, "widget_catalogue", None)
        if known is not None and known[0] is self and known[1] is getattr(state, "babel_locale",
                                                                            None):
            return known[2], known[1]
        locale = current_locale()
        translations = self.get_translations()
        state = babel_state()  # Flask-Babel makes its namespace on a request's first call
        if state is not None:
            state.widget_catalogue = (self, locale, translations)
        return translations, locale

    def gettext(self, string, **variables):
        translations, locale = self.page_translations()
        return _fill(locale, translations.ugettext(string), variables)

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, locale = self.page_translations()
        return _fill(locale, translations.ungettext(singular, plural, num), variables)

    def pgettext(self, context, string, **variables):
        translations, locale = self.page_translations()
        return _fill(locale, translations.upgettext(context, string), variables)

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, locale = self.page_translations()
        return _fill(locale, translations.unpgettext(context, singular, plural, num), variables)


def _fill(locale, message: str, variables: dict) -> str:
    if not variables:
        return message
    if not own_digits(locale):
        return message % variables
    return _NUMBER_FORMAT.sub(r"%(\1)s", message) % _localised(variables)


class Babel(flask_babel.Babel):
    """Flask-Babel with the translation domain above, in Python and in templates."""

    @cached_property
    def domain_instance(self):
        return LocalNumbersDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        install_in_jinja(app.jinja_env, self)


def install_in_jinja(env, babel: Babel) -> None:
    """Templates' _(), gettext() and ngettext() fill numbers the same way (Flask-Babel installs
    Jinja's new-style callables, which fill messages themselves), from the catalogue of the
    extension's domain for the page."""
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    def catalogue():
        # The domain is made on first use, inside a request (Flask-Babel names it from the app).
        return babel.domain_instance.page_translations()

    def fill(eval_context, locale, message: str, variables: dict):
        if variables and own_digits(locale):
            message, variables = _NUMBER_FORMAT.sub(r"%(\1)s", message), _localised(variables)
        if eval_context.autoescape:
            message = Markup(message)
        return message % variables if variables else message

    @pass_eval_context
    def gettext(eval_context, string, **variables):
        translations, locale = catalogue()
        return fill(eval_context, locale, translations.ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, locale = catalogue()
        return fill(eval_context, locale, translations.ungettext(singular, plural, num), variables)

    @pass_eval_context
    def pgettext(eval_context, message_context, string, **variables):
        translations, locale = catalogue()
        return fill(eval_context, locale, translations.upgettext(message_context, string),
                    variables)

    @pass_eval_context
    def npgettext(eval_context, message_context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        translations, locale = catalogue()
        return fill(eval_context, locale,
                    translations.unpgettext(message_context, singular, plural, num), variables)

    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext,
                       npgettext=npgettext)
