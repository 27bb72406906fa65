"""Fold re-saved versions of one issue, detected from their passages.

Two issues are versions of one issue when
  1. most of their passages are identical (a plain copy: ≥ 80% of the smaller one's passage hashes), or
  2. they state the same issue date and at least 20% of each one's passages has a near-duplicate
     (cosine ≥ 0.90) in the other: an edited re-save (`_v2`, `_final`, `_UPDATED`).
Measured on ai-weekly-fr with multilingual-e5-small: same-week versions share 24–100% of their
passages at 0.90; different weeks share up to 59% (neighbouring weeks repeat stories), which is
why the date, the publisher's own statement of which issue it is, must agree.

Of each group the version kept is the one its name marks as latest (…_UPDATED/_final > …_v2 > no
suffix), then the one with the most passages, then the first read.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Sequence

import numpy as np

from indexer.records import Chunk, Issue

SAME_TEXT = 0.8
NEAR = 0.90
SAME_DATE_SHARE = 0.2
_LATEST = ((re.compile(r"[-_ .](updated?|final|latest)$", re.I), 3), (re.compile(r"[-_ .]v(\d{1,2})$", re.I), 2))


def fold_versions(issues: Sequence[Issue], chunks: Sequence[Chunk], vectors: np.ndarray) -> tuple[list[Issue], list[tuple[str, str]]]:
    """(issues kept, in order; [(folded source, kept source)]). `vectors[i]` embeds `chunks[i]`."""
    rows: dict[str, list[int]] = {issue.id: [] for issue in issues}
    for row, chunk in enumerate(chunks):
        rows[chunk.issue_id].append(row)
    hashes = [{chunks[r].hash for r in rows[issue.id]} for issue in issues]
    parent = list(range(len(issues)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in _candidate_pairs(issues, hashes):
        if _same_issue(issues[a], issues[b], hashes[a], hashes[b], rows, vectors):
            parent[find(b)] = find(a)
    groups: dict[int, list[int]] = {}
    for i in range(len(issues)):
        groups.setdefault(find(i), []).append(i)
    keep = {root: max(members, key=lambda i: (_latest_rank(issues[i].source), len(rows[issues[i].id]), -i)) for root, members in groups.items()}
    kept = [issue for i, issue in enumerate(issues) if keep[find(i)] == i]
    folded = [(issue.source, issues[keep[find(i)]].source) for i, issue in enumerate(issues) if keep[find(i)] != i]
    return kept, folded


def _candidate_pairs(issues: Sequence[Issue], hashes: list[set[str]]) -> list[tuple[int, int]]:
    """Pairs (a < b, in order) that share a passage or a date: no other pair can be one issue.
    (Comparing every pair would grow with the square of the archive.)"""
    holders: dict[object, set[int]] = {}
    for i, (issue, own) in enumerate(zip(issues, hashes)):
        for key in own | ({("date", issue.date)} if issue.date else set()):
            holders.setdefault(key, set()).add(i)
    return sorted({(a, b) for members in holders.values() if len(members) > 1 for a in members for b in members if a < b})


def _same_issue(a: Issue, b: Issue, ha: set[str], hb: set[str], rows: dict[str, list[int]], vectors: np.ndarray) -> bool:
    if not ha or not hb:
        return False
    if len(ha & hb) >= SAME_TEXT * min(len(ha), len(hb)):
        return True
    if a.date is None or a.date != b.date:
        return False
    similarity = vectors[rows[a.id]] @ vectors[rows[b.id]].T
    return min((similarity.max(axis=1) >= NEAR).mean(), (similarity.max(axis=0) >= NEAR).mean()) >= SAME_DATE_SHARE


def _latest_rank(source: str) -> float:
    stem = PurePosixPath(source).stem
    for pattern, rank in _LATEST:
        match = pattern.search(stem)
        if match:
            return rank + (int(match.group(1)) / 100 if match.group(1).isdigit() else 0)
    return 1
