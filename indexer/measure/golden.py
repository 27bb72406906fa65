"""The golden question sets: questions about an archive, with their evidence, and how they are scored.

A file of JSON lines, one question each:
    {"id": "c001", "kind": "covered", "language": "en", "question": "...",
     "evidence": [{"source": "AI_Weekly_Nov2-8_2025.html", "text": "verbatim words of the issue"}]}
    {"id": "a001", "kind": "absent", "language": "fr", "question": "...", "evidence": [], "why": "near miss",
     "near": ["AI_Weekly_Nov2-8_2025.html"]}

A covered question is answered by any passage that overlaps one of its evidence spans. Each question
belongs to the issue it is about (its first evidence source, or for a near miss the first issue whose
names it borrows): `group`, the unit that leave-issues-out cross-validation holds out.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import InputError
from indexer.text.lexical import tokenize
from indexer.text.prose import is_filler

ABSENT_KINDS = ("never mentioned", "keywords", "later", "off-topic", "near miss")


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
    why: str | None = None  # absent: one of ABSENT_KINDS
    near: tuple[str, ...] = ()  # absent near misses: the issues whose names they borrow
    archive: str = ""  # which archive the question is asked of, when several are measured together
    shape: str | None = None  # 'subject': the evidence lists every issue that speaks of the subject, one span each

    @property
    def group(self) -> str | None:
        """The issue the question is about, or None (an absent question about nothing in the archive)."""
        return self.evidence[0].source if self.evidence else (self.near[0] if self.near else None)


def load_questions(path: Path) -> list[GoldenQuestion]:
    """The questions of a golden file."""
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
            question = GoldenQuestion(row["id"], row["kind"], row["language"], row["question"], evidence, row.get("why"),
                                      tuple(row.get("near", ())), shape=row.get("shape"))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(path, f"line {number} is not a golden question ({exc.__class__.__name__}: {exc})") from None
        if question.kind not in ("covered", "absent") or (question.kind == "covered") != bool(evidence):
            raise InputError(path, f"line {number}: kind must be 'covered' (with evidence) or 'absent' (without)")
        questions.append(question)
    return questions


@dataclass
class Outcome:
    """What the engine did with one question (`observe`), and what it decided (`outcome`)."""

    question: GoldenQuestion
    rank: int | None  # rank of the first passage holding the evidence among 10 (covered questions)
    outcome: str  # 'answered', 'related' or 'none'
    hit: bool  # the extractive answer, were the question answered, quotes the evidence
    in_top5: bool  # the evidence is in one of the 5 sources an answer shows
    seconds: float
    sentences: int = 0  # sentences in the extractive answer
    duplicate: bool = False  # it says one thing twice
    filler: bool = False  # it holds a filler or caption line
    signals: object = None  # the found decision's `Signals`, to decide again under another rule
    query: object = None
    first: bool = False  # the answer's first sentence (with the headline line before it) holds the evidence
    off: bool = False  # the answer cites a source that holds nothing of what was asked
    issues_cited: float | None = None  # subject questions: the share of their issues (up to 5) the answer cites

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"

    @property
    def answer_hit(self) -> bool:
        return self.answered and self.hit

    @property
    def shown(self) -> bool:
        """The evidence is before the reader: answered with it, or related with it among the sources."""
        return self.answer_hit or (self.outcome == "related" and self.in_top5)

    def decided(self, rule) -> "Outcome":
        """The same observation under another rule of the found decision."""
        from dataclasses import replace

        from indexer.answer.found import decide

        return replace(self, outcome=decide(self.query, self.signals, rule).outcome)


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


def run_question(engine, question: GoldenQuestion, *, k: int = 10, per_issue: int | None = 3) -> Outcome:
    """Ask the question as `Engine.ask` does (timed), and keep what a decision under another rule needs."""
    from indexer.answer.shaped import extractive_answer
    from indexer.answer.found import decide, signals

    spans = evidence_spans(engine.index, question)

    def holds(issue_id: str, start: int, end: int) -> bool:
        return any(issue_id == i and start < e and s < end for i, s, e in spans)

    started = time.perf_counter()
    query = engine.read(question.question)
    hits = engine.search(query, k=engine.depth(query, 5), per_issue=per_issue)
    observed = signals(engine.index, query, hits, engine._probe)
    answer = extractive_answer(engine.index, query, hits, evidence=observed.supported, supports=observed.supports)
    seconds = time.perf_counter() - started
    ranked = engine.search(query, k=k, per_issue=per_issue)
    rank = next((n for n, h in enumerate(ranked, 1) if holds(h.issue_id, h.start, h.end)), None)
    texts = [s.text for s in answer.sentences]
    lead = _first_sentence(answer.sentences)
    return Outcome(question, rank, decide(query, observed).outcome, any(holds(s.issue_id, s.start, s.end) for s in answer.sentences),
                   any(holds(h.issue_id, h.start, h.end) for h in hits), seconds, sum(s.kind != "headline" for s in answer.sentences),
                   repeats(texts), any(is_filler(t) for t in texts), observed, query,
                   first=any(holds(s.issue_id, s.start, s.end) for s in lead),
                   off=_cites_off(engine, query, question, answer, holds),
                   issues_cited=_issues_cited(engine.index, question, answer))


def _first_sentence(sentences) -> list:
    """The answer's first sentence, with the headline line just before it (one title line, one sentence)."""
    first = []
    for s in sentences:
        first.append(s)
        if s.kind != "headline":
            break
    return first


