"""`sync_archive`: every source's posts into the archive, one file each, nothing local lost.

For each listed post: a post seen before whose listing has not changed is left alone without
being fetched; otherwise it is fetched and rendered, and its file is written when it is new, or
replaced when it changed upstream and nobody edited it by hand since the last sync. A post that
cannot be synced is skipped with a one-line reason; a source that fails, or runs past its
deadline, is reported and the next one is synced; whatever was written stays.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

from indexer.errors import IndexerError, SyncError
from indexer.sync.deadline import Deadline
from indexer.sync.files import (WriteFailed, clear_orphans, free_stem, journal, kind_of, normal_url, now, sha256, sha256_of,
                                sync_lock, write_atomic)
from indexer.sync.http import Client, DeadlinePassed, HttpSettings, Refused
from indexer.sync.listing import Entry, distinct
from indexer.sync.manifest import Manifest, Record, scoped
from indexer.sync.post import Post, PostRefused, Rendered, bounded, file_stem, render
from indexer.sync.sites import without_auth
from indexer.sync.sources import Source, list_source
from indexer.sync.summary import SourceReport, SyncReport

Progress = Callable[[str, int, int], None]  # (source name, posts done, posts listed)


def sync_archive(sources: Sequence[Source], archive: Path, *, settings: HttpSettings = HttpSettings(),
                 progress: Progress | None = None, hosts: tuple[str, ...] = ()) -> SyncReport:
    """Sync `sources` into `archive` (created if missing) and report what happened per source.
    Post pages are fetched from each source's own site and from `hosts` only."""
    started = time.monotonic()
    archive = Path(archive)
    _folder(archive)
    report = SyncReport(str(archive))
    with sync_lock(archive), Client(settings) as client:
        manifest = Manifest(archive)
        report.cleared, report.adopted = clear_orphans(archive, manifest.owned), manifest.adopted
        for source in sources:
            report.sources.append(_sync_source(source, archive, manifest, client, progress, hosts))
    report.seconds = time.monotonic() - started
    return report


def _folder(archive: Path) -> None:
    """The archive folder, made if missing; IndexerError (not a traceback) when it cannot be."""
    if archive.exists() and not archive.is_dir():
        raise IndexerError(f"{archive}: is a file, not a folder; --archive names the folder issues are synced into")
    try:
        archive.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexerError(f"{archive}: cannot make the archive folder ({exc.strerror or exc})") from None


def _sync_source(source: Source, archive: Path, manifest: Manifest, client: Client, progress: Progress | None,
                 hosts: tuple[str, ...]) -> SourceReport:
    started = time.monotonic()
    with client.deadline(source.name) as clock:
        out = _synced(source, archive, manifest, client, clock, progress, hosts)
    out.seconds = time.monotonic() - started
    return out


def _synced(source: Source, archive: Path, manifest: Manifest, client: Client, clock: Deadline, progress: Progress | None,
            hosts: tuple[str, ...]) -> SourceReport:
    out = SourceReport(source.name)
    try:
        with clock.guard():  # parsing the listing, not only fetching it, ends by the deadline
            listing = list_source(source, client, manifest.states.get(source.name, {}), hosts)
    except SyncError as exc:
        out.error = exc.reason
        return out
    except RecursionError:
        out.error = "its answer is nested too deeply to read"
        return out
    except MemoryError:
        out.error = "its answer is too large to read in memory"
        return out
    except Exception as exc:  # noqa: BLE001 - a bug or an unforeseen answer costs this source, not the run
        out.error = _internal(exc)
        return out
    entries, repeats = distinct(listing.entries)
    out.note, out.skipped = _joined(listing.note, repeats and f"{repeats} posts were listed twice; each was synced once"), list(listing.skipped)
    failures, elsewhere, done = [], 0, 0
    listed = {scoped(source.name, e.key) for e in entries}
    try:
        for done, entry in enumerate(entries):
            if progress:
                progress(source.name, done, len(entries))
            try:
                clock.check()
                status, detail = _sync_entry(entry, source.name, archive, manifest, listed, clock)
            except DeadlinePassed as exc:
                out.error = f"{exc.reason}; {len(entries) - done} of {len(entries)} posts were not synced, run sync again to continue"
                break
            except WriteFailed as exc:
                out.error = (f"{exc}; {len(entries) - done} of {len(entries)} posts were not synced: make the archive writable, "
                             "then sync again (they are retried)")
                break
            except Refused as exc:  # a 4xx, a redirect elsewhere, an answer too large: trying again cannot help
                status, detail = "skipped", exc.reason
            except SyncError as exc:
                status, detail = "failed", exc.reason
            except PostRefused as exc:
                status, detail = "skipped", str(exc)
            except RecursionError:
                status, detail = "skipped", "nested too deeply to read"
            except MemoryError:
                status, detail = "skipped", "too large to read in memory"
            except Exception as exc:  # noqa: BLE001 - one bad post must not stop the others
                status, detail = "skipped", _internal(exc)
            if status in ("new", "updated"):
                (out.new if status == "new" else out.updated).append(detail)
            elif status in ("skipped", "failed"):
                out.skipped.append((entry.title, detail))
                failures += [detail] if status == "failed" else []
            else:
                out.unchanged += 1
                elsewhere += status == "elsewhere"
        else:
            done = len(entries)
    finally:
        try:
            manifest.flush()  # what was written is recorded, even when a write failed
        except WriteFailed as exc:
            out.error = _joined(out.error, f"{exc}; the next sync finds the files written and records them")
    if progress:
        progress(source.name, done, len(entries))
    if failures and out.error is None:
        out.error = f"{len(failures)} of {len(entries)} posts could not be fetched (first: {failures[0]}); run sync again to retry them"
    elif out.error is None and listing.state != manifest.states.get(source.name, {}):
        manifest.states[source.name] = listing.state
        try:
            manifest.save()
        except WriteFailed as exc:
            out.error = str(exc)
    if elsewhere:
        out.note = _joined(out.note, f"{elsewhere} posts were already synced from another source")
    if listing.complete and out.error is None:
        out.removed = _removed(manifest, source.name, entries)
    return out


