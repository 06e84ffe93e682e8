"""The Solar Hijri calendar beside the Gregorian one.

Persian pages show dates in the Solar Hijri calendar first, and date fields take them: a person
may type 1405/09/14 (or ۱۴۰۵/۹/۱۴, with dashes or dots) as well as 2026-12-05. Answers are stored
as Gregorian ISO dates whatever was typed. The two never collide: Solar Hijri years of living
people are 1300-1499, Gregorian ones accepted are 1900-2999.
"""
from __future__ import annotations

import re
from datetime import date

from persiantools.jdatetime import JalaliDate

from widget.textnorm import fold_digits

SOLAR_HIJRI_YEARS = range(1300, 1500)
_SOLAR_HIJRI_DAY = re.compile(r"(1[34][0-9]{2})[/.\-](0?[1-9]|1[0-2])[/.\-](0?[1-9]|[12][0-9]|3[01])")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def parse_solar_hijri(text: str) -> date | None:
    """The Gregorian day of a Solar Hijri date written year/month/day, else None."""
    match = _SOLAR_HIJRI_DAY.fullmatch(fold_digits(text or "").strip())
    if match is None:
        return None
    try:
        return JalaliDate(*(int(part) for part in match.groups())).to_gregorian()
    except ValueError:  # 1405/12/30 in a year whose Esfand has 29 days
        return None


def solar_hijri_input(day: date) -> str:
    """A day as a Persian date field shows it: ۱۴۰۵/۰۹/۱۴."""
    return JalaliDate(day).strftime("%Y/%m/%d").translate(_PERSIAN_DIGITS)
