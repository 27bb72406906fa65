"""Rank fusion as pure functions: lists of passage ids in, fused scores out."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def rrf(rankings: Sequence[Sequence[int]], *, k: int = 60, weights: Sequence[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion (Cormack et al., 2009): sum of w / (k + rank), rank from 1."""
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def weighted_sum(score_maps: Sequence[dict[int, float]], weights: Sequence[float]) -> dict[int, float]:
    """Convex combination of min-max normalised scores; an item missing from a list scores 0 there,
    and a list whose scores are all equal (a single match, say) counts as full marks for each item."""
    fused: dict[int, float] = {}
    for scores, weight in zip(score_maps, weights):
        if not scores:
            continue
        values = np.fromiter(scores.values(), dtype=np.float64)
        low, span = values.min(), values.max() - values.min()
        for item, value in scores.items():
            fused[item] = fused.get(item, 0.0) + weight * ((value - low) / span if span else 1.0)
    return fused


def top(fused: dict[int, float], n: int | None = None) -> list[tuple[int, float]]:
    ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked if n is None else ranked[:n]
