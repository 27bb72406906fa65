"""Answers composed from the archive's own sentences, shaped like the question (`Query.shape`):

- a **fact** question (`fact_answer`) is answered in the words of the passage that holds the evidence:
  its headline as a title line, then the sentences that hold the fact, in the passage's order; other
  issues that report the same fact are listed as "also reported in" [n], with their dates. Nothing
  else goes in the answer text;
- a **subject** or **list** question gets a digest (`indexer.answer.digest`): one line per item;
- `related_answer` (the archive mentions the subject but does not report what was asked) says what it
  does not report, then what it does.

Only sources that hold what was asked are cited; the others follow, uncited ("also in the archive").
Lines that are not prose (`prose.is_noise`), patter, captions and teasers (`prose.is_filler`,
`prose.is_teaser`) are never quoted; a sentence that refers back brings the sentence before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from indexer.answer.evidence import Support, names_in, parts_held
from indexer.answer.related import Missing, missing_part, not_reported, said_so
from indexer.answer.quotes import Candidate, Sentence, candidates, headline_of, headlined, same_fact, select, with_antecedents
from indexer.search.index import Index
from indexer.text.prose import is_teaser, needs_antecedent
from indexer.text.quantity import quantities
from indexer.text.query import Query
from indexer.records import Hit

NOT_FOUND = {
    "fr": "Rien trouvé dans l'archive sur ce sujet.",
    "en": "Nothing found in the archive about this.",
}
# What the archive does with a question: it answers it; it mentions the subject but does not report
# what was asked (the answer says so, then what the archive does say); or nothing in it is about it.
OUTCOMES = ("answered", "related", "none")


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
    missing: Missing | None = None  # "related": what it does not report, from which `premise` is written
    via_llm: bool = False
    shape: str = "fact"  # the question's shape: 'fact', 'subject' or 'list'
    also: list[int] = field(default_factory=list)  # sources that report the same fact ("also reported in")
    more: int = 0  # digests: items on the subject not listed

    @property
    def found(self) -> bool:
        """Whether the archive answers the question."""
        return self.outcome == "answered"

    @property
    def cited(self) -> list[int]:
        """The numbers of the sources the answer cites (quoted, or reporting the same fact), in reading order."""
        return list(dict.fromkeys([s.citation for s in self.sentences] + self.also))

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
            "shape": self.shape,
            "premise": self.premise,
            "also_reported": self.also,
            "more": self.more,
            "sentences": [{"kind": s.kind, "text": s.text, "context": s.context, "citation": s.citation, "issue": s.issue_id,
                           "start": s.start, "end": s.end} for s in self.sentences],
            "sources": [{**h.as_json(n), "cited": n in cited} for n, h in enumerate(self.hits, 1)],
        }


MARGIN = 0.08  # sentences of the evidence passage within this of its best one are quoted with it
MOST = 4  # sentences quoted at most (a title line and an antecedent come on top)
LEAST = 3  # and at least, when the passage has them: a fact is often told over a few sentences
OVERLAP = 0.05  # what a sentence scores for holding all the question's words
OTHERS = 2  # sentences of other passages holding the evidence, quoted after the lead's when they score as well
OTHERS_MARGIN = 0.0  # ... when its best sentence scores at least as well as the lead's (PIAF hit 0.586 -> 0.613)
PARTS = 0.3  # what a sentence scores for stating all the question needs (its names, relation, fact, amounts)


def fact_answer(index: Index, query: Query, hits: Sequence[Hit], *, evidence: int | None = None,
                supports: Sequence[Support] = ()) -> Answer:
    """The evidence passage's own words: its headline, then the sentences that hold the fact, in
    the passage's order; the other issues reporting the same fact listed after as "also reported in"."""
    lead = evidence or 1
    pool = _pool(index, query, lead, hits[lead - 1])
    hit = hits[lead - 1]
    chosen = with_antecedents(index, hits, _told_from(index, pool), MOST + 1)
    headline = headline_of(index, hit, lead)
    if headline is not None and not any(same_fact(index, headline, c) for c in chosen):
        chosen = [headline] + [replace(c, sentence=replace(c.sentence, context="")) for c in chosen]
    if not chosen:  # nothing but headings: cite the passage itself
        chosen = [Candidate(Sentence(hit.text, lead, hit.issue_id, hit.start, hit.end, hit.score), -1)]
    chosen += _from_others(index, query, hits, lead, chosen, supports)
    also = [r for r in also_reported(index, query, hits, lead, chosen, supports) if r not in {c.rank for c in chosen}]
    return _compose(query, hits, chosen, also)


def _from_others(index: Index, query: Query, hits: Sequence[Hit], lead: int, chosen: list["Candidate"],
                 supports: Sequence[Support]) -> list["Candidate"]:
    """The best sentence of each other passage that holds the evidence too (`supports`), when it scores
    within OTHERS_MARGIN of the lead's best: a long document may tell the fact in another passage."""
    best = max((c.sentence.score for c in chosen if c.row >= 0), default=None)
    if best is None:
        return []
    out: list[Candidate] = []
    for rank, held in enumerate(supports, 1):
        if len(out) >= OTHERS or rank == lead or rank > len(hits) or not held.complete:
            continue
        pool = _pool(index, query, rank, hits[rank - 1])
        top = max(pool, key=lambda c: c.sentence.score, default=None)
        if top is not None and top.sentence.score >= best - OTHERS_MARGIN and not needs_antecedent(top.sentence.text) \
                and not any(same_fact(index, top, c) for c in chosen + out):
            out.append(top)
    return out


