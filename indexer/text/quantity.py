"""Quantities read as numbers: '27B', '27-billion', '27 milliards', '$27bn' are one value; '1.2 GW'
and '1,2 gigawatt' are one power. Pure functions on strings.

A quantity is a number with a scale (thousand, million, billion…, in figures or words, English or
French) or a unit (currency, watts, watt-hours, bytes, per cent). A bare number is not one: after a
name it is a version ('GPT 5'), elsewhere a count, and both are read as they were before.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from indexer.text.lexical import fold

# Scale words and suffixes, folded, with their factor. French 'billion' is 10^12 (a 'milliard' is 10^9).
_SCALES = {
    "k": 1e3, "thousand": 1e3, "thousands": 1e3, "mille": 1e3, "milliers": 1e3,
    "m": 1e6, "mn": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "md": 1e9, "mds": 1e9, "mrd": 1e9, "mrds": 1e9, "milliard": 1e9, "milliards": 1e9,
    "billion": 1e9, "billions": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12, "trillions": 1e12, "billiard": 1e15,
}
_FRENCH_BILLION = 1e12
# Units, folded, with their dimension and the factor to the dimension's base unit.
_UNITS = {
    "$": ("money", 1), "usd": ("money", 1), "dollar": ("money", 1), "dollars": ("money", 1),
    "€": ("money", 1), "eur": ("money", 1), "euro": ("money", 1), "euros": ("money", 1),
    "£": ("money", 1), "gbp": ("money", 1), "livres": ("money", 1), "pounds": ("money", 1),
    "w": ("power", 1), "watt": ("power", 1), "watts": ("power", 1),
    "kw": ("power", 1e3), "kilowatt": ("power", 1e3), "kilowatts": ("power", 1e3),
    "mw": ("power", 1e6), "megawatt": ("power", 1e6), "megawatts": ("power", 1e6),
    "gw": ("power", 1e9), "gigawatt": ("power", 1e9), "gigawatts": ("power", 1e9),
    "tw": ("power", 1e12), "terawatt": ("power", 1e12), "terawatts": ("power", 1e12),
    "wh": ("energy", 1), "kwh": ("energy", 1e3), "mwh": ("energy", 1e6), "gwh": ("energy", 1e9), "twh": ("energy", 1e12),
    "gb": ("bytes", 1e9), "gigaoctets": ("bytes", 1e9), "gigabytes": ("bytes", 1e9),
    "tb": ("bytes", 1e12), "teraoctets": ("bytes", 1e12), "terabytes": ("bytes", 1e12),
    "pb": ("bytes", 1e15), "mb": ("bytes", 1e6),
    "%": ("percent", 1), "percent": ("percent", 1), "pourcent": ("percent", 1), "pour cent": ("percent", 1),
}
# Unit symbols that are never names ('GW', 'TWh'): the question's capitalised words are tested against this.
UNIT_WORDS = frozenset(u for u in _UNITS if u.isalpha() and len(u) <= 4 and u != "w")
_CURRENCY_BEFORE = r"(?:(?P<cur>[$€£])\s?)?"
_NUMBER = r"(?P<num>\d{1,3}(?:[  \u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_SCALE = r"(?:\s?-?\s?(?P<scale>" + "|".join(sorted((re.escape(s) for s in _SCALES), key=len, reverse=True)) + r")(?![\w]))?"
_UNIT = r"(?:\s?-?\s?(?:de\s+|d['’]|of\s+)?(?P<unit>" + "|".join(
    sorted((re.escape(u) for u in _UNITS), key=len, reverse=True)) + r")(?![\w]))?"
_QUANTITY = re.compile(rf"(?<![\w.,-]){_CURRENCY_BEFORE}{_NUMBER}{_SCALE}{_UNIT}", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    value: float  # in the dimension's base unit (dollars, watts, bytes…), or a plain number
    dimension: str  # 'money', 'power', 'energy', 'bytes', 'percent', or '' (a scaled number: '27 milliards')
    text: str  # as written
    start: int = 0
    end: int = 0

    def same(self, other: "Quantity") -> bool:
        """The same amount: equal values within rounding (1.2 GW = 1 200 MW), and the same dimension
        when both say one (27 milliards matches $27B; 27 GW does not)."""
        if self.dimension and other.dimension and self.dimension != other.dimension:
            return False
        return math.isclose(self.value, other.value, rel_tol=0.011)


def quantities(text: str, language: str = "en") -> list[Quantity]:
    """The quantities of a text: numbers with a scale or a unit (see the module docstring)."""
    found = []
    for match in _QUANTITY.finditer(text):
        scale, unit, currency = (match.group("scale") or ""), (match.group("unit") or ""), match.group("cur")
        if not (scale or unit or currency):
            continue
        number = _number(match.group("num"))
        if number is None:
            continue
        factor = _SCALES.get(fold(scale), 1.0) if scale else 1.0
        if fold(scale) in ("billion", "billions") and language == "fr":
            factor = _FRENCH_BILLION
        if scale in ("m", "t") and not unit and not currency:  # '5 m' is five metres, '3 t' three tonnes ('5M' scales)
            continue
        dimension, unit_factor = _UNITS.get(fold(unit).replace("’", "'"), ("", 1)) if unit else ("", 1)
        if currency:
            dimension = "money"
        end = match.end() if (scale or unit) else match.end("num")
        found.append(Quantity(number * factor * unit_factor, dimension, text[match.start():end].strip(), match.start(), end))
    return found


def _number(raw: str) -> float | None:
    """'1 200' -> 1200, '1,2' -> 1.2, '1.5' -> 1.5, '1,000' -> 1000 (a comma before three digits
    and nothing after groups thousands)."""
    raw = re.sub(r"[  \u202f]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
        raw = raw.replace(",", "")
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


def holds(text: str, quantity: Quantity, language: str = "fr") -> bool:
    """Whether `text` states `quantity`, however written."""
    return any(quantity.same(q) for q in quantities(text, language))
