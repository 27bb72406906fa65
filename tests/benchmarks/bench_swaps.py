"""Readers querying through rebuilds: 8 reader processes open the live index (the AI Brew issue)
afresh and search it, again and again, while it is rebuilt 20 times (see tests/swap_reader.py).

    python tests/benchmarks/bench_swaps.py [--readers 8] [--rebuilds 20] [--grace S] [--workdir DIR]

`--grace 0` removes superseded builds at once (the hardest case for readers; the default keeps them
10 minutes). Prints the queries answered, the failures and the builds the readers saw.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.build import store  # noqa: E402
from indexer.build.build import rebuild  # noqa: E402
from indexer.config import Config  # noqa: E402
from indexer.build.embed import load_embedder  # noqa: E402
from tests.conftest import ARCHIVE  # noqa: E402
from tests.swap_reader import through_rebuilds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--rebuilds", type=int, default=20)
    parser.add_argument("--grace", type=float, default=0.0)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    store.GRACE_SECONDS = args.grace
    work = args.workdir or Path(tempfile.mkdtemp(prefix="aibrew-swaps-"))
    archive = work / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", archive)
    config = Config(archives=(archive,), index_dir=work / "index")
    embedder = load_embedder()
    rebuild(config, embedder=embedder)
    seen = through_rebuilds(config, readers=args.readers, rebuilds=args.rebuilds, embedder=embedder, workdir=work)
    print(f"{seen['readers']} readers, {seen['rebuilds']} rebuilds in {seen['seconds']} s (grace {args.grace:g} s): "
          f"{seen['queries']} queries, {len(seen['failures'])} failed; the readers saw {seen['builds_seen']} builds")
    for failure in seen["failures"][:10]:
        print(f"FAILURE {failure}")
    return 1 if seen["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
