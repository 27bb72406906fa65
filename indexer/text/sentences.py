"""Sentence boundaries, as character spans, for chunking and extractive answers."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…]+(?:\s*[»”\"')\]])*\s+|\n+")  # French spacing: « Bonjour ! » stays whole
_ABBREV = re.compile(r"(?:\b(?:M|Mme|Dr|St|etc|cf|p|ex|vs|env|av|J\.-C|Mr|Mrs|Inc|Ltd|Jr|U\.S|No)\.|\b[A-Z]\.)\s+$")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, shifted by `offset`; whitespace trimmed, lines never joined."""
    spans, start = [], 0
    for match in _END.finditer(text):
        end = match.end()
        # the abbreviation test reads only the segment's tail: on a long run of non-ends ("a. a. a. …")
        # reading the whole segment each time made this quadratic
        if "\n" not in match.group() and (_ABBREV.search(text[max(start, end - 40):end]) or _next_is_lower(text, end)):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            out.append((offset + s + lead, offset + s + lead + len(stripped)))
    return out


def _next_is_lower(text: str, pos: int) -> bool:
    """A full stop followed by a lower-case word is not a sentence end ('2,5 md. de dollars')."""
    return pos < len(text) and text[pos].islower()
