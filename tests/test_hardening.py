"""A damaged index, a damaged cache, bad options and hostile text: refused or survived with a
one-line message that says what to do, through the real CLI (issue 8, items 3, 5, 6, 8, 9, 12, 13).
Real embedder, real FAISS, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build.build import rebuild
from indexer.cli import main
from indexer.config import Config
from indexer.errors import IndexMismatch
from indexer.search.index import open_index
from tests.conftest import ARCHIVE, REPO

pytestmark = pytest.mark.e2e
HOSTILE = """---
date: 2026-11-20
---
# Robots \x1b]0;pwned\x07humanoïdes à l'usine

## Les humanoïdes arrivent dans les entrepôts
Figure AI déploie ses robots humanoïdes \x1b[2J dans des entrepôts logistiques en Europe, \x9b31m annonce l'entreprise.
Les premiers essais montrent des cadences encore inférieures à celles des opérateurs humains.
"""


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, embedder, built_index) -> Path:
    """archive/ plus one issue holding terminal escapes, built once (with the session's embedding
    cache). Copy it before damaging it."""
    archive = tmp_path_factory.mktemp("archive")
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", archive)
    (archive / "robots.md").write_text(HOSTILE, encoding="utf-8")
    folder = tmp_path_factory.mktemp("index")
    shutil.copy(built_index / "embeddings.sqlite", folder / "embeddings.sqlite")
    rebuild(Config(archives=(archive,), index_dir=folder), embedder=embedder)
    (folder / "archive").symlink_to(archive)
    return folder


@pytest.fixture
def index(tmp_path, small_index) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(small_index, folder, symlinks=True)
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in process (the same code `python -m indexer` runs)."""
    try:
        code = main(list(args))
    except SystemExit as exit:  # argparse refusals
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err


def cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], input=stdin, capture_output=True, text=True, timeout=300,
                          cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


def damage_current_bytes(index: Path) -> None:
    (index / "CURRENT").write_bytes(bytes(range(256)))


def damage_current_long(index: Path) -> None:
    (index / "CURRENT").write_text("build-" + "x" * 5000)


def damage_current_dir(index: Path) -> None:
    (index / "CURRENT").unlink()
    (index / "CURRENT").mkdir()


def damage_manifest_empty(index: Path) -> None:
    (open_index(index).path / "manifest.json").write_text("")


def damage_manifest_truncated(index: Path) -> None:
    manifest = open_index(index).path / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])


def damage_manifest_list(index: Path) -> None:
    (open_index(index).path / "manifest.json").write_text("[1, 2]")


DAMAGES = [damage_current_bytes, damage_current_long, damage_current_dir, damage_manifest_empty, damage_manifest_truncated,
           damage_manifest_list]


# --- 5. damaged pointers are refused, with the rebuild command ------------------------------------


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
def test_a_damaged_pointer_or_manifest_is_refused_with_the_fix(index, damage, capsys):
    damage(index)
    with pytest.raises(IndexMismatch, match=f"rebuild it: python -m indexer rebuild --index {index}"):
        open_index(index)
    for command in ("search", "stats"):
        code, out, err = run(capsys, command, "--index", str(index), *(["OpenAI"] if command == "search" else []))
        assert code == 2 and out == "" and err.startswith("error: the index") and err.count("\n") == 1
        assert "damaged" in err and f"python -m indexer rebuild --index {index}" in err


def test_a_rebuild_replaces_a_current_that_is_a_folder(index):
    damage_current_dir(index)
    rebuild(Config(archives=(index / "archive",), index_dir=index))
    assert open_index(index).manifest["counts"]["issues"] == 2


def test_stats_checks_every_file_against_the_manifest(index, capsys):
    code, out, _ = run(capsys, "stats", "--index", str(index))
    assert code == 0 and "checked against the manifest, all intact" in out
    sqlite = open_index(index).path / "passages.sqlite"
    sqlite.write_bytes(sqlite.read_bytes()[:-1] + b"\x01")
    code, out, err = run(capsys, "stats", "--index", str(index))
    assert code == 2 and "passages.sqlite does not match the manifest; rebuild it" in err


# --- 6. a garbage cache is set aside, not fatal ----------------------------------------------------


