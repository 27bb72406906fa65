"""Readers through rebuilds: `through_rebuilds` starts reader processes, rebuilds the index under
them, and collects what they saw. One reader (`python -m tests.swap_reader INDEX STOP OUT`) opens
the live index afresh and asks it a question, again and again, until the STOP file appears; then
writes its counts to OUT as JSON. A failure is an exception from opening or searching, or a search
that finds nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

QUERY = "OpenAI YouTube données d'entraînement"


def main(index: Path, stop: Path, out: Path) -> None:
    from indexer.build.embed import load_embedder
    from indexer.engine import Engine
    from indexer.search.index import open_index

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


def through_rebuilds(config, *, readers: int, rebuilds: int, embedder, workdir: Path) -> dict:
    """Start `readers` reader processes on config.index_dir, run `rebuilds` rebuilds once all have
    answered, stop them; returns their queries, failures and the builds they saw."""
    from indexer.build.build import rebuild

    repo = Path(__file__).resolve().parents[1]
    stop = workdir / "stop"
    outs = [workdir / f"reader{n}.json" for n in range(readers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.swap_reader", str(config.index_dir), str(stop), str(out)], cwd=repo, env=env)
             for out in outs]
    started = time.monotonic()
    try:
        while not all(out.with_suffix(".ready").exists() for out in outs):
            if time.monotonic() - started > 300 or any(p.poll() is not None for p in procs):
                raise RuntimeError("a reader did not start")
            time.sleep(0.2)
        started = time.monotonic()
        built = {rebuild(config, embedder=embedder).index_path for _ in range(rebuilds)}
        seconds = time.monotonic() - started
    finally:
        stop.touch()
        for proc in procs:
            proc.wait(timeout=120)
    results = [json.loads(out.read_text()) for out in outs]
    return {"readers": readers, "rebuilds": len(built), "seconds": round(seconds, 1),
            "queries": sum(r["queries"] for r in results), "per_reader": [r["queries"] for r in results],
            "failures": [f for r in results for f in r["failures"]], "builds_seen": len({b for r in results for b in r["builds"]})}


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:4]))
