"""A built index, loaded once: passages and issues in memory, FAISS vectors, BM25, sentence vectors."""

from __future__ import annotations

import re

import sqlite3
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer.build.embed import model_id_for
from indexer.errors import IndexerError, IndexMismatch
from indexer.text.lexical import LexicalIndex
from indexer.text.query import mentions
from indexer.records import Chunk, IssueInfo, Link
from indexer.build.addonly import ARCHIVE
from indexer.build.store import current_build, load_manifest, verify


@dataclass
class Index:
    path: Path  # the build folder
    manifest: dict
    issues: dict[str, IssueInfo]
    passages: list[Chunk]
    dense: object  # faiss.Index
    lexical: LexicalIndex
    sentence_spans: np.ndarray  # (n, 3): passage id, start, end (offsets into the issue text)
    sentence_vectors: np.ndarray  # (n, dim)

    @property
    def model(self) -> str:
        return self.manifest["embedder"]["model"]

    def __len__(self) -> int:
        return len(self.passages)

    def sentences_of(self, passage_id: int) -> range:
        """Rows of `sentence_spans` / `sentence_vectors` that belong to a passage."""
        column = self.sentence_spans[:, 0]
        return range(int(np.searchsorted(column, passage_id, "left")), int(np.searchsorted(column, passage_id, "right")))

    @cached_property
    def columns(self) -> dict[str, np.ndarray]:
        """Per-passage issue id, language and issue date, as arrays for filtering."""
        return {
            "issue": np.array([p.issue_id for p in self.passages], dtype=object),
            "language": np.array([p.language for p in self.passages], dtype=object),
            "date": np.array([self.issues[p.issue_id].date or "" for p in self.passages], dtype=object),
            "domains": np.array([frozenset(link.domain for link in p.links) for p in self.passages], dtype=object),
        }


def open_index(index_dir: Path, *, model: str | None = None, attempts: int = 3) -> Index:
    """Load and verify the live build in `index_dir`.

    Raises IndexMissing when nothing was built yet, IndexMismatch when the files don't match
    the manifest, the index is damaged, or `model` is not the model it was built with. An open
    that races a rebuild's swap (the build it started on was replaced meanwhile) starts again."""
    index_dir = Path(index_dir)
    for attempt in range(attempts):
        build = None
        try:
            build = current_build(index_dir)
            return _load(build, model)
        except (IndexMismatch, OSError, RuntimeError, ValueError, sqlite3.Error) as exc:
            if attempt + 1 < attempts and (build is None or _swapped(index_dir, build)):
                continue
            if isinstance(exc, IndexMismatch):
                raise
            raise IndexMismatch(f"the index in {index_dir} cannot be read ({type(exc).__name__}: {_first_line(exc)}); "
                                f"rebuild it: python -m indexer rebuild --index {index_dir}") from exc
    raise AssertionError("unreachable")


def _swapped(index_dir: Path, build: Path) -> bool:
    try:
        return current_build(index_dir) != build
    except IndexerError:
        return False


def _load(build: Path, model: str | None) -> Index:
    import faiss

    manifest = load_manifest(build)
    verify(build, manifest, model=model_id_for(model) if model else None, skip=(ARCHIVE,))  # only the next rebuild reads archive/
    db = sqlite3.connect(f"file:{build / 'passages.sqlite'}?mode=ro", uri=True)
    try:
        issues = {row[0]: IssueInfo(*row) for row in db.execute("SELECT id, source, title, date, url, number, language, text FROM issues")}
        links = _links(db)
        passages = [
            Chunk(*row[1:], links=links.get(row[0], ()))
            for row in db.execute("SELECT id, issue_id, section, position, start, end, text, embed_text, language, hash FROM passages ORDER BY id")
        ]
        spans = np.array(list(db.execute("SELECT passage_id, start, end FROM sentences ORDER BY id")), dtype=np.int64).reshape(-1, 3)
    finally:
        db.close()
    dense = faiss.read_index(str(build / "vectors.faiss"))
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = 128
    return Index(
        path=build,
        manifest=manifest,
        issues=issues,
        passages=passages,
        dense=dense,
        lexical=LexicalIndex.load(build / "bm25"),
        sentence_spans=spans,
        sentence_vectors=np.load(build / "sentences.npy"),
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:160]


def _links(db: sqlite3.Connection) -> dict[int, tuple[Link, ...]]:
    """Outbound links per passage id (none for a build made before links were kept)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'links'").fetchone():
        return {}
    out: dict[int, list[Link]] = {}
    for passage, url, text, domain in db.execute("SELECT passage_id, url, text, domain FROM links ORDER BY passage_id, position"):
        out.setdefault(passage, []).append(Link(url, text, domain))
    return {k: tuple(v) for k, v in out.items()}


def passages_naming(index: Index, form: str):
    """The ids of the passages that mention a name's folded form as written (`text.query.mentions`),
    looked for among the passages holding its rarest part (the lexical index's postings)."""
    parts = [p for p in re.split(r"[-.\s]", form) if p]
    if not parts:
        return
    rarest = min(parts, key=index.lexical.document_frequency)
    for i in index.lexical.passages_with(rarest):
        p = index.passages[int(i)]
        if mentions(f"{p.section}\n{p.text}", form):
            yield int(i)