def _sync_entry(entry: Entry, source: str, archive: Path, manifest: Manifest, listed: set[str], clock: Deadline) -> tuple[str, str]:
    """(status, file or reason): status is new, updated, unchanged, elsewhere or skipped."""
    key = scoped(source, entry.key)
    found = manifest.find(source, key, entry.url, entry.vouched, listed)
    key, record = found if found else (key, None)
    if record is not None:
        if record.source != source:
            return "elsewhere", record.file
        if entry.fingerprint and record.fingerprint == entry.fingerprint:
            return "unchanged", record.file
    if record is None and (mine := _by_hand(manifest, entry.url)):
        return "skipped", mine
    with clock.guard():  # fetching, cleaning and rendering the post end by the deadline; writing is outside
        post = entry.load()
        rendered = render(post, source=source, key=entry.key)
    if record is None and (mine := _by_hand(manifest, post.url)):
        return "skipped", mine
    new = (sha256(rendered.html), sha256(rendered.sidecar))
    same = None if record else manifest.same_bytes(source, new[0], listed) or manifest.same_page(source, post.url, bounded(post).title, listed)
    if same:  # listed anew under another key (and a link with a cache-buster)
        manifest.rekey(same[0], key)
        record = same[1]
    if record is None:
        stem = free_stem(archive, file_stem(post), manifest.owned, key)
        journal(archive, stem)
        record = _write(archive, stem, rendered, entry, source, post)
        manifest.put(key, record)
        return "new", record.file
    if new == (record.sha256, record.sidecar_sha256):
        if record.fingerprint != entry.fingerprint:
            record.fingerprint = entry.fingerprint
            manifest.changed()
        return "unchanged", record.file
    kinds = (kind_of(archive / record.file), kind_of(archive / record.sidecar))
    if any(k not in ("file", "absent") for k in kinds):
        return "skipped", f"{record.file} or its sidecar is now a link or not a regular file; sync leaves it alone"
    on_disk = (sha256_of(archive / record.file), sha256_of(archive / record.sidecar))
    if on_disk[0] is None:
        return "skipped", f"{record.file} was deleted by hand; not restored (it changed upstream)"
    if on_disk[0] not in (record.sha256, new[0]) or on_disk[1] not in (record.sidecar_sha256, new[1]):
        return "skipped", f"{record.file} was edited by hand; your version is kept (the post also changed upstream)"
    manifest.put(key, _write(archive, record.file.removesuffix(".html"), rendered, entry, source, post))
    return ("updated" if new[0] != record.sha256 else "unchanged"), record.file


def _write(archive: Path, stem: str, rendered: Rendered, entry: Entry, source: str, post: Post) -> Record:
    issue, side = f"{stem}.html", f"{stem}.meta.yaml"
    write_atomic(archive / side, rendered.sidecar)
    write_atomic(archive / issue, rendered.html)
    return Record(file=issue, sidecar=side, sha256=sha256(rendered.html), sidecar_sha256=sha256(rendered.sidecar),
                  fingerprint=entry.fingerprint, source=source, url=without_auth(entry.url) if entry.url else None, title=bounded(post).title,
                  synced_at=now(), vouched=entry.vouched)

def _by_hand(manifest: Manifest, url: str | None) -> str | None:
    name = manifest.by_hand.get(normal_url(url)) if url else None
    return f"already in the archive as {name} (added by hand; its sidecar states this url)" if name else None


def _removed(manifest: Manifest, source: str, entries: list[Entry]) -> list[str]:
    keys = {scoped(source, e.key) for e in entries}
    urls = {normal_url(e.url) for e in entries if e.url}
    return sorted(r.file for k, r in manifest.records.items()
                  if r.source == source and k not in keys and not (r.url and normal_url(r.url) in urls))


def _internal(exc: Exception) -> str:
    line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"internal error ({type(exc).__name__}: {line}); please report it"


def _joined(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None
