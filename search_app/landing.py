"""The first screen: example questions the archive answers, its latest issues, its span and size.

Everything comes from the index: the example questions are about the names (companies, products,
people) that the most issues write about, and each is kept only if the engine finds it answered.
The newsletters and sites an item credits as its sources ("Alpha Signal, TLDR AI • 2 sources") are
not subjects: names are counted in the items' text, not in their credits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from indexer.records import Chunk, IssueInfo

from .filters import day_of, newest_first

TEMPLATES = {"fr": "Qu'a-t-on écrit sur {} ?", "en": "What did we write about {}?"}
MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
}
_NAME = re.compile(r"\b[A-Z][\w]*[a-z0-9][\w]*(?:[ -](?:[A-Z0-9][\w.]*))?\b")
_WORD = re.compile(r"\w+")
_CREDITS = re.compile(r"[^.!?\n]*•\s*\d+\s+sources?\b|^\s*sources?\s*:.*$", re.IGNORECASE | re.MULTILINE)


def subject_text(text: str) -> str:
    """A passage's text without the credits to its sources."""
    return _CREDITS.sub(" ", text)


def names(passages: Iterable[Chunk], *, n: int = 12) -> list[str]:
    """Proper names that the most issues mention: capitalised words (or pairs, "Mistral AI") that are
    almost never written in lower case elsewhere (so "Les", "Cette" are not names); the most issues first."""
    issues: dict[str, set[str]] = {}
    lower: Counter = Counter()
    written: Counter = Counter()  # capitalised occurrences of each name's first word
    occurrences: Counter = Counter()
    for p in passages:
        text = subject_text(p.text)
        lower.update(w for w in _WORD.findall(text) if w.islower())
        found = _NAME.findall(text)
        written.update(name.split()[0].split("-")[0] for name in found)
        occurrences.update(found)
        for name in set(found):
            issues.setdefault(name, set()).add(p.issue_id)
    ranked = sorted(issues, key=lambda name: (-len(issues[name]), -occurrences[name], name))  # most issues, then most written
    out: list[str] = []
    for name in ranked:
        count = len(issues[name])
        first = name.split()[0].split("-")[0]
        if count < 2 or len(first) < 4 or lower[first.lower()] > 0.2 * written[first]:
            continue  # a common word capitalised at a sentence's start ("Les", "Cette"), or too short to ask about
        if any(name in kept or kept in name for kept in out):
            continue
        out.append(name)
        if len(out) >= n:
            break
    return out


def candidate_questions(passages: list[Chunk], lang: str, *, n: int = 5) -> list[str]:
    """Questions in `lang` about the archive's most mentioned names, to pick `n` examples from."""
    return [TEMPLATES.get(lang, TEMPLATES["fr"]).format(name) for name in names(passages, n=3 * n)]


def example_questions(passages: list[Chunk], lang: str, answered: Callable[[str], bool], *, n: int = 5,
                      candidates: list[str] | None = None) -> list[str]:
    """Up to `n` questions in `lang` about the archive's most mentioned names that `answered` accepts, in
    order (`answered` may draw each one as it is accepted)."""
    out = []
    for question in candidates if candidates is not None else candidate_questions(passages, lang, n=n):
        if answered(question):
            out.append(question)
        if len(out) >= n:
            break
    return out


def latest(issues: Iterable[IssueInfo], n: int = 5) -> list[IssueInfo]:
    return newest_first(issues)[:n]


def month(date: str, lang: str) -> str:
    """'2025-10-03' -> 'octobre 2025' / 'October 2025'."""
    day = day_of(date)
    return f"{MONTHS.get(lang, MONTHS['fr'])[day.month - 1]} {day.year}"


def span(issues: Iterable[IssueInfo], lang: str) -> tuple[int, str | None, str | None]:
    """(number of issues, the first month, the last month) — months None when no issue is dated."""
    issues = list(issues)
    dated = sorted(day_of(i.date) for i in issues if i.date)
    if not dated:
        return len(issues), None, None
    return len(issues), month(dated[0].isoformat(), lang), month(dated[-1].isoformat(), lang)


def elide(word: str) -> str:
    """French 'de' before a month: "d'octobre", "de mai"."""
    return f"d'{word}" if word[:1].lower() in "aeiouyéèh" else f"de {word}"
