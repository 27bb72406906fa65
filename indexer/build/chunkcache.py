"""Chunk cache: each issue's passages (with their language) and sentence spans, keyed by what decides them.

A warm rebuild reads every file, but chunks (counts tokens, detects languages, finds sentences) only
the issues that are new or changed. What else it would redo for every issue is remembered too
(`ChunkCache.remembered`): each issue's language, its boilerplate fingerprint (dedupe.py) and each
passage's BM25 terms (lexical.py). The key of an issue hashes its text, sections and metadata, the
chunk settings, the token counter's model and limit, and CHUNKER_VERSION (bump it when chunk.py,
sentences.py or language detection change what they return). The cache is `chunks.sqlite` in the
index folder, beside the embedding cache; one that is damaged is set aside and rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from indexer.build.cache import open_or_set_aside
from indexer.build.chunk import embed_text
from indexer.records import Chunk, Issue
from indexer.text.sentences import sentence_spans

CHUNKER_VERSION = 4  # 3: giant sentences cut in linear time (chunk._cut); 4: merged passages titled after their first item
Span = tuple[int, int]
T = TypeVar("T")


@dataclass(frozen=True)
class Chunked:
    """One issue cut into passages, and each passage's sentence spans (offsets into Issue.text)."""

    chunks: tuple[Chunk, ...]
    sentences: tuple[tuple[Span, ...], ...]


def chunk_cached(
    cache: "ChunkCache", issues: Sequence[Issue], chunk: Callable[[Issue], list[Chunk]], *, settings: dict,
    keep_others: bool = False,
) -> tuple[list[Chunked], int]:
    """Each issue's Chunked, in order, calling `chunk` only for issues not in the cache.

    `settings` is everything besides the issue that decides what `chunk` returns (chunk settings,
    token counter model and limit). Returns (per issue, number of issues chunked afresh). Entries
    not used by this call are dropped from the cache, unless `keep_others` (`issues` are only the
    issues added to an archive, issue 25)."""
    salt = json.dumps({"version": CHUNKER_VERSION, **settings}, sort_keys=True, default=str)
    keys = [issue_key(issue, salt) for issue in issues]
    found = cache.get(keys)
    out, fresh = [], {}
    for issue, key in zip(issues, keys):
        rows = found.get(key)
        done = _restore(issue, rows) if rows is not None else None
        if done is None:
            chunks = chunk(issue)
            done = Chunked(tuple(chunks), tuple(tuple(sentence_spans(issue.text[c.start : c.end], c.start)) for c in chunks))
            fresh[key] = _rows(done)
        out.append(done)
    cache.put(fresh)
    if not keep_others:
        cache.keep_only(keys)
    return out, len(fresh)


def issue_key(issue: Issue, salt: str) -> str:
    fields = [issue.id, issue.source, issue.title, issue.date, issue.url, issue.number, issue.language,
              [[s.title, s.text, s.parent] for s in issue.sections]]
    return hashlib.sha256((salt + "\n" + json.dumps(fields, ensure_ascii=False)).encode("utf-8")).hexdigest()


def _rows(done: Chunked) -> list:
    return [[c.section, c.start, c.end, c.language, [list(s) for s in spans]] for c, spans in zip(done.chunks, done.sentences)]


def _restore(issue: Issue, rows: list) -> Chunked | None:
    """The Chunked of a cache entry (text, context and hash recomputed from the issue), None if malformed."""
    text = issue.text
    try:
        chunks, sentences = [], []
        for position, (section, start, end, language, spans) in enumerate(rows):
            body = text[start:end]
            full = embed_text(issue.title, section, body)
            chunks.append(Chunk(issue.id, section, position, start, end, body, full, language,
                                hashlib.sha256(full.encode("utf-8")).hexdigest()))
            sentences.append(tuple((int(s), int(e)) for s, e in spans))
    except (TypeError, ValueError):
        return None
    return Chunked(tuple(chunks), tuple(sentences))


