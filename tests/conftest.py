"""Shared fixtures: real corpora from ../shared, one real index built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest_plugins = ["tests.conftest_llm"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"
ARCHIVE = REPO / "archive"
AI_WEEKLY = SHARED / "ai-weekly-fr"
PIAF = SHARED / "piaf" / "piaf-v1.0.json"


def require_shared() -> None:
    if not AI_WEEKLY.is_dir():
        pytest.fail(f"test corpora missing: {SHARED} (CI always has ../shared beside the repo)")


@pytest.fixture(scope="session")
def embedder():
    from indexer.build.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def _build(tmp_path_factory, embedder):
    from indexer.build.build import rebuild
    from indexer.config import Config

    require_shared()
    index_dir = tmp_path_factory.mktemp("index")
    return index_dir, rebuild(Config(archives=(ARCHIVE, AI_WEEKLY), index_dir=index_dir), embedder=embedder)


@pytest.fixture(scope="session")
def built_index(_build) -> Path:
    """archive/ plus ai-weekly-fr, indexed once with the default embedder. Treat as read-only."""
    return _build[0]


@pytest.fixture(scope="session")
def build_summary(_build):
    """The BuildSummary of `built_index`."""
    return _build[1]


@pytest.fixture(scope="session")
def engine(built_index, embedder):
    from indexer.engine import Engine
    from indexer.search.index import open_index

    return Engine(open_index(built_index), embedder)


@pytest.fixture
def warm_index_dir(tmp_path, built_index) -> Path:
    """An empty index folder that already has the session's embedding cache (so builds are quick)."""
    folder = tmp_path / "index"
    folder.mkdir()
    shutil.copy(built_index / "embeddings.sqlite", folder / "embeddings.sqlite")
    return folder
