"""Choosing the found decision's thresholds (`found.Rule`) on labelled questions, and measuring them
on issues they were not chosen on: leave-issues-out cross-validation. Pure functions of `Outcome`s
(`golden.run_question`), which keep what a decision needs to be taken again under another rule.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import numpy as np

from indexer.answer.found import Rule
from indexer.measure.golden import Outcome

GRID = {
    "named": np.round(np.arange(0.0, 0.401, 0.02), 3),
    "plain": np.round(np.arange(0.10, 0.601, 0.02), 3),
    "coverage": np.round(np.arange(0.0, 0.601, 0.05), 3),
}


ABSENT_WEIGHT = 2.0  # answering a question the archive does not answer misleads; a covered question
# told "related" still shows its passages: a wrong answer costs twice a missed one


def score(outcomes: Sequence[Outcome]) -> float:
    """Weighted balanced accuracy, averaged over each archive and question language: the share of
    covered questions answered, and ABSENT_WEIGHT times the share of absent questions not answered."""
    groups = []
    for key in sorted({(o.question.archive, o.question.language) for o in outcomes}):
        mine = [o for o in outcomes if (o.question.archive, o.question.language) == key]
        covered = [o.answered for o in mine if o.question.kind == "covered"]
        absent = [not o.answered for o in mine if o.question.kind == "absent"]
        parts = [(float(np.mean(x)), w) for x, w in ((covered, 1.0), (absent, ABSENT_WEIGHT)) if x]
        groups.append(sum(v * w for v, w in parts) / sum(w for _, w in parts))
    return float(np.mean(groups)) if groups else 0.0


def fit_rule(outcomes: Sequence[Outcome], grid: dict = GRID) -> Rule:
    """The thresholds that score best on `outcomes` (ties: the strictest, which refuses most)."""
    best, best_key = Rule(), None
    named = [o for o in outcomes if o.query.names]
    plain = [o for o in outcomes if not o.query.names]
    # The two kinds of question are decided by separate thresholds: fit each on its own questions,
    # weighed as the whole set weighs them.
    for value in grid["named"]:
        rule = Rule(named=float(value))
        key = (_partial(named, outcomes, rule), float(value))
        if best_key is None or key > best_key:
            best_key, best = key, rule
    named_value, best_key = best.named, None
    for plain_value, coverage in itertools.product(grid["plain"], grid["coverage"]):
        rule = Rule(named=named_value, plain=float(plain_value), coverage=float(coverage))
        key = (_partial(plain, outcomes, rule), float(plain_value) + float(coverage))
        if best_key is None or key > best_key:
            best_key, best = key, rule
    return best


def _partial(some: Sequence[Outcome], everything: Sequence[Outcome], rule: Rule) -> float:
    """The score of `everything` when `some` of it is decided under `rule` (the rest as it was)."""
    decided = {id(o): o.decided(rule) for o in some}
    return score([decided.get(id(o), o) for o in everything])


def folds_of(outcomes: Sequence[Outcome]) -> list[str]:
    """Each question's fold: the issue it is about; a question about no issue of the archive (an absent
    one) joins an issue's fold by a hash of its id, so that every fold holds some."""
    groups = sorted({o.question.group for o in outcomes if o.question.group})
    return [o.question.group or groups[int(hashlib.sha256(o.question.id.encode()).hexdigest(), 16) % len(groups)]
            for o in outcomes]


def cross_validate(outcomes: Sequence[Outcome], *, extra: Sequence[Outcome] = ()) -> tuple[list[Outcome], list[Rule]]:
    """Leave-issues-out: each fold's questions decided under the rule fitted on the other folds'
    (plus `extra`, questions of other archives). Returns the outcomes, in order, and the rules."""
    folds = folds_of(outcomes)
    decided: list[Outcome | None] = [None] * len(outcomes)
    rules = []
    for fold in sorted(set(folds)):
        train = [o for o, f in zip(outcomes, folds) if f != fold] + list(extra)
        rule = fit_rule(train)
        rules.append(rule)
        for i, (o, f) in enumerate(zip(outcomes, folds)):
            if f == fold:
                decided[i] = o.decided(rule)
    return [o for o in decided if o is not None], rules
