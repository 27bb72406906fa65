"""Writing synced issues into the archive: atomic writes, free names, the lock, leftovers of a killed sync.

Every file is written to a hidden temporary name beside its target and renamed over it
(`os.replace`, which replaces a link rather than writing through it), so a sync killed at any
point (SIGKILL included) leaves each issue file either absent, as it was, or whole. Before a new
post's two files are written, their name is appended to `.sync/journal`; the sidecar is written
before the issue file, the manifest after both, and the journal is emptied once the manifest is
saved. A sync killed in between left files the manifest does not name: the next sync adopts a
pair (the sidecar names its source and key, see `post.render`) and removes a journaled sidecar
left without its issue (`clear_orphans`). A sidecar not in the journal is never removed, even one
that starts with sync's comment line. Files are read through `open_regular`: never through a
link, never a FIFO or a device (which would block). Files are not fsynced one by one: a killed
process loses nothing the kernel already has.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import itertools
import os
import re
import stat
from collections.abc import Container
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


import yaml

from indexer.errors import IndexerError, InputError
from indexer.read import SUFFIXES
from indexer.read.meta import MAX_META_CHARS, SIDECAR_SUFFIXES, checked_sidecar
from indexer.sync.post import SYNC_KEY, SYNC_SOURCE, WRITTEN_BY

SYNC_DIR = ".sync"
JOURNAL = "journal"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TMP_PREFIX = ".sync-tmp-"
_TRACKING = re.compile(r"(?:utm_\w*|fbclid|gclid|mc_cid|mc_eid|_hsenc|_hsmi|ref|ref_src|igshid)$", re.I)


class SyncLocked(IndexerError):
    """Another sync is writing into the same archive."""


class WriteFailed(IndexerError):
    """A file of the archive (an issue, a sidecar, the manifest) could not be written."""


class NotRegular(OSError):
    """A path that is a link, a FIFO, a device or a folder where sync expects a plain file."""


def open_regular(path: Path):
    """A binary file object on the regular file at `path`: never through a symbolic link, never a
    FIFO or a device (opened without blocking, then checked), else NotRegular."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegular(f"{path.name} is a symbolic link; not read") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegular(f"{path.name} is not a regular file (a FIFO, a device or a folder); not read")
    return os.fdopen(fd, "rb")


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file at `path` (see `open_regular`), at most `limit` + 1 of them."""
    with open_regular(path) as handle:
        return handle.read() if limit is None else handle.read(limit + 1)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`."""
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        raise WriteFailed(f"{path}: cannot write ({getattr(exc, 'strerror', None) or exc})") from None
    finally:
        with contextlib.suppress(OSError, ValueError):
            tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str | None:
    """The sha256 of a regular file's bytes; None when there is none there (a link, a FIFO or a
    folder is no file sync wrote: `kind_of` tells them apart)."""
    try:
        return hashlib.sha256(read_regular(path)).hexdigest()
    except (OSError, ValueError):
        return None


