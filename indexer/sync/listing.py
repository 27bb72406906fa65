"""What a source lists: its posts as `Entry` records (each loaded only when needed), and facts about the list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Callable

from indexer.sync.post import Post


@dataclass(frozen=True)
class Entry:
    """One post as a listing names it. `fingerprint` hashes what the listing says of it (None when
    only its page tells); `load` gives the whole post, fetching it if need be."""

    key: str
    title: str
    url: str | None
    fingerprint: str | None
    load: Callable[[], Post]


@dataclass
class Listing:
    """What one source lists. `complete`: it lists every published post, so a post it no longer
    lists was removed upstream. `state` (feed validators) is kept for the next sync once every
    entry has been synced."""

    entries: list[Entry] = field(default_factory=list)
    complete: bool = False
    not_modified: bool = False
    note: str | None = None
    state: dict = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (post, reason) known without loading


def distinct(entries: list[Entry]) -> tuple[list[Entry], int]:
    """`entries` with each post once, and how many repeats were dropped. An entry listed again
    with the same key and fingerprint (a page served twice) is a repeat; entries sharing a key but
    not their content (two posts given one id) are all kept, each keyed by its key, url and title,
    so that none replaces another."""
    contents: dict[str, set] = {}
    for entry in entries:
        contents.setdefault(entry.key, set()).add(entry.fingerprint)
    seen, kept = set(), []
    for entry in entries:
        if (entry.key, entry.fingerprint) not in seen:
            seen.add((entry.key, entry.fingerprint))
            shared = len(contents[entry.key]) > 1
            kept.append(replace(entry, key=f"{entry.key}#{_short(f'{entry.url}|{entry.title}')}") if shared else entry)
    taken, out = set(), []
    for entry in kept:  # two posts with one id, url and title: the later ones get #2, #3...
        key, n = entry.key, 2
        while key in taken:
            key, n = f"{entry.key}#{n}", n + 1
        taken.add(key)
        out.append(entry if key == entry.key else replace(entry, key=key))
    return out, len(entries) - len(out)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:10]
