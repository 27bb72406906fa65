"""Choose the found decision's thresholds (indexer/answer/found_rule.json) and measure them on issues and
archives they were not chosen on.

    python -m indexer rebuild --archive archive --archive ../shared/corpora/ai-weekly-fr --index /tmp/aw
    python tests/benchmarks/calibrate_found.py --index /tmp/aw --workdir /tmp/calib [--write]

Two archives, each with its golden questions:
- the newsletter: `archive/` plus ai-weekly-fr (11 issues), tests/golden/archive.jsonl;
- long documents: 24 PIAF articles, each one Markdown note (indexer/measure/longdocs.py), with PIAF's French
  questions, their English versions (tests/golden/piaf_long_en.jsonl) and absent questions
  (tests/golden/piaf_absent.jsonl); built in --workdir.

Printed, per question language:
1. leave-issues-out on the newsletter: each issue's questions decided by thresholds fitted on the
   other issues' questions (absent questions about no issue are spread over the folds);
2. another archive: the long documents decided by thresholds fitted on the whole newsletter set,
   and the newsletter by thresholds fitted on the long documents;
3. leave-articles-out on the long documents;
4. the thresholds fitted on both archives (what --write ships), on both, in sample.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.measure.calibrate import cross_validate, fit_rule  # noqa: E402
from indexer.config import Config  # noqa: E402
from indexer.engine import load_engine  # noqa: E402
from indexer.answer.found import RULE_FILE, save_rule  # noqa: E402
from indexer.measure.golden import load_questions, report, run_question  # noqa: E402

GOLDEN = REPO / "tests" / "golden"
PIAF = REPO.parent / "shared" / "corpora" / "piaf" / "piaf-v1.0.json"


def long_documents(workdir: Path):
    """The long-document archive's index (built once in `workdir`) and its questions."""
    from indexer.build.build import rebuild
    from indexer.measure.longdocs import questions

    titles = json.loads((GOLDEN / "piaf_articles.json").read_text(encoding="utf-8"))
    notes = workdir / "notes"
    asked = questions(PIAF, titles, notes, english=GOLDEN / "piaf_long_en.jsonl", absent=GOLDEN / "piaf_absent.jsonl")
    index = workdir / "index"
    rebuild(Config(archives=(notes,), index_dir=index))
    return index, asked


def observe(index: Path, questions, engine=None):
    engine = engine or load_engine(index)
    started = time.monotonic()
    outcomes = [run_question(engine, q) for q in questions]
    print(f"  {len(outcomes)} questions observed in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return outcomes, engine


def table(title: str, outcomes) -> None:
    print(f"\n{title}")
    for language in ("en", "fr"):
        print(report(outcomes, language).line())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="the newsletter's index (archive/ + ai-weekly-fr)")
    parser.add_argument("--workdir", type=Path, required=True, help="where the long-document archive is built")
    parser.add_argument("--write", action="store_true", help=f"write the thresholds fitted on both archives to {RULE_FILE.name}")
    args = parser.parse_args()

    print("newsletter questions…", file=sys.stderr)
    news, engine = observe(args.index, load_questions(GOLDEN / "archive.jsonl"))
    print("long documents…", file=sys.stderr)
    index, asked = long_documents(args.workdir)
    docs, _ = observe(index, asked, load_engine(index, embedder=engine.embedder))

    held_out, rules = cross_validate(news)
    table(f"1. newsletter, leave-issues-out ({len(rules)} folds; thresholds fitted: "
          f"named {min(r.named for r in rules):.2f}–{max(r.named for r in rules):.2f}, "
          f"plain {min(r.plain for r in rules):.2f}–{max(r.plain for r in rules):.2f})", held_out)
    on_news, on_docs = fit_rule(news), fit_rule(docs)
    table(f"2a. long documents, thresholds fitted on the newsletter {on_news}", [o.decided(on_news) for o in docs])
    table(f"2b. newsletter, thresholds fitted on the long documents {on_docs}", [o.decided(on_docs) for o in news])
    held_out_docs, rules = cross_validate(docs)
    table(f"3. long documents, leave-articles-out ({len(rules)} folds)", held_out_docs)
    both = fit_rule(news + docs)
    table(f"4. both archives, thresholds fitted on both {both} (in sample)", [o.decided(both) for o in news + docs])
    if args.write:
        save_rule(both)
        print(f"\nwrote {RULE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
