"""The manifest: what sync remembers of the issues it wrote, in `archive/.sync/manifest.json`.

Hidden (the indexer never reads it), it records per issue the file names, their sha256 as last
written, the listing's fingerprint and the source. An issue is keyed by its source and the key
that source gives it (`scoped`): two feeds that both number their guids 1, 2, 3 are six posts,
and one source never finds, replaces or suppresses another's record by key. Across sources, the
same post is recognised by the URL its listing vouches for (`Entry.url`), never by a URL a page
merely claims (its canonical link). Within one source, a post whose guid changed is recognised by
its URL, or by the very bytes it renders to (a guid that changes every run, with a cache-buster
in its link, is still one post). The manifest is written with C0, C1, bidirectional and line
separator characters escaped, so it reads the same in any viewer. A file whose bytes match neither what
sync last wrote nor what it would write now was edited by hand, and is left alone; so is a file
that was deleted. Records are indexed by key, by URL and by file name, so that a sync of 20,000
posts does not scan them for each one. A manifest that is not a file, is not JSON of the
expected shape, or names a file outside the archive (or hidden, or not sync's) is refused whole.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

from indexer.errors import IndexerError
from indexer.sync.files import (SYNC_DIR, NotRegular, hand_urls, journal_done, normal_url, now, read_regular,
                                sha256_of, write_atomic, written_by_sync)
from indexer.sync.post import SYNC_KEY, SYNC_SOURCE

MANIFEST = "manifest.json"
FORMAT = 1
SAVE_EVERY = 1.0  # seconds between two saves during a sync, at least; more when a save is slow (see `changed`)


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
    vouched: bool = True  # `url` is the post's own address as its source vouches for it (see `find`)


_FIELDS = tuple(f.name for f in fields(Record))
_MAY_BE_NONE = ("fingerprint", "url")
_OPTIONAL = ("vouched",)  # absent from the records of older manifests
_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")  # json.dumps escapes C0
_SEP = "\t"  # between a source's name and its key (a name holds no tab)


def scoped(source: str, key: str) -> str:
    """The manifest's key of the post `source` lists as `key`."""
    return f"{source}{_SEP}{key}"


class Manifest:
    """The records of one archive, loaded at start. `put` records a written issue; the manifest is
    saved in batches (`changed`: once a second at most, and less often when saving takes long),
    atomically; `flush` saves what is left. A sync killed in between left files the manifest does
    not name yet: `files.free_stem` takes them over when they hold what sync would write."""

    def __init__(self, archive: Path):
        self.archive = Path(archive)
        self.path = self.archive / SYNC_DIR / MANIFEST
        data = _load(self.path, self.archive)
        self.records: dict[str, Record] = {}
        for key, value in data["issues"].items():  # keys of a manifest from before sources scoped them: scoped now
            self.records[key if key.startswith(value["source"] + _SEP) else scoped(value["source"], key)] = Record(**value)
        self.states: dict[str, dict] = data["sources"]
        self._by_url: dict[str, str] = {}  # vouched URL -> key (the same post from another source)
        self._by_source_url: dict[tuple[str, str], str] = {}  # (source, URL) -> key
        self._by_page: dict[tuple[str, str, str], str] = {}  # (source, URL without its query, title) -> key
        self._by_sha: dict[tuple[str, str], str] = {}  # (source, sha256 of the issue file) -> key
        self._owner: dict[str, str] = {}  # file name -> the key of the record that owns it
        for key, record in self.records.items():
            self._index(key, record)
        self._dirty, self._saved, self._cost = False, time.monotonic(), 0.0
        self.adopted = self._adopt()
        self.by_hand = hand_urls(self.archive, self._owner)

    @property
    def owned(self) -> dict[str, str]:
        """{file name: key} of every file a record names."""
        return self._owner

    def find(self, source: str, key: str, url: str | None, vouched: bool,
             listed: set[str] | frozenset = frozenset()) -> tuple[str, Record] | None:
        """The record of this issue (`key` scoped) when that record's key is not `listed` by the
        source as another post: by its key; else one of the same source with the same URL (its guid
        changed); else, when the listing vouches for `url`, one of any source that vouched for the
        same URL (the same post from another source: never by a URL a source merely claims)."""
        if key in self.records:
            return key, self.records[key]
        if not url:
            return None
        for other in (self._by_source_url.get((source, normal_url(url))), self._by_url.get(normal_url(url)) if vouched else None):
            if other is not None and other not in listed:
                return other, self.records[other]
        return None

    def same_page(self, source: str, url: str | None, title: str, listed: set[str] | frozenset) -> tuple[str, Record] | None:
        """A record of `source`, not `listed` by it now, for the same address but its query (a
        cache-buster) and the same title: the same post, listed under a new key and link."""
        other = self._by_page.get((source, _no_query(url), title)) if url else None
        return (other, self.records[other]) if other is not None and other not in listed else None

    def same_bytes(self, source: str, html_sha: str, listed: set[str] | frozenset) -> tuple[str, Record] | None:
        """A record of `source`, not `listed` by it now, whose issue file sync last wrote as these
        very bytes: the same post, listed under a new key."""
        other = self._by_sha.get((source, html_sha))
        return (other, self.records[other]) if other is not None and other not in listed else None

    def rekey(self, old: str, new: str) -> None:
        record = self.records.pop(old)
        for name, owner in ((record.file, old), (record.sidecar, old)):
            if self._owner.get(name) == owner:
                del self._owner[name]
        entries = [(self._by_sha, (record.source, record.sha256))]
        if record.url:
            entries += [(self._by_url, normal_url(record.url)), (self._by_source_url, (record.source, normal_url(record.url))),
                        (self._by_page, (record.source, _no_query(record.url), record.title))]
        for index, found in entries:
            if index.get(found) == old:
                del index[found]
        self.put(new, record)

    def _adopt(self) -> list[str]:
        """Records for the pairs sync wrote that this manifest does not name (a sync killed before
        it saved, or a manifest moved away): their sidecar says which source and key they are."""
        adopted = []
        for side, data in written_by_sync(self.archive, self._owner).items():
            key = scoped(data[SYNC_SOURCE], data[SYNC_KEY])
            issue = side.removesuffix(".meta.yaml") + ".html"
            if key in self.records:
                continue
            self.put(key, Record(file=issue, sidecar=side, sha256=sha256_of(self.archive / issue) or "",
                                 sidecar_sha256=sha256_of(self.archive / side) or "", fingerprint=None, source=data[SYNC_SOURCE],
                                 url=None, title=str(data.get("title") or issue), synced_at=now()))
            adopted.append(issue)
        return adopted

    def put(self, key: str, record: Record) -> None:
        old = self.records.get(key)
        if old is not None:
            for name in (old.file, old.sidecar):
                self._owner.pop(name, None)
        self.records[key] = record
        self._index(key, record)
        self.changed()

    def _index(self, key: str, record: Record) -> None:
        self._owner[record.file] = self._owner[record.sidecar] = key
        if record.url:
            if record.vouched:
                self._by_url.setdefault(normal_url(record.url), key)
            self._by_source_url.setdefault((record.source, normal_url(record.url)), key)
            self._by_page.setdefault((record.source, _no_query(record.url), record.title), key)
        self._by_sha[(record.source, record.sha256)] = key

    def changed(self) -> None:
        self._dirty = True
        if time.monotonic() - self._saved >= max(SAVE_EVERY, 10 * self._cost):
            self.flush()

    def flush(self) -> None:
        if self._dirty:
            self.save()

    def save(self) -> None:
        """Write the manifest atomically: one line per record (diffs stay readable, and json's C
        encoder, which does not indent, writes 20,000 records in a fraction of a second); then
        empty the journal. WriteFailed when it cannot be written."""
        started = time.monotonic()
        issues = ",\n".join(f"{_json(k)}: {_json(vars(r))}" for k, r in sorted(self.records.items()))
        text = f'{{"format": {FORMAT},\n"issues": {{\n{issues}\n}},\n"sources": {_json(self.states, indent=1)}\n}}\n'
        write_atomic(self.path, text.encode("utf-8", "surrogatepass"))
        journal_done(self.archive)
        self._dirty, self._saved = False, time.monotonic()
        self._cost = self._saved - started


