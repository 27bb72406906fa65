"""Listing an archive: the issue files under a folder, and what could not even be listed.

Rules: hidden files and folders (a name starting with ".") and metadata sidecars are left
out without a word. Symbolic links to folders are followed once (a loop is reported). What
cannot be an issue is reported with its reason, never dropped silently: a folder that
cannot be read, a dangling symbolic link, a FIFO, socket or device, and a folder named like
an issue file (its own files are still listed).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import InputError, printable_path
from indexer.read.meta import is_sidecar
from indexer.records import Skipped

ISSUE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".eml")


@dataclass
class Listing:
    root: Path  # what ids and sources are relative to (the folder, or a single file's folder)
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def list_archive(root: Path) -> Listing:
    """The issue files under `root` (sorted by relative path) and the entries skipped with a reason.
    `root` may be a single issue file. A missing root is an InputError."""
    root = Path(root)
    if root.is_file():
        return Listing(root.parent, [root])
    if not root.is_dir():
        raise InputError(root, "archive folder not found" if not root.is_symlink() else "archive folder is a dangling symbolic link")
    listing = Listing(root)
    seen: set[tuple[int, int]] = set()
    _walk(root, root, listing, seen)
    listing.files.sort(key=lambda p: p.relative_to(root).as_posix())
    listing.skipped.sort(key=lambda s: s.path)
    return listing


def _walk(folder: Path, root: Path, listing: Listing, seen: set[tuple[int, int]]) -> None:
    """Depth-first without recursion, so that deep folder trees cannot exhaust the stack."""
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = current.stat()
            if (info.st_dev, info.st_ino) in seen:
                listing.skipped.append(_skip(current, "folder already read through another path (a symbolic link loop?)"))
                continue
            seen.add((info.st_dev, info.st_ino))
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            listing.skipped.append(_skip(current, f"cannot read the folder ({exc.strerror or exc}); its issues are not indexed"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            kind = _kind(entry)
            if kind == "dir":
                if path.suffix.lower() in ISSUE_SUFFIXES:
                    listing.skipped.append(_skip(path, "a folder named like an issue file, not a file (files inside it are still read)"))
                stack.append(path)
            elif kind == "file":
                if not is_sidecar(path):
                    listing.files.append(path)
            else:
                listing.skipped.append(_skip(path, kind))


def _kind(entry: os.DirEntry) -> str:
    """"dir", "file", or the reason the entry is not an issue file."""
    try:
        mode = entry.stat(follow_symlinks=True).st_mode
    except FileNotFoundError:
        return "dangling symbolic link (its target does not exist)" if entry.is_symlink() else "vanished while the archive was read"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    what = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({what}); not read"


def _skip(path: Path, reason: str) -> Skipped:
    return Skipped(path=printable_path(path), reason=reason)
