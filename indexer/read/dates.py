"""Dates stated by a page: French or English day-month-year phrases, ISO dates, and file names.

Rule: only a date the source states is taken. A range ("2-8 Novembre 2025",
"27 décembre 2025 - 2 janvier 2026", "30 Novembre - 3 Décembre 2025") gives its first day;
a first part without a year takes the year of the second part, minus one when its month
comes after the second part's month ("27 décembre - 2 janvier 2026" -> 2025-12-27).
"""

from __future__ import annotations

import re
from datetime import date

_MONTH_NAMES = (
    "janvier janv jan january",
    "février fevrier févr fevr fév fev feb february",
    "mars mar march",
    "avril avr apr april",
    "mai may",
    "juin jun june",
    "juillet juil jul july",
    "août aout aoû aug august",
    "septembre sept sep september",
    "octobre oct october",
    "novembre nov november",
    "décembre decembre déc dec december",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:er|st|nd|rd|th)?"
_DASH = r"\s*(?:-|–|—|au|to)\s*"
_RANGE = re.compile(rf"\b{_DAY}(?:\s+{_MONTH})?(?:\s+(\d{{4}}))?{_DASH}{_DAY}\s+{_MONTH}\s+(\d{{4}})\b", re.I)
_SINGLE = re.compile(rf"\b{_DAY}\s+{_MONTH}\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_FILE_MONTH_DAY = re.compile(
    r"(?<![a-z])([a-z]{3,9})(\d{1,2})(?!\d)|(?<!\d)(\d{1,2})([a-z]{3,9})(?![a-z])", re.I
)
_FILE_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def date_in_text(text: str) -> str | None:
    """The first date stated in `text` as 'YYYY-MM-DD', or None."""
    found = []
    match = _RANGE.search(text)
    if match:
        d1, m1, y1, _d2, m2, y2 = match.groups()
        month2 = _MONTHS[m2.lower()]
        month1 = _MONTHS[m1.lower()] if m1 else month2
        year = int(y1) if y1 else int(y2) - (1 if month1 > month2 else 0)
        found.append((match.start(), _iso(year, month1, int(d1))))
    match = _SINGLE.search(text)
    if match:
        found.append((match.start(), _iso(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))))
    match = _ISO.search(text)
    if match:
        found.append((match.start(), _iso(int(match[1]), int(match[2]), int(match[3]))))
    found = [item for item in found if item[1]]
    return min(found)[1] if found else None


def date_in_filename(stem: str) -> str | None:
    """A date a file name states with its year ('AI_Weekly_Dec1-6_2025' -> '2025-12-01'), or None."""
    year = _FILE_YEAR.search(stem)
    if not year:
        return None
    for match in _FILE_MONTH_DAY.finditer(stem):
        name, day = (match[1], match[2]) if match[1] else (match[4], match[3])
        if name.lower() in _MONTHS:
            return _iso(int(year[1]), _MONTHS[name.lower()], int(day))
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
