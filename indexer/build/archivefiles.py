"""The archive files a build was read from (`archive/files.json` in the build), so that the next
rebuild can tell the files that have not changed without reading them again (issue 25).

Each file is recorded in reading order with its root, its path in it, its size, modification and
change times (ns), inode and device, its sha256 and its metadata sidecar's (the same), and what
reading it gave: the issue's id as read and as made unique, or the reason it was skipped.

A recorded file is unchanged when its size, times, inode and sidecar are the recorded ones: an edit
changes the ctime even when it keeps the size and sets the mtime back (`touch -d`), and no user can
set the ctime. A file whose times differ (touched, copied back, `git checkout`), and one written
within RACY_NS of the moment it was read (a second write could have kept its times, as in git's
"racy" entries), is hashed instead: unchanged when its sha256 is the recorded one. A file that
changed while it was read is recorded without a hash: never taken as unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

from indexer.read.meta import sidecar_path
from indexer.records import Issue, Skipped

FILES = "files.json"
VERSION = 1
RACY_NS = 2_000_000_000
_CODE = ("read/*.py", "records.py", "errors.py", "build/dedupe.py", "build/appendstate.py", "build/archivefiles.py")
_LIBRARIES = ("beautifulsoup4", "lxml", "PyYAML", "langdetect")

Record = dict  # one file, as saved in files.json


@functools.cache
def reader_stamp() -> str:
    """What decides what reading and fingerprinting a file gives besides its bytes: the code that
    does it (indexer/read, dedupe.py, ...), the libraries it calls and Python's Unicode tables.
    Any change to them makes the next rebuild read every file again."""
    import platform
    import unicodedata
    from importlib import metadata

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted({p for pattern in _CODE for p in package.glob(pattern)}):
        digest.update(f"{path.relative_to(package).as_posix()}\0".encode() + path.read_bytes())
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"\0{name}={version}".encode())
    digest.update(f"\0{platform.python_version()}\0{unicodedata.unidata_version}".encode())
    return digest.hexdigest()


class Recorder:
    """Reads files with `read(path, root)` and records each one (`records`, in reading order)."""

    def __init__(self, read: Callable[[Path, Path], Issue | Skipped]):
        self.read, self.records = read, []

    def __call__(self, path: Path, root: Path) -> Issue | Skipped:
        read_at = time.time_ns()
        before = _signature(path)
        outcome = self.read(path, root)
        steady = _stats(path) == _without_hashes(before) and before["sha"] is not None
        self.records.append({
            "root": str(root), "path": relative(path, root), "read_at": read_at,
            "file": before if steady else {**before, "sha": None},
            "issue": [outcome.id, outcome.id, outcome.source] if isinstance(outcome, Issue) else None,
            "skipped": [outcome.path, outcome.reason] if isinstance(outcome, Skipped) else None,
        })
        return outcome

    def name_issues(self, issues: list[Issue]) -> None:
        """Record the ids and sources `issues` (the issues read, in order) were given once made unique."""
        read = [r for r in self.records if r["issue"]]
        for record, issue in zip(read, issues, strict=True):
            record["issue"][1:] = [issue.id, issue.source]


def unchanged(record: Record, path: Path) -> Record | None:
    """`record` (its times brought up to date) when the file at `path` is the one it records,
    else None."""
    read_at = time.time_ns()
    kept = record["file"]
    if kept.get("sha") is None:
        return None
    racy = max(kept["mtime"], kept["ctime"], *((kept["side"] or {}).get(k, 0) for k in ("mtime", "ctime"))) >= record["read_at"] - RACY_NS
    if not racy and _stats(path) == _without_hashes(kept):
        return record
    again = _signature(path)
    if again["sha"] != kept["sha"] or again["side_sha"] != kept["side_sha"] or _stats(path) != _without_hashes(again):
        return None
    return {**record, "read_at": read_at, "file": again}


def save(folder: Path, stamp: str, records: list[Record]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # ASCII: a file name that is not UTF-8 (read as surrogates, then skipped) is written escaped
    (folder / FILES).write_text(json.dumps({"version": VERSION, "stamp": stamp, "files": records}, separators=(",", ":")),
                                encoding="ascii")


def load(folder: Path) -> tuple[str, list[Record]]:
    """(reader stamp, records); ValueError or OSError when missing or malformed."""
    saved = json.loads((folder / FILES).read_text(encoding="utf-8"))
    if not isinstance(saved, dict) or saved.get("version") != VERSION or not isinstance(saved.get("files"), list):
        raise ValueError("not a files record of this version")
    return saved["stamp"], saved["files"]


def _stat(path: Path) -> dict | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return {"size": info.st_size, "mtime": info.st_mtime_ns, "ctime": info.st_ctime_ns, "ino": info.st_ino, "dev": info.st_dev}


def _sha(path: Path) -> str | None:
    """The file's sha256, read a block at a time (an archive file may be far larger than an issue)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _stats(path: Path) -> dict:
    """The file's and its sidecar's stat."""
    side = sidecar_path(path)
    return {**(_stat(path) or {"size": None, "mtime": 0, "ctime": 0, "ino": None, "dev": None}),
            "side_name": side.name if side else None, "side": _stat(side) if side else None}


def _signature(path: Path) -> dict:
    """`_stats`, with the file's and its sidecar's sha256 (None where it cannot be read)."""
    stats = _stats(path)
    side = path.with_name(stats["side_name"]) if stats["side_name"] else None
    return {**stats, "sha": _sha(path), "side_sha": _sha(side) if side else None}


def _without_hashes(signature: dict) -> dict:
    return {k: v for k, v in signature.items() if k not in ("sha", "side_sha")}


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
