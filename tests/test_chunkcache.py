"""The chunk cache: what it returns equals a fresh chunking; changes and damage are noticed."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from indexer.build.build import rebuild
from indexer.build.chunk import chunk_issue
from indexer.build.chunkcache import ChunkCache, chunk_cached
from indexer.config import ChunkSettings, Config
from indexer.read import read_issue
from indexer.records import Issue, Section
from indexer.text.sentences import sentence_spans
from tests.conftest import ARCHIVE

SETTINGS = ChunkSettings()


@pytest.fixture(scope="module")
def issues() -> list[Issue]:
    brew = read_issue(ARCHIVE / "000_4890d60036440a5b.txt", ARCHIVE)
    english = Issue(id="en", source="en.md", title="Weekly notes", language="en", sections=(
        Section("Models", "A new open model was released this week. It beats last year's best on reasoning benchmarks."),
        Section("Tiny", "Short."),
        Section("Policy", "Regulators in Europe asked for more transparency about training data and evaluation."),
    ))
    return [brew, english]


def _chunk_with(embedder, settings: ChunkSettings, cache: ChunkCache, issues: list[Issue], chunked: list[str]):
    def chunk(issue: Issue):
        chunked.append(issue.id)
        return chunk_issue(issue, embedder.count_tokens, settings, model_limit=embedder.max_tokens)

    return chunk_cached(cache, issues, chunk, settings={"chunking": settings.as_dict(), "model": embedder.model_id})


def _fresh(embedder, issue: Issue, settings: ChunkSettings = SETTINGS):
    chunks = chunk_issue(issue, embedder.count_tokens, settings, model_limit=embedder.max_tokens)
    return chunks, [sentence_spans(issue.text[c.start : c.end], c.start) for c in chunks]


def _reopened(path: Path, embedder, settings, issues):
    cache, warning = ChunkCache.open(path)
    assert warning is None
    try:
        chunked: list[str] = []
        out, fresh = _chunk_with(embedder, settings, cache, issues, chunked)
        return out, fresh, chunked
    finally:
        cache.close()


def test_cached_chunks_equal_a_fresh_chunking(tmp_path, embedder, issues):
    path = tmp_path / "chunks.sqlite"
    first, fresh, chunked = _reopened(path, embedder, SETTINGS, issues)
    assert fresh == 2 and chunked == ["000_4890d60036440a5b", "en"]
    again, fresh, chunked = _reopened(path, embedder, SETTINGS, issues)
    assert fresh == 0 and chunked == []
    assert again == first
    for issue, done in zip(issues, again):
        chunks, sentences = _fresh(embedder, issue)
        assert list(done.chunks) == chunks  # text, context, language, position and hash included
        assert [list(s) for s in done.sentences] == sentences
    assert {c.language for c in again[1].chunks} == {"en"} and len(again[0].chunks) >= 10


def test_a_changed_issue_is_chunked_again_and_only_it(tmp_path, embedder, issues):
    path = tmp_path / "chunks.sqlite"
    _reopened(path, embedder, SETTINGS, issues)
    edited = replace(issues[1], sections=(*issues[1].sections[:2], Section("Policy", "Regulators in Europe changed their minds.")))
    out, fresh, chunked = _reopened(path, embedder, SETTINGS, [issues[0], edited])
    assert fresh == 1 and chunked == ["en"]
    assert list(out[1].chunks) == _fresh(embedder, edited)[0]
    retitled = replace(issues[0], title="Un autre titre")  # the title is in every passage's context
    out, fresh, chunked = _reopened(path, embedder, SETTINGS, [retitled, edited])
    assert chunked == ["000_4890d60036440a5b"] and list(out[0].chunks) == _fresh(embedder, retitled)[0]


def test_a_changed_chunk_setting_invalidates_the_cache(tmp_path, embedder, issues):
    path = tmp_path / "chunks.sqlite"
    _reopened(path, embedder, SETTINGS, issues)
    smaller = ChunkSettings(max_tokens=120)
    out, fresh, _ = _reopened(path, embedder, smaller, issues)
    assert fresh == 2
    assert list(out[0].chunks) == _fresh(embedder, issues[0], smaller)[0]
    assert len(out[0].chunks) > len(_fresh(embedder, issues[0])[0])


def test_a_malformed_entry_is_chunked_again(tmp_path, embedder, issues):
    path = tmp_path / "chunks.sqlite"
    _reopened(path, embedder, SETTINGS, issues)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE issues SET chunks = '[[\"s\", 0]]' WHERE rowid = 1")
        db.execute("UPDATE issues SET chunks = 'not json' WHERE rowid = 2")
    out, fresh, _ = _reopened(path, embedder, SETTINGS, issues)
    assert fresh == 2 and [list(d.chunks) for d in out] == [_fresh(embedder, i)[0] for i in issues]


def test_issue_languages_are_detected_once(tmp_path):
    asked: list[str] = []

    def detect(text: str) -> str:
        asked.append(text)
        return "en" if "the" in text else "fr"

    for _ in range(2):
        cache, _ = ChunkCache.open(tmp_path / "chunks.sqlite")
        remembered = cache.languages(detect)
        assert [remembered("the cat"), remembered("le chat"), remembered("the cat")] == ["en", "fr", "en"]
        cache.keep_only([])
        cache.close()
    assert asked == ["the cat", "le chat"]


def test_remembered_results_survive_reopening_and_unused_ones_are_pruned(tmp_path):
    calls: list[str] = []

    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    path = tmp_path / "chunks.sqlite"
    for asked in (["un", "deux", "un"], ["un", "trois"], ["deux"]):
        cache, _ = ChunkCache.open(path)
        remembered = cache.remembered("shout", shout, encode=str.encode, decode=bytes.decode)
        assert [remembered(t) for t in asked] == [t.upper() for t in asked]
        cache.prune()
        cache.close()
    # "deux" was pruned by the second rebuild (not asked for), so the third computes it again
    assert calls == ["un", "deux", "trois", "deux"]


def test_a_damaged_remembered_result_is_computed_again(tmp_path):
    path = tmp_path / "chunks.sqlite"
    cache, _ = ChunkCache.open(path)
    cache.remembered("terms", lambda t: t.split(), encode=lambda v: " ".join(v).encode(), decode=lambda b: b.decode().split())("a b")
    cache.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE memo SET value = ?", (b"\xff\xfe",))
    cache, _ = ChunkCache.open(path)
    assert cache.remembered("terms", lambda t: t.split(), encode=lambda v: " ".join(v).encode(),
                            decode=lambda b: b.decode().split())("a b") == ["a", "b"]
    cache.close()


def test_a_warm_rebuild_remembers_fingerprints_and_terms_and_builds_the_same_index(tmp_path, embedder, monkeypatch):
    import indexer.build.build
    import indexer.build.dedupe

    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    for n in range(3):
        (archive / f"n{n}.md").write_text(
            f"---\ndate: 2025-03-0{n + 1}\n---\n# Numéro {n}\n\n## Modèles\n\nMistral publie le modèle {n} de 24 milliards "
            f"de paramètres.\n\nBonne lecture !\n\n## Europe\n\nLe règlement européen sur l'IA, semaine {n}.\n", encoding="utf-8")
    config = Config(archives=(archive,), index_dir=index_dir)
    cold = rebuild(config, embedder=embedder)
    before, lexical = _passages(index_dir), _bm25_files(index_dir)

    computed: list[str] = []
    monkeypatch.setattr(indexer.build.build, "fingerprint", lambda issue: computed.append(issue.id) or indexer.build.dedupe.fingerprint(issue))
    monkeypatch.setattr(indexer.build.build, "tokenize", lambda text, language, memo=None: computed.append(text) or [])
    warm = rebuild(config, embedder=embedder)
    assert cold.passages == warm.passages and computed == []  # nothing recomputed: the remembered results were used
    assert _passages(index_dir) == before and _bm25_files(index_dir) == lexical


def _bm25_files(index_dir: Path) -> dict[str, bytes]:
    build = index_dir / (index_dir / "CURRENT").read_text().strip()
    return {p.name: p.read_bytes() for p in sorted((build / "bm25").iterdir())}


def _passages(index_dir: Path) -> list[tuple]:
    build = index_dir / (index_dir / "CURRENT").read_text().strip()
    with sqlite3.connect(build / "passages.sqlite") as db:
        return db.execute("SELECT issue_id, section, position, start, end, text, embed_text, language, hash FROM passages").fetchall()


def test_a_garbage_chunk_cache_is_set_aside_and_the_rebuild_succeeds(tmp_path, embedder):
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    (archive / "one.md").write_text(
        "---\ndate: 2025-03-03\n---\n# Numéro 1\n\n## Modèles\n\nMistral publie un modèle ouvert de 24 milliards de paramètres. "
        "Il tourne sur une seule carte graphique.\n\n## Europe\n\nLe règlement européen sur l'IA entre en application pour les "
        "modèles généralistes en août.\n", encoding="utf-8")
    config = Config(archives=(archive,), index_dir=index_dir)
    cold = rebuild(config, embedder=embedder)
    assert cold.chunked_new == 1 and not cold.warnings
    before = _passages(index_dir)

    (index_dir / "chunks.sqlite").write_bytes(b"this is not a database\n" * 200)
    damaged = rebuild(config, embedder=embedder)
    assert damaged.chunked_new == 1 and damaged.embedded_new == 0
    assert len(damaged.warnings) == 1 and "chunks.sqlite" in damaged.warnings[0] and "set aside" in damaged.warnings[0]
    assert len(list(index_dir.glob("chunks.sqlite.damaged-*"))) == 1
    assert _passages(index_dir) == before

    warm = rebuild(config, embedder=embedder)
    assert warm.chunked_new == 0 and not warm.warnings and _passages(index_dir) == before
