"""The index folder: builds written beside the live one and swapped in atomically.

    INDEX/
      CURRENT              name of the live build (replaced atomically with os.replace)
      build-*/             manifest.json, inputs.json, passages.sqlite, vectors.faiss, sentences.npy, bm25/, archive/
      embeddings.sqlite    the embedding cache, shared by builds
      chunks.sqlite        the chunk cache (indexer/build/chunkcache.py)
      .lock                held by a rebuild (fcntl; released by the kernel if the process dies)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.errors import IndexLocked, IndexMismatch, IndexMissing

if TYPE_CHECKING:  # numpy only where vectors are written: the page's title reads CURRENT without it (0.2 s)
    import numpy as np

FORMAT_VERSION = 1
CURRENT = "CURRENT"
GRACE_SECONDS = 600  # a superseded build is kept this long for readers that are still opening it
_BUILD_NAME = re.compile(r"build-[A-Za-z0-9_-]{1,100}")
_MANIFEST_KEYS = {"format_version": int, "files": dict, "embedder": dict, "counts": dict}


@contextmanager
def rebuild_lock(index_dir: Path):
    """Hold the index's rebuild lock, or raise IndexLocked naming the holder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        handle = open(index_dir / ".lock", "a+")
    except OSError as exc:
        raise IndexLocked(f"cannot open the lock file {index_dir / '.lock'} ({exc.strerror or exc}); remove it and try again") from exc
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
        db.execute("CREATE TABLE links (passage_id INTEGER, position INTEGER, url TEXT, text TEXT, domain TEXT)")
        db.execute("CREATE INDEX links_domain ON links (domain)")
        _insert_rows(db, issues, chunks, sentence_rows)
    db.close()


def append_sqlite(previous: Path, path: Path, issues, chunks, sentence_rows) -> None:
    """A copy of the `previous` build's passages.sqlite with rows added after its own: passage ids
    go on from its last passage, sentence ids from its last sentence (`sentence_rows` name their
    passages by number among `chunks`). The previous file is only read."""
    shutil.copyfile(previous, path)
    db = sqlite3.connect(path)
    with db:
        passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        _insert_rows(db, issues, chunks, [(passages + n, s, e) for n, s, e in sentence_rows], passages, sentences)
    db.close()


def _insert_rows(db: sqlite3.Connection, issues, chunks, sentence_rows, first_passage: int = 0, first_sentence: int = 0) -> None:
    db.executemany("INSERT INTO issues VALUES (?,?,?,?,?,?,?,?)", [(i.id, i.source, i.title, i.date, i.url, i.number, i.language, i.text) for i in issues])
    db.executemany(
        "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(first_passage + n, c.issue_id, c.section, c.position, c.start, c.end, c.text, c.embed_text, c.language, c.hash)
         for n, c in enumerate(chunks)],
    )
    db.executemany("INSERT INTO sentences VALUES (?,?,?,?)", [(first_sentence + n, *row) for n, row in enumerate(sentence_rows)])
    db.executemany("INSERT INTO links VALUES (?,?,?,?,?)",
                   [(first_passage + n, p, link.url, link.text, link.domain) for n, c in enumerate(chunks) for p, link in enumerate(c.links)])


def write_faiss(path: Path, vectors: np.ndarray, hnsw_threshold: int) -> str:
    """Exact inner product below the threshold, HNSW above it. Returns the index kind."""
    import faiss
    import numpy as np

    dim = vectors.shape[1]
    if len(vectors) < hnsw_threshold:
        index, kind = faiss.IndexFlatIP(dim), "flat-ip"
    else:
        index, kind = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT), "hnsw32-ip"
        index.hnsw.efConstruction = 200
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))
    return kind


def append_faiss(previous: Path, path: Path, vectors: np.ndarray) -> int:
    """The `previous` build's exact (flat) index with `vectors` added after its own, written to
    `path`: the same file a build of all the vectors at once writes. Returns the total count."""
    import faiss
    import numpy as np

    index = faiss.read_index(str(previous))
    if not isinstance(index, faiss.IndexFlatIP) or index.d != vectors.shape[1]:
        raise ValueError(f"{previous} is not an exact inner-product index of dimension {vectors.shape[1]}")
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))
    return int(index.ntotal)


