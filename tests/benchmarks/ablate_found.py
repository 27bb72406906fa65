"""Each evidence rule of the found decision, taken away one at a time, measured leave-issues-out on
the newsletter's golden questions (the thresholds refitted for each variant, as calibrate_found.py
does):

    python -m indexer rebuild --archive archive --archive ../shared/corpora/ai-weekly-fr --index /tmp/aw
    python tests/benchmarks/ablate_found.py --index /tmp/aw

Variants (the shipped decision is "all rules"):
- names anywhere: a question's names (and years) count as held when each is in one of the best
  five passages, not all in one;
- no relations: the relation asked for (bought, sued…) is not looked for;
- no facts: the fact asked for (an amount, a count, a date) is not looked for;
- no years: years are not compared as written.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import indexer.answer.found as found  # noqa: E402
from indexer.measure.calibrate import cross_validate  # noqa: E402
from indexer.engine import load_engine  # noqa: E402
from indexer.measure.golden import load_questions, report, run_question  # noqa: E402


def _names_anywhere(s: found.Signals) -> found.Signals:
    held = tuple(any(column) for column in zip(*(x.names for x in s.supports))) if s.supports else ()
    return replace(s, supports=tuple(replace(x, names=held) for x in s.supports))


def _without(field: str, count=None):
    def variant(s: found.Signals) -> found.Signals:
        def cleared(x):
            if field == "years":
                n = count(s)
                return replace(x, names=x.names[:n] + (True,) * (len(x.names) - n))
            return replace(x, **{field: (True,) * len(getattr(x, field))})
        return replace(s, supports=tuple(cleared(x) for x in s.supports))
    return variant


VARIANTS = {
    "all rules": None,
    "names anywhere": _names_anywhere,
    "no relations": _without("relations"),
    "no facts": _without("facts"),
    "no years": _without("years", count=lambda s: len(s.known)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="the newsletter's index (archive/ + ai-weekly-fr)")
    args = parser.parse_args()
    engine = load_engine(args.index)
    questions = load_questions(REPO / "tests" / "golden" / "archive.jsonl")
    original = found.signals
    for name, change in VARIANTS.items():
        found.signals = original if change is None else (lambda *a, _c=change: _c(original(*a)))
        try:
            held_out, _ = cross_validate([run_question(engine, q) for q in questions])
        finally:
            found.signals = original
        print(f"\n{name}")
        for language in ("en", "fr"):
            print(report(held_out, language).line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
