"""`sync_archive`: every source's posts into the archive, one file each, nothing local lost.

For each listed post: a post seen before whose listing has not changed is left alone without
being fetched; otherwise it is fetched and rendered, and its file is written when it is new, or
replaced when it changed upstream and nobody edited it by hand since the last sync. A source
that fails is reported and the next one is synced; whatever was written stays.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

from indexer.errors import SyncError
from indexer.sync.files import Manifest, Record, free_stem, normal_url, now, sha256, sha256_of, sync_lock, write_atomic
from indexer.sync.http import Client, HttpSettings
from indexer.sync.post import Post, Rendered, file_stem, render
from indexer.sync.listing import Entry
from indexer.sync.sources import Source, list_source
from indexer.sync.summary import SourceReport, SyncReport

Progress = Callable[[str, int, int], None]  # (source name, posts done, posts listed)


def sync_archive(sources: Sequence[Source], archive: Path, *, settings: HttpSettings = HttpSettings(),
                 progress: Progress | None = None) -> SyncReport:
    """Sync `sources` into `archive` (created if missing) and report what happened per source."""
    started = time.monotonic()
    archive = Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    report = SyncReport(str(archive))
    with sync_lock(archive), Client(settings) as client:
        manifest = Manifest(archive)
        for source in sources:
            report.sources.append(_sync_source(source, archive, manifest, client, progress))
    report.seconds = time.monotonic() - started
    return report


def _sync_source(source: Source, archive: Path, manifest: Manifest, client: Client, progress: Progress | None) -> SourceReport:
    out = SourceReport(source.name)
    try:
        listing = list_source(source, client, manifest.states.get(source.name, {}))
    except SyncError as exc:
        out.error = exc.reason
        return out
    out.note, out.skipped = listing.note, list(listing.skipped)
    failures, elsewhere = [], 0
    try:
        for done, entry in enumerate(listing.entries):
            if progress:
                progress(source.name, done, len(listing.entries))
            try:
                status, detail = _sync_entry(entry, source.name, archive, manifest)
            except SyncError as exc:
                out.skipped.append((entry.title, exc.reason))
                failures.append(exc.reason)
                continue
            if status in ("new", "updated"):
                (out.new if status == "new" else out.updated).append(detail)
            elif status == "skipped":
                out.skipped.append((entry.title, detail))
            else:
                out.unchanged += 1
                elsewhere += status == "elsewhere"
    finally:
        manifest.flush()  # what was written is recorded, even when a write failed
    if progress:
        progress(source.name, len(listing.entries), len(listing.entries))
    if failures:
        out.error = f"{len(failures)} of {len(listing.entries)} posts could not be fetched (first: {failures[0]}); run sync again to retry them"
    elif listing.state != manifest.states.get(source.name, {}):
        manifest.states[source.name] = listing.state
        manifest.save()
    if elsewhere:
        out.note = ((out.note + "; ") if out.note else "") + f"{elsewhere} posts were already synced from another source"
    if listing.complete:
        out.removed = _removed(manifest, source.name, listing.entries)
    return out


def _sync_entry(entry: Entry, source: str, archive: Path, manifest: Manifest) -> tuple[str, str]:
    """(status, file or reason): status is new, updated, unchanged, elsewhere or skipped."""
    found = manifest.find(entry.key, entry.url)
    key, record = found if found else (entry.key, None)
    if record is not None:
        if record.source != source:
            return "elsewhere", record.file
        if entry.fingerprint and record.fingerprint == entry.fingerprint:
            return "unchanged", record.file
    if record is None and (mine := _by_hand(manifest, entry.url)):
        return "skipped", mine
    post = entry.load()
    rendered = render(post, source=source)
    if rendered is None:
        return "skipped", "no text in the post's body"
    if record is None and (mine := _by_hand(manifest, post.url)):
        return "skipped", mine
    if record is None:
        stem = free_stem(archive, file_stem(post), manifest.files(), rendered.html)
        record = _write(archive, stem, rendered, entry, source, post)
        manifest.records[key] = record
        manifest.changed()
        return "new", record.file
    new = (sha256(rendered.html), sha256(rendered.sidecar))
    if new == (record.sha256, record.sidecar_sha256):
        if record.fingerprint != entry.fingerprint:
            record.fingerprint = entry.fingerprint
            manifest.changed()
        return "unchanged", record.file
    on_disk = (sha256_of(archive / record.file), sha256_of(archive / record.sidecar))
    if on_disk[0] is None:
        return "skipped", f"{record.file} was deleted by hand; not restored (it changed upstream)"
    if on_disk[0] not in (record.sha256, new[0]) or on_disk[1] not in (record.sidecar_sha256, new[1]):
        return "skipped", f"{record.file} was edited by hand; your version is kept (the post also changed upstream)"
    manifest.records[key] = _write(archive, record.file.removesuffix(".html"), rendered, entry, source, post)
    manifest.changed()
    return "updated", record.file


def _write(archive: Path, stem: str, rendered: Rendered, entry: Entry, source: str, post: Post) -> Record:
    issue, side = f"{stem}.html", f"{stem}.meta.yaml"
    write_atomic(archive / side, rendered.sidecar)
    write_atomic(archive / issue, rendered.html)
    return Record(file=issue, sidecar=side, sha256=sha256(rendered.html), sidecar_sha256=sha256(rendered.sidecar),
                  fingerprint=entry.fingerprint, source=source, url=post.url or entry.url, title=post.title, synced_at=now())


def _by_hand(manifest: Manifest, url: str | None) -> str | None:
    name = manifest.by_hand.get(normal_url(url)) if url else None
    return f"already in the archive as {name} (added by hand; its sidecar states this url)" if name else None


def _removed(manifest: Manifest, source: str, entries: list[Entry]) -> list[str]:
    keys = {e.key for e in entries}
    urls = {normal_url(e.url) for e in entries if e.url}
    return sorted(r.file for k, r in manifest.records.items()
                  if r.source == source and k not in keys and not (r.url and normal_url(r.url) in urls))
