"""Writing synced issues into the archive, and the manifest that remembers them.

Every file is written to a hidden temporary name beside its target and renamed over it
(`os.replace`), so a sync killed at any point (SIGKILL included) leaves each issue file either
absent, as it was, or whole. The sidecar is written before the issue file, the manifest after
both. Files are not fsynced one by one: a killed process loses nothing the kernel already has,
and a sync of 200 posts would spend seconds waiting on the disk.

`archive/.sync/manifest.json` (hidden: the indexer never reads it) records, per issue key,
its file names, their sha256 as last written, the listing's fingerprint and the source. A file
whose bytes match neither what sync last wrote nor what it would write now was edited by
hand, and is left alone; so is a file that was deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from indexer.errors import IndexerError
from indexer.sync.post import WRITTEN_BY

SYNC_DIR = ".sync"
MANIFEST = "manifest.json"
FORMAT = 1
_TMP_PREFIX = ".sync-tmp-"
SAVE_EVERY = 1.0  # seconds between two saves of the manifest during a sync


class SyncLocked(IndexerError):
    """Another sync is writing into the same archive."""


@dataclass
class Record:
    """What the manifest keeps of one synced issue."""

    file: str  # the issue file, relative to the archive
    sidecar: str
    sha256: str  # of the issue file as sync last wrote it
    sidecar_sha256: str
    fingerprint: str | None  # the listing's fingerprint of the post
    source: str  # the source's name ("feed https://...")
    url: str | None
    title: str
    synced_at: str


class Manifest:
    """The records of one archive, loaded at start; `changed()` saves at most once a second
    (a large first sync would otherwise rewrite it once per post), `flush()` saves what is left.
    A sync killed in between left files the manifest does not name yet: `free_stem` takes them
    over when they hold what sync would write."""

    def __init__(self, archive: Path):
        self.archive = Path(archive)
        self.path = self.archive / SYNC_DIR / MANIFEST
        try:
            data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {}
            self.records: dict[str, Record] = {k: Record(**v) for k, v in data.get("issues", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise IndexerError(f"{self.path}: the sync manifest cannot be read ({exc}); move it away to start afresh "
                               "(synced files are then taken for hand-made ones and kept)") from None
        self.states: dict[str, dict] = data.get("sources", {})
        self.by_hand = hand_urls(self.archive, self.files())
        self._dirty, self._saved = False, time.monotonic()

    def changed(self) -> None:
        self._dirty = True
        if time.monotonic() - self._saved >= SAVE_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._dirty:
            self.save()

    def find(self, key: str, url: str | None) -> tuple[str, Record] | None:
        """The record of this issue, by its key, else by its URL (the same post from another source)."""
        if key in self.records:
            return key, self.records[key]
        if url:
            for other, record in self.records.items():
                if record.url and normal_url(record.url) == normal_url(url):
                    return other, record
        return None

    def files(self) -> set[str]:
        return {name for r in self.records.values() for name in (r.file, r.sidecar)}

    def save(self) -> None:
        data = {"format": FORMAT, "issues": {k: asdict(r) for k, r in sorted(self.records.items())}, "sources": self.states}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        self._dirty, self._saved = False, time.monotonic()


def hand_urls(archive: Path, ours: set[str]) -> dict[str, str]:
    """{url: issue} for the issues not written by sync whose sidecar states a url: a post found at
    one of these URLs is already in the archive. (A sidecar that sync wrote but a killed sync did
    not record yet starts with WRITTEN_BY: its issue is taken over by `free_stem` instead.)"""
    found = {}
    for side in sorted(archive.rglob("*.meta.y*ml")):
        rel = side.relative_to(archive)
        if rel.as_posix() in ours or any(part.startswith(".") for part in rel.parts):
            continue
        try:
            text = side.read_text(encoding="utf-8-sig")
            data = None if text.startswith(WRITTEN_BY) else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and data.get("url"):
            found[normal_url(str(data["url"]))] = rel.as_posix().split(".meta.")[0]
    return found


def normal_url(url: str) -> str:
    """A URL without query, fragment and trailing slash, for comparing two of them."""
    return url.strip().split("#")[0].split("?")[0].rstrip("/")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise IndexerError(f"{path}: cannot write ({exc.strerror or exc}); what was written before stays") from None
    finally:
        tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str | None:
    """The sha256 of a file's bytes, None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_stem(archive: Path, stem: str, ours: set[str], html: bytes) -> str:
    """`stem`, or `stem-2`, `stem-3`...: the first whose issue file and sidecar are not taken by a
    file sync does not own. A file already holding exactly `html` (left by a sync killed before
    it saved the manifest) is taken over."""
    for n in range(1, 1000):
        candidate = stem if n == 1 else f"{stem}-{n}"
        issue, side = archive / f"{candidate}.html", archive / f"{candidate}.meta.yaml"
        taken = [p for p in (issue, side) if p.exists() and p.name not in ours]
        if not taken or (issue.exists() and sha256_of(issue) == sha256(html)):
            return candidate
    raise IndexerError(f"{archive}: no free file name for {stem}")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def sync_lock(archive: Path):
    """Hold the archive's sync lock (and clear temporary files a killed sync left), or raise SyncLocked."""
    folder = Path(archive) / SYNC_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / "lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SyncLocked(f"another sync is writing into {archive}; wait for it to finish, then try again") from None
    try:
        for stale in [*Path(archive).glob(f"{_TMP_PREFIX}*"), *folder.glob(f"{_TMP_PREFIX}*")]:
            stale.unlink(missing_ok=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