def test_a_garbage_embedding_cache_is_set_aside_and_the_rebuild_goes_on(index, capsys):
    (index / "embeddings.sqlite").write_bytes(b"garbage, not SQLite " * 100)
    for extra in ("embeddings.sqlite-wal", "embeddings.sqlite-shm"):
        (index / extra).unlink(missing_ok=True)
    code, out, err = run(capsys, "rebuild", "--archive", str(index / "archive" / "robots.md"), "--index", str(index))
    assert code == 0 and "Indexed 1 issues" in out
    assert "warning: the embedding cache" in err and "was damaged" in err and "set aside as embeddings.sqlite.damaged-" in err
    assert len(list(index.glob("embeddings.sqlite.damaged-*"))) == 1
    assert open_index(index).manifest["sources"] == ["robots.md"]


# --- 3. --strict publishes nothing ------------------------------------------------------------------


def test_strict_rebuild_with_a_skipped_file_keeps_the_previous_index(index, tmp_path, capsys):
    live = open_index(index).path
    archive = tmp_path / "archive"
    shutil.copytree(index / "archive", archive)
    (archive / "empty.md").write_text("")
    code, out, err = run(capsys, "rebuild", "--archive", str(archive), "--index", str(index), "--strict")
    assert code == 1 and "1 file(s) skipped and --strict was given; nothing was published" in err
    assert f"skipped {archive / 'empty.md'}: empty file" in err
    assert open_index(index).path == live
    code, out, err = run(capsys, "rebuild", "--archive", str(archive), "--index", str(index))
    assert code == 0 and open_index(index).path != live and f"Skipped {archive / 'empty.md'}: empty file" in err


# --- 8. terminal escapes ----------------------------------------------------------------------------


def test_terminal_escapes_in_the_archive_are_not_printed(index, capsys):
    for args in (["search", "humanoïdes entrepôts"], ["ask", "Où Figure AI déploie-t-il ses robots ?"]):
        code, out, _ = run(capsys, *args, "--index", str(index))
        assert code == 0 and "Figure AI" in out
        assert not any(ch in out for ch in "\x1b\x07\x9b"), repr(out)
    code, out, _ = run(capsys, "search", "--json", "--index", str(index), "humanoïdes entrepôts")
    assert "\\u001b[2J" in out and "\\u009b31m" in out and "\x1b" not in out and "\x9b" not in out
    text = json.loads(out)["results"][0]["text"]
    assert "\x1b[2J" in text  # JSON keeps the text whole, escaped


# --- 9. k ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["search", "--k", "-1", "OpenAI"], ["search", "--k", "0", "OpenAI"], ["ask", "--k", "0", "Q"],
                                  ["ask", "--k", "deux", "Q"]])
def test_k_below_one_is_refused(args, capsys):
    code, out, err = run(capsys, *args)
    assert code == 2 and "argument --k: must be" in err


# --- 12. settings are checked where they are used -------------------------------------------------


def test_a_bad_llm_timeout_stops_only_the_llm(index, capsys, monkeypatch):
    monkeypatch.setenv("AIBREW_LLM_TIMEOUT", "abc")
    code, out, _ = run(capsys, "search", "--index", str(index), "humanoïdes")
    assert code == 0 and "Figure AI" in out
    code, out, err = run(capsys, "ask", "--index", str(index), "--llm-url", "http://127.0.0.1:9/v1", "Où sont les robots ?")
    assert code == 2 and err == "error: AIBREW_LLM_TIMEOUT='abc' is not a number of seconds; set it to a positive number such as 30, or unset it\n"


# --- 13. empty lines on stdin, and an archive given as one file (11) --------------------------------


def test_empty_lines_on_stdin_get_an_empty_answer_line(index):
    out = cli("search", "--index", str(index), "--json", "--k", "2", stdin="humanoïdes\n\n   \nYouTube\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["humanoïdes", "", "", "YouTube"]
    assert lines[1] == lines[2] == {"query": "", "outcome": "none", "found": False, "results": []}
    assert lines[0]["results"] and lines[3]["results"]


def test_rebuild_accepts_an_archive_that_is_one_file(index):
    out = cli("rebuild", "--archive", str(ARCHIVE / "000_4890d60036440a5b.txt"), "--index", str(index))
    assert out.returncode == 0 and "Indexed 1 issues" in out.stdout, out.stderr
    assert open_index(index).manifest["sources"] == ["000_4890d60036440a5b.txt"]
