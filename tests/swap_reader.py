"""One reader for the swap test: opens the live index afresh and asks it a question, again and
again, until a stop file appears; then writes what it saw as JSON.

    python -m tests.swap_reader INDEX STOP OUT

A failure is an exception from opening or searching, or a search that finds nothing.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

QUERY = "OpenAI YouTube données d'entraînement"


def main(index: Path, stop: Path, out: Path) -> None:
    from indexer.embed import load_embedder
    from indexer.engine import Engine
    from indexer.index import open_index

    embedder = load_embedder()
    queries, failures, builds = 0, [], set()
    ready = out.with_suffix(".ready")
    while not stop.exists():
        try:
            engine = Engine(open_index(index), embedder)
            builds.add(engine.index.path.name)
            if not engine.search(QUERY, k=3):
                failures.append(f"{engine.index.path.name}: nothing found")
        except Exception:  # noqa: BLE001 - every failure is counted and shown
            failures.append(traceback.format_exc(limit=3))
        queries += 1
        if not ready.exists():
            ready.touch()
        time.sleep(0.1)  # eight readers and a rebuild share the machine's cores
    out.write_text(json.dumps({"queries": queries, "failures": failures, "builds": sorted(builds)}))


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:4]))
