"""The sentences an answer quotes: each one scored against the question, never the same fact twice,
with the sentence before it when it refers back, or its item's headline as a title line.
Pure functions of the index and the hits; `indexer.answer.answer` and `indexer.answer.digest`
compose them into answers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from indexer.records import Hit
from indexer.search.index import Index
from indexer.text.lexical import tokenize
from indexer.text.prose import is_filler, is_noise, is_teaser, needs_antecedent
from indexer.text.query import Query


@dataclass(frozen=True)
class Sentence:
    text: str
    citation: int  # 1-based number of its passage among the answer's sources
    issue_id: str
    start: int  # offsets into the issue text
    end: int
    score: float
    context: str = ""  # the item's title, shown before a sentence that refers back to it
    kind: str = "sentence"  # 'headline' (a title line, never run into a sentence) or 'sentence'

    @property
    def shown(self) -> str:
        return f"{self.context} : {self.text}" if self.context else self.text


@dataclass(frozen=True)
class Candidate:
    sentence: Sentence  # its citation: its passage's rank among the hits (1-based), until _compose renumbers
    row: int  # its row in the index's sentence arrays (-1: not a sentence of the index, e.g. a headline)

    @property
    def rank(self) -> int:
        return self.sentence.citation


def candidates(index: Index, query: Query, subject: list[tuple[int, Hit]], overlap_weight: float,
                rank_penalty: float) -> list[Candidate]:
    query_terms = set(query.terms)
    n = max(len(index), 1)
    weight = {t: float(np.log(1 + n / (1 + index.lexical.document_frequency(t)))) for t in query_terms}  # rare words count more
    total = sum(weight.values())
    pool = []
    for rank, hit in subject:
        text = index.issues[hit.issue_id].text
        for row in index.sentences_of(hit.chunk_id):
            _, start, end = (int(v) for v in index.sentence_spans[row])
            sentence = text[start:end]
            if is_noise(sentence) or is_filler(sentence):
                continue
            terms = set(tokenize(sentence, hit.language))
            overlap = sum(weight[t] for t in query_terms & terms) / total if total else 0.0
            similarity = float(index.sentence_vectors[row].astype(np.float32) @ query.vector)
            score = similarity + overlap_weight * overlap - rank_penalty * rank
            pool.append(Candidate(Sentence(sentence, rank, hit.issue_id, start, end, score), row))
    return pool


def select(index: Index, pool: list[Candidate], most: int, least: int, margin: float, *, lead: int | None) -> list[Candidate]:
    """The best sentences within `margin` of the best, no fact twice; with `lead`, the evidence
    passage's best sentence first whatever its score."""
    order = sorted(pool, key=lambda c: -c.sentence.score)
    if lead is not None:
        first = next((c for c in order if c.rank == lead), None)
        order = ([first] if first else []) + [c for c in order if c is not first]
    chosen: list[Candidate] = []
    best = max((c.sentence.score for c in pool), default=0.0)
    for c in order:
        if len(chosen) >= most or (len(chosen) >= least and c.sentence.score < best - margin):
            break
        if not any(same_fact(index, c, other) for other in chosen):
            chosen.append(c)
    return chosen


def same_fact(index: Index, a: Candidate, b: Candidate) -> bool:
    """Two sentences that tell the same thing: the same text, vectors all but equal, or most of the
    shorter one's words in the longer one (a fact told again in a later issue)."""
    if a.sentence.text == b.sentence.text:
        return True
    if a.row >= 0 and b.row >= 0:
        if float(index.sentence_vectors[a.row].astype(np.float32) @ index.sentence_vectors[b.row].astype(np.float32)) > 0.95:
            return True
    words_a, words_b = set(tokenize(a.sentence.text)), set(tokenize(b.sentence.text))
    shorter = min(len(words_a), len(words_b))
    return shorter >= 4 and len(words_a & words_b) >= 0.7 * shorter


def with_antecedents(index: Index, hits: Sequence[Hit], chosen: list[Candidate], most: int = 5) -> list[Candidate]:
    """Each sentence that refers back gets the sentence before it in its passage (when that one is
    prose), or else its item's title in front, so that 'L'entreprise a engagé…' says which one; at
    most `most` sentences in all, the best first (one that cannot bring its antecedent is left out)."""
    out: list[Candidate] = []
    taken = {(c.sentence.issue_id, c.sentence.start) for c in chosen}
    for c in chosen:
        if c.row < 0 or not needs_antecedent(c.sentence.text):
            if len(out) < most:
                out.append(c)
            continue
        before = _before(index, hits[c.rank - 1], c)
        if before is None:
            if len(out) < most:
                out.append(titled(hits[c.rank - 1], c))
        elif (c.sentence.issue_id, before.sentence.start) in taken:
            if len(out) < most:
                out.append(c)
        elif len(out) + 2 <= most:
            out += [before, c]
            taken.add((c.sentence.issue_id, before.sentence.start))
    return out


def _before(index: Index, hit: Hit, c: Candidate) -> Candidate | None:
    """The prose sentence just before `c` in its passage, if there is one."""
    rows = list(index.sentences_of(hit.chunk_id))
    at = rows.index(c.row)
    if at == 0:
        return None
    _, start, end = (int(v) for v in index.sentence_spans[rows[at - 1]])
    text = index.issues[hit.issue_id].text[start:end]
    if is_noise(text) or is_filler(text):
        return None
    return Candidate(Sentence(text, c.rank, hit.issue_id, start, end, c.sentence.score), rows[at - 1])


HEADLINE_REACH = 300  # characters before a passage its item's headline may stand in


def headline_of(index: Index, hit: Hit, rank: int) -> "Candidate | None":
    """The passage's item headline, when its item has one just before it ('Nvidia achète Groq pour 20
    milliards de dollars') that tells more than a label: a news item's headline often holds the fact
    its summary leaves out."""
    headline = hit.section.split(" › ")[-1].strip()
    if not headline or headline == hit.title.strip() or is_noise(headline) or is_filler(headline) or is_teaser(headline):
        return None
    text = index.issues[hit.issue_id].text
    start = text.rfind(headline, max(0, hit.start - HEADLINE_REACH), hit.start + len(headline))
    if start < 0 or start >= hit.start:
        return None
    return Candidate(Sentence(headline, rank, hit.issue_id, start, start + len(headline), hit.score, kind="headline"), -1)


def headlined(index: Index, hits: Sequence[Hit], chosen: list[Candidate], most: int) -> list[Candidate]:
    """The lead passage's own headline first (`headline_of`), when not already said; at most `most`
    sentences in all (the last one makes room)."""
    if not chosen or chosen[0].row < 0:
        return chosen
    lead = chosen[0].rank
    line = headline_of(index, hits[lead - 1], lead)
    if line is None or any(same_fact(index, line, c) for c in chosen):
        return chosen
    same_item = [replace(c, sentence=replace(c.sentence, context="")) if c.rank == lead else c for c in chosen]
    return ([line] + same_item)[:max(most, 1)]


def titled(hit: Hit, c: Candidate) -> Candidate:
    """`c` with its item's title in front ('Nvidia s'offre Groq : L'entreprise…'), when it has one."""
    title = hit.section.split(" › ")[-1].strip()
    return replace(c, sentence=replace(c.sentence, context=title)) if title else c
