"""Digests: the answer to a subject question ('What did we write about Nvidia?') or a list question
('Which companies…?'), one line per item: its date, its headline and the one sentence that speaks of
the subject, each line cited.

- subject: every item that names the question's names (all of them first), else, for a theme, the
  items retrieval ranks close to it; one item per issue first, newest first; bounded, with the count
  of the items left out ("N more", which the page opens in the timeline);
- list: the items that hold what the question asks (`evidence.support`), in rank order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from indexer.answer.answer import Answer, _compose
from indexer.answer.quotes import Candidate, Sentence, headline_of, same_fact
from indexer.answer.evidence import Support, names_in, support
from indexer.records import Hit
from indexer.search.index import Index, passages_naming
from indexer.search.similar import hit_of
from indexer.text.prose import is_filler, is_noise, is_teaser
from indexer.text.query import Query

LINES = 6  # items listed at most
THEME_SHARE = 0.6  # a theme's item scores at least this share of the best hit's fused score
MORE = {"fr": "{n} autres passages en parlent (voir la chronologie).", "en": "{n} more passages speak of it (see the timeline)."}


@dataclass(frozen=True)
class _Item:
    hit: Hit
    named: int  # how many of the question's names it names
    rank: int  # its rank among the hits (1-based), or past them for a passage found by its names


def digest_answer(index: Index, query: Query, hits: Sequence[Hit], *, supports: Sequence[Support] = (),
                  most: int = LINES) -> Answer | None:
    """The digest (see the module's docstring), or None when fewer than two items make one (the fact
    answer serves then)."""
    items = _list_items(query, hits, supports) if query.shape == "list" else _subject_items(index, query, hits)
    if len(items) < 2 and query.shape == "list" or not items:
        return None
    shown = _spread(items, most) if query.shape == "subject" else items[:most]
    sources = list(hits) + [i.hit for i in shown if i.rank > len(hits)]  # only the listed ones join the sources
    lines: list[Candidate] = []
    for item in shown:
        rank = item.rank if item.rank <= len(hits) else len(hits) + 1 + [i.hit for i in shown if i.rank > len(hits)].index(item.hit)
        line = _line(index, query, replace(item, rank=rank))
        if not any(same_fact(index, new, old) for new in line for old in lines):  # a story told again in a later issue
            lines += line
    answer = _compose(query, sources, lines)
    answer.text = "\n".join(_digest_lines(answer))
    answer.more = len(items) - len(shown)
    if answer.more:
        answer.text += "\n" + MORE[query.language].format(n=answer.more)
    return answer


def _subject_items(index: Index, query: Query, hits: Sequence[Hit]) -> list[_Item]:
    """The items on the subject: those naming the question's names (in the whole archive), or for a
    theme the hits scoring close to the best; the ones naming all names first."""
    if not query.names:
        best = hits[0].score if hits else 0.0
        return [_Item(h, 0, n) for n, h in enumerate(hits, 1) if h.score >= THEME_SHARE * best]
    by_id = {h.chunk_id: n for n, h in enumerate(hits, 1)}
    # a subject with words beside its names ('Google and quantum computing') is about the hits only
    pool = _naming(index, query) if not _beside_names(query) else set()
    items = []
    for passage in sorted(pool | set(by_id)):
        hit = hits[by_id[passage] - 1] if passage in by_id else hit_of(index, passage, 0.0)
        named = sum(names_in(query, f"{hit.section}\n{hit.text}"))
        if named:
            items.append(_Item(hit, named, by_id.get(passage, len(hits) + 1 + passage)))
    whole = [i for i in items if i.named == len(query.names)]
    return whole or items


_ASKING = frozenset("what did we write say said about newsletter archive tell news latest anything everything updates "
                    "parle moi ecrit dit sur tout quoi neuf actus actualites nouvelles".split())


def _beside_names(query: Query) -> bool:
    """Whether the subject has words of its own beside its names (not counting the words that ask)."""
    from indexer.text.query import content_words
    from indexer.text.shape import subject_part

    named = {part for name in query.names for part in re.split(r"[\s.-]+", name.text) if part}
    return any(w not in named and w not in _ASKING for w in content_words(subject_part(query.text)))


def _naming(index: Index, query: Query) -> set[int]:
    """Passages of the whole index that mention one of the question's names (by any of its forms),
    found through the lexical index's postings of each form's rarest word."""
    return {i for name in query.names for form in name.forms for i in passages_naming(index, form)}


def _list_items(query: Query, hits: Sequence[Hit], supports: Sequence[Support]) -> list[_Item]:
    """The hits that hold what a list question asks, in rank order, one per item."""
    held = list(supports) + [support(query, f"{h.section}\n{h.text}", title=h.title, date=h.date) for h in hits[len(supports):]]
    return [_Item(h, 0, n) for n, (h, s) in enumerate(zip(hits, held), 1) if s.complete]


def _spread(items: list[_Item], most: int) -> list[_Item]:
    """At most `most` items, as many issues as possible: each issue's best item first (naming the
    most names, then the best ranked), newest first; then the issues' other items, newest first."""
    ordered = sorted(items, key=lambda i: (-i.named, i.rank))
    firsts, seen = [], set()
    for item in ordered:
        if item.hit.issue_id not in seen:
            seen.add(item.hit.issue_id)
            firsts.append(item)
    rest = [i for i in ordered if i not in firsts]
    newest = lambda i: (-i.named, _negated(i.hit.date), i.rank)  # noqa: E731
    return (sorted(firsts, key=newest) + sorted(rest, key=newest))[:most]


def _negated(date: str | None) -> tuple:
    return tuple(-ord(c) for c in (date or ""))


def _line(index: Index, query: Query, item: _Item) -> list[Candidate]:
    """One item's line: its headline and the one sentence that speaks most of the subject."""
    hit = item.hit
    headline = headline_of(index, hit, item.rank)
    best, best_key = None, None
    for row in index.sentences_of(hit.chunk_id):
        _, start, end = (int(v) for v in index.sentence_spans[row])
        text = index.issues[hit.issue_id].text[start:end]
        if is_noise(text) or is_filler(text) or is_teaser(text):
            continue
        named = sum(names_in(query, text)) if query.names else 0
        similarity = float(index.sentence_vectors[row].astype(np.float32) @ query.vector) if query.vector is not None else 0.0
        key = (named, similarity)
        if best_key is None or key > best_key:
            best, best_key = Candidate(Sentence(text, item.rank, hit.issue_id, start, end, similarity), row), key
    if headline is not None and best is not None and same_fact(index, headline, best):
        best = None  # the summary says the headline again
    line = [c for c in (headline, best) if c is not None]
    if not line:
        line = [Candidate(Sentence(hit.text[:300], item.rank, hit.issue_id, hit.start, hit.start + min(len(hit.text), 300),
                                    hit.score), -1)]
    return line


def _digest_lines(answer: Answer) -> list[str]:
    """One line per cited source: 'date · headline — sentence [n]'."""
    out = []
    for n in dict.fromkeys(s.citation for s in answer.sentences):
        parts = [s for s in answer.sentences if s.citation == n]
        hit = answer.hits[n - 1]
        head = next((s.text.rstrip(" .:") for s in parts if s.kind == "headline"), "")
        said = " ".join(s.text for s in parts if s.kind != "headline")
        when = hit.date or hit.title
        out.append(" — ".join(filter(None, (f"{when} · {head}" if head else when, said))) + f" [{n}]")
    return out
