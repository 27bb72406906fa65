"""Whether a rebuild can append to the live build instead of building whole (issue 25), and what a
build keeps so that the next rebuild can tell: `inputs.json` (the settings and each issue read, as
the chunk cache's key) and `archive/` (addonly.py: the files read, their boilerplate and passages)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.build import archivefiles
from indexer.build.addonly import ARCHIVE
from indexer.build.appendstate import AppendState
from indexer.build.chunkcache import Chunked
from indexer.build.store import current_build, load_manifest, verify
from indexer.config import Config
from indexer.errors import IndexerError
from indexer.records import Issue
from indexer.text.lexical import TermCounts, TermsMissing

INPUTS = "inputs.json"  # in a build: what it was built from, so that the next rebuild can tell an append


@dataclass(frozen=True)
class AppendPlan:
    previous: Path  # the live build, checked against its manifest
    manifest: dict
    first_new: int  # issues[first_new:] are appended


def live_inputs(index_dir: Path, settings: dict) -> tuple[Path, dict, dict] | None:
    """(the live build, its inputs.json, its manifest) when it was built with these `settings` and
    says which issues it was read from; None otherwise (no live build, an older one, other settings)."""
    try:
        previous = current_build(index_dir)
        before = json.loads((previous / INPUTS).read_text(encoding="utf-8"))
        manifest = load_manifest(previous)
    except (IndexerError, OSError, ValueError):
        return None
    if not isinstance(before, dict) or before.get("version") != 1 or before.get("settings") != settings \
            or not isinstance(before.get("issues"), list):
        return None
    return previous, before, manifest


def append_plan(index_dir: Path, issues: list[Issue], chunked: list[Chunked], inputs: dict, config: Config) -> AppendPlan | None:
    """An append when the live build was built, with these settings, from exactly issues[:k] and
    issues[k:] are new issues that fold with no other; None (a full build) otherwise."""
    live = live_inputs(index_dir, inputs["settings"])
    if live is None:
        return None
    previous, before, manifest = live
    known = before["issues"]
    k = len(known)
    if not 0 < k < len(issues) or inputs["issues"][:k] != known:
        return None
    if folds_with_another(issues, chunked, k):
        return None
    return appendable(previous, manifest, sum(len(done.chunks) for done in chunked[k:]), k, config, inputs["settings"]["model"])


def appendable(previous: Path, manifest: dict, new_passages: int, first_new: int, config: Config, model: str) -> AppendPlan | None:
    """The plan to append `new_passages` to the live build `previous`, when it is an exact index that
    stays under the HNSW threshold and its files match its manifest; else None."""
    counts = manifest.get("counts", {})
    if manifest.get("faiss") != "flat-ip" or not isinstance(counts.get("passages"), int) or \
            counts["passages"] + new_passages >= config.hnsw_threshold:
        return None  # an HNSW graph built in two steps is not the one built in one: rebuilt whole
    try:
        verify(previous, manifest, model=model)
        TermCounts.load(previous / "bm25")
    except (IndexerError, TermsMissing, OSError, ValueError):
        return None
    return AppendPlan(previous, manifest, first_new)


def folds_with_another(issues: list[Issue], chunked: list[Chunked], first_new: int) -> bool:
    """Whether a new issue (issues[first_new:]) shares a passage or a date with another issue: only
    such a pair can be folded (`versions._candidate_pairs`), so otherwise the issues a full build
    keeps are the live build's and the new ones."""
    keys = [{c.hash for c in done.chunks} | ({("date", issue.date)} if issue.date else set()) for issue, done in zip(issues, chunked)]
    holders = Counter(key for own in keys for key in own)
    return any(holders[key] > 1 for own in keys[first_new:] for key in own)


def write_archive(build: Path, state: tuple[list[archivefiles.Record], AppendState] | None) -> None:
    """What the build was read from (addonly.py), when the caller gives it (`rebuild` does)."""
    if state is not None:
        archivefiles.save(build / ARCHIVE, archivefiles.reader_stamp(), state[0])
        state[1].save(build / ARCHIVE)


def has_archive_state(index_dir: Path) -> bool:
    try:
        return (current_build(index_dir) / ARCHIVE / archivefiles.FILES).is_file()
    except IndexerError:
        return False
