"""What each step of `Engine.ask` costs, warm, over the golden questions (medians and p95, ms):

    python -m indexer rebuild --archive archive --archive ../shared/corpora/ai-weekly-fr --index /tmp/aw
    python tests/benchmarks/bench_ask.py --index /tmp/aw

Steps: read (the `Query`: language, names, terms, relations, and the question's vector), search
(dense + BM25 fused, per-issue cap), judge (the evidence in the best five passages and the decision),
answer (composing the answer the question's shape wants: fact, digest or related).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.answer.answer import related_answer  # noqa: E402
from indexer.answer.shaped import extractive_answer  # noqa: E402
from indexer.engine import load_engine  # noqa: E402
from indexer.measure.golden import load_questions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    engine = load_engine(args.index)
    questions = [q.question for q in load_questions(REPO / "tests" / "golden" / "archive.jsonl")]
    engine.ask(questions[0])  # warm: the index's lazy parts and the embedder
    steps: dict[str, list[float]] = {"read": [], "search": [], "judge": [], "answer": [], "ask (whole)": []}
    for text in questions:
        t0 = time.perf_counter()
        query = engine.read(text)
        t1 = time.perf_counter()
        hits = engine.search(query, k=engine.depth(query, 5))
        t2 = time.perf_counter()
        verdict = engine.judge(query, hits)
        t3 = time.perf_counter()
        if verdict.outcome == "answered":
            extractive_answer(engine.index, query, hits, evidence=verdict.evidence, supports=verdict.signals.supports)
        elif verdict.outcome == "related":
            related_answer(engine.index, query, hits, verdict.signals)
        t4 = time.perf_counter()
        engine._vector.cache_clear()  # the whole ask embeds the question again, as a new one would
        engine.ask(text)
        t5 = time.perf_counter()
        for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            steps[name].append(seconds * 1000)
    print(f"{len(questions)} questions, warm, ms")
    print(f"{'step':<12} {'median':>7} {'p95':>7}")
    for name, values in steps.items():
        print(f"{name:<12} {np.median(values):7.1f} {np.percentile(values, 95):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
