"""Citation markers in an LLM answer: checked against the passages, written one way, checked as they stream.

The model may write a citation as [2], [1, 3], [1-3], [[2]], 【2】 or ［2］. Every form is rewritten as
[n] or [n, m] when all its numbers name a passage; numbers that name none are dropped, and a marker
left with no number is removed with the space before it.
"""

from __future__ import annotations

import re

_OPEN, _CLOSE = "[［【〔〖", "]］】〕〗"
_NUMBERS = r"\d+(?:\s*(?:[,;]|[-–—]|to|à)\s*\d+)*"
_CITATION = re.compile(rf"[{re.escape(_OPEN)}]{{1,2}}\s*({_NUMBERS})\s*[{re.escape(_CLOSE)}]{{1,2}}")
_PART = re.compile(r"(\d+)(?:\s*(?:[-–—]|to|à)\s*(\d+))?")
_REMOVED = "\x00"
_GAP = re.compile(r"[ \t]*\x00(?:[ \t]*\x00)*([ \t]*)")  # removed markers, the spaces around them
_PENDING = 24  # an opening bracket this close to the end may still become a citation


def _numbers(inside: str, n_passages: int) -> tuple[list[int], bool]:
    """The passage numbers a marker names (ranges expanded within 1..n_passages), and whether all were valid."""
    kept, valid = [], True
    for match in _PART.finditer(inside):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        if high < low:
            low, high = high, low
        valid &= 1 <= low and high <= n_passages
        kept += [n for n in range(max(low, 1), min(high, n_passages) + 1) if n not in kept]
    return kept, valid


def filter_citations(text: str, n_passages: int) -> str:
    """Every citation marker written as [n] or [n, m]; numbers that point at no passage ([7] of 3) dropped."""

    def cite(match: re.Match) -> str:
        kept, _ = _numbers(match.group(1), n_passages)
        return "[" + ", ".join(map(str, kept)) + "]" if kept else _REMOVED

    def tidy(match: re.Match) -> str:  # one space where words met, none before punctuation or at a line's ends
        before = match.string[match.start() - 1 : match.start()]
        after = match.string[match.end() : match.end() + 1]
        if before in ("", "\n") or after in ("", "\n"):
            return ""
        return " " if match.group(1) or after.isalnum() else ""

    return _GAP.sub(tidy, _CITATION.sub(cite, text.replace(_REMOVED, "")))


def stable_prefix(text: str) -> str:
    """The part of a growing answer that no later token can turn into a citation: up to the last
    whitespace before an opening bracket still open near the end (the whole text when there is none)."""
    cut = len(text)
    for n in range(len(text) - 1, max(len(text) - _PENDING, 0) - 1, -1):
        if text[n] in _CLOSE:
            break
        if text[n] in _OPEN:
            cut = n
    if cut < len(text):
        while cut > 0 and not text[cut - 1].isspace():
            cut -= 1
    return text[:cut]


class CheckedStream:
    """Feed it the streamed deltas; `text` is the citation-checked answer so far, safe to show.

    Only complete citations are ever shown, and each one already checked: a half-written "[1" is held
    back until its bracket closes (or the text moves on)."""

    def __init__(self, n_passages: int):
        self.n_passages = n_passages
        self.raw = ""

    def feed(self, delta: str) -> str:
        self.raw += delta
        return self.text

    @property
    def text(self) -> str:
        """Checked, and without trailing spaces: what follows decides the spacing around a dropped citation,
        so the text shown only ever grows."""
        return filter_citations(stable_prefix(self.raw), self.n_passages).rstrip()

    def final(self) -> str:
        return filter_citations(self.raw, self.n_passages).strip()
