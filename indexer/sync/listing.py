"""What a source lists: its posts as `Entry` records (each loaded only when needed), and facts about the list."""

from __future__ import annotations

from dataclasses import dataclass, field
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
