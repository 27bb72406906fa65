"""Reader for Markdown issues.

Rules: the first level-1 heading is the title (when it comes before any other heading);
every other ATX heading (`#` to `######`) opens a section whose parent is the nearest
enclosing heading (an H3 under an H2 gets the H2's title); text before the first section
heading is an untitled intro. Headings inside fenced code are text. Links keep their
text, images and HTML comments go, emphasis markers are removed.
"""

from __future__ import annotations

import re

from indexer.read.lines import Parsed, clean
from indexer.read.links import markdown_links, unique
from indexer.records import Section

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s+\S+")
_EMPHASIS = re.compile(r"(\*\*|~~)(.+?)\1|(?<![\w.])__([^_\s](?:[^_]*?[^_\s])?)__(?!\w)")  # `__` only around words, never inside code-like names
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_QUOTE = re.compile(r"^\s*>\s?")


def parse_markdown(text: str) -> Parsed:
    """Title and sections of a Markdown issue."""
    title: str | None = None
    stack: list[tuple[int, str]] = []  # open headings: (level, title)
    entries: list[tuple[str, str | None, list[str]]] = [("", None, [])]
    links: list[list] = [[]]  # per entry, its [text](url) links
    in_fence = False
    for raw in _COMMENT.sub("", text).split("\n"):
        if _FENCE.match(raw):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(raw)
        if heading is None:
            if in_fence or not _REF_DEF.match(raw):
                entries[-1][2].append(raw.rstrip() if in_fence else _inline(raw))
                links[-1] += markdown_links(raw) if not in_fence else ()
            continue
        level, name = len(heading.group(1)), _inline(heading.group(2))
        if level == 1 and title is None and not stack and len(entries) == 1:
            title = name
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        entries.append((name, stack[-1][1] if stack else None, []))
        links.append(list(markdown_links(heading.group(2))))
        stack.append((level, name))
    sections = [Section(title=t, text=body, parent=p, links=unique(found))
                for (t, p, lines), found in zip(entries, links) if (body := _join(lines))]
    return Parsed(title=title, sections=sections)


def _inline(line: str) -> str:
    if "](" in line:
        line = _LINK.sub(r"\1", _IMAGE.sub("", line))
    if "**" in line or "~~" in line or "__" in line:  # the pattern is slow: test for its markers first
        line = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), line)
    line = _QUOTE.sub("", line)
    return clean(line) if line.strip() else ""


def _join(lines: list[str]) -> str:
    """Lines to paragraphs: blank lines separate paragraphs, other line breaks are kept."""
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()
