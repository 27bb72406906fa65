"""Reader for plain text, including newsletter pages scraped to text (the AI Brew archive).

Rules, in order:
- hard-wrapped paragraphs (blank-line separated blocks of long lines) are joined;
- the navigation block at the top (lines "- AI Brew", "- Posts", "- <title>") is dropped;
- image credits ("Image : …", "Crédit photo : …") are dropped;
- the first remaining line is the title (not for e-mail bodies, whose subject is the title),
  and also the text of an issue that has only that line;
  the lines up to the first emoji heading are the intro;
- each emoji heading ("🔮 …", "📢 News", "🇫🇷 & 🇪🇺") opens a section, split into news
  items by `lines.group_items` (items take the heading as parent);
- without any emoji heading, the body after the title is split into items the same way;
- a last line with no newline after it and no sentence ending (a link's text left over
  by the scraper) is dropped.
"""

from __future__ import annotations

from indexer.read.lines import Parsed, clean, group_items, is_emoji_heading, is_headline, is_image_credit
from indexer.records import Section

_NAV_PREFIX = "- "
_NAV_MAX = 120


def parse_text(text: str, *, first_line_is_title: bool = True) -> Parsed:
    """Title and sections of a plain or scraped text issue (an e-mail body has no title line)."""
    lines = [clean(line) for line in _unwrap(_drop_dangling_link(text)).split("\n")]
    lines = [line for line in _drop_navigation(lines) if line and not is_image_credit(line)]
    if not lines:
        return Parsed(title=None)
    title, body = (None, lines)
    if first_line_is_title and not is_emoji_heading(lines[0]):
        title, body = lines[0], lines[1:] or lines  # a one-line issue is its own title and text
    if not any(is_emoji_heading(line) for line in body):
        return Parsed(title=title, sections=group_items("", body))
    sections: list[Section] = []
    for heading, block in _blocks(body):
        if not heading:
            sections.append(Section(title="", text="\n".join(block)))
        else:
            sections += group_items(heading, block)
    return Parsed(title=title, sections=sections)


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(emoji heading or "" for the intro, its lines)."""
    blocks: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        if is_emoji_heading(line):
            blocks.append((line, []))
        else:
            blocks[-1][1].append(line)
    return [b for b in blocks if b[0] or b[1]]


def _drop_navigation(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and (not lines[start] or _is_nav(lines[start])):
        start += 1
    return lines[start:]


def _is_nav(line: str) -> bool:
    return line.startswith(_NAV_PREFIX) and len(line) <= _NAV_MAX and is_headline(line)


def _drop_dangling_link(text: str) -> str:
    if text.endswith("\n") or "\n" not in text.strip():
        return text
    head, last = text.rsplit("\n", 1)
    return head if is_headline(clean(last)) and not is_emoji_heading(clean(last)) else text


def _unwrap(text: str) -> str:
    """Join the lines of blank-line separated blocks that look hard-wrapped (e-mail bodies)."""
    if "\n\n" not in text:
        return text
    blocks = text.split("\n\n")
    return "\n".join(" ".join(b.split("\n")) if _is_wrapped(b) else b for b in blocks)


def _is_wrapped(block: str) -> bool:
    lines = [line.strip() for line in block.strip().split("\n")]
    if len(lines) < 2 or any(not line or is_emoji_heading(line) or line[0] in "-*•#>" for line in lines):
        return False
    return all(30 <= len(line) <= 100 for line in lines[:-1])
