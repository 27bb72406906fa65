"""The index folder: builds written beside the live one and swapped in atomically.

    INDEX/
      CURRENT              name of the live build (replaced atomically with os.replace)
      build-*/             manifest.json, passages.sqlite, vectors.faiss, sentences.npy, bm25/
      embeddings.sqlite    the embedding cache, shared by builds
      chunks.sqlite        the chunk cache (indexer/chunkcache.py)
      .lock                held by a rebuild (fcntl; released by the kernel if the process dies)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import IndexLocked, IndexMismatch, IndexMissing

FORMAT_VERSION = 1
CURRENT = "CURRENT"


@contextmanager
def rebuild_lock(index_dir: Path):
    """Hold the index's rebuild lock, or raise IndexLocked naming the holder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / ".lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise IndexLocked(f"another rebuild is running on {index_dir} (pid {holder}); wait for it to finish, then try again")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def new_build_dir(index_dir: Path) -> Path:
    """A fresh, hidden folder to write a build into; stale ones from killed rebuilds are removed."""
    for stale in index_dir.glob(".tmp-build-*"):
        shutil.rmtree(stale, ignore_errors=True)
    path = index_dir / f".tmp-build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    return path


def write_sqlite(path: Path, issues, chunks, sentence_rows) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE issues (id TEXT PRIMARY KEY, source TEXT, title TEXT, date TEXT, url TEXT, number INTEGER, language TEXT, text TEXT)")
        db.execute(
            "CREATE TABLE passages (id INTEGER PRIMARY KEY, issue_id TEXT, section TEXT, position INTEGER, start INTEGER, end INTEGER,"
            " text TEXT, embed_text TEXT, language TEXT, hash TEXT)"
        )
        db.execute("CREATE TABLE sentences (id INTEGER PRIMARY KEY, passage_id INTEGER, start INTEGER, end INTEGER)")
        db.executemany("INSERT INTO issues VALUES (?,?,?,?,?,?,?,?)", [(i.id, i.source, i.title, i.date, i.url, i.number, i.language, i.text) for i in issues])
        db.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(n, c.issue_id, c.section, c.position, c.start, c.end, c.text, c.embed_text, c.language, c.hash) for n, c in enumerate(chunks)],
        )
        db.executemany("INSERT INTO sentences VALUES (?,?,?,?)", [(n, *row) for n, row in enumerate(sentence_rows)])
    db.close()


def write_faiss(path: Path, vectors: np.ndarray, hnsw_threshold: int) -> str:
    """Exact inner product below the threshold, HNSW above it. Returns the index kind."""
    import faiss

    dim = vectors.shape[1]
    if len(vectors) < hnsw_threshold:
        index, kind = faiss.IndexFlatIP(dim), "flat-ip"
    else:
        index, kind = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT), "hnsw32-ip"
        index.hnsw.efConstruction = 200
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))
    return kind


def checksums(folder: Path) -> dict[str, str]:
    out = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        out[file.relative_to(folder).as_posix()] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out


def publish(index_dir: Path, tmp_build: Path, manifest: dict) -> Path:
    """Seal the build with its manifest, then make it the live one in one atomic step."""
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": checksums(tmp_build)}
    (tmp_build / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _fsync_tree(tmp_build)
    final = index_dir / tmp_build.name.replace(".tmp-", "", 1)
    os.rename(tmp_build, final)
    pointer = index_dir / f".{CURRENT}.tmp"
    with open(pointer, "w") as handle:
        handle.write(final.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    for old in index_dir.glob("build-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def current_build(index_dir: Path) -> Path:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        raise IndexMissing(f"no index in {index_dir} yet; build it with: python -m indexer rebuild --index {index_dir}")
    build = index_dir / pointer.read_text().strip()
    if not (build / "manifest.json").exists():
        raise IndexMismatch(f"the index in {index_dir} is damaged ({build.name} has no manifest); rebuild it: python -m indexer rebuild --index {index_dir}")
    return build


def read_manifest(index_dir: Path) -> dict:
    return json.loads((current_build(index_dir) / "manifest.json").read_text())


def verify(build: Path, manifest: dict, *, model: str | None) -> None:
    """Refuse a build whose files don't match its manifest, or that another model built."""
    fix = f"rebuild it: python -m indexer rebuild --index {build.parent}"
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(f"the index in {build.parent} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}; {fix}")
    actual = checksums(build)
    for name, digest in manifest["files"].items():
        if actual.get(name) != digest:
            problem = "is missing" if name not in actual else "does not match the manifest"
            raise IndexMismatch(f"the index file {build / name} {problem}; {fix}")
    built_with = manifest["embedder"]["model"]
    if model is not None and model != built_with:
        raise IndexMismatch(f"the index in {build.parent} was built with {built_with!r}, not {model!r}; {fix} --model {model}")


def _fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