def kind_of(path: Path) -> str:
    """"absent", "file", "link" or "other" (a FIFO, a device, a folder), without following a link."""
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return "absent"
    return "file" if stat.S_ISREG(mode) else "link" if stat.S_ISLNK(mode) else "other"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_stem(archive: Path, stem: str, owned: Container[str], key: str) -> str:
    """`stem`, `stem-2`... `stem-9`, then `stem-<digest of key>` (and `-2`... after it): the first
    whose names no record owns and no file takes (an issue file of any type with that stem, or its
    sidecar). Posts sharing a date and a slug by the thousand each get a name at once."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    candidates = itertools.chain((stem if n == 1 else f"{stem}-{n}" for n in range(1, 10)),
                                 (f"{stem}-{digest}" if n == 1 else f"{stem}-{digest}-{n}" for n in range(1, 100_000)))
    for candidate in candidates:
        names = [candidate + suffix for suffix in (*SUFFIXES, *SIDECAR_SUFFIXES)]
        if not any(name in owned for name in names) and not any(os.path.lexists(archive / name) for name in names):
            return candidate
    raise WriteFailed(f"{archive}: no free file name for {stem}")


def journal(archive: Path, stem: str) -> None:
    """Note in `.sync/journal` that the pair `stem` is about to be written (see the module)."""
    try:  # never through a link, never blocking on a FIFO
        fd = os.open(Path(archive) / SYNC_DIR / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise NotRegular(errno.EINVAL, "not a regular file")
            os.write(fd, (stem + "\n").encode("utf-8", "surrogatepass"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise WriteFailed(f"{Path(archive) / SYNC_DIR / JOURNAL}: cannot write ({exc.strerror or exc})") from None


def journal_done(archive: Path) -> None:
    """Empty the journal: the manifest names every pair it lists."""
    with contextlib.suppress(OSError):
        if kind_of(Path(archive) / SYNC_DIR / JOURNAL) == "file":
            os.truncate(Path(archive) / SYNC_DIR / JOURNAL, 0)


def clear_orphans(archive: Path, owned: Container[str]) -> list[str]:
    """Remove the sidecars a killed sync left without their issue file: those the journal names
    that no record owns; returns their names. Nothing else is removed, ever."""
    try:
        listed = read_regular(Path(archive) / SYNC_DIR / JOURNAL).decode("utf-8", "replace").splitlines()
    except OSError:
        listed = []
    removed = []
    for stem in sorted(set(listed)):
        if not stem or "/" in stem or stem.startswith("."):
            continue
        side = Path(archive) / f"{stem}.meta.yaml"
        issues = [Path(archive) / f"{stem}{suffix}" for suffix in SUFFIXES]
        if side.name not in owned and kind_of(side) == "file" and not any(os.path.lexists(i) for i in issues) and _written_by_sync(side):
            side.unlink(missing_ok=True)
            removed.append(side.name)
    return removed


def written_by_sync(archive: Path, ours: Container[str]) -> dict[str, dict]:
    """{sidecar name: its data} of the sidecars sync wrote that no record names and whose issue
    file is there (a sync killed before saving the manifest, or a manifest moved away)."""
    found = {}
    for side in sorted(Path(archive).glob("*.meta.yaml")):
        issue = side.with_name(side.name.removesuffix(".meta.yaml") + ".html")
        if side.name in ours or issue.name in ours or kind_of(issue) != "file":
            continue
        try:
            text = read_regular(side, MAX_META_CHARS).decode("utf-8")
            data = yaml.load(text, Loader=_LOADER) if text.startswith(WRITTEN_BY) and len(text) <= MAX_META_CHARS else None
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            continue
        if isinstance(data, dict) and isinstance(data.get(SYNC_SOURCE), str) and isinstance(data.get(SYNC_KEY), str):
            found[side.name] = data
    return found


def _written_by_sync(path: Path) -> bool:
    try:
        return read_regular(path, len(WRITTEN_BY)).decode("utf-8", "replace").startswith(WRITTEN_BY)
    except OSError:
        return False


def hand_urls(archive: Path, ours: Container[str]) -> dict[str, str]:
    """{url: issue} for the issues not written by sync whose sidecar states a url: a post found at
    one of these URLs is already in the archive. (A sidecar that sync wrote but a killed sync did
    not record yet starts with WRITTEN_BY: it is adopted by `written_by_sync` instead.)"""
    found = {}
    for side in sorted(archive.rglob("*.meta.y*ml")):
        rel = side.relative_to(archive)
        if rel.as_posix() in ours or any(part.startswith(".") for part in rel.parts):
            continue
        try:  # read as the reader reads it (bounded, no aliases); one it refuses states nothing
            text = read_regular(side, MAX_META_CHARS).decode("utf-8-sig")
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
    """Hold the archive's sync lock (and clear temporary files a killed sync left), or raise
    SyncLocked. `.sync` must be a folder of the archive and its lock a regular file, neither a
    symbolic link: sync's state never goes outside the archive."""
    folder = Path(archive) / SYNC_DIR
    if kind_of(folder) == "link" or (os.path.lexists(folder) and not folder.is_dir()):
        raise IndexerError(f"{folder}: cannot use it for sync's lock (it is a symbolic link or not a folder: sync keeps its state "
                           "in a folder of the archive itself); move it away and sync again")
    try:
        folder.mkdir(exist_ok=True)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        what = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        raise IndexerError(f"{folder / 'lock'}: cannot use it for sync's lock ({what}); move it away and sync again") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IndexerError(f"{folder / 'lock'}: cannot use it for sync's lock (not a regular file); move it away and sync again")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncLocked(f"another sync is writing into {archive}; wait for it to finish, then try again") from None
        try:
            for stale in [*Path(archive).glob(f"{TMP_PREFIX}*"), *folder.glob(f"{TMP_PREFIX}*")]:
                with contextlib.suppress(OSError):  # a folder of that name is not sync's: left alone
                    stale.unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
