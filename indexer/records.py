"""Typed records passed between the pipeline stages: Issue -> Chunk -> Hit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def check_date(value: str | None) -> str | None:
    """Accept 'YYYY-MM-DD' or 'YYYY-MM' (a month when the day is not known); None stays None."""
    if value is None or value == "":
        return None
    value = str(value).strip()
    if not _DATE.match(value):
        raise ValueError(f"date {value!r} is not YYYY-MM-DD or YYYY-MM")
    return value


@dataclass(frozen=True)
class Link:
    """An outbound link of a news item: where the article it summarises lives."""

    url: str
    text: str  # the anchor text (the URL when there is none)
    domain: str  # host without "www.", lower-cased

    def as_json(self) -> dict:
        return {"url": self.url, "text": self.text, "domain": self.domain}


@dataclass(frozen=True)
class Section:
    """One section or news item of an issue, as the issue itself structures it.

    `parent` names the enclosing section when this is an item inside it
    (a news item under "📢 News", say)."""

    title: str
    text: str
    parent: str | None = None
    links: tuple[Link, ...] = ()  # outbound links of the item (metadata, never embedded)

    @property
    def label(self) -> str:
        return f"{self.parent} › {self.title}" if self.parent and self.title else (self.title or self.parent or "")


@dataclass(frozen=True)
class Issue:
    """One newsletter issue, read from one archive file."""

    id: str  # stable id: the source path relative to its archive root, without extension
    source: str  # path of the file relative to its archive root (posix)
    title: str
    sections: tuple[Section, ...]
    date: str | None = None  # 'YYYY-MM-DD' or 'YYYY-MM'; never guessed
    url: str | None = None
    number: int | None = None
    language: str | None = None

    @cached_property
    def layout(self) -> tuple[str, tuple[tuple[int, int], ...]]:
        """The issue's full text and, per section, the (start, end) of its body in that text."""
        parts, spans, pos = [], [], 0
        for section in self.sections:
            head = f"{section.label}\n" if section.label else ""
            start = pos + len(head)
            parts.append(head + section.text)
            spans.append((start, start + len(section.text)))
            pos += len(head) + len(section.text) + 2
        return "\n\n".join(parts), tuple(spans)

    @property
    def text(self) -> str:
        return self.layout[0]


@dataclass(frozen=True)
class IssueInfo:
    """What the index keeps of an issue: its metadata and full text (for the issue view)."""

    id: str
    source: str
    title: str
    date: str | None
    url: str | None
    number: int | None
    language: str | None
    text: str


@dataclass(frozen=True)
class Chunk:
    """A passage: the unit that is embedded, indexed and cited."""

    issue_id: str
    section: str
    position: int  # order of the passage within its issue
    start: int  # character offsets into Issue.text
    end: int
    text: str  # the passage itself, as stored and shown
    embed_text: str  # the passage with its context (issue and section titles), as embedded
    language: str
    hash: str  # sha256 of embed_text: the embedding cache key (with the model)
    links: tuple[Link, ...] = ()  # the outbound links of the sections it covers


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with where it comes from."""

    chunk_id: int
    score: float
    issue_id: str
    source: str
    title: str
    date: str | None
    url: str | None
    section: str
    language: str
    text: str
    start: int
    end: int
    dense_score: float | None = None
    lexical_score: float | None = None
    links: tuple[Link, ...] = ()

    def as_json(self, rank: int) -> dict:
        return {
            "rank": rank,
            "score": round(self.score, 6),
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "section": self.section,
            "url": self.url,
            "language": self.language,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "links": [link.as_json() for link in self.links],
        }


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class BuildSummary:
    issues: int = 0
    passages: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    folded: list[tuple[str, str]] = field(default_factory=list)  # (dropped source, kept source)
    skipped: list[Skipped] = field(default_factory=list)
    embedded_new: int = 0
    embedded_reused: int = 0
    chunked_new: int = 0  # issues chunked afresh (the others came from the chunk cache)
    appended: int = 0  # issues appended to the live build (0: the index was built whole)
    files_read: int = 0  # archive files read (when issues were only added, the new files alone)
    seconds: float = 0.0
    index_path: str = ""
    warnings: list[str] = field(default_factory=list)  # problems worked around (a damaged cache set aside)