def _pool(index: Index, query: Query, rank: int, hit: Hit) -> list["Candidate"]:
    """A passage's sentences that may be quoted, scored (similarity, words, what of the question they state)."""
    pool = [c for c in candidates(index, query, [(rank, hit)], OVERLAP, 0.0) if not is_teaser(c.sentence.text)]
    return [replace(c, sentence=replace(c.sentence, score=c.sentence.score + PARTS * parts_held(query, c.sentence.text))) for c in pool]


def _told_from(index: Index, pool: list[Candidate]) -> list[Candidate]:
    """The sentence that best holds the fact, then the ones after it in the passage that carry it on
    (the next one, and those within MARGIN of the best), at most MOST: the fact comes first, in the
    passage's own order."""
    if not pool:
        return []
    best = max(pool, key=lambda c: c.sentence.score)
    chosen = [best]
    for c in sorted((c for c in pool if c.sentence.start > best.sentence.start), key=lambda c: c.sentence.start):
        if len(chosen) >= MOST or (len(chosen) >= LEAST and c.sentence.score < best.sentence.score - MARGIN):
            break
        if not any(same_fact(index, c, other) for other in chosen):
            chosen.append(c)
    return chosen


SAME_FACT = 0.93  # a passage of another issue whose sentence is this close to the quoted one reports the same fact


def also_reported(index: Index, query: Query, hits: Sequence[Hit], lead: int, chosen: list["Candidate"],
                  supports: Sequence[Support], most: int = 3) -> list[int]:
    """Ranks of the other issues' passages that hold the evidence too (`supports`) and report the same
    fact: the same amount, or a sentence all but equal in meaning to one quoted."""
    quoted = [c.row for c in chosen if c.row >= 0]
    if not quoted or not supports:
        return []
    amounts = [q for c in chosen for q in quantities(c.sentence.text, hits[lead - 1].language)]
    mine = index.sentence_vectors[quoted].astype(np.float32)
    found, issues = [], {hits[lead - 1].issue_id}
    for rank, (hit, held) in enumerate(zip(hits, supports), 1):
        if rank == lead or hit.issue_id in issues or not held.complete:
            continue
        rows = list(index.sentences_of(hit.chunk_id))
        close = bool(rows) and float((index.sentence_vectors[rows].astype(np.float32) @ mine.T).max()) >= SAME_FACT
        same_amount = bool(amounts) and any(q.same(a) for q in quantities(hit.text, hit.language) for a in amounts)
        if close or same_amount:
            found.append(rank)
            issues.add(hit.issue_id)
        if len(found) >= most:
            break
    return found


def related_answer(index: Index, query: Query, hits: Sequence[Hit], signals) -> Answer:
    """The archive mentions what the question names but does not report what it asks: say which part
    is missing, then quote what the archive says of the names it does mention."""
    subject = on_subject(query, hits, 0.0)
    pool = candidates(index, query, subject, 0.05, 0.01)
    chosen = headlined(index, hits, with_antecedents(index, hits, select(index, pool, 3, 1, 0.15, lead=None), 3), 4)
    answer = _compose(query, hits, chosen)
    answer.missing = missing_part(query, signals)
    answer.outcome, answer.premise = "related", not_reported(query.language, answer.missing)
    answer.text = said_so(query.language, answer.missing, answer.text if chosen else "")
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


ALSO = {"fr": "Aussi rapporté dans", "en": "Also reported in"}


def _compose(query: Query, hits: Sequence[Hit], chosen: list[Candidate], also: Sequence[int] = ()) -> Answer:
    """The sentences grouped by passage (the lead passage first, then by best sentence), in archive
    order within a passage, a headline on its own line; sources renumbered in reading order (those
    reporting the same fact next), the uncited ones after them."""
    first_seen: dict[int, int] = {}
    for n, c in enumerate(chosen):
        first_seen.setdefault(c.rank, n)
    ordered = sorted(chosen, key=lambda c: (first_seen[c.rank], c.sentence.start))
    reading = list(dict.fromkeys([c.rank for c in ordered] + list(also)))
    order = reading + [r for r in range(1, len(hits) + 1) if r not in reading]
    number = {rank: n for n, rank in enumerate(order, 1)}
    sentences = [replace(c.sentence, citation=number[c.rank]) for c in ordered]
    lines: list[str] = []
    for n, s in enumerate(sentences):
        last_of_source = n + 1 == len(sentences) or sentences[n + 1].citation != s.citation
        if s.kind == "headline":
            lines.append(s.text.rstrip(" .:") + (f" [{s.citation}]" if last_of_source else ""))
            lines.append("")
            continue
        said = s.shown + (f" [{s.citation}]" if last_of_source else "")
        if lines and lines[-1]:
            lines[-1] += " " + said
        elif lines:
            lines[-1] = said
        else:
            lines.append(said)
    if also:
        reports = "; ".join(f"{hits[r - 1].title} ({hits[r - 1].date or '?'}) [{number[r]}]" for r in also)
        lines.append(f"{ALSO[query.language]} : {reports}." if query.language == "fr" else f"{ALSO[query.language]}: {reports}.")
    text = "\n".join(line for line in lines if line)
    return Answer(query.text, query.language, text, [hits[r - 1] for r in order], sentences, shape=query.shape,
                  also=[number[r] for r in also])