def _no_query(url: str | None) -> str:
    return normal_url(url or "").split("?")[0]


def _json(value: object, indent: int | None = None) -> str:
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, indent=indent))


def _load(path: Path, archive: Path) -> dict:
    """The manifest's checked data ({"issues": {}, "sources": {}} when there is none), or IndexerError."""
    try:
        if not path.exists() and not path.is_symlink():
            return {"issues": {}, "sources": {}}
        try:
            data = json.loads(read_regular(path).decode("utf-8", "surrogatepass"))
        except NotRegular:
            raise ValueError("it is not a file" + (" but a symbolic link" if path.is_symlink() else "")) from None
        if not isinstance(data, dict) or data.get("format", FORMAT) != FORMAT:
            raise ValueError(f"not a format {FORMAT} manifest")
        issues, sources = data.get("issues", {}), data.get("sources", {})
        if not isinstance(issues, dict) or not isinstance(sources, dict):
            raise ValueError("`issues` and `sources` must be mappings")
        for name, state in sources.items():
            if not isinstance(state, dict):
                raise ValueError(f"the state of source {name[:80]} is not a mapping")
        for key, record in issues.items():
            _check_record(key, record, archive)
        return {"issues": issues, "sources": sources}
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IndexerError(f"{path}: the sync manifest cannot be read ({exc}); move it away to start afresh "
                           "(the files sync wrote are recognised by their sidecars)") from None


def _check_record(key: str, record: object, archive: Path) -> None:
    if not isinstance(record, dict) or not set(_FIELDS) - set(_OPTIONAL) <= set(record) <= set(_FIELDS):
        raise ValueError(f"the record of {key[:80]} is not a mapping of {', '.join(_FIELDS)}")
    if not isinstance(record.get("vouched", True), bool):
        raise ValueError(f"the record of {key[:80]} has a vouched that is not true or false")
    for name in (f for f in _FIELDS if f not in _OPTIONAL):
        if not isinstance(record[name], str) and not (name in _MAY_BE_NONE and record[name] is None):
            raise ValueError(f"the record of {key[:80]} has a {name} that is not text")
        if "\x00" in (record[name] or ""):
            raise ValueError(f"the record of {key[:80]!r} has a {name} holding a NUL character")
    if "\x00" in key:
        raise ValueError(f"the record key {key[:80]!r} holds a NUL character")
    for name in (record["file"], record["sidecar"]):
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or "\\" in name:
            raise ValueError(f"a record names {name[:200]}, outside the archive")
        if any(part.startswith(".") for part in rel.parts) or not rel.parts:
            raise ValueError(f"a record names {name[:200]}, a hidden file, which sync never writes")
        if len(rel.parts) != 1:
            raise ValueError(f"a record names {name[:200]}, in a subfolder, where sync never writes")
    if not record["file"].endswith(".html") or record["sidecar"] != record["file"].removesuffix(".html") + ".meta.yaml":
        raise ValueError(f"the record of {key[:80]} names {record['file'][:200]} and {record['sidecar'][:200]}, "
                         "not an .html file and its .meta.yaml")
