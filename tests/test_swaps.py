"""Rebuilds killed at random moments, and readers querying through rebuilds (issue 8, item 7 and
the campaign): the live index always answers. Real subprocesses, real embedder, real FAISS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer import store
from indexer.build import rebuild
from indexer.config import Config
from tests.conftest import AI_WEEKLY, ARCHIVE, REPO
from tests.killing import campaign

pytestmark = pytest.mark.e2e
READERS, REBUILDS = 8, 10


@pytest.fixture
def archive(tmp_path) -> Path:
    """archive/ plus three ai-weekly-fr pages: small enough to rebuild cold in seconds."""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", folder)
    for name in ("AI_Weekly_Dec1-6_2025.html", "AI_Weekly_Nov2-8_2025.html", "ai-weekly-27dec-2jan.html"):
        shutil.copy(AI_WEEKLY / name, folder)
    return folder


def test_rebuilds_killed_at_random_moments_leave_an_index_that_answers(tmp_path, archive, embedder):
    config = Config(archives=(archive,), index_dir=tmp_path / "index")
    report = campaign(config, rounds=int(os.environ.get("AIBREW_KILL_ROUNDS", "6")), seed=8, embedder=embedder)
    assert report.failures == []
    assert report.kills >= 3 and report.survived == report.kills
    assert not list(config.index_dir.glob(".tmp-build-*"))  # the last rebuild cleared what the killed ones left


def test_eight_readers_query_through_ten_rebuilds_without_a_failure(tmp_path, archive, embedder, monkeypatch):
    monkeypatch.setattr(store, "GRACE_SECONDS", 0)  # the hardest case: superseded builds are removed at once
    index = tmp_path / "index"
    config = Config(archives=(archive,), index_dir=index)
    rebuild(config, embedder=embedder)
    stop = tmp_path / "stop"
    outs = [tmp_path / f"reader{n}.json" for n in range(READERS)]
    readers = [subprocess.Popen([sys.executable, "-m", "tests.swap_reader", str(index), str(stop), str(out)], cwd=REPO,
                                env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}) for out in outs]
    try:
        deadline = time.monotonic() + 240
        while not all(out.with_suffix(".ready").exists() for out in outs):
            assert time.monotonic() < deadline and all(r.poll() is None for r in readers), "a reader did not start"
            time.sleep(0.2)
        built = {rebuild(config, embedder=embedder).index_path for _ in range(REBUILDS)}
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=120)
    results = [json.loads(out.read_text()) for out in outs]
    failures = [f for r in results for f in r["failures"]]
    assert failures == [], failures[:3]
    assert len(built) == REBUILDS and all(r["queries"] > 0 for r in results)
    assert len({b for r in results for b in r["builds"]}) >= 3  # the readers did see the swaps
    assert len(list(index.glob("build-*"))) <= 2  # with no grace, only the live and the previous build remain
