"""Adding issues is an append (issue 25, item 3): a rebuild where only new issues were added extends
the live build instead of rebuilding it whole, and the index it publishes answers exactly like a full
rebuild of the same archive. Anything else (an edited, removed or re-ordered issue, a new issue that
could fold with another) takes the full path. A killed append leaves the live index serving."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.build.build import rebuild
from indexer.build.store import current_build
from indexer.config import Config
from indexer.engine import Engine
from indexer.search.index import open_index
from indexer.text.lexical import LexicalIndex, tokenize
from tests.conftest import AI_WEEKLY, ARCHIVE, REPO, require_shared

LAST = "ai-weekly-27dec-2jan.html"  # sorts after every other ai-weekly-fr file
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "tests" / "golden" / "archive.jsonl").read_text().splitlines()[:25]]


def _archives(root: Path, *, with_last: bool) -> tuple[Path, Path]:
    require_shared()
    brew, weekly = root / "brew", root / "weekly"
    if not brew.exists():
        shutil.copytree(ARCHIVE, brew)
        weekly.mkdir()
        for path in sorted(AI_WEEKLY.iterdir()):
            if path.name != LAST and path.suffix == ".html":
                shutil.copy(path, weekly)
    if with_last:
        shutil.copy(AI_WEEKLY / LAST, weekly)
    return brew, weekly


def _index(tmp_path: Path, name: str, built_index: Path) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(built_index / "embeddings.sqlite", folder)  # the session's vectors: nothing to embed
    return folder


@pytest.fixture(scope="module")
def appended_and_full(tmp_path_factory, built_index, embedder):
    """(index appended to, index built whole, the appending rebuild's summary) over one archive."""
    tmp = tmp_path_factory.mktemp("append")
    archives = _archives(tmp, with_last=False)
    appended = _index(tmp, "appended", built_index)
    config = Config(archives=archives, index_dir=appended)
    first = rebuild(config, embedder=embedder)
    assert first.appended == 0
    _archives(tmp, with_last=True)
    summary = rebuild(config, embedder=embedder)
    full = _index(tmp, "full", built_index)
    whole = rebuild(config.with_(index_dir=full), embedder=embedder)
    assert whole.appended == 0
    return appended, full, summary, first


def _rows(build: Path, table: str) -> list[tuple]:
    db = sqlite3.connect(build / "passages.sqlite")
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        db.close()


def test_a_new_issue_is_appended(appended_and_full):
    appended, _, summary, first = appended_and_full
    assert summary.appended == 1
    assert summary.embedded_new == 0 and summary.issues > first.issues and summary.passages > first.passages
    manifest = json.loads((current_build(appended) / "manifest.json").read_text())
    assert manifest["appended"]["issues"] == 1


def test_an_appended_build_holds_what_a_full_rebuild_holds(appended_and_full):
    appended, full, _, _ = appended_and_full
    a, f = current_build(appended), current_build(full)
    for table in ("issues", "passages", "sentences", "links"):
        assert _rows(a, table) == _rows(f, table), table
    assert np.array_equal(np.load(a / "sentences.npy"), np.load(f / "sentences.npy"))
    for name in ("vectors.faiss", *(p.name for p in (f / "bm25").iterdir())):
        path = name if name == "vectors.faiss" else f"bm25/{name}"
        assert (a / path).read_bytes() == (f / path).read_bytes(), path
    ma, mf = (json.loads((b / "manifest.json").read_text()) for b in (a, f))
    for key in ("counts", "languages", "sources", "folded", "faiss", "embedder", "chunking"):
        assert ma[key] == mf[key], key


def test_an_appended_index_answers_like_a_full_rebuild(appended_and_full, embedder):
    appended, full, _, _ = appended_and_full
    engines = [Engine(open_index(folder), embedder) for folder in (appended, full)]
    for question in QUESTIONS:
        hits = [engine.search(question, k=10) for engine in engines]
        assert [(h.issue_id, h.chunk_id) for h in hits[0]] == [(h.issue_id, h.chunk_id) for h in hits[1]], question
        assert np.allclose([h.score for h in hits[0]], [h.score for h in hits[1]], atol=1e-6), question
        terms = tokenize(question, "fr")
        assert np.array_equal(engines[0].index.lexical.scores(terms), engines[1].index.lexical.scores(terms))


def test_bm25_built_from_counts_scores_like_bm25s(embedder):
    """LexicalIndex computes BM25 itself (so it can grow): the scores are bm25s's, to the bit."""
    import bm25s

    texts = [p for path in sorted(AI_WEEKLY.glob("*.html"))[:4] for p in path.read_text(errors="ignore").split("</p>") if p.strip()]
    memo: dict = {}
    ours = LexicalIndex.build(texts, ["fr"] * len(texts))
    theirs = bm25s.BM25(k1=1.2, b=0.75)
    theirs.index([tokenize(t, "fr", memo=memo) or [""] for t in texts], show_progress=False)
    for question in QUESTIONS:
        terms = tokenize(question, "fr")
        assert np.array_equal(ours.scores(terms), LexicalIndex(theirs).scores(terms)), question


def test_other_changes_take_the_full_path(tmp_path, built_index, embedder):
    brew, weekly = _archives(tmp_path, with_last=True)
    config = Config(archives=(brew, weekly), index_dir=_index(tmp_path, "index", built_index))
    rebuild(config, embedder=embedder)
    assert rebuild(config, embedder=embedder).appended == 0  # nothing new
    first = sorted(weekly.iterdir())[0]
    shutil.copy(first, weekly / "zz_copy.html")  # a re-saved copy of an issue: folded, so built whole
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and summary.folded
    (weekly / "zz_copy.html").unlink()
    (brew / "000_new.md").write_text("---\ndate: 2031-05-05\ntitle: Un numéro ajouté au début\n---\n# Un numéro ajouté\n\n"
                                      "Un numéro qui se range avant les autres : l'index est reconstruit entier.\n")
    assert rebuild(config, embedder=embedder).appended == 0  # sorts before the live build's issues
    (weekly / "zzz_new.md").write_text("---\ndate: 2031-06-05\ntitle: Un numéro ajouté à la fin\n---\n# Un numéro ajouté\n\n"
                                      "Les modèles de langue ouverts rattrapent les modèles fermés, selon un nouveau classement.\n")
    assert rebuild(config, embedder=embedder).appended == 1
    (weekly / "zzz_new.md").write_text((weekly / "zzz_new.md").read_text() + "\nUne phrase corrigée après coup.\n")
    assert rebuild(config, embedder=embedder).appended == 0  # an edited issue


def _command(config: Config) -> list[str]:
    archives = [arg for a in config.archives for arg in ("--archive", str(a))]
    return [sys.executable, "-m", "indexer", "rebuild", *archives, "--index", str(config.index_dir)]


def test_an_append_killed_at_random_moments_leaves_the_live_index_serving(tmp_path, built_index, embedder):
    """SIGKILL appending rebuilds (each adding one issue, its vectors not cached) at random moments:
    the live index is then the one before or the one after, complete, and the next rebuild works."""
    brew, weekly = _archives(tmp_path, with_last=True)
    config = Config(archives=(brew, weekly), index_dir=_index(tmp_path, "index", built_index))
    rebuild(config, embedder=embedder)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    rng = random.Random(25)
    for n in range(3):
        (weekly / f"zzz_{n}.md").write_text(f"---\ndate: 2032-0{n + 1}-07\ntitle: Numéro ajouté {n}\n---\n# Numéro ajouté {n}\n\n"
                                          f"Semaine {n} : un laboratoire publie le modèle numéro {n} et ses poids ouverts.\n")
        before = open_index(config.index_dir)
        process = subprocess.Popen(_command(config), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        live = open_index(config.index_dir)
        assert live.path == before.path or len(live) > len(before)
        assert Engine(live, embedder).search("modèle poids ouverts", k=3)
        summary = rebuild(config, embedder=embedder)
        assert summary.appended == (0 if live.path != before.path else 1)
        assert f"zzz_{n}.md" in json.loads((current_build(config.index_dir) / "manifest.json").read_text())["sources"]
