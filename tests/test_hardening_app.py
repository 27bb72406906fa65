"""No traceback reaches a reader (issue 8): every damaged-index case, a missing model and a bad LLM
setting show a box with the reason and the rebuild command; a long pasted question is shortened
with a word. Streamlit's AppTest over real index folders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer.build.build import rebuild
from indexer.config import Config
from indexer.engine import MAX_QUESTION_CHARS
from tests.conftest import ARCHIVE
from tests.test_hardening import DAMAGES

APP = str(Path(__file__).resolve().parents[1] / "search_app" / "app.py")


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, embedder, built_index) -> Path:
    folder = tmp_path_factory.mktemp("index")
    shutil.copy(built_index / "embeddings.sqlite", folder / "embeddings.sqlite")
    rebuild(Config(archives=(ARCHIVE,), index_dir=folder), embedder=embedder)
    return folder


@pytest.fixture
def index(tmp_path, small_index) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(small_index, folder)
    return folder


def page(monkeypatch, index: Path, **env: str) -> AppTest:
    monkeypatch.setenv("AIBREW_INDEX", str(index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def assert_error_box(app: AppTest, index: Path, *words: str) -> None:
    assert len(app.error) == 1 and not app.exception
    message = unescape(app.error[0].value)
    assert "Traceback" not in message and all(word in message for word in words), message
    assert [c.value for c in app.code] == [f"python -m indexer rebuild --index {index}"]
    assert not app.chat_input  # nothing to ask a broken index


def unescape(markdown: str) -> str:
    """What the reader sees of Markdown escaped by the page."""
    return re.sub(r"\\(.)", r"\1", markdown)


def damage_missing_build(index: Path) -> None:
    shutil.rmtree(next(index.glob("build-*")))


def damage_flipped_vectors(index: Path) -> None:
    vectors = next(index.glob("build-*")) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-4] + b"\0\0\0\0")


@pytest.mark.parametrize("damage", [*DAMAGES, damage_missing_build, damage_flipped_vectors], ids=lambda d: d.__name__)
def test_a_damaged_index_shows_the_reason_and_the_rebuild_command(index, damage, monkeypatch):
    damage(index)
    app = page(monkeypatch, index)
    assert_error_box(app, index, "rebuild")


def test_a_missing_model_shows_the_reason_and_the_rebuild_command(index, monkeypatch):
    manifest_path = next(index.glob("build-*")) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["embedder"]["model"] = str(index / "no-such-model")
    manifest_path.write_text(json.dumps(manifest))
    app = page(monkeypatch, index)
    assert_error_box(app, index, "could not load the model", "no-such-model")


def test_a_bad_llm_setting_is_named_and_the_page_still_answers(index, monkeypatch):
    app = page(monkeypatch, index, AIBREW_LLM_BASE_URL="http://127.0.0.1:9/v1", AIBREW_LLM_TIMEOUT="abc")
    assert any("AIBREW_LLM_TIMEOUT='abc' is not a number of seconds" in unescape(w.value) for w in app.sidebar.warning)
    app.chat_input[0].set_value("Qu'a fait OpenAI avec YouTube ?").run()
    assert not app.exception and not app.error
    assert "YouTube" in app.chat_message[1].markdown[0].value


def test_a_long_pasted_question_is_shortened_with_a_word(index, monkeypatch):
    app = page(monkeypatch, index)
    question = "Qu'a fait OpenAI avec les vidéos YouTube pour entraîner ses modèles ? " * 12
    assert len(question) > MAX_QUESTION_CHARS
    app.chat_input[0].set_value(question).run()
    assert not app.exception
    assert any(f"{MAX_QUESTION_CHARS}" in w.value for w in app.warning)
    asked = app.chat_message[0].markdown[0].value
    assert 0 < len(asked.replace("\\", "")) <= MAX_QUESTION_CHARS
    assert "YouTube" in app.chat_message[1].markdown[0].value
