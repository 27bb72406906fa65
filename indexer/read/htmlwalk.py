"""The visible text of an HTML page as ordered events: headings, articles and text lines.

Block elements end a line, inline ones do not. Headings outside <article> open sections;
each <article> is one news item (its first heading is its title, a bare item number such
as "01" is dropped). A heading's *scope* is the element that holds it and its content
(the first ancestor with more text than the heading's wrapper); a section or article is
put under the innermost open heading whose scope contains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from indexer.read.lines import clean
from indexer.read.links import html_links, unique
from indexer.records import Link, Section

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_INLINE = frozenset(
    ("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q")
    + ("s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr")
)
_ITEM_NUMBER = re.compile(r"^\d{1,3}[.)]?$")


@dataclass
class _Entry:
    title: str
    parent: str | None
    lines: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def block_lines(node: Tag) -> list[str]:
    """The text of `node`, one line per block element (whitespace collapsed, empty lines dropped)."""
    out: list[str] = []
    buf: list[str] = []
    _collect(node, buf, out)
    _flush(buf, out)
    return out


def page_sections(body: Tag, skip: list[Tag], drop_lines: set[str]) -> list[Section]:
    """Sections of the page in document order; `skip` are headings already used (the title)."""
    entries = [_Entry("", None)]
    stack: list[tuple[int, Tag, _Entry]] = []  # open headings: (level, scope, entry)

    def open_heading(node: Tag, level: int) -> _Entry | None:
        while stack and (stack[-1][0] >= level or not _inside(node, stack[-1][1])):
            stack.pop()
        return stack[-1][2] if stack else None

    def visit(node: Tag) -> None:
        for child in node.children:
            if _is_text(child) and clean(child) and clean(child) not in drop_lines:
                outer = open_heading(node, 99)
                (outer or entries[0]).lines.append(clean(child))
            if not isinstance(child, Tag):
                continue
            if any(child is used for used in skip):
                continue
            if child.name in HEADINGS:
                level = int(child.name[1])
                outer = open_heading(child, level)
                entry = _Entry(" ".join(block_lines(child)), outer.title if outer else None, links=list(html_links(child)))
                entries.append(entry)
                stack.append((level, _scope(child), entry))
            elif child.name == "article":
                outer = open_heading(child, 99)
                entries.append(_article(child, outer.title if outer else None))
            elif _has_section_inside(child):
                visit(child)
            else:
                outer = open_heading(child, 99)
                target = outer if outer else entries[0]
                target.lines += [line for line in block_lines(child) if line not in drop_lines]
                target.links += html_links(child)

    visit(body)
    return [Section(e.title, "\n".join(e.lines), e.parent, unique(e.links)) for e in entries if e.lines]


def _article(node: Tag, parent: str | None) -> _Entry:
    links = list(html_links(node))
    heading = node.find(HEADINGS)
    title = " ".join(block_lines(heading)) if heading else ""
    if heading:
        heading.extract()
    lines = [line for line in block_lines(node) if not _ITEM_NUMBER.match(line)]
    if not title and lines:
        title, lines = lines[0], lines[1:]
    return _Entry(title, parent, lines, links)


def _inside(node: Tag, scope: Tag) -> bool:
    return node is scope or any(parent is scope for parent in node.parents)


def _has_section_inside(node: Tag) -> bool:
    return node.find(("article", *HEADINGS)) is not None


def _scope(heading: Tag) -> Tag:
    own = _text(heading)
    scope = heading.parent
    while scope is not None and scope.parent is not None and _text(scope) == own:
        scope = scope.parent
    return scope if scope is not None else heading


def _text(node: Tag) -> str:
    return re.sub(r"\s+", "", node.get_text())


def _collect(node: Tag, buf: list[str], out: list[str]) -> None:
    for child in node.children:
        if _is_text(child):
            buf.append(str(child))
        elif isinstance(child, Tag):
            if child.name == "br":
                _flush(buf, out)
            elif child.name in _INLINE:
                _collect(child, buf, out)
            else:
                _flush(buf, out)
                _collect(child, buf, out)
                _flush(buf, out)


def _is_text(node: object) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _flush(buf: list[str], out: list[str]) -> None:
    line = clean("".join(buf))
    buf.clear()
    if line:
        out.append(line)


# Elements that hold nothing but that libxml2's HTML parser (lxml's) does not know as such: it
# nests what follows them inside them, so that dropping an <embed> dropped the text after it.
_UNKNOWN_VOIDS = ("embed", "source", "track", "wbr", "keygen")
_UNKNOWN_VOID_TAG = re.compile(rf"<(?:{'|'.join(_UNKNOWN_VOIDS)})\b", re.I)


def soup_of(text: str) -> BeautifulSoup:
    """The parsed page, with what the parser nested inside an empty element put back after it."""
    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(_UNKNOWN_VOIDS) if _UNKNOWN_VOID_TAG.search(text) else ():
        if tag.contents:
            tag.insert_after(*[child.extract() for child in list(tag.contents)])
    return soup
