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
    vouched: bool = True  # `url` is the post's own address (its source's site, its API): it may identify it across sources


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


MAX_KEY_CHARS = 500


def distinct(entries: list[Entry]) -> tuple[list[Entry], int]:
    """`entries` with each post once, and how many repeats were dropped, in linear time. An entry
    listed again with the same key and fingerprint (a page served twice) is a repeat; entries
    sharing a key but not their content (two posts given one id) are all kept, each keyed by its
    key, url and title, so that none replaces another; a key over MAX_KEY_CHARS is cut, with a
    digest of the whole."""
    contents: dict[str, set] = {}
    for entry in entries:
        contents.setdefault(entry.key, set()).add(entry.fingerprint)
    seen, taken, after, out = set(), set(), {}, []
    for entry in entries:
        if (entry.key, entry.fingerprint) in seen:
            continue
        seen.add((entry.key, entry.fingerprint))
        key = entry.key if len(entry.key) <= MAX_KEY_CHARS else f"{entry.key[:400]}#{_short(entry.key)}"
        if len(contents[entry.key]) > 1:
            key = f"{key}#{_short(f'{entry.url}|{entry.title}')}"
        base, n = key, after.get(key, 2)  # two posts with one id, url and title: the later ones get #2, #3...
        while key in taken:
            key, n = f"{base}#{n}", n + 1
        after[base] = n
        taken.add(key)
        out.append(entry if key == entry.key else replace(entry, key=key))
    return out, len(entries) - len(out)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
