"""Hybrid retrieval: dense (FAISS) + BM25, fused, filtered, capped per issue.

`search` is the one function the CLI and the app call. It always returns the closest passages;
whether they answer the question is decided apart (`indexer.answer.found`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.search.fusion import top, weighted_sum
from indexer.search.index import Index
from indexer.text.query import Query
from indexer.records import Hit

METHODS = ("hybrid", "dense", "bm25")
# Weight of the dense scores in the fusion, by question language. French: measured on PIAF (1,000
# questions, seed 0; tests/benchmarks/tune_fusion.py), a convex combination of min-max normalised scores
# at 0.5 gave MRR@10 0.824 / R@10 0.946, the best RRF (k=5) 0.813 / 0.950. English questions over French
# text share few words with it but names, so BM25 weighs less (tuned on the golden set's tune half).
DENSE_WEIGHTS = {"fr": 0.5, "en": 0.8}
# Share of the fusion given to a passage's best sentence, so that a passage inside a long note ranks
# by its best sentences as well as as a whole: long documents R@1 0.677 -> 0.700 (fr), 0.836 -> 0.845
# (en); newsletter 0.882 -> 0.895 (fr), 0.918 -> 0.903 (en) (docs/benchmarks.md, "Answers shaped like
# the question"). Pseudo-relevance feedback for English questions (terms of the dense top passages
# added to BM25) was measured too, and lowered English R@1 (0.836 -> 0.793): not used.
SENTENCE_WEIGHT = 0.3
DOMINANCE = 0.8  # a question is about one issue when no other issue's best passage scores this share of the best


@dataclass(frozen=True)
class Filters:
    date_from: str | None = None  # 'YYYY-MM-DD' (or 'YYYY-MM'), inclusive
    date_to: str | None = None
    languages: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()  # issue ids
    domains: tuple[str, ...] = ()  # passages that link to one of these sites (see read/links.py)

    def mask(self, index: Index) -> np.ndarray | None:
        """Boolean mask of the passages these filters keep, or None when nothing is filtered."""
        cols, keep = index.columns, np.ones(len(index), dtype=bool)
        if self.languages:
            keep &= np.isin(cols["language"], list(self.languages))
        if self.issues:
            keep &= np.isin(cols["issue"], list(self.issues))
        if self.domains:
            keep &= np.array([not d.isdisjoint(self.domains) for d in cols["domains"]], dtype=bool)
        if self.date_from or self.date_to:  # undated issues are left out; a month spans its days
            low, high = period(self.date_from or "0000-01")[0], period(self.date_to or "9999-12")[1]
            keep &= np.array([bool(d) and period(d)[1] >= low and period(d)[0] <= high for d in cols["date"]])
        return None if keep.all() else keep


def period(date: str) -> tuple[str, str]:
    """First and last day a 'YYYY-MM-DD' or 'YYYY-MM' date stands for."""
    return (date, date) if len(date) == 10 else (f"{date}-01", f"{date}-31")


def search(
    index: Index,
    query: Query,
    *,
    k: int = 10,
    filters: Filters = Filters(),
    method: str = "hybrid",
    per_issue: int | None = 3,
    candidates: int = 100,
    dense_weight: float | None = None,
) -> list[Hit]:
    """The `k` passages closest to `query` (`read_query`, with its vector), at most `per_issue` from
    any one issue (unless one issue is asked for). `dense_weight` overrides the question language's
    weight in DENSE_WEIGHTS."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    mask = filters.mask(index)
    dense = _dense(index, query.vector, mask, candidates) if method != "bm25" else {}
    lexical = _lexical(index, query.terms, mask, candidates) if method != "dense" else {}
    if method == "hybrid":
        weight = DENSE_WEIGHTS.get(query.language, DENSE_WEIGHTS["fr"]) if dense_weight is None else dense_weight
        if SENTENCE_WEIGHT:
            sentences = best_sentences(index, query.vector, set(dense) | set(lexical))
            fused = top(weighted_sum([dense, lexical, sentences], [weight * (1 - SENTENCE_WEIGHT), (1 - weight) * (1 - SENTENCE_WEIGHT),
                                                                    SENTENCE_WEIGHT]))
        else:
            fused = top(weighted_sum([dense, lexical], [weight, 1 - weight]))
    else:
        fused = top(dense if method == "dense" else lexical)
    if per_issue is not None and len(filters.issues) != 1:
        fused = _cap(index, fused, per_issue)
    return [_hit(index, i, s, dense.get(i), lexical.get(i)) for i, s in fused[:k]]


def best_sentences(index: Index, vector: np.ndarray, passages) -> dict[int, float]:
    """Each passage's best sentence's similarity to the question."""
    ids = np.fromiter(passages, dtype=np.int64)
    if not len(ids):
        return {}
    column = index.sentence_spans[:, 0]
    starts, ends = np.searchsorted(column, ids, "left"), np.searchsorted(column, ids, "right")
    keep = ends > starts
    ids, starts, ends = ids[keep], starts[keep], ends[keep]
    rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(ids) else np.zeros(0, np.int64)
    similarity = index.sentence_vectors[rows].astype(np.float32) @ vector.astype(np.float32)
    best = np.maximum.reduceat(similarity, np.concatenate([[0], np.cumsum(ends - starts)[:-1]])) if len(rows) else []
    return {int(i): float(b) for i, b in zip(ids, best)}


def _dense(index: Index, vector: np.ndarray, mask: np.ndarray | None, n: int) -> dict[int, float]:
    import faiss

    params = None
    if mask is not None:
        selector = faiss.IDSelectorBatch(np.flatnonzero(mask).astype(np.int64))
        params = faiss.SearchParametersHNSW(sel=selector) if hasattr(index.dense, "hnsw") else faiss.SearchParameters(sel=selector)
    scores, ids = index.dense.search(vector.reshape(1, -1).astype(np.float32), min(n, len(index)), params=params)
    return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}


def _lexical(index: Index, terms, mask: np.ndarray | None, n: int) -> dict[int, float]:
    scores = index.lexical.scores(terms)
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    best = np.argsort(-scores, kind="stable")[:n]
    return {int(i): float(scores[i]) for i in best if scores[i] > 0}


def _cap(index: Index, ranked: list[tuple[int, float]], per_issue: int) -> list[tuple[int, float]]:
    """At most `per_issue` passages of any one issue, so that a question about many issues sees
    many; but when the question is about one issue (no other issue's best passage scores DOMINANCE
    of the best one's), that issue's passages are not capped: a long document's answer may be its
    fourth passage (on PIAF's articles as notes, R@5 0.892 -> 0.914 in French, docs/benchmarks.md)."""
    if not ranked:
        return ranked
    first = index.passages[ranked[0][0]].issue_id
    runner_up = next((s for i, s in ranked if index.passages[i].issue_id != first), 0.0)
    alone = runner_up < DOMINANCE * ranked[0][1]
    seen: dict[str, int] = {}
    kept = []
    for i, s in ranked:
        issue = index.passages[i].issue_id
        if seen.get(issue, 0) < per_issue or (alone and issue == first):
            seen[issue] = seen.get(issue, 0) + 1
            kept.append((i, s))
    return kept


def _hit(index: Index, i: int, score: float, dense: float | None, lexical: float | None) -> Hit:
    p = index.passages[i]
    issue = index.issues[p.issue_id]
    return Hit(i, score, p.issue_id, issue.source, issue.title, issue.date, issue.url, p.section, p.language, p.text, p.start, p.end, dense, lexical,
               p.links)
