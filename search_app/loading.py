"""The engine, loaded once per index build: the page reads a cheap key each run and passes it in."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from indexer.config import Config
from indexer.embed import Embedder, load_embedder
from indexer.engine import Engine
from indexer.index import open_index
from indexer.store import current_build


def index_dir() -> Path:
    """The index folder: AIBREW_INDEX, or index/."""
    return Config.from_env().index_dir


def index_key(folder: Path) -> str:
    """The live build's identity: its name and its manifest's modification time.

    Raises IndexMissing / IndexMismatch (with the fix in the message) when there is nothing to load."""
    build = current_build(folder)
    return f"{build.name}@{(build / 'manifest.json').stat().st_mtime_ns}"


@st.cache_resource(show_spinner=False)
def embedder_for(model: str) -> Embedder:
    return load_embedder(model)


@st.cache_resource(show_spinner=False, max_entries=2)
def engine_for(folder: str, key: str) -> Engine:
    """The engine for the build named by `key`; a rebuilt index has another key and is loaded afresh."""
    index = open_index(Path(folder))
    return Engine(index, embedder_for(index.model))


def rebuild_command(folder: Path) -> str:
    default = Config().index_dir
    return "python -m indexer rebuild" + ("" if Path(folder) == default else f" --index {folder}")


def index_status(manifest: dict) -> dict[str, str | int]:
    """What the sidebar shows about the index, from its manifest."""
    counts = manifest.get("counts", {})
    return {
        "issues": counts.get("issues", 0),
        "passages": counts.get("passages", 0),
        "model": manifest.get("embedder", {}).get("model", "?"),
        "built": manifest.get("built_at", "?").replace("T", " "),
    }

