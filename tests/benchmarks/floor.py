"""Tune the relevance floor: how many covered questions pass, how many absent ones slip through.

    python -m indexer rebuild --archive archive --archive ../shared/corpora/ai-weekly-fr --index /tmp/aw
    python -m indexer eval --squad ../shared/corpora/piaf/piaf-v1.0.json --workdir /tmp/piafwork
    python tests/benchmarks/floor.py --index /tmp/aw --piaf-workdir /tmp/piafwork

Covered questions are about the archive (French and English); absent ones are not. PIAF
questions are all covered by their own index; archive questions asked of PIAF are absent there.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from indexer.embed import load_embedder
from indexer.engine import Engine
from indexer.evaluate import load_squad, sample_questions
from indexer.index import open_index
from indexer.retrieve import _dense, query_language

COVERED = [
    "what did we write about OpenAI and YouTube?", "Qu'avons-nous écrit sur OpenAI et YouTube ?", "What did Spotify launch?",
    "Nvidia Groq acquisition", "Jony Ive and Sam Altman AI device", "Claude Opus 4.5 release", "Gemini 3 launch",
    "OpenAI Mixpanel data leak", "SAP sovereign cloud in Europe", "Meta AI struggles to generate images of mixed couples",
    "appel à projets du gouvernement français sur l'IA générative", "AI layoffs in 2025", "Apple robot that follows you at home",
    "Brave assistant on iPhone", "Anthropic 50 billion data centers", "Le marché des données d'IA", "ChatGPT app store",
    "DeepSeek math model", "Kimi K2 Thinking benchmarks", "Quels sont les événements IA à Paris ?", "Is there an AI bubble?",
    "European AI Act delay", "Google paywall for AI features",
]
ABSENT = [
    "Quelle est la recette de la tarte tatin ?", "Who won the 1998 football world cup?", "How do I fix a bike puncture?",
    "Quelle est la capitale de l'Australie ?", "best hiking trails in the Alps", "Quels sont les symptômes de la grippe ?",
    "history of the Roman empire", "Combien coûte une baguette à Paris ?", "how to knit a scarf", "règles du roque aux échecs",
    "Quel temps fera-t-il demain à Lyon ?", "Comment planter des tomates ?", "What is the best pizza in Naples?",
    "Qui a écrit Les Misérables ?", "how to train a puppy", "Comment déclarer ses impôts ?",
]


def features(engine: Engine, question: str) -> tuple[float, float]:
    """(best peak = 2·s − median over the dense candidates, best query-term coverage)."""
    dense = _dense(engine.index, engine.query_vector(question), None, 100)
    scores = np.array(list(dense.values()))
    coverage = engine.index.lexical.coverage(question, query_language(question), list(dense))
    return float((2 * scores - np.median(scores)).max()), float(coverage.max())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--piaf-workdir", type=Path, required=True)
    parser.add_argument("--squad", type=Path, default=Path("../shared/corpora/piaf/piaf-v1.0.json"))
    args = parser.parse_args()
    embedder = load_embedder()
    archive, piaf = Engine(open_index(args.index), embedder), Engine(open_index(args.piaf_workdir), embedder)
    _, questions = load_squad(args.squad)
    sets = {
        "PIAF covered": [features(piaf, q.text) for q in sample_questions(questions, 300, 1)],
        "archive covered": [features(archive, q) for q in COVERED],
        "archive absent": [features(archive, q) for q in ABSENT],
        "PIAF absent": [features(piaf, q) for q in COVERED + ABSENT],
    }
    print("| peak | coverage | " + " | ".join(f"{name} pass" for name in sets) + " |")
    print("|---" * (len(sets) + 2) + "|")
    for peak in (0.84, 0.85, 0.86, 0.87):
        for cover in (0.5, 0.75):
            shares = [np.mean([p >= peak or c >= cover for p, c in rows]) for rows in sets.values()]
            print(f"| {peak} | {cover} | " + " | ".join(f"{s:.3f}" for s in shares) + " |")


if __name__ == "__main__":
    main()
