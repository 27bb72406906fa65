"""Does the archive answer the question? Three outcomes, decided apart from ranking.

- **answered**: one passage holds the evidence: the question's names together (versions and years
  as written), the relation it asks about, the fact it asks for (`indexer.answer.evidence`), and it stands
  out from ordinary text by meaning;
- **related**: the archive mentions what the question names, but no passage reports what was asked
  (a deal between two companies it mentions apart, a version it never saw, a price it never gives);
- **none**: nothing in it is about the question.

"Stands out" is measured against ordinary text: the question's median similarity to a fixed sample
of the archive's passages and to passages on everyday subjects (`indexer.answer.ordinary`), and how much of
the way from there to a perfect match the passage goes (`standing`): it holds for any archive size
and any embedder's range of cosines. A question that names things needs less of it (the names are
the evidence); a question that names nothing needs more, and, asked in the archive's language, its
words must be in the passage too.
The three thresholds (`Rule`) are chosen by leave-issues-out cross-validation
(tests/benchmarks/calibrate_found.py): see docs/benchmarks.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.answer.evidence import Support, cognates, support
from indexer.text.query import Query
from indexer.records import Hit
from indexer.search.index import passages_naming

RULE_FILE = Path(__file__).with_name("found_rule.json")
PROBE_SIZE = 256  # passages drawn once per index: the question's similarity to ordinary archive text
TOP = 5  # the passages the evidence is looked for in


@dataclass(frozen=True)
class Rule:
    named: float = 0.14  # standing a question that names things needs, once one passage holds its evidence
    plain: float = 0.22  # standing a question that names nothing needs
    coverage: float = 0.2  # and the share of its (idf-weighted) words one of the best passages must hold (in its language)


@dataclass(frozen=True)
class Signals:
    """What the decision reads, computed once per question."""

    similarities: tuple[float, ...]  # each of the best passages' similarity to the question (dense, cosine)
    ordinary: float  # the question's median similarity to ordinary text
    coverage: float  # the largest idf-weighted share of the question's terms one of the best passages holds
    known: tuple[bool, ...]  # each name occurs somewhere in the archive
    in_hits: tuple[bool, ...]  # each name occurs in one of the best passages
    supports: tuple[Support, ...]  # what each of the best passages holds
    same_language: bool = True  # the question is in the best passages' language (its words can be looked for)
    versions_of_known: bool = False  # a name the archive never mentions is a version of one it does ('Gemini 4')

    @property
    def standing(self) -> float:
        """How far the best passage stands above ordinary text, as a share of the way from ordinary
        text to a perfect match: free of the embedder's range of cosines (e5's are compressed)."""
        return self.standing_of(max(self.similarities, default=self.ordinary))

    def standing_of(self, similarity: float) -> float:
        return (similarity - self.ordinary) / max(1.0 - self.ordinary, 1e-6)

    @property
    def evidence_standing(self) -> float:
        """The standing of the passage that holds the evidence (the best one's when none does)."""
        rank = self.supported
        return self.standing if rank is None else self.standing_of(self.similarities[rank - 1])

    @property
    def supported(self) -> int | None:
        """The rank (from 1) of the first of the best passages that holds all the evidence."""
        return next((n for n, s in enumerate(self.supports, 1) if s.complete), None)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # 'answered', 'related' or 'none'
    confidence: float  # how clearly the best passage stands out, 0..1
    signals: Signals
    evidence: int | None = None  # rank of the passage holding the evidence, when answered

    @property
    def found(self) -> bool:
        return self.outcome == "answered"


def signals(index, query: Query, hits: Sequence[Hit], probe: np.ndarray) -> Signals:
    best = list(hits[:TOP])
    ordinary = probe @ query.vector
    median = float(np.median(ordinary))
    ids = [h.chunk_id for h in best]
    coverage = float(index.lexical.coverage(query.terms, ids).max()) if ids else 0.0
    supports = tuple(support(query, f"{h.section}\n{h.text}", title=h.title, date=h.date) for h in best)
    in_hits = tuple(any(s.names[i] for s in supports) for i in range(len(query.names)))
    known = tuple(seen or _known(index, name.forms, query.language) for seen, name in zip(in_hits, query.names))
    same = any(h.language == query.language for h in best)
    bases = [n.text.rsplit(" ", 1)[0] for n, k in zip(query.names, known) if not k and " " in n.text]
    versions = any(_known(index, (base,), query.language) for base in bases)
    similarities = tuple(float(h.dense_score) if h.dense_score is not None else
                         float(index.dense.reconstruct(int(h.chunk_id)) @ query.vector) for h in best)
    return Signals(similarities, median, coverage, known, in_hits, supports, same, versions)


def decide(query: Query, s: Signals, rule: Rule | None = None) -> Verdict:
    """The outcome for a question, from its signals (a pure function: see the module's docstring)."""
    rule = rule or load_rule()
    confidence = float(1 / (1 + np.exp(-(s.standing - rule.named))))
    if not s.supports:
        return Verdict("none", 0.0, s)
    if query.names:
        if s.supported is not None and s.evidence_standing >= rule.named:
            return Verdict("answered", confidence, s, s.supported)
        return Verdict("related" if any(s.known) or s.versions_of_known else "none", confidence, s)
    if s.standing >= rule.plain and (s.coverage >= rule.coverage or not s.same_language):
        if s.supported is not None:
            return Verdict("answered", confidence, s, s.supported)
        return Verdict("related", confidence, s)
    return Verdict("none", confidence, s)


def judge(index, query: Query, hits: Sequence[Hit], probe: np.ndarray, rule: Rule | None = None) -> Verdict:
    return decide(query, signals(index, query, hits, probe), rule)


def _known(index, forms: tuple[str, ...], language: str) -> bool:
    """Whether the archive mentions a name by any of its forms (an English name also by a cognate).
    A name of several parts or with a version ('claude 5', 'gpt-5.1') is looked for as written in the
    passages holding its rarest part."""
    for form in forms:
        if len([p for p in re.split(r"[-.\s]", form) if p]) < 2:
            if index.lexical.document_frequency(form):
                return True
        elif next(passages_naming(index, form), None) is not None:
            return True
    return language == "en" and forms[0].isalpha() and len(forms[0]) >= 5 and \
        any(cognates(forms[0], word) for word in index.lexical.terms_starting(forms[0][:5]))


def probe_vectors(index, embedder) -> np.ndarray:
    """Ordinary text for every question of this index: a fixed random sample of the index's passage
    vectors, and the bundled passages on everyday subjects (`indexer.answer.ordinary`), so that an archive
    of one issue has ordinary text to stand above too."""
    n = len(index)
    rows = np.sort(np.random.default_rng(0).choice(n, min(n, PROBE_SIZE), replace=False))
    sample = np.stack([index.dense.reconstruct(int(i)) for i in rows]).astype(np.float32)
    return np.vstack([sample, _ordinary(embedder)])


_ORDINARY: dict[str, np.ndarray] = {}


def _ordinary(embedder) -> np.ndarray:
    from indexer.answer.ordinary import PASSAGES

    if embedder.model_id not in _ORDINARY:
        _ORDINARY[embedder.model_id] = np.asarray(embedder.embed_passages(list(PASSAGES)), dtype=np.float32)
    return _ORDINARY[embedder.model_id]


@lru_cache(maxsize=1)
def load_rule(path: Path = RULE_FILE) -> Rule:
    """The shipped thresholds (found_rule.json, written by calibrate_found.py), or the defaults."""
    try:
        return Rule(**{k: float(v) for k, v in json.loads(Path(path).read_text()).items() if k in Rule.__dataclass_fields__})
    except FileNotFoundError:
        return Rule()


def save_rule(rule: Rule, path: Path = RULE_FILE) -> None:
    Path(path).write_text(json.dumps(asdict(rule), indent=2) + "\n")
