"""What a sync did, per source: new, updated, unchanged, skipped with reasons, removed upstream."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.sync.post import one_line


def _one(text: str, most: int = 1000) -> str:
    return one_line(str(text), most).encode("utf-8", "replace").decode("utf-8")  # a lone surrogate prints as ?


@dataclass
class SourceReport:
    name: str
    new: list[str] = field(default_factory=list)  # files written for posts not seen before
    updated: list[str] = field(default_factory=list)  # files replaced because the post was edited upstream
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (post or file, reason)
    removed: list[str] = field(default_factory=list)  # files whose post is no longer listed upstream (kept)
    error: str | None = None  # why the source, or some of its posts, could not be fetched
    note: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class SyncReport:
    archive: str
    sources: list[SourceReport] = field(default_factory=list)
    seconds: float = 0.0
    cleared: list[str] = field(default_factory=list)  # sidecars a killed sync left without their issue, removed
    adopted: list[str] = field(default_factory=list)  # issue files sync wrote that its manifest did not name, recorded again

    @property
    def failed(self) -> bool:
        return any(s.failed for s in self.sources)

    @property
    def written(self) -> int:
        return sum(len(s.new) + len(s.updated) for s in self.sources)


def summary_lines(report: SyncReport) -> list[str]:
    """The summary a person reads after a sync: one line of counts per source, then the details.
    Every title, reason and note from a source is put on one line (no newline, no line separator,
    no control character: none can forge a line of the summary) and the CLI prints them through
    `printable`.)"""
    lines = [f"Removed {name}: a sidecar left without its issue by a sync that was killed" for name in report.cleared]
    lines += [f"Recorded {name}: written by a sync that did not save its manifest" for name in report.adopted]
    for s in report.sources:
        status = "FAILED" if s.failed else "ok"
        lines.append(f"{_one(s.name)}: {len(s.new)} new, {len(s.updated)} updated, {s.unchanged} unchanged, "
                     f"{len(s.skipped)} skipped, {len(s.removed)} removed upstream [{status}] in {s.seconds:.1f} s")
        lines += [f"  new: {_one(name)}" for name in s.new]
        lines += [f"  updated (edited upstream, file replaced): {_one(name)}" for name in s.updated]
        lines += [f"  skipped «{_one(what, 200)}»: {_one(why)}" for what, why in s.skipped]
        lines += [f"  removed upstream (file kept): {_one(name)}" for name in s.removed]
        if s.note:
            lines.append(f"  note: {_one(s.note)}")
        if s.error:
            lines.append(f"  error: {_one(s.error)}")
    total_new = sum(len(s.new) for s in report.sources)
    total_updated = sum(len(s.updated) for s in report.sources)
    lines.append(f"Synced into {report.archive} in {report.seconds:.1f} s: {total_new} new, {total_updated} updated"
                 + (" (nothing written)" if not report.written else ""))
    return lines
