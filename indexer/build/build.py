"""`rebuild`: archive files in, a verified index folder out, swapped in atomically."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
import hashlib
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from indexer.build.cache import EmbeddingCache, embed_cached
from indexer.build.chunk import chunk_issue
from indexer.build.chunkcache import ChunkCache, Chunked, chunk_cached
from indexer.config import Config
from indexer.build.dedupe import Fingerprint, fingerprint, fingerprint_key, strip_boilerplate
from indexer.build.embed import Embedder, load_embedder
from indexer.errors import IndexerError, StrictSkip
from indexer.text.lexical import TOKENIZER_VERSION, LexicalIndex, tokenize
from indexer.read import read_archive
from indexer.read.lang import detect_language
from indexer.records import BuildSummary, Issue, IssueInfo
from indexer.build.versions import fold_versions
from indexer.build.store import new_build_dir, publish, rebuild_lock, write_faiss, write_sqlite

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class NothingIndexed(IndexerError):
    """No archive file could be indexed; the previous index is left as it was."""


def rebuild(config: Config, *, embedder: Embedder | None = None, progress: Progress | None = None,
            strict: bool = False) -> BuildSummary:
    """Read every issue under config.archives, fold re-saved copies, drop boilerplate, then build.
    With `strict`, any skipped file raises StrictSkip before anything is embedded or published."""
    started = time.monotonic()
    summary = BuildSummary()
    with rebuild_lock(Path(config.index_dir)), _chunk_cache(Path(config.index_dir), summary) as chunk_cache:
        issues, summary.skipped = read_archive(config.archives, detect=chunk_cache.languages(detect_language))
        if strict and summary.skipped:
            lines = "".join(f"\n  skipped {s.path}: {s.reason}" for s in summary.skipped)
            raise StrictSkip(f"{len(summary.skipped)} file(s) skipped and --strict was given; nothing was published, "
                             f"the previous index (if any) is unchanged{lines}", summary.skipped)
        issues = strip_boilerplate(issues, fingerprint=chunk_cache.remembered(
            "fingerprint", fingerprint, encode=Fingerprint.encode, decode=Fingerprint.decode, key=fingerprint_key))
        if not issues:
            where = ", ".join(str(a) for a in config.archives)
            reasons = "".join(f"\n  skipped {s.path}: {s.reason}" for s in summary.skipped) or " (no issue files found)"
            raise NothingIndexed(f"no issue could be indexed from {where}; the previous index (if any) is unchanged{reasons}")
        build_index(issues, config, embedder=embedder or load_embedder(config.model), progress=progress, summary=summary,
                    chunk_cache=chunk_cache)
    summary.seconds = time.monotonic() - started
    return summary


def build_index(issues: list[Issue], config: Config, *, embedder: Embedder, progress: Progress | None = None,
                summary: BuildSummary | None = None, chunk_cache: ChunkCache | None = None) -> BuildSummary:
    """Chunk (reusing cached passages) and embed `issues` (reusing cached vectors), fold re-saved
    versions, write a build and publish it. The caller holds the lock."""
    summary = summary or BuildSummary()
    index_dir = Path(config.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)

    def tick(stage: str):
        return (lambda done, todo: progress(stage, done, todo)) if progress else None

    if chunk_cache is None:
        with _chunk_cache(index_dir, summary) as own:
            chunked = _chunk(issues, config, embedder, own, summary)
    else:
        chunked = _chunk(issues, config, embedder, chunk_cache, summary)
    chunks = [c for done in chunked for c in done.chunks]
    spans = [s for done in chunked for s in done.sentences]
    cache, warning = EmbeddingCache.open(index_dir / "embeddings.sqlite")
    summary.warnings += [warning] if warning else []
    batch = getattr(embedder, "batch_size", 32)  # large on a GPU (EncodeSettings)
    try:
        hashes = [c.hash for c in chunks]
        vectors, summary.embedded_new = embed_cached(
            cache, embedder.model_id, [c.embed_text for c in chunks], hashes, embedder.embed_passages, on_batch=tick("passages"),
            batch_size=batch,
        )
        summary.embedded_reused = len(set(hashes)) - summary.embedded_new
        issues, folded = fold_versions(issues, chunks, vectors)
        summary.folded += folded
        kept_ids = {i.id for i in issues}
        kept = [n for n, c in enumerate(chunks) if c.issue_id in kept_ids]
        chunks, vectors = [chunks[n] for n in kept], vectors[kept]
        texts = {i.id: i.text for i in issues}
        sentences = [(n, s, e) for n, k in enumerate(kept) for s, e in spans[k]]
        sentence_texts = [texts[chunks[n].issue_id][s:e] for n, s, e in sentences]
        sentence_vectors, _ = embed_cached(
            cache, embedder.model_id, sentence_texts, [_sentence_hash(t) for t in sentence_texts], embedder.embed_passages,
            on_batch=tick("sentences"), batch_size=batch,
        )
    finally:
        cache.close()

    tmp = new_build_dir(index_dir)
    infos = [IssueInfo(i.id, i.source, i.title, i.date, i.url, i.number, i.language, i.text) for i in issues]
    write_sqlite(tmp / "passages.sqlite", infos, chunks, sentences)
    kind = write_faiss(tmp / "vectors.faiss", vectors, config.hnsw_threshold)
    np.save(tmp / "sentences.npy", sentence_vectors.reshape(len(sentences), -1).astype(np.float16))
    (tmp / "bm25").mkdir()
    LexicalIndex.build([c.text for c in chunks], [c.language for c in chunks], terms=_terms(chunk_cache)).save(tmp / "bm25")

    summary.issues, summary.passages = len(issues), len(chunks)
    summary.languages = dict(Counter(c.language for c in chunks))
    manifest = {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "embedder": {"backend": embedder.backend, "model": embedder.model_id, "dim": embedder.dim},
        "chunking": config.chunking.as_dict(),
        "faiss": kind,
        "counts": {"issues": summary.issues, "passages": summary.passages, "sentences": len(sentences)},
        "languages": summary.languages,
        "sources": sorted(i.source for i in issues),
        "folded": [list(pair) for pair in summary.folded],
    }
    summary.index_path = str(publish(index_dir, tmp, manifest))
    return summary


@contextmanager
def _chunk_cache(index_dir: Path, summary: BuildSummary) -> Iterator[ChunkCache]:
    index_dir.mkdir(parents=True, exist_ok=True)
    cache, warning = ChunkCache.open(index_dir / "chunks.sqlite")
    summary.warnings += [warning] if warning else []
    try:
        yield cache
        cache.prune()  # only once the rebuild has succeeded
    finally:
        cache.close()


def _chunk(issues: list[Issue], config: Config, embedder: Embedder, cache: ChunkCache, summary: BuildSummary) -> list[Chunked]:
    """Each issue's passages and sentences, chunking only the issues the chunk cache does not hold."""
    chunked, summary.chunked_new = chunk_cached(
        cache, issues, partial(chunk_issue, count_tokens=embedder.count_tokens, settings=config.chunking, model_limit=embedder.max_tokens),
        settings={"chunking": config.chunking.as_dict(), "model": embedder.model_id, "model_limit": embedder.max_tokens},
    )
    return chunked


def _terms(cache: ChunkCache | None) -> Callable[[str, str], list[str]] | None:
    """`tokenize`, remembered by the chunk cache when there is one."""
    if cache is None:
        return None
    memo: dict = {}
    return cache.remembered(f"terms/{TOKENIZER_VERSION}", partial(tokenize, memo=memo),
                            encode=lambda terms: " ".join(terms).encode("utf-8"), decode=lambda data: data.decode("utf-8").split())


def _sentence_hash(text: str) -> str:
    return hashlib.sha256(("sentence\n" + text).encode("utf-8")).hexdigest()
