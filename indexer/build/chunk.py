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

from indexer.config import ChunkSettings
from indexer.read.lang import detect_language
from indexer.records import Chunk, Issue, Link
from indexer.text.sentences import sentence_spans

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
    tokens = _count_within(text, start, end, budget, count)
    if tokens <= budget:
        return [_Unit(label, start, end, tokens)]
    sentences = _bounded_sentences(text, start, end, budget, count)
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


def _bounded_sentences(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of each sentence, any sentence longer than the budget cut into pieces that fit."""
    out = []
    for s, e in sentence_spans(text[start:end], start):
        tokens = _count_within(text, s, e, budget, count)
        out.extend([(s, e, tokens)] if tokens <= budget else _cut(text, s, e, budget, count))
    return out


def _cut(text: str, start: int, end: int, budget: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of pieces that fit the budget, cut at a space when one lies in the
    piece's second half (inside a giant word, anywhere). A piece costs one or two tokenizations of
    about its own length (`_fitting_prefix`), so cutting is linear in the text, whatever its words."""
    pieces, pos, chars_per_token = [], start, 4.0
    while pos < end:
        n, tokens = _fitting_prefix(text, pos, min(end - pos, budget * MAX_TOKEN_CHARS), budget, count, chars_per_token)
        chars_per_token = n / max(tokens, 1)
        stop = pos + n
        if stop < end:
            space = max(text.rfind(c, pos, stop) for c in _SPACES)
            if space > pos + n // 2:
                stop = space  # `tokens` stays an upper bound: what packing pieces needs
        pieces.append((pos, stop, tokens))
        pos = stop
        while pos < end and text[pos].isspace():
            pos += 1
    return pieces


def _count_within(text: str, start: int, end: int, budget: int, count: TokenCounter) -> int:
    """The tokens of text[start:end], or budget + 1 without tokenizing when it is too long to fit
    (no token is over MAX_TOKEN_CHARS characters)."""
    return budget + 1 if end - start > budget * MAX_TOKEN_CHARS else count(text[start:end])


_SPACES = " \n\t\r\u00a0\u2009\u202f"


def _fitting_prefix(text: str, pos: int, limit: int, budget: int, count: TokenCounter, chars_per_token: float) -> tuple[int, int]:
    """(n, tokens): a length n ≤ limit whose text[pos:pos+n] fits `budget` tokens, near the longest
    that does. Guessed from the characters per token of the text before it, corrected a few times
    (each probe is about as long as the piece), then halved until it fits (a character never
    exceeds the budget)."""
    n = max(1, min(limit, int(0.97 * budget * chars_per_token)))
    for _ in range(6):
        tokens = count(text[pos : pos + n])
        if tokens <= budget and (n == limit or tokens >= 0.9 * budget):
            return n, tokens
        n = max(1, min(limit, int(n * 0.95 * budget / tokens)))
    while (tokens := count(text[pos : pos + n])) > budget and n > 1:
        n //= 2
    return n, tokens


def _first_label(first: _Unit, second: _Unit) -> str:
    """The title of two merged units: the first one's, the passage starts with its text (the second's
    heading is inside the passage, before its own text); the second's when the first has none."""
    return first.section or second.section


def _merge_tiny(units: list[_Unit], text: str, settings: ChunkSettings, count: TokenCounter) -> list[_Unit]:
    """Merge each unit under `tiny_tokens` into its next (else previous) neighbour while it fits; the
    merged passage is titled after the item its text starts with (`_first_label`)."""
    merged: list[_Unit] = []
    carry: _Unit | None = None
    for unit in units:
        if carry is not None:
            joined = _Unit(_first_label(carry, unit), carry.start, unit.end, count(text[carry.start : unit.end]))
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
            carry = _Unit(_first_label(last, carry), last.start, carry.end, count(text[last.start : carry.end]))
        merged.append(carry)
    return merged
