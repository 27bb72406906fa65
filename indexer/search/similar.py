""""More like this": the passages across the archive nearest to one passage, outside its own issue.

One passage per issue (the nearest), so that following a subject walks through time rather than
down one issue; newest first or by similarity. A pure function of the index (no model needed: the
passage's own vector is read back from FAISS).
"""

from __future__ import annotations

import numpy as np

from indexer.search.index import Index
from indexer.records import Hit

ORDERS = ("date", "similarity")


def more_like_this(index: Index, passage_id: int, *, k: int = 8, order: str = "date", candidates: int = 200,
                   min_score: float = 0.0) -> list[Hit]:
    """Up to `k` passages nearest to `passage_id` (cosine ≥ `min_score`), one per issue, none from its own issue,
    ordered newest first (`order="date"`, undated last) or by similarity."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    if not 0 <= passage_id < len(index):
        raise IndexError(f"no passage {passage_id} in an index of {len(index)}")
    own = index.passages[passage_id].issue_id
    vector = np.asarray(index.dense.reconstruct(int(passage_id)), dtype=np.float32).reshape(1, -1)
    scores, ids = index.dense.search(vector, min(candidates, len(index)))
    chosen: dict[str, tuple[int, float]] = {}
    for i, score in zip(ids[0].tolist(), scores[0].tolist()):
        issue = index.passages[i].issue_id if i >= 0 else own
        if issue != own and issue not in chosen and score >= min_score:
            chosen[issue] = (i, score)
        if len(chosen) >= k:
            break
    hits = [hit_of(index, i, score) for i, score in chosen.values()]
    if order == "date":
        hits.sort(key=lambda h: h.date or "", reverse=True)  # ISO dates sort as text; '' (undated) last
    return hits


def hit_of(index: Index, passage_id: int, score: float) -> Hit:
    """A Hit for a passage of the index, with its issue's metadata."""
    p = index.passages[passage_id]
    issue = index.issues[p.issue_id]
    return Hit(passage_id, score, p.issue_id, issue.source, issue.title, issue.date, issue.url, p.section, p.language,
               p.text, p.start, p.end, links=p.links)
