"""The engine, loaded once per index build: the page reads a cheap key each run and passes it in.

`engine_or_notice` is what the page calls: the engine, or None after drawing a box that says what
is wrong and the command that fixes it. No exception, expected or not, reaches the reader as a
traceback from here.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from indexer.config import Config, LLMSettings
from indexer.build.embed import Embedder, load_embedder
from indexer.engine import Engine
from indexer.errors import IndexerError, IndexMismatch, IndexMissing
from indexer.search.index import open_index
from indexer.build.store import current_build
from search_app import domains as dm
from search_app import early
from search_app import filters as flt
from search_app.highlight import escape_markdown
from search_app.i18n import t
from search_app.timeline import Folded, folded


def index_key(folder: Path) -> str:
    """The live build's identity: its name and its manifest's modification time.

    Raises IndexMissing / IndexMismatch (with the fix in the message) when there is nothing to load."""
    for attempt in range(3):
        build = current_build(folder)
        try:
            return f"{build.name}@{(build / 'manifest.json').stat().st_mtime_ns}"
        except OSError as exc:  # removed by a rebuild between the two reads: read CURRENT again
            if attempt == 2:
                raise IndexMismatch(f"the index in {folder} cannot be read ({exc.strerror}); rebuild it: python -m indexer rebuild --index {folder}") from exc
    raise AssertionError("unreachable")


def engine_or_notice(folder: Path, lang: str) -> Engine | None:
    """The engine for the live build, or None after drawing the reason and the rebuild command."""
    try:
        key = index_key(folder)
        if early.ready(folder, key):  # no spinner (a timer thread and two messages each run) once loaded
            return engine_for(str(folder), key)
        with st.spinner(t("loading", lang)):
            engine = engine_for(str(folder), key)
        early.loaded(folder, key)
        return engine
    except IndexMissing:
        st.info(escape_markdown(t("no_index", lang, folder=folder)))
    except Exception as error:  # noqa: BLE001 - damaged index, missing model, anything: a box, never a traceback
        reason = str(error) if isinstance(error, IndexerError) else f"{type(error).__name__}: {error}"
        st.error(escape_markdown(t("bad_index", lang, error=(reason.strip().splitlines() or [""])[0][:500])))
    st.code(rebuild_command(folder), language="bash")
    return None


@st.cache_resource(show_spinner=False)
def embedder_for(model: str) -> Embedder:
    return load_embedder(model)


@st.cache_resource(show_spinner=False, max_entries=2)
def engine_for(folder: str, key: str) -> Engine:
    """The engine for the build named by `key`; a rebuilt index has another key and is loaded afresh."""
    index = open_index(Path(folder))
    return Engine(index, embedder_for(index.model))


@st.cache_resource(show_spinner=False, max_entries=2)
def folded_passages(_engine: Engine, key: str) -> Folded:
    """The build's passages folded into one string, for the timeline to find names in (once per build)."""
    return folded(_engine.index.passages)


def llm_available() -> bool:
    """Whether an LLM endpoint is configured; a bad LLM setting is shown in the sidebar and
    disables the LLM, without stopping the page."""
    try:
        return LLMSettings.from_env().configured
    except IndexerError as error:
        st.sidebar.warning(escape_markdown(str(error)))
        return False


def rebuild_command(folder: Path) -> str:
    default = Config().index_dir
    return "python -m indexer rebuild" + ("" if Path(folder) == default else f" --index {folder}")


@st.cache_resource(show_spinner=False, max_entries=4)
def index_facts(_engine: Engine, key: str) -> dict:
    """What the page shows of the build (date bounds, languages, issues newest first and their labels,
    sites, status), computed once per build (a 1,000-issue archive costs each run otherwise). Shared, not
    copied (cache_resource: st.cache_data unpickled 1,000 issues' labels three times a run): read it only."""
    index = _engine.index
    issues = list(index.issues.values())
    return {"bounds": flt.date_bounds(issues), "languages": sorted(set(index.columns["language"])),
            "issues": [i.id for i in flt.newest_first(issues)], "labels": flt.issue_labels(issues),
            "sites": dm.counts(index), "status": index_status(index.manifest)}


def index_status(manifest: dict) -> dict[str, str | int]:
    """What the sidebar shows readers about the index, from its manifest: what it holds (not the model, the
    build time or the files: those are the maintainer's, `python -m indexer stats`)."""
    counts = manifest.get("counts", {})
    return {"issues": counts.get("issues", 0), "passages": counts.get("passages", 0)}

