"""Whether the only change to an archive since the live build is files added after the ones it was
read from, found without reading, stripping or chunking the other files (issue 25).

The live build keeps what it was read from in its `archive/` folder (archivefiles.py: each file's
times and hash; appendstate.py: the issues' boilerplate fingerprints and passage hashes). When the
archive lists those files first, in the same order and unchanged, then new ones, only the new files
are read; each new issue is stripped of its boilerplate against the saved state, which also says
when a new issue would change an earlier issue's boilerplate (then None: the rebuild reads every file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from indexer.build import archivefiles
from indexer.build.appendstate import AppendState
from indexer.build.dedupe import fingerprint
from indexer.errors import InputError
from indexer.read import unique_issue
from indexer.read.files import list_archive
from indexer.records import Issue, Skipped

ARCHIVE = "archive"  # in a build: archivefiles.FILES and AppendState's arrays


@dataclass
class Added:
    records: list[archivefiles.Record]  # every file, the unchanged ones first
    issues: list[Issue]  # the new issues, stripped of their boilerplate
    state: AppendState  # with the new issues' boilerplate, not yet their passages
    skipped: list[Skipped]  # in the order a full read reports them
    read: int  # files read (the new ones)


def only_added(archives: Sequence[Path], build: Path, read: Callable[[Path, Path], Issue | Skipped]) -> Added | None:
    """The files added to `archives` after those `build` was read from, read with `read`, when
    nothing else changed and the new issues leave the earlier ones' boilerplate as it was; else None."""
    try:
        stamp, records = archivefiles.load(build / ARCHIVE)
        state = AppendState.load(build / ARCHIVE)
        listings = [list_archive(Path(root)) for root in archives]
    except (InputError, OSError, ValueError, TypeError, KeyError):
        return None
    if stamp != archivefiles.reader_stamp() or state.issues != sum(1 for r in records if r.get("issue")):
        return None
    found = [(listing, path) for listing in listings for path in listing.files]
    if len(found) <= len(records):
        return None
    kept = []
    for record, (listing, path) in zip(records, found):
        if record.get("root") != str(listing.root) or record.get("path") != archivefiles.relative(path, listing.root):
            return None
        try:
            same = archivefiles.unchanged(record, path)
        except (KeyError, TypeError, AttributeError):
            same = None
        if same is None:
            return None
        kept.append(same)

    ids = {r["issue"][1] for r in kept if r["issue"]}
    sources = {r["issue"][2] for r in kept if r["issue"]}
    recorder, issues, skipped = archivefiles.Recorder(read), [], []
    position = 0
    for listing in listings:
        skipped += listing.skipped
        root_ids = {r["issue"][0] for r in kept if r["issue"] and r["root"] == str(listing.root)}
        for path in listing.files:
            position += 1
            if position <= len(kept):
                if kept[position - 1]["skipped"]:
                    skipped.append(Skipped(*kept[position - 1]["skipped"]))
                continue
            issue = recorder(path, listing.root)
            if isinstance(issue, Skipped):
                skipped.append(issue)
                continue
            unique = unique_issue(issue, listing.root, ids, sources, same_stem=issue.id in root_ids)
            root_ids.add(issue.id)
            ids.add(unique.id)
            sources.add(unique.source)
            issues.append(unique)
    if not issues:
        return None
    recorder.name_issues(issues)
    stripped = []
    for issue in issues:
        done = state.add(issue, fingerprint(issue))
        if done is None:
            return None
        stripped.append(done[0])
        state = done[1]
    return Added(kept + recorder.records, stripped, state, skipped, len(recorder.records))