class ChunkCache:
    """Issue key -> its passages as JSON, and remembered results of pure functions of text
    (`remembered`), in SQLite. Only the rebuild holding the index's lock uses it."""

    FLUSH = 256  # remembered results are written in batches: a killed rebuild loses at most this many

    def __init__(self, path: Path):
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS issues (key TEXT PRIMARY KEY, chunks TEXT)")
        self._db.execute("CREATE TABLE IF NOT EXISTS memo (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
        self._db.execute("DROP TABLE IF EXISTS languages")  # CHUNKER_VERSION 1 kept languages apart
        self._memo: dict[str, dict[str, bytes]] = {}
        self._seen: dict[str, set[str]] = {}
        self._pending: list[tuple[str, str, bytes]] = []

    @classmethod
    def open(cls, path: Path) -> tuple["ChunkCache", str | None]:
        """The cache at `path`, and a warning when it was damaged (see `cache.open_or_set_aside`)."""
        return open_or_set_aside(cls, path, "chunk cache", "issues are chunked afresh")

    def close(self) -> None:
        self._flush()
        self._db.close()

    def remembered(self, kind: str, compute: Callable[..., T], *, encode: Callable[[T], bytes],
                   decode: Callable[[bytes], T], key: Callable[..., str] = lambda *args: "\x00".join(args)) -> Callable[..., T]:
        """`compute`, remembered across rebuilds: its result is kept under a hash of `kind`,
        CHUNKER_VERSION and `key(*args)` (by default the arguments, strings), so that result must
        depend on nothing else. Results not asked for by this rebuild are dropped by `prune`."""
        if kind not in self._memo:
            self._memo[kind] = dict(self._db.execute("SELECT key, value FROM memo WHERE kind = ?", (kind,)))
            self._seen[kind] = set()
        known, seen = self._memo[kind], self._seen[kind]

        def call(*args) -> T:
            digest = hashlib.sha256(f"{CHUNKER_VERSION}\x00{kind}\x00{key(*args)}".encode("utf-8")).hexdigest()
            seen.add(digest)
            if digest in known:
                try:
                    return decode(known[digest])
                except (TypeError, ValueError, IndexError):
                    pass  # a damaged entry is computed again
            value = compute(*args)
            known[digest] = encode(value)
            self._pending.append((kind, digest, known[digest]))
            if len(self._pending) >= self.FLUSH:
                self._flush()
            return value

        return call

    def languages(self, detect: Callable[[str], str]) -> Callable[[str], str]:
        """`detect` (a text's language code), remembered."""
        return self.remembered("language", detect, encode=str.encode, decode=bytes.decode)

    def get(self, keys: Sequence[str]) -> dict[str, list]:
        found: dict[str, list] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            for key, value in self._db.execute(f"SELECT key, chunks FROM issues WHERE key IN ({','.join('?' * len(part))})", part):
                try:
                    found[key] = json.loads(value)
                except (TypeError, ValueError):
                    continue  # a damaged entry is chunked afresh
        return found

    def put(self, entries: dict[str, list]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO issues VALUES (?, ?)",
                                 [(k, json.dumps(v, ensure_ascii=False)) for k, v in entries.items()])

    def keep_only(self, keys: Sequence[str]) -> None:
        """Drop the entries of issues that are gone or changed."""
        with self._db:
            self._delete_except("issues", keys)

    def prune(self) -> None:
        """Drop remembered results of each kind used since opening that were not asked for (call it
        once a rebuild has succeeded: what a failed one did not reach is kept)."""
        self._flush()
        with self._db:
            for kind, seen in self._seen.items():
                self._delete_except("memo", seen, "kind = ?", (kind,))

    def _delete_except(self, table: str, keys, where: str = "1", params: tuple = ()) -> None:
        """Delete the rows of `table` (matching `where`) whose key is not in `keys`; the caller commits."""
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM kept")
        self._db.executemany("INSERT OR IGNORE INTO kept VALUES (?)", [(k,) for k in keys])
        self._db.execute(f"DELETE FROM {table} WHERE {where} AND key NOT IN (SELECT key FROM kept)", params)

    def _flush(self) -> None:
        if self._pending:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?, ?)", self._pending)
            self._pending.clear()
