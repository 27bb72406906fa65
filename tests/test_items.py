"""Every item of every HTML issue keeps its title: read, boilerplate dropped and chunked as the build
does, each item's heading and its own text land in the same passage (issue 23: in AI_Weekly_Dec7-12_2025,
a tiny item merged into its neighbour took the neighbour's title, and its own heading was lost)."""

from __future__ import annotations

from indexer.build.chunk import chunk_issue
from indexer.build.dedupe import strip_boilerplate
from indexer.read import find_issue_files, read_issue
from tests.conftest import ARCHIVE, SHARED, require_shared


def html_issues():
    """Every HTML issue under ../shared/corpora and archive/, boilerplate dropped across each corpus as a build does."""
    require_shared()
    issues = []
    for root in [ARCHIVE, *sorted(p for p in SHARED.iterdir() if p.is_dir())]:
        files = [f for f in find_issue_files(root) if f.suffix.lower() in (".html", ".htm")]
        issues += strip_boilerplate([read_issue(f, root) for f in files])
    return issues


def test_each_item_heading_and_its_text_land_in_the_same_passage(embedder):
    issues = html_issues()
    assert len(issues) >= 14
    checked = 0
    for issue in issues:
        text, spans = issue.layout
        chunks = chunk_issue(issue, embedder.count_tokens, model_limit=embedder.max_tokens)
        bodies: dict[str, list[tuple[int, int]]] = {}
        for section, span in zip(issue.sections, spans):
            bodies.setdefault(section.label, []).append(span)
        for section, (start, end) in zip(issue.sections, spans):
            if not section.label or end <= start:
                continue
            heading = start - len(section.label) - 1  # the item's heading line, just before its text
            assert text[heading:start - 1] == section.label
            holder = next(c for c in chunks if c.start <= start < c.end)  # the passage its text starts in
            assert holder.section == section.label or holder.start <= heading, (
                f"{issue.source}: {section.label!r} lands in the passage titled {holder.section!r} without its heading")
            checked += 1
        for chunk in chunks:  # a passage's title names an item whose text it holds
            assert any(s < chunk.end and chunk.start < e for s, e in bodies[chunk.section]), (
                f"{issue.source}: the passage titled {chunk.section!r} holds {text[chunk.start:chunk.start + 60]!r}")
    assert checked > 200
