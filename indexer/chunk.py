"""Cut an issue into passages along its own structure.

One section (or news item) per passage where it fits; a long one is split at
sentence boundaries into windows of at most `max_tokens`, carrying
`overlap_sentences` over between the windows of that section only; a tiny
section is merged with its neighbour. Offsets point into `Issue.text`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable

from .config import ChunkSettings
from .read.lang import detect_language
from .records import Chunk, Issue, Link
from .sentences import sentence_spans

TokenCounter = Callable[[str], int]
MAX_TOKEN_CHARS = 32  # no token of the supported models is longer


@dataclass
class _Unit:
    section: str
    start: int
    end: int
    tokens: int


def embed_text(issue_title: str, section: str, text: str) -> str:
    """What gets embedded: the passage with its context (issue title and section title)."""
    head = f"{issue_title} — {section}" if section else issue_title
    return f"{head}\n{text}"


def chunk_issue(issue: Issue, count_tokens: TokenCounter, settings: ChunkSettings = ChunkSettings(), *, model_limit: int = 512) -> list[Chunk]:
    text, spans = issue.layout
    units: list[_Unit] = []
    for section, (start, end) in zip(issue.sections, spans):
        context = count_tokens(embed_text(issue.title, section.label, ""))
        budget = max(32, min(settings.max_tokens, model_limit - context - 8))
        units.extend(_split_section(text, section.label, start, end, budget, settings.overlap_sentences, count_tokens))
    units = _merge_tiny(units, text, settings, count_tokens)
    chunks = []
    for position, unit in enumerate(units):
        body = text[unit.start : unit.end]
        full = embed_text(issue.title, unit.section, body)
        chunks.append(
            Chunk(
                issue_id=issue.id,
                section=unit.section,
                position=position,
                start=unit.start,
                end=unit.end,
                text=body,
                embed_text=full,
                language=detect_language(body) if len(body) > 40 else (issue.language or "fr"),
                hash=hashlib.sha256(full.encode("utf-8")).hexdigest(),
                links=_links(issue, spans, unit.start, unit.end),
            )
        )
    return chunks


def _links(issue: Issue, spans: tuple[tuple[int, int], ...], start: int, end: int) -> tuple[Link, ...]:
    """The outbound links of the sections a passage overlaps, each URL once."""
    found: dict[str, Link] = {}
    for section, (s, e) in zip(issue.sections, spans):
        if s < end and start < e:
            found.update((link.url, link) for link in section.links if link.url not in found)
    return tuple(found.values())


def _split_section(text: str, label: str, start: int, end: int, budget: int, overlap: int, count: TokenCounter) -> list[_Unit]:
    if start >= end:
        return []
    tokens = count(text[start:end])
    if tokens <= budget:
        return [_Unit(label, start, end, tokens)]
    sentences = [(s, e, count(text[s:e])) for s, e in _bounded_sentences(text, start, end, budget, count)]
    units, i = [], 0
    while i < len(sentences):
        j, used = i, 0
        while j < len(sentences) and (j == i or used + sentences[j][2] <= budget):
            used += sentences[j][2]
            j += 1
        units.append(_Unit(label, sentences[i][0], sentences[j - 1][1], used))
        if j >= len(sentences):
            break
        i = max(i + 1, j - overlap)
    return units


def _bounded_sentences(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Sentence spans, with any sentence longer than the budget cut into pieces that fit."""
    out = []
    for s, e in sentence_spans(text[start:end], start):
        out.extend([(s, e)] if count(text[s:e]) <= budget else _cut(text, s, e, budget, count))
    return out


def _cut(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Longest prefixes that fit the budget, cut at spaces (at characters inside a giant word).
    A piece is looked for only within `budget * MAX_TOKEN_CHARS` characters: without that window a
    word of a million characters took minutes of tokenizing."""
    pieces, pos = [], start
    while pos < end:
        window = min(end, pos + budget * MAX_TOKEN_CHARS)
        ends = [pos + m.start() for m in re.finditer(r"\s", text[pos:window]) if m.start() > 0] + [window]
        fits = _longest(len(ends), lambda i: count(text[pos : ends[i]]) <= budget)
        stop = ends[fits] if fits >= 0 else pos + 1 + _longest(ends[0] - pos, lambda n: count(text[pos : pos + n + 1]) <= budget)
        pieces.append((pos, stop))
        pos = stop
        while pos < end and text[pos].isspace():
            pos += 1
    return pieces


def _longest(n: int, fits: Callable[[int], bool]) -> int:
    """The largest i in [0, n) with fits(i) (fits is monotone), or -1. Galloping first (0, 1, 3,
    7, …), then bisecting: the probes stay near the answer, so the tokenizing cost follows the
    size of the piece found, not the size of what is left."""
    best, probe = -1, 0
    while probe < n and fits(probe):
        best, probe = probe, probe * 2 + 1
    low, high = best + 1, min(probe, n) - 1
    while low <= high:
        mid = (low + high) // 2
        if fits(mid):
            best, low = mid, mid + 1
        else:
            high = mid - 1
    return best


def _merge_tiny(units: list[_Unit], text: str, settings: ChunkSettings, count: TokenCounter) -> list[_Unit]:
    """Merge each unit under `tiny_tokens` into its next (else previous) neighbour while it fits."""
    merged: list[_Unit] = []
    carry: _Unit | None = None
    for unit in units:
        if carry is not None:
            label = unit.section if unit.tokens >= carry.tokens else carry.section
            joined = _Unit(label, carry.start, unit.end, count(text[carry.start : unit.end]))
            if joined.tokens <= settings.max_tokens:
                unit = joined
            else:
                merged.append(carry)
            carry = None
        if unit.tokens < settings.tiny_tokens:
            carry = unit
        else:
            merged.append(unit)
    if carry is not None:
        if merged and count(text[merged[-1].start : carry.end]) <= settings.max_tokens:
            last = merged.pop()
            label = last.section if last.tokens >= carry.tokens else carry.section
            carry = _Unit(label, last.start, carry.end, count(text[last.start : carry.end]))
        merged.append(carry)
    return merged
