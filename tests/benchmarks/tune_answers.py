"""Tune the extractive answer's sentence selection, on the golden set's tune half and PIAF.

    python tests/benchmarks/tune_answers.py --index /tmp/aw --piaf-workdir /tmp/piafwork

(indexes as in calibrate_found.py). For each setting: the answer hit rate (an answer sentence
overlaps the evidence, for golden questions; the gold answer text is in the answer, for PIAF) and
the mean number of sentences. PIAF questions are drawn with seed 1, outside `eval --squad`'s
seed-0 sample.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from indexer.answer.shaped import extractive_answer
from indexer.build.embed import load_embedder
from indexer.engine import Engine
from indexer.measure.evaluate import _answer_hit, load_squad, sample_questions
from indexer.measure.golden import evidence_spans, load_questions
from indexer.search.index import open_index
from indexer.text.query import query_language

GRID = {"margin": (0.15, 0.08, 0.05), "max_sentences": (5, 3), "min_sentences": (2,), "relative_score": (0.0, 0.5, 0.7)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--piaf-workdir", type=Path, required=True)
    parser.add_argument("--squad", type=Path, default=Path("../shared/corpora/piaf/piaf-v1.0.json"))
    parser.add_argument("--piaf-sample", type=int, default=300)
    args = parser.parse_args()
    embedder = load_embedder()
    archive, piaf = Engine(open_index(args.index), embedder), Engine(open_index(args.piaf_workdir), embedder)

    def prepared(engine, question):
        language = query_language(question)
        return engine, question, language, engine.search(question, k=5, language=language)

    golden = [(prepared(archive, q.question), evidence_spans(archive.index, q))
              for q in load_questions(Path("tests/golden/archive.jsonl"), "tune") if q.kind == "covered"]
    _, squad = load_squad(args.squad)
    evaluated = {q.text for q in sample_questions(squad, 1000, 0)}
    others = sample_questions([q for q in squad if q.text not in evaluated], args.piaf_sample, 1)
    piaf_rows = [(prepared(piaf, q.text), q.answers) for q in others]

    def answer(prep, **settings):
        engine, question, language, hits = prep
        return extractive_answer(engine.index, question, engine.query_vector(question), hits, language, **settings)

    print("| margin | most | least | relative score | golden hit | golden sentences | PIAF hit | PIAF sentences |")
    print("|---|---|---|---|---|---|---|---|")
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values))
        g = [answer(prep, **settings) for prep, _ in golden]
        g_hit = sum(any(any(s.issue_id == i and s.start < e and b < s.end for i, b, e in spans) for s in a.sentences)
                    for a, (_, spans) in zip(g, golden)) / len(golden)
        p = [answer(prep, **settings) for prep, _ in piaf_rows]
        p_hit = sum(_answer_hit(a.text, gold) for a, (_, gold) in zip(p, piaf_rows)) / len(piaf_rows)
        mean = lambda answers: sum(len(a.sentences) for a in answers) / len(answers)  # noqa: E731
        print(f"| {' | '.join(str(v) for v in values)} | {g_hit:.3f} | {mean(g):.2f} | {p_hit:.3f} | {mean(p):.2f} |", flush=True)


if __name__ == "__main__":
    main()