def _cites_off(engine, query, question: GoldenQuestion, answer, holds) -> bool:
    """Whether the answer cites a source holding nothing of what was asked: no evidence span, not one
    of the subject's issues, and not the question's evidence as the decision reads it (its names, the
    relation and fact it asks)."""
    from indexer.answer.evidence import support

    subject = {e.source for e in question.evidence} if question.shape == "subject" else set()
    for n in answer.cited:
        hit = answer.hits[n - 1]
        if holds(hit.issue_id, hit.start, hit.end) or hit.source in subject:
            continue
        if question.shape != "subject" and support(query, f"{hit.section}\n{hit.text}", title=hit.title, date=hit.date).complete:
            continue
        return True
    return False


def _issues_cited(index, question: GoldenQuestion, answer) -> float | None:
    if question.shape != "subject":
        return None
    wanted = {e.source for e in question.evidence}
    cited = {answer.hits[n - 1].source for n in answer.cited}
    return len(wanted & cited) / min(5, len(wanted)) if wanted else None


def repeats(texts: list[str]) -> bool:
    """Whether two of the sentences say the same: most of the shorter one's words are in the other."""
    words = [set(tokenize(t)) for t in texts]
    return any(min(len(a), len(b)) >= 4 and len(a & b) >= 0.7 * min(len(a), len(b))
               for i, a in enumerate(words) for b in words[i + 1:])


@dataclass
class Report:
    language: str
    covered: int = 0
    absent: int = 0
    recall: dict[int, float] = field(default_factory=dict)  # R@1, R@5
    mrr10: float = 0.0
    answered: float = 0.0  # covered questions answered
    shown: float = 0.0  # covered questions whose evidence is shown (answered, or related with it in the top 5)
    refused: float = 0.0  # absent questions not answered (related or none)
    by_kind: dict[str, tuple[int, float]] = field(default_factory=dict)  # absent kind: (questions, refused)
    answer_hit: float = 0.0
    sentences: float = 0.0  # sentences per answer (covered, answered)
    duplicates: int = 0  # answers with a sentence twice
    fillers: int = 0  # answers with a filler line
    median_ms: float = 0.0
    first: float = 0.0  # answered covered questions whose first sentence holds the evidence
    off: float = 0.0  # answered questions whose answer cites a source holding nothing of what was asked
    issues_cited: float | None = None  # subject questions: the share of their issues (up to 5) cited, on average

    def line(self) -> str:
        recalls = "  ".join(f"R@{k} {v:.3f}" for k, v in self.recall.items())
        kinds = "  ".join(f"{kind} {rate:.2f}/{n}" for kind, (n, rate) in self.by_kind.items())
        return (f"{self.language:<3} covered {self.covered:>3}  {recalls}  MRR@10 {self.mrr10:.3f}  answered {self.answered:.3f}  "
                f"shown {self.shown:.3f}  hit {self.answer_hit:.3f}  | absent {self.absent:>3}  never answered {self.refused:.3f}"
                f"  ({kinds})  | first {self.first:.3f}  off {self.off:.3f}"
                + (f"  subject issues {self.issues_cited:.3f}" if self.issues_cited is not None else "")
                + f"  | {self.sentences:.1f} sentences, {self.duplicates} duplicates, {self.fillers} fillers, "
                f"median {self.median_ms:.0f} ms")


def report(outcomes: list[Outcome], language: str) -> Report:
    mine = [o for o in outcomes if language == "all" or o.question.language == language]
    covered = [o for o in mine if o.question.kind == "covered"]
    absent = [o for o in mine if o.question.kind == "absent"]
    result = Report(language, len(covered), len(absent))
    if covered:
        n = len(covered)
        result.recall = {k: sum(1 for o in covered if o.rank and o.rank <= k) / n for k in (1, 5)}
        result.mrr10 = sum(1 / o.rank for o in covered if o.rank and o.rank <= 10) / n
        result.answered = sum(o.answered for o in covered) / n
        result.shown = sum(o.shown for o in covered) / n
        result.answer_hit = sum(o.answer_hit for o in covered) / n
        answered = [o for o in covered if o.answered]
        result.sentences = statistics.mean(o.sentences for o in answered) if answered else 0.0
        result.first = sum(o.first for o in answered) / len(answered) if answered else 0.0
        subjects = [o.issues_cited for o in covered if o.issues_cited is not None]
        result.issues_cited = statistics.mean(subjects) if subjects else None
    answered_all = [o for o in mine if o.answered]
    result.off = sum(o.off for o in answered_all) / len(answered_all) if answered_all else 0.0
    result.duplicates = sum(o.duplicate for o in mine)
    result.fillers = sum(o.filler for o in mine)
    if absent:
        result.refused = sum(not o.answered for o in absent) / len(absent)
        for kind in ABSENT_KINDS + (None,):
            group = [o for o in absent if o.question.why == kind]
            if group:
                result.by_kind[kind or "other"] = (len(group), sum(not o.answered for o in group) / len(group))
    if mine:
        result.median_ms = statistics.median(o.seconds for o in mine) * 1000
    return result
