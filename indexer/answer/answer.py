"""Answers composed from the archive's own sentences, cited [n] in reading order.

`extractive_answer` (the archive answers the question) leads with the passage that holds the
evidence, quotes 2–5 sentences of the passages on the question's subject, and drops what a reader
should not get: lines that are not prose (`prose.is_noise`), newsletter patter and picture
captions (`prose.is_filler`), the same fact twice; a sentence that refers back brings the sentence
before it (or the item's title). `related_answer` (the archive mentions the subject but does not
report what was asked) says what it does not report, then what it does. The sources are renumbered
so that the first one quoted is [1]; those cited come first, the others after them ("also related").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from indexer.answer.evidence import names_in
from indexer.search.index import Index
from indexer.text.lexical import tokenize
from indexer.text.prose import is_filler, is_noise, needs_antecedent
from indexer.text.query import Query
from indexer.records import Hit

NOT_FOUND = {
    "fr": "Rien trouvé dans l'archive sur ce sujet.",
    "en": "Nothing found in the archive about this.",
}
# What the archive does with a question: it answers it; it mentions the subject but does not report
# what was asked (the answer says so, then what the archive does say); or nothing in it is about it.
OUTCOMES = ("answered", "related", "none")


@dataclass(frozen=True)
class Sentence:
    text: str
    citation: int  # 1-based number of its passage among the answer's sources
    issue_id: str
    start: int  # offsets into the issue text
    end: int
    score: float
    context: str = ""  # the item's title, shown before a sentence that refers back to it

    @property
    def shown(self) -> str:
        return f"{self.context} : {self.text}" if self.context else self.text


@dataclass
class Answer:
    question: str
    language: str
    text: str
    hits: list[Hit]  # the sources, numbered 1..n: the cited ones first, in reading order
    sentences: list[Sentence] = field(default_factory=list)
    outcome: str = "answered"  # one of OUTCOMES; "none": `hits` are only the closest passages
    confidence: float = 1.0  # how clearly the best passage stands out, 0..1
    notice: str | None = None  # e.g. why the LLM answer fell back to this one
    premise: str | None = None  # "related": the line saying what the archive does not report
    via_llm: bool = False

    @property
    def found(self) -> bool:
        """Whether the archive answers the question."""
        return self.outcome == "answered"

    @property
    def cited(self) -> list[int]:
        """The numbers of the sources the answer cites, in reading order."""
        return list(dict.fromkeys(s.citation for s in self.sentences))

    @property
    def quotes_language(self) -> str | None:
        """The language of the quoted passages when the reader asked in another one (the quotes
        are the archive's own words), else None."""
        if self.via_llm or not self.sentences:
            return None
        cited = {self.hits[n - 1].language for n in self.cited if 0 < n <= len(self.hits)}
        other = sorted(cited - {self.language})
        return other[0] if other else None

    def as_json(self) -> dict:
        """What `ask --json` prints: the answer, its outcome, its sentences and sources."""
        cited = set(self.cited)
        return {
            "question": self.question,
            "language": self.language,
            "outcome": self.outcome,
            "found": self.found,
            "confidence": round(self.confidence, 4),
            "text": self.text,
            "via_llm": self.via_llm,
            "notice": self.notice,
            "quotes_language": self.quotes_language,
            "sentences": [{"text": s.text, "context": s.context, "citation": s.citation, "issue": s.issue_id, "start": s.start,
                           "end": s.end} for s in self.sentences],
            "sources": [{**h.as_json(n), "cited": n in cited} for n, h in enumerate(self.hits, 1)],
        }


@dataclass(frozen=True)
class _Candidate:
    sentence: Sentence  # its citation: its passage's rank among the hits (1-based), until _compose renumbers
    row: int  # its row in the index's sentence arrays (-1: not a sentence of the index, e.g. a headline)

    @property
    def rank(self) -> int:
        return self.sentence.citation


def extractive_answer(index: Index, query: Query, hits: Sequence[Hit], *, evidence: int | None = None, passages: int = 5,
                      max_sentences: int = 5, min_sentences: int = 2, margin: float = 0.15, overlap_weight: float = 0.05,
                      rank_penalty: float = 0.01, relative_score: float = 0.5) -> Answer:
    """2–5 sentences of the passages on the question's subject, the evidence passage (its rank among
    `hits`) first. A sentence scores its similarity to the question, a little lexical overlap, less a
    little per rank; those within `margin` of the best are kept (tuned on PIAF and the golden set:
    tests/benchmarks/tune_answers.py)."""
    if not hits:
        return Answer(query.text, query.language, NOT_FOUND[query.language], [], outcome="none")
    subject = on_subject(query, hits[:passages], relative_score)
    if evidence is not None and all(rank != evidence for rank, _ in subject):
        subject.insert(0, (evidence, hits[evidence - 1]))
    pool = _candidates(index, query, subject, overlap_weight, rank_penalty)
    chosen = _select(index, pool, max_sentences, min_sentences, margin, lead=evidence)
    if not chosen:  # only headings: cite the best passage itself
        best = hits[(evidence or 1) - 1]
        chosen = [_Candidate(Sentence(best.text, evidence or 1, best.issue_id, best.start, best.end, best.score), -1)]
    return _compose(query, hits, _headlined(index, hits, _with_antecedents(index, hits, chosen, max_sentences), max_sentences))


def related_answer(index: Index, query: Query, hits: Sequence[Hit], signals) -> Answer:
    """The archive mentions what the question names but does not report what it asks: say which part
    is missing, then quote what the archive says of the names it does mention."""
    from indexer.answer.related import missing_part, not_reported, said_so

    subject = on_subject(query, hits, 0.0)
    pool = _candidates(index, query, subject, 0.05, 0.01)
    chosen = _headlined(index, hits, _with_antecedents(index, hits, _select(index, pool, 3, 1, 0.15, lead=None), 3), 4)
    answer = _compose(query, hits, chosen)
    missing = missing_part(query, signals)
    answer.outcome, answer.premise = "related", not_reported(query, missing)
    answer.text = said_so(query, missing, answer.text if chosen else "")
    return answer


def on_subject(query: Query, hits: Sequence[Hit], relative_score: float = 0.0) -> list[tuple[int, Hit]]:
    """(rank, hit) of the hits that are about the question's subject: those that mention the most of
    its names (when any hit mentions one), among those whose fused score is at least `relative_score`
    times the best one's."""
    ranked = [(rank, hit) for rank, hit in enumerate(hits, start=1) if hit.score >= relative_score * hits[0].score]
    if not query.names:
        return ranked
    named = [(sum(names_in(query, f"{hit.section} {hit.text}")), rank, hit) for rank, hit in ranked]
    most = max(n for n, _, _ in named)
    return [(rank, hit) for n, rank, hit in named if n == most] if most else ranked


def _candidates(index: Index, query: Query, subject: list[tuple[int, Hit]], overlap_weight: float,
                rank_penalty: float) -> list[_Candidate]:
    query_terms = set(query.terms)
    pool = []
    for rank, hit in subject:
        text = index.issues[hit.issue_id].text
        for row in index.sentences_of(hit.chunk_id):
            _, start, end = (int(v) for v in index.sentence_spans[row])
            sentence = text[start:end]
            if is_noise(sentence) or is_filler(sentence):
                continue
            terms = set(tokenize(sentence, hit.language))
            overlap = len(query_terms & terms) / len(query_terms) if query_terms else 0.0
            similarity = float(index.sentence_vectors[row].astype(np.float32) @ query.vector)
            score = similarity + overlap_weight * overlap - rank_penalty * rank
            pool.append(_Candidate(Sentence(sentence, rank, hit.issue_id, start, end, score), row))
    return pool


def _select(index: Index, pool: list[_Candidate], most: int, least: int, margin: float, *, lead: int | None) -> list[_Candidate]:
    """The best sentences within `margin` of the best, no fact twice; with `lead`, the evidence
    passage's best sentence first whatever its score."""
    order = sorted(pool, key=lambda c: -c.sentence.score)
    if lead is not None:
        first = next((c for c in order if c.rank == lead), None)
        order = ([first] if first else []) + [c for c in order if c is not first]
    chosen: list[_Candidate] = []
    best = max((c.sentence.score for c in pool), default=0.0)
    for c in order:
        if len(chosen) >= most or (len(chosen) >= least and c.sentence.score < best - margin):
            break
        if not any(same_fact(index, c, other) for other in chosen):
            chosen.append(c)
    return chosen


def same_fact(index: Index, a: _Candidate, b: _Candidate) -> bool:
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


def _with_antecedents(index: Index, hits: Sequence[Hit], chosen: list[_Candidate], most: int = 5) -> list[_Candidate]:
    """Each sentence that refers back gets the sentence before it in its passage (when that one is
    prose), or else its item's title in front, so that 'L'entreprise a engagé…' says which one; at
    most `most` sentences in all, the best first (one that cannot bring its antecedent is left out)."""
    out: list[_Candidate] = []
    taken = {(c.sentence.issue_id, c.sentence.start) for c in chosen}
    for c in chosen:
        if c.row < 0 or not needs_antecedent(c.sentence.text):
            if len(out) < most:
                out.append(c)
            continue
        before = _before(index, hits[c.rank - 1], c)
        if before is None:
            if len(out) < most:
                out.append(_titled(hits[c.rank - 1], c))
        elif (c.sentence.issue_id, before.sentence.start) in taken:
            if len(out) < most:
                out.append(c)
        elif len(out) + 2 <= most:
            out += [before, c]
            taken.add((c.sentence.issue_id, before.sentence.start))
    return out


def _before(index: Index, hit: Hit, c: _Candidate) -> _Candidate | None:
    """The prose sentence just before `c` in its passage, if there is one."""
    rows = list(index.sentences_of(hit.chunk_id))
    at = rows.index(c.row)
    if at == 0:
        return None
    _, start, end = (int(v) for v in index.sentence_spans[rows[at - 1]])
    text = index.issues[hit.issue_id].text[start:end]
    if is_noise(text) or is_filler(text):
        return None
    return _Candidate(Sentence(text, c.rank, hit.issue_id, start, end, c.sentence.score), rows[at - 1])


HEADLINE_REACH = 300  # characters before a passage its item's headline may stand in


def _headlined(index: Index, hits: Sequence[Hit], chosen: list[_Candidate], most: int) -> list[_Candidate]:
    """The lead passage's own headline quoted first, when its item has one just before it ('Nvidia
    achète Groq pour 20 milliards de dollars') that tells more than a label and is not already
    said: a news item's headline often holds the fact its summary leaves out. At most `most`
    sentences in all (the last one makes room)."""
    if not chosen or chosen[0].row < 0:
        return chosen
    lead = chosen[0].rank
    hit = hits[lead - 1]
    headline = hit.section.split(" › ")[-1].strip()
    if headline == hit.title.strip() or is_noise(headline) or is_filler(headline):
        return chosen
    text = index.issues[hit.issue_id].text
    start = text.rfind(headline, max(0, hit.start - HEADLINE_REACH), hit.start + len(headline))
    if start < 0 or start >= hit.start:
        return chosen
    line = _Candidate(Sentence(headline, lead, hit.issue_id, start, start + len(headline), chosen[0].sentence.score), -1)
    if any(same_fact(index, line, c) for c in chosen):
        return chosen
    same_item = [replace(c, sentence=replace(c.sentence, context="")) if c.rank == lead else c for c in chosen]
    return ([line] + same_item)[:max(most, 1)]


def _titled(hit: Hit, c: _Candidate) -> _Candidate:
    """`c` with its item's title in front ('Nvidia s'offre Groq : L'entreprise…'), when it has one."""
    title = hit.section.split(" › ")[-1].strip()
    return replace(c, sentence=replace(c.sentence, context=title)) if title else c


def _compose(query: Query, hits: Sequence[Hit], chosen: list[_Candidate]) -> Answer:
    """The sentences grouped by passage (the lead passage first, then by best sentence), in archive
    order within a passage; sources renumbered in reading order, the uncited ones after them."""
    first_seen: dict[int, int] = {}
    for n, c in enumerate(chosen):
        first_seen.setdefault(c.rank, n)
    ordered = sorted(chosen, key=lambda c: (first_seen[c.rank], c.sentence.start))
    reading = list(dict.fromkeys(c.rank for c in ordered))
    order = reading + [r for r in range(1, len(hits) + 1) if r not in reading]
    number = {rank: n for n, rank in enumerate(order, 1)}
    sentences = [replace(c.sentence, citation=number[c.rank]) for c in ordered]
    text = " ".join(f"{s.shown} [{s.citation}]" for s in sentences)
    return Answer(query.text, query.language, text, [hits[r - 1] for r in order], sentences)
