"""Extractive answers: the sentences of the top passages that answer the question, cited [n].

[n] is the rank of the passage in the hits, for this answer and for LLM answers alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .index import Index
from .lexical import tokenize
from .records import Hit

NOT_FOUND = {
    "fr": "Rien trouvé dans l'archive sur ce sujet.",
    "en": "Nothing found in the archive about this.",
}


@dataclass(frozen=True)
class Sentence:
    text: str
    citation: int  # 1-based rank of its passage among the hits
    issue_id: str
    start: int  # offsets into the issue text
    end: int
    score: float


@dataclass
class Answer:
    question: str
    language: str
    text: str
    hits: list[Hit]  # the sources, numbered 1..n
    sentences: list[Sentence] = field(default_factory=list)
    found: bool = True
    notice: str | None = None  # e.g. why the LLM answer fell back to this one
    via_llm: bool = False


def extractive_answer(
    index: Index,
    question: str,
    query_vector: np.ndarray,
    hits: Sequence[Hit],
    language: str,
    *,
    passages: int = 5,
    max_sentences: int = 5,
    min_sentences: int = 2,
    margin: float = 0.15,
    overlap_weight: float = 0.05,
) -> Answer:
    """Pick 2–5 sentences from the top `passages` hits: similarity to the question plus a little
    lexical overlap, near-duplicates skipped, shown in archive order within each issue.

    Sentences within `margin` of the best are kept. Tuned on PIAF (1,000 questions, seed 0): a
    larger overlap weight hurts, because the sentence that holds the answer seldom repeats the
    question's words (hit rate 0.787 at weight 0, 0.785 at 0.05, 0.69 at 0.3)."""
    if not hits:
        return Answer(question, language, NOT_FOUND[language], [], found=False)
    query_terms = set(tokenize(question, language))
    pool: list[Sentence] = []
    rows: list[int] = []
    for rank, hit in enumerate(hits[:passages], start=1):
        text = index.issues[hit.issue_id].text
        for row in index.sentences_of(hit.chunk_id):
            _, start, end = (int(v) for v in index.sentence_spans[row])
            sentence = text[start:end]
            if len(sentence.split()) < 4:
                continue
            terms = set(tokenize(sentence, hit.language))
            overlap = len(query_terms & terms) / len(query_terms) if query_terms else 0.0
            similarity = float(index.sentence_vectors[row].astype(np.float32) @ query_vector)
            pool.append(Sentence(sentence, rank, hit.issue_id, start, end, similarity + overlap_weight * overlap - 0.01 * rank))
            rows.append(row)
    chosen = _select(index, pool, rows, max_sentences, min_sentences, margin)
    if not chosen:  # only headings: cite the best passage itself
        best = hits[0]
        chosen = [Sentence(best.text, 1, best.issue_id, best.start, best.end, best.score)]
    issue_order = {h.issue_id: n for n, h in enumerate(hits)}
    chosen.sort(key=lambda s: (issue_order[s.issue_id], s.start))
    return Answer(question, language, " ".join(f"{s.text} [{s.citation}]" for s in chosen), list(hits), chosen)


def _select(index: Index, pool: list[Sentence], rows: list[int], most: int, least: int, margin: float) -> list[Sentence]:
    order = sorted(range(len(pool)), key=lambda i: -pool[i].score)
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= most or (len(chosen) >= least and pool[i].score < pool[order[0]].score - margin):
            break
        vector = index.sentence_vectors[rows[i]].astype(np.float32)
        if any(pool[i].text == pool[j].text or float(vector @ index.sentence_vectors[rows[j]].astype(np.float32)) > 0.97 for j in chosen):
            continue
        chosen.append(i)
    return [pool[i] for i in chosen]
