"""The golden question set: questions about the archive, with their evidence, and how they are scored.

A file of JSON lines, one question each:
    {"id": "c001", "kind": "covered", "language": "en", "question": "...",
     "evidence": [{"source": "AI_Weekly_Nov2-8_2025.html", "text": "verbatim words of the issue"}]}
    {"id": "a001", "kind": "absent", "language": "fr", "question": "...", "evidence": []}

A covered question is answered by any passage that overlaps one of its evidence spans. Questions are
split into a `tune` and a `test` half by a hash of their id, so whatever is fitted on one half is
reported on the other.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

SPLITS = ("tune", "test", "all")


@dataclass(frozen=True)
class Evidence:
    source: str
    text: str


@dataclass(frozen=True)
class GoldenQuestion:
    id: str
    kind: str  # 'covered' or 'absent'
    language: str
    question: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def split(self) -> str:
        return "tune" if int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_questions(path: Path, split: str = "all") -> list[GoldenQuestion]:
    """The questions of a golden file, those of one half when `split` is 'tune' or 'test'."""
    path = Path(path)
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the questions file ({exc.__class__.__name__})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            evidence = tuple(Evidence(e["source"], e["text"]) for e in row.get("evidence", []))
            question = GoldenQuestion(row["id"], row["kind"], row["language"], row["question"], evidence)
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(path, f"line {number} is not a golden question ({exc.__class__.__name__}: {exc})") from None
        if question.kind not in ("covered", "absent") or (question.kind == "covered") != bool(evidence):
            raise InputError(path, f"line {number}: kind must be 'covered' (with evidence) or 'absent' (without)")
        if split == "all" or question.split == split:
            questions.append(question)
    return questions


@dataclass
class Outcome:
    """What the engine did with one question."""

    question: GoldenQuestion
    rank: int | None  # rank of the first passage holding the evidence (covered questions)
    found: bool
    answer_hit: bool  # an answer sentence overlaps the evidence (covered questions)
    seconds: float


@dataclass
class Report:
    language: str
    covered: int = 0
    absent: int = 0
    recall: dict[int, float] = field(default_factory=dict)  # R@1, R@5
    mrr10: float = 0.0
    found_covered: float = 0.0  # share of covered questions answered "found"
    not_found_absent: float = 0.0  # share of absent questions answered "not found"
    answer_hit: float = 0.0
    median_ms: float = 0.0

    def line(self) -> str:
        recalls = "  ".join(f"R@{k} {v:.3f}" for k, v in self.recall.items())
        return (f"{self.language:<3} covered {self.covered:>3}  {recalls}  MRR@10 {self.mrr10:.3f}  found {self.found_covered:.3f}  "
                f"| absent {self.absent:>3}  not found {self.not_found_absent:.3f}  | answer hit {self.answer_hit:.3f}  "
                f"median {self.median_ms:.0f} ms")


def evidence_spans(index, question: GoldenQuestion) -> list[tuple[str, int, int]]:
    """(issue id, start, end) of each evidence text in the indexed issue it names."""
    by_source = {info.source: info for info in index.issues.values()}
    spans = []
    for evidence in question.evidence:
        info = by_source.get(evidence.source)
        at = info.text.find(evidence.text) if info else -1
        if at >= 0:
            spans.append((info.id, at, at + len(evidence.text)))
    return spans


def run_question(engine, question: GoldenQuestion, *, k: int = 10) -> Outcome:
    spans = evidence_spans(engine.index, question)

    def holds(issue_id: str, start: int, end: int) -> bool:
        return any(issue_id == i and start < e and s < end for i, s, e in spans)

    started = time.perf_counter()
    answer = engine.ask(question.question)
    seconds = time.perf_counter() - started
    hits = engine.search(question.question, k=k)
    rank = next((n for n, h in enumerate(hits, 1) if holds(h.issue_id, h.start, h.end)), None)
    answer_hit = answer.found and any(holds(s.issue_id, s.start, s.end) for s in answer.sentences)
    return Outcome(question, rank, answer.found, answer_hit, seconds)


def report(outcomes: list[Outcome], language: str) -> Report:
    mine = [o for o in outcomes if language == "all" or o.question.language == language]
    covered = [o for o in mine if o.question.kind == "covered"]
    absent = [o for o in mine if o.question.kind == "absent"]
    result = Report(language, len(covered), len(absent))
    if covered:
        n = len(covered)
        result.recall = {k: sum(1 for o in covered if o.rank and o.rank <= k) / n for k in (1, 5)}
        result.mrr10 = sum(1 / o.rank for o in covered if o.rank and o.rank <= 10) / n
        result.found_covered = sum(o.found for o in covered) / n
        result.answer_hit = sum(o.answer_hit for o in covered) / n
    if absent:
        result.not_found_absent = sum(not o.found for o in absent) / len(absent)
    if mine:
        result.median_ms = statistics.median(o.seconds for o in mine) * 1000
    return result
