"""Rebuilds killed at random moments, and readers querying through rebuilds (issue 8, item 7 and
the campaign): the live index always answers. Real subprocesses, real embedder, real FAISS."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.build import store
from indexer.build.build import rebuild
from indexer.config import Config
from tests.conftest import ARCHIVE
from tests.killing import campaign
from tests.swap_reader import through_rebuilds

pytestmark = pytest.mark.e2e
READERS, REBUILDS = 8, 10


@pytest.fixture
def archive(tmp_path) -> Path:
    """The AI Brew issue alone: a cold rebuild takes seconds (benchmarks/bench_kill.py uses more)."""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", folder)
    return folder


@pytest.fixture
def index(tmp_path, built_index) -> Path:
    """An index folder with the session's embedding cache."""
    folder = tmp_path / "index"
    folder.mkdir()
    shutil.copy(built_index / "embeddings.sqlite", folder)
    return folder


def test_rebuilds_killed_at_random_moments_leave_an_index_that_answers(index, archive, embedder):
    config = Config(archives=(archive,), index_dir=index)
    report = campaign(config, int(os.environ.get("AIBREW_KILLS", "5")), seed=8, embedder=embedder)
    assert report.failures == []
    assert report.kills == report.survived == int(os.environ.get("AIBREW_KILLS", "5"))
    assert not list(config.index_dir.glob(".tmp-build-*"))  # the last rebuild cleared what the killed ones left


def test_eight_readers_query_through_ten_rebuilds_without_a_failure(tmp_path, index, archive, embedder, monkeypatch):
    monkeypatch.setattr(store, "GRACE_SECONDS", 0)  # the hardest case: superseded builds are removed at once
    config = Config(archives=(archive,), index_dir=index)
    rebuild(config, embedder=embedder)
    seen = through_rebuilds(config, readers=READERS, rebuilds=REBUILDS, embedder=embedder, workdir=tmp_path)
    assert seen["failures"] == [], seen["failures"][:3]
    assert seen["rebuilds"] == REBUILDS and all(n > 0 for n in seen["per_reader"])
    assert seen["builds_seen"] >= 3  # the readers did see the swaps
    assert len(list(index.glob("build-*"))) <= 2  # with no grace, only the live and the previous build remain
