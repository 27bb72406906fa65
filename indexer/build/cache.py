"""Embedding cache: vectors keyed by (model, content hash), in SQLite beside the index builds.

Each batch is committed as soon as it is embedded, so a rebuild that is killed
keeps the work it had done and the next one picks it up.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]


class EmbeddingCache:
    def __init__(self, path: Path):
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))")

    @classmethod
    def open(cls, path: Path) -> tuple["EmbeddingCache", str | None]:
        """The cache at `path`, and a warning when it was damaged (see `open_or_set_aside`)."""
        return open_or_set_aside(cls, path, "embedding cache", "embeddings are computed afresh")

    def close(self) -> None:
        self._db.close()

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float32 bytes) of those `hashes` the cache holds."""
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({','.join('?' * len(part))})", [model, *part]
            )
            found.update(rows)
        return found

    def put(self, model: str, items: dict[str, bytes]) -> None:
        """Store vectors given as float32 bytes."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(model, h, v) for h, v in items.items()])


def embed_cached(
    cache: EmbeddingCache,
    model: str,
    texts: Sequence[str],
    hashes: Sequence[str],
    embed: Embed,
    *,
    batch_size: int = 32,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (rows in order), embedding only the hashes not cached yet.

    Returns (vectors, number newly embedded). `on_batch(done, todo)` is called before the first
    batch to embed (done = 0) and after each embedded batch."""
    known = cache.get(model, hashes)
    todo = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in known]
    if todo and on_batch:
        on_batch(0, len(todo))  # the stage has begun: a progress bar shows at once, not after the first batch
    for i in range(0, len(todo), batch_size):
        batch = todo[i : i + batch_size]
        vectors = embed([t for _, t in batch])
        fresh = {h: np.asarray(v, dtype=np.float32).tobytes() for (h, _), v in zip(batch, vectors)}
        cache.put(model, fresh)
        known.update(fresh)
        if on_batch:
            on_batch(i + len(batch), len(todo))
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32), 0
    rows = [known[h] for h in hashes]
    if len({len(r) for r in rows}) != 1:
        raise ValueError("the embedding cache holds vectors of different sizes for one model")
    return np.frombuffer(b"".join(rows), dtype=np.float32).reshape(len(rows), -1).copy(), len(todo)


def open_or_set_aside(cls, path: Path, what: str, consequence: str):
    """`cls(path)` for a SQLite cache, and a warning when the file was damaged: then it is set aside
    (renamed) and a new, empty one is used; a cache is only a cache, so the rebuild goes on."""
    try:
        cache = cls(path)
        if cache._db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            cache.close()
            raise sqlite3.DatabaseError("quick_check failed")
        return cache, None
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
        path.rename(aside)
        for extra in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + extra).unlink(missing_ok=True)
        return cls(path), f"the {what} {path} was damaged ({exc}); set aside as {aside.name}, {consequence}"
