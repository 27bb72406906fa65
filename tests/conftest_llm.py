"""Pytest plugin for the LLM tests: the session-wide real server (the `llm` marker is in pyproject.toml).

Load it with `pytest_plugins = ["tests.conftest_llm"]` in tests/conftest.py, or `-p tests.conftest_llm`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_server import LlamaServer, llama_server, missing


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """The real OpenAI-compatible server, started once per session (a few seconds) and stopped after."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    try:
        with llama_server(tmp_path_factory.mktemp("llm_server") / "server.log") as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
