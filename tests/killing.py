"""SIGKILL rebuilds at random moments and check what is left: shared by the CI test and
`benchmarks/bench_kill.py`.

Each round starts `python -m indexer rebuild` (with the embedding cache dropped first in some of
the rounds, so that the kill can land in embedding), kills it after a random delay drawn
over the rebuild's own measured duration, then checks that the live index opens, verifies and
answers, and that the next rebuild succeeds.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build.build import rebuild
from indexer.config import Config
from indexer.engine import Engine
from indexer.search.index import open_index
from tests.conftest import REPO

QUERY = "OpenAI YouTube données d'entraînement"


@dataclass
class KillReport:
    kills: int = 0  # rebuilds killed while running
    survived: int = 0  # kills after which the live index opened, verified and answered, and a rebuild then succeeded
    finished_first: int = 0  # rounds where the rebuild ended before its kill (not counted as kills)
    swapped: int = 0  # kills that landed after the new build went live (it was complete)
    phases: dict[str, int] = field(default_factory=dict)  # how far the killed rebuilds had got
    failures: list[str] = field(default_factory=list)


def _command(config: Config) -> list[str]:
    archives = [arg for a in config.archives for arg in ("--archive", str(a))]
    return [sys.executable, "-m", "indexer", "rebuild", *archives, "--index", str(config.index_dir)]


def _drop_cache(index_dir: Path) -> None:
    for name in ("embeddings.sqlite", "embeddings.sqlite-wal", "embeddings.sqlite-shm"):
        (index_dir / name).unlink(missing_ok=True)


def _timed_run(config: Config, *, cold: bool) -> float:
    if cold:
        _drop_cache(Path(config.index_dir))
    started = time.monotonic()
    subprocess.run(_command(config), cwd=REPO, check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return time.monotonic() - started


def _phase(stderr: bytes) -> str:
    if b"embedding sentences" in stderr:
        return "embedding sentences or writing"
    if b"embedding passages" in stderr:
        return "embedding passages"
    return "starting or reading"


def campaign(config: Config, kills: int, *, seed: int, embedder, cold_share: float = 0.35, late_share: float = 0.0,
             log=None) -> KillReport:
    """Kill rounds on the index of `config` (built first) until `kills` rebuilds were killed while
    running (a round whose rebuild ends before its kill does not count; at most 2 * kills rounds).
    `cold_share` of the rounds drop the embedding cache first; in `late_share` of them the kill is
    drawn after most of the start-up (70% of a warm rebuild's duration), so that more kills land in
    embedding, writing and the swap."""
    rng, report = random.Random(seed), KillReport()
    index_dir = Path(config.index_dir)
    rebuild(config, embedder=embedder)
    spans = {True: _timed_run(config, cold=True), False: _timed_run(config, cold=False)}
    errors = index_dir / "killed-stderr.txt"
    n = 0
    while report.kills < kills and n < 2 * kills:
        n += 1
        before = open_index(index_dir).path
        cold = rng.random() < cold_share
        if cold:
            _drop_cache(index_dir)
        earliest = 0.7 * spans[False] if rng.random() < late_share else 0.0
        delay = rng.uniform(min(earliest, 0.9 * spans[cold]), 0.95 * spans[cold])
        with open(errors, "wb") as stderr:
            process = subprocess.Popen(_command(config), cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr,
                                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
            time.sleep(delay)
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
        if finished:
            report.finished_first += 1
        else:
            report.kills += 1
            phase = _phase(errors.read_bytes())
            report.phases[phase] = report.phases.get(phase, 0) + 1
        try:
            live = Engine(open_index(index_dir), embedder)
            assert live.search(QUERY, k=3), "the live index found nothing"
            report.swapped += int(not finished and live.index.path != before)
            rebuild(config, embedder=embedder)
            assert Engine(open_index(index_dir), embedder).search(QUERY, k=3), "the next build found nothing"
            report.survived += int(not finished)
        except Exception as exc:  # noqa: BLE001 - reported with its round and delay
            report.failures.append(f"round {n} (cold={cold}, killed after {delay:.2f} s): {type(exc).__name__}: {exc}")
        if log:
            log(f"round {n}: {'cold' if cold else 'warm'}, kill after {delay:.2f} s, "
                f"{'finished first' if finished else 'killed'}; {report.survived}/{report.kills} survived")
    errors.unlink(missing_ok=True)
    return report