def checksums(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of each file under `folder` but the manifest and the top-level folders named in `skip`."""
    out = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"
                       and p.relative_to(folder).parts[0] not in skip):
        out[file.relative_to(folder).as_posix()] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out


def publish(index_dir: Path, tmp_build: Path, manifest: dict) -> Path:
    """Seal the build with its manifest, then make it the live one in one atomic step."""
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": checksums(tmp_build)}
    (tmp_build / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _fsync_tree(tmp_build)
    final = index_dir / tmp_build.name.replace(".tmp-", "", 1)
    os.rename(tmp_build, final)
    previous = _pointed(index_dir)
    pointer = index_dir / f".{CURRENT}.tmp"
    with open(pointer, "w") as handle:
        handle.write(final.name)
        handle.flush()
        os.fsync(handle.fileno())
    live = index_dir / CURRENT
    if live.is_dir() and not live.is_symlink():  # a damaged pointer: a folder where a file belongs
        shutil.rmtree(live)
    os.replace(pointer, live)
    _fsync_dir(index_dir)
    if previous is not None and previous.is_dir() and previous != final:
        os.utime(previous)  # the moment it was superseded: removed GRACE_SECONDS later
    _remove_superseded(index_dir, keep={final, previous})
    return final


def _remove_superseded(index_dir: Path, *, keep: set, grace: float | None = None) -> None:
    """Remove old builds once superseded for `grace` seconds (GRACE_SECONDS): a reader that read
    CURRENT just before a swap can still open the build it names (`open_index` retries one that raced)."""
    grace = GRACE_SECONDS if grace is None else grace
    now = time.time()
    for old in index_dir.glob("build-*"):
        try:
            if old not in keep and now - old.stat().st_mtime > grace:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _pointed(index_dir: Path) -> Path | None:
    """The build CURRENT names, or None when there is none or it is damaged."""
    try:
        return current_build(index_dir, check_manifest=False)
    except (IndexMissing, IndexMismatch):
        return None


def current_build(index_dir: Path, *, check_manifest: bool = True) -> Path:
    """The live build folder named by CURRENT. Raises IndexMissing when nothing was built yet and
    IndexMismatch, with the command to rebuild, when the pointer or its build is damaged."""
    index_dir = Path(index_dir)
    fix = f"rebuild it: python -m indexer rebuild --index {index_dir}"
    pointer = index_dir / CURRENT
    if not pointer.exists() and not pointer.is_symlink():
        raise IndexMissing(f"no index in {index_dir} yet; build it with: python -m indexer rebuild --index {index_dir}")
    try:
        with open(pointer, "rb") as handle:
            raw = handle.read(256)
        name = raw.decode("ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a build name"
        raise IndexMismatch(f"the index pointer {pointer} is damaged ({problem}); {fix}") from exc
    if not _BUILD_NAME.fullmatch(name):
        raise IndexMismatch(f"the index pointer {pointer} is damaged (it does not name a build); {fix}")
    build = index_dir / name
    if check_manifest and not (build / "manifest.json").is_file():
        raise IndexMismatch(f"the index in {index_dir} is damaged ({build.name} has no manifest); {fix}")
    return build


def load_manifest(build: Path) -> dict:
    """The build's manifest.json, or IndexMismatch (with the rebuild command) when it is damaged."""
    path = build / "manifest.json"
    fix = f"rebuild it: python -m indexer rebuild --index {build.parent}"
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        raise IndexMismatch(f"the index manifest {path} is damaged ({_first_line(exc)}); {fix}") from exc
    if not isinstance(manifest, dict):
        raise IndexMismatch(f"the index manifest {path} is damaged (not a JSON object); {fix}")
    for key, kind in _MANIFEST_KEYS.items():
        if not isinstance(manifest.get(key), kind):
            raise IndexMismatch(f"the index manifest {path} is damaged ({key!r} missing or not {kind.__name__}); {fix}")
    if not isinstance(manifest["embedder"].get("model"), str) or not all(isinstance(v, str) for v in manifest["files"].values()):
        raise IndexMismatch(f"the index manifest {path} is damaged (embedder or files malformed); {fix}")
    return manifest


def read_manifest(index_dir: Path) -> dict:
    return load_manifest(current_build(index_dir))


def check_index(index_dir: Path) -> dict:
    """The live build's manifest, once every file has been checked against it (IndexMismatch if not)."""
    build = current_build(index_dir)
    manifest = load_manifest(build)
    verify(build, manifest, model=None)
    return manifest


def verify(build: Path, manifest: dict, *, model: str | None, skip: tuple[str, ...] = ()) -> None:
    """Refuse a build whose files don't match its manifest, or that another model built; the
    top-level folders in `skip` are not checked (a reader that never opens them)."""
    fix = f"rebuild it: python -m indexer rebuild --index {build.parent}"
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(f"the index in {build.parent} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}; {fix}")
    try:
        actual = checksums(build, skip)
    except OSError as exc:
        raise IndexMismatch(f"the index in {build.parent} cannot be read ({exc.strerror or exc}: {exc.filename}); {fix}") from exc
    for name, digest in manifest["files"].items():
        if name.split("/", 1)[0] not in skip and actual.get(name) != digest:
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


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
