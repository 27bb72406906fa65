"""Retrieval and answer quality on a SQuAD-format file (PIAF): each paragraph is indexed as an issue."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.answer.answer import OUTCOMES
from indexer.build.build import build_index
from indexer.config import Config
from indexer.build.embed import Embedder
from indexer.engine import Engine, clean_question
from indexer.search.index import open_index
from indexer.records import Issue, Section
from indexer.search.retrieve import METHODS, search


@dataclass(frozen=True)
class Question:
    text: str
    paragraph: str  # issue id of the gold paragraph
    answers: tuple[str, ...]
    id: str = ""


@dataclass
class MethodScore:
    method: str
    recall: dict[int, float]  # R@1, R@5, R@10
    mrr10: float
    median_ms: float
    questions: list[Question] = field(default_factory=list, repr=False)

    def line(self) -> str:
        recalls = "  ".join(f"R@{k} {v:.3f}" for k, v in self.recall.items())
        return f"{self.method:<7} {recalls}  MRR@10 {self.mrr10:.3f}  median {self.median_ms:.1f} ms"


def load_squad(path: Path) -> tuple[list[Issue], list[Question]]:
    """Paragraphs as one-section issues titled by their article; questions with their gold paragraph."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    issues, questions = [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            pid = f"p{len(issues):05d}"
            issues.append(Issue(pid, f"{pid}.txt", article["title"].replace("_", " "), (Section("", paragraph["context"]),), language="fr"))
            for qa in paragraph["qas"]:
                questions.append(Question(qa["question"], pid, tuple(a["text"] for a in qa["answers"]), str(qa.get("id", ""))))
    return issues, questions


def sample_questions(questions: list[Question], n: int | None, seed: int) -> list[Question]:
    if n is None or n >= len(questions):
        return questions
    return random.Random(seed).sample(questions, n)


@dataclass
class EvalResult:
    scores: list[MethodScore]  # one per retrieval method
    hit_rate: float  # gold answer text inside the answer
    outcomes: dict[str, float]  # share of the questions answered, related, none
    questions: int
    english: tuple[MethodScore, MethodScore] | None = None  # hybrid, English versions and their French originals
    nothing_found: tuple[float, float] | None = None  # share told "nothing found": English versions, French originals

    @property
    def found_rate(self) -> float:
        return self.outcomes.get("answered", 0.0)


def evaluate(squad: Path, embedder: Embedder, *, sample: int | None = 1000, seed: int = 0, workdir: Path | None = None,
             english: Path | None = None, progress=None) -> EvalResult:
    """Retrieval per method, answer hit rate and found rate on `sample` questions; with `english`
    (JSON lines of {"id", "question"}), hybrid retrieval for those English questions and for the same
    questions in French. `workdir` keeps the index and its embedding cache between runs."""
    issues, questions = load_squad(squad)
    chosen = sample_questions(questions, sample, seed)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(index_dir=Path(workdir or tmp))
        build_index(issues, config, embedder=embedder, progress=progress)
        index = open_index(config.index_dir)
        engine = Engine(index, embedder)
        embed_up_front(engine, [q.text for q in chosen] + _english_texts(english))
        scores = [_score_method(engine, chosen, method) for method in METHODS]
        answers = [engine.ask(q.text) for q in chosen]
        result = EvalResult(scores, sum(a.found and _answer_hit(a.text, q.answers) for a, q in zip(answers, chosen)) / len(chosen),
                            _shares(answers), len(chosen))
        if english:
            by_id = {q.id: q for q in questions}
            rows = [json.loads(line) for line in Path(english).read_text(encoding="utf-8").splitlines() if line.strip()]
            french = [by_id[r["id"]] for r in rows]
            translated = [Question(r["question"], q.paragraph, q.answers, q.id) for r, q in zip(rows, french)]
            embed_up_front(engine, [q.text for q in french])
            result.english = (_score_method(engine, translated, "hybrid"), _score_method(engine, french, "hybrid"))
            result.nothing_found = tuple(_shares([engine.ask(q.text) for q in group]).get("none", 0.0)
                                         for group in (translated, french))
    return result


def _shares(answers) -> dict[str, float]:
    """The share of the answers with each outcome."""
    return {outcome: sum(a.outcome == outcome for a in answers) / max(len(answers), 1) for outcome in OUTCOMES}


def _english_texts(path: Path | None) -> list[str]:
    if not path:
        return []
    return [json.loads(line)["question"] for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def embed_up_front(engine: Engine, texts: list[str], batch: int = 64) -> None:
    """Embed the questions in batches, once, and let the engine use those vectors."""
    todo = sorted({clean_question(t) for t in texts})
    vectors = dict(getattr(engine, "_known", {}))
    for start in range(0, len(todo), batch):
        vectors.update(zip(todo[start : start + batch], engine.embedder.embed_queries(todo[start : start + batch])))
    fallback = type(engine).query_vector.__get__(engine)
    engine._known = vectors
    engine.query_vector = lambda q: vectors[q] if q in vectors else fallback(q)


def _score_method(engine: Engine, questions: list[Question], method: str) -> MethodScore:
    ranks, times = [], []
    for q in questions:
        started = time.perf_counter()
        hits = search(engine.index, engine.read(q.text), k=30, method=method, per_issue=None)
        times.append(time.perf_counter() - started)
        ranked = list(dict.fromkeys(h.issue_id for h in hits))
        ranks.append(ranked.index(q.paragraph) + 1 if q.paragraph in ranked else None)
    n = len(questions)
    recall = {k: sum(1 for r in ranks if r and r <= k) / n for k in (1, 5, 10)}
    mrr = sum(1 / r for r in ranks if r and r <= 10) / n
    return MethodScore(method, recall, mrr, statistics.median(times) * 1000, questions)


def _answer_hit(answer: str, gold: tuple[str, ...]) -> bool:
    text = " ".join(answer.casefold().split())
    return any(" ".join(g.casefold().split()) in text for g in gold)
