"""Writing synced issues into the archive: atomic writes, free names, the lock, leftovers of a killed sync.

Every file is written to a hidden temporary name beside its target and renamed over it
(`os.replace`), so a sync killed at any point (SIGKILL included) leaves each issue file either
absent, as it was, or whole. The sidecar is written before the issue file, the manifest after
both. A sync killed between the two renames leaves a sidecar without its issue: the next sync
removes it (`clear_orphans`, a sidecar sync wrote and no record names), then writes the post
again under the same name. Files are not fsynced one by one: a killed process loses nothing the
kernel already has, and a sync of 200 posts would spend seconds waiting on the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Container
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


from indexer.errors import IndexerError, InputError
from indexer.read import SUFFIXES
from indexer.read.meta import SIDECAR_SUFFIXES, checked_sidecar
from indexer.sync.post import WRITTEN_BY

SYNC_DIR = ".sync"
TMP_PREFIX = ".sync-tmp-"
_TRACKING = re.compile(r"(?:utm_\w*|fbclid|gclid|mc_cid|mc_eid|_hsenc|_hsmi|ref|ref_src|igshid)$", re.I)


class SyncLocked(IndexerError):
    """Another sync is writing into the same archive."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`."""
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise IndexerError(f"{path}: cannot write ({exc.strerror or exc}); what was written before stays") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str | None:
    """The sha256 of a file's bytes, None when it does not exist (or is no file)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_stem(archive: Path, stem: str, owned: Container[str], html: bytes) -> str:
    """`stem`, or `stem-2`, `stem-3`...: the first whose names no record owns and no other file
    takes (an issue file of any type with that stem, or its sidecar, would share the sidecar). Left
    by a killed sync, and so taken over: an issue file holding exactly `html`, a sidecar sync wrote."""
    for n in range(1, 1000):
        candidate = stem if n == 1 else f"{stem}-{n}"
        names = [candidate + suffix for suffix in (*SUFFIXES, *SIDECAR_SUFFIXES)]
        if any(name in owned for name in names):
            continue
        if all(_ours_or_absent(archive / name, html) for name in names):
            return candidate
    raise IndexerError(f"{archive}: no free file name for {stem}")


def _ours_or_absent(path: Path, html: bytes) -> bool:
    if not os.path.lexists(path):
        return True
    if path.name.endswith(".html"):
        return sha256_of(path) == sha256(html)
    return path.name.endswith(".meta.yaml") and _written_by_sync(path)


def _written_by_sync(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(len(WRITTEN_BY)) == WRITTEN_BY
    except OSError:
        return False


def clear_orphans(archive: Path, owned: Container[str]) -> list[str]:
    """Remove the sidecars sync wrote whose issue file is missing and that no record names (a sync
    killed between its two renames left them); returns their names."""
    removed = []
    for side in sorted(archive.glob("*.meta.yaml")):
        issue = side.with_name(side.name.removesuffix(".meta.yaml") + ".html")
        if side.name not in owned and not os.path.lexists(issue) and side.is_file() and _written_by_sync(side):
            side.unlink(missing_ok=True)
            removed.append(side.name)
    return removed


def hand_urls(archive: Path, ours: Container[str]) -> dict[str, str]:
    """{url: issue} for the issues not written by sync whose sidecar states a url: a post found at
    one of these URLs is already in the archive. (A sidecar that sync wrote but a killed sync did
    not record yet starts with WRITTEN_BY: its issue is taken over by `free_stem` instead.)"""
    found = {}
    for side in sorted(archive.rglob("*.meta.y*ml")):
        rel = side.relative_to(archive)
        if rel.as_posix() in ours or any(part.startswith(".") for part in rel.parts):
            continue
        try:  # read as the reader reads it (bounded, no aliases); one it refuses states nothing
            text = side.read_text(encoding="utf-8-sig")
            data = None if text.startswith(WRITTEN_BY) else checked_sidecar(text, side, side.name)
        except (OSError, UnicodeDecodeError, InputError):
            continue
        if isinstance(data, dict) and isinstance(data.get("url"), str) and data["url"]:
            found[normal_url(data["url"])] = rel.as_posix().split(".meta.")[0]
    return found


def normal_url(url: str) -> str:
    """A URL for comparing two of them: without fragment, tracking parameters (utm_*...) and trailing
    slash; the rest of its query is kept, as it may be what tells two posts apart (?p=1, ?p=2)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = "&".join(sorted(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=")[0])))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), query, ""))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def sync_lock(archive: Path):
    """Hold the archive's sync lock (and clear temporary files a killed sync left), or raise SyncLocked."""
    folder = Path(archive) / SYNC_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "lock", "a+")
    except OSError as exc:
        where = folder if not folder.is_dir() else folder / "lock"
        raise IndexerError(f"{where}: cannot use it for sync's lock ({exc.strerror or exc}); move it away and sync again") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SyncLocked(f"another sync is writing into {archive}; wait for it to finish, then try again") from None
    try:
        for stale in [*Path(archive).glob(f"{TMP_PREFIX}*"), *folder.glob(f"{TMP_PREFIX}*")]:
            stale.unlink(missing_ok=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
