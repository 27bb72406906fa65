"""Compare fusion rules on a SQuAD-format file, from one set of dense and BM25 rankings.

    python tests/benchmarks/tune_fusion.py --squad ../shared/corpora/piaf/piaf-v1.0.json --workdir /tmp/piafwork

`--workdir` must hold an index built by `python -m indexer eval ... --workdir DIR` (same sample and seed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from indexer.build.embed import load_embedder
from indexer.measure.evaluate import load_squad, sample_questions
from indexer.search.fusion import rrf, top, weighted_sum
from indexer.search.index import open_index
from indexer.search.retrieve import _dense, _lexical
from indexer.text.query import query_language


def mrr_recall(rankings, golds, index):
    mrr, r10 = 0.0, 0
    for ranked, gold in zip(rankings, golds):
        issues = list(dict.fromkeys(index.passages[i].issue_id for i, _ in ranked))[:10]
        if gold in issues:
            mrr += 1 / (issues.index(gold) + 1)
            r10 += 1
    return mrr / len(golds), r10 / len(golds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--candidates", type=int, default=100)
    args = parser.parse_args()
    _, questions = load_squad(args.squad)
    questions = sample_questions(questions, args.sample, args.seed)
    index, embedder = open_index(args.workdir), load_embedder()
    vectors = embedder.embed_queries([q.text for q in questions])
    dense = [_dense(index, v, None, args.candidates) for v in vectors]
    lexical = [_lexical(index, q.text, query_language(q.text), None, args.candidates) for q in questions]
    golds = [q.paragraph for q in questions]
    rows = [("dense", [top(d) for d in dense]), ("bm25", [top(b) for b in lexical])]
    for k in (5, 10, 20, 30, 60):
        for w in (1.0, 1.25, 1.5):
            rows.append((f"rrf k={k} w_dense={w}", [top(rrf([list(d), list(b)], k=k, weights=[w, 1.0])) for d, b in zip(dense, lexical)]))
    for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
        rows.append((f"weighted alpha_dense={alpha}", [top(weighted_sum([d, b], [alpha, 1 - alpha])) for d, b in zip(dense, lexical)]))
    print("| fusion | MRR@10 | R@10 |\n|---|---|---|")
    for name, rankings in rows:
        mrr, r10 = mrr_recall(rankings, golds, index)
        print(f"| {name} | {mrr:.3f} | {r10:.3f} |")


if __name__ == "__main__":
    main()
