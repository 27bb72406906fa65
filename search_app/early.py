"""The session's first screen while the engine loads (issue 25): the question box is drawn at once, with
the title, and the engine (index, model, probe vectors: seconds) loads in a thread meanwhile.

Light on purpose, like naming.py: imported before anything heavy. The question box drawn here is a
stand-in (`KEY`), cleared once the engine is there, when the page draws its own (asking.question_box);
a question typed in it meanwhile is asked as if typed in the page's own box.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import streamlit as st

from .i18n import t

KEY = "question-early"
_LOADED: dict[str, str] = {}  # index folder -> the build (loading.index_key) whose engine this process last loaded
_STARTED: set[str] = set()
_LOCK = threading.Lock()


def loaded(folder: Path | str, key: str) -> None:
    """Called by the page once it holds an engine for `folder`'s build `key`."""
    _LOADED[str(folder)] = key


def ready(folder: Path | str, key: str | None = None) -> bool:
    """Whether this process has loaded an engine for `folder` (for its build `key`, when given)."""
    return str(folder) in _LOADED if key is None else _LOADED.get(str(folder)) == key


def slot():
    """The stand-in's place at the page's bottom, drawn on every run of the page, empty but on the first
    screen: the page's own box comes after it, always at the same place, so that the two are never both
    on the screen (a rerun shows the last run's elements until it replaces them)."""
    return st.bottom.empty()


def question_box(place, lang: str) -> None:
    """The stand-in question box, in `place` (`slot()`), pinned at the page's bottom as the page's own."""
    place.chat_input(t("ask", lang), key=KEY)


def typed_early() -> str | None:
    """A question typed in the stand-in box, on the run that follows it."""
    return st.session_state.get(KEY)


def start_loading(folder: Path | str) -> None:
    """Load the engine for `folder` in a thread (once per process): the page's own call waits for it
    (st.cache_resource computes a value once), and says what is wrong if it failed."""
    with _LOCK:
        if str(folder) in _STARTED:
            return
        _STARTED.add(str(folder))
    from streamlit.runtime.scriptrunner import add_script_run_ctx

    thread = threading.Thread(target=_load, args=(str(folder),), daemon=True, name="engine-load")
    add_script_run_ctx(thread)
    thread.start()


def _load(folder: str) -> None:
    try:
        from search_app import loading

        loading.engine_for(folder, loading.index_key(Path(folder)))
    except Exception:  # noqa: BLE001 - the page's own call shows the reason (loading.engine_or_notice)
        logging.getLogger("search_app").debug("the engine did not load in the background", exc_info=True)
    finally:
        with _LOCK:
            _STARTED.discard(folder)
