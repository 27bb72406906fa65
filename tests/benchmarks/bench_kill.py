"""SIGKILL rebuilds at 50 random moments; after each, the live index must answer and the next
rebuild succeed (see tests/killing.py).

    python tests/benchmarks/bench_kill.py [--kills 50] [--seed 8] [--workdir DIR]

The archive is the AI Brew issue (a cold rebuild takes seconds), so that kills land in every phase:
start-up and reading, embedding passages, embedding sentences, writing and the swap. Half the
rounds drop the embedding cache first, and three quarters of the kills are drawn after most of the
start-up (which is otherwise where most of them land). Prints the counts and any failure.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.config import Config  # noqa: E402
from indexer.build.embed import load_embedder  # noqa: E402
from tests.conftest import AI_WEEKLY, ARCHIVE  # noqa: E402
from tests.killing import campaign  # noqa: E402

PAGES: tuple[str, ...] = ()  # ai-weekly-fr pages to add: each makes the cold rounds longer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="aibrew-kill-"))
    archive = work / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", archive)
    for name in PAGES:
        shutil.copy(AI_WEEKLY / name, archive)
    config = Config(archives=(archive,), index_dir=work / "index")
    started = time.monotonic()
    report = campaign(config, args.kills, seed=args.seed, embedder=load_embedder(), cold_share=0.5, late_share=0.75, log=lambda line: print(line, flush=True))
    print(f"\n{report.kills + report.finished_first} rounds in {time.monotonic() - started:.0f} s: {report.kills} rebuilds killed, "
          f"{report.survived} survived (live index answered, next rebuild succeeded), {report.finished_first} finished before "
          f"their kill; {report.swapped} kills landed after the swap")
    print("killed while: " + ", ".join(f"{phase} {n}" for phase, n in sorted(report.phases.items())))
    for failure in report.failures:
        print(f"FAILURE {failure}")
    return 1 if report.failures or report.survived != report.kills else 0


if __name__ == "__main__":
    sys.exit(main())
