"""Reader for HTML issues (the ai-weekly-fr pages, and HTML e-mail bodies).

Rules:
- main text only: <style>, <script>, <nav>, <header>, <footer>, <aside>, forms, media and
  hidden elements (hidden, aria-hidden, display:none, visibility:hidden) are dropped —
  after the title and date have been read from the page;
- title: the <title> when it states a date, else the first <h1> followed by the header's
  date line ("AI Weekly – 13-19 décembre 2025"), else the <h1> or the <title>;
- date: a <time datetime> or published-date <meta>, else the first date stated in the
  <title> or in the text before the first section heading (see `dates`), else a date the
  file name states; None otherwise;
- url: the canonical link or og:url when the page states one;
- sections: see `htmlwalk`; a page whose articles live as data in a <script> block gets
  one section per data item instead (see `htmldata`); a page with no headings and no
  articles is split into news items by the plain-text line rules.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from indexer.read.dates import date_in_filename, date_in_text
from indexer.read.htmldata import script_sections
from indexer.read.htmlwalk import HEADINGS, block_lines, page_sections, soup_of
from indexer.read.lines import Parsed, clean, group_items

_CHROME = (
    ("style", "script", "noscript", "template", "nav", "header", "footer", "aside", "form", "button")
    + ("input", "select", "textarea", "svg", "canvas", "iframe", "object", "embed", "img", "picture")
    + ("video", "audio", "head")
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HEADER_LINES = 15
_NOT_TEXT = ("style", "script", "noscript", "template", "[document]")
_DATE_META = ("article:published_time", "date", "dc.date", "pubdate", "publish_date", "og:published_time")


def parse_html(text: str, stem: str) -> Parsed:
    """Title, date, url and sections of an HTML page; `stem` is the file name without suffix."""
    soup = soup_of(text)
    if deeper_than(soup, MAX_DEPTH):  # walking such a tree costs the square of its depth
        raise RecursionError(f"elements nested over {MAX_DEPTH} levels deep")
    data_sections = script_sections(soup)
    h1 = soup.find("h1")
    h1_text = " ".join(block_lines(h1)) if h1 else ""
    page_title = clean(soup.title.get_text()) if soup.title else ""
    date_line, date = _stated_date(soup, page_title)
    url = _stated_url(soup)
    _drop_chrome(soup)
    body = soup.body or soup
    skip = [h1] if h1 is not None and h1_text else []
    sections = page_sections(body, skip, {date_line} if date_line else set())
    has_structure = body.find(("article", *HEADINGS[1:])) is not None
    if data_sections and body.find("article") is None:
        sections = [s for s in sections if not s.title] + data_sections
    elif not has_structure:
        sections = group_items("", [line for s in sections for line in s.text.split("\n")])
    return Parsed(
        title=_title(h1_text, page_title, date_line),
        sections=sections,
        date=date or date_in_filename(stem),
        url=url,
    )


MAX_DEPTH = 900  # levels of elements, as the readers' recursion allows; real pages stay under 50


def deeper_than(soup: BeautifulSoup, limit: int) -> bool:
    """Whether any element sits more than `limit` levels deep (an iterative walk: no recursion)."""
    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return False


def _title(h1: str, page_title: str, date_line: str | None) -> str | None:
    if page_title and date_in_text(page_title):
        return page_title
    if h1 and date_line and date_line not in h1:
        return f"{h1} – {date_line}"
    return h1 or page_title or None


def _stated_date(soup: BeautifulSoup, page_title: str) -> tuple[str | None, str | None]:
    """(the header line stating the date, or None; the date) as the page states them."""
    for meta in soup.find_all("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in _DATE_META and (found := date_in_text(meta.get("content", ""))):
            return None, found
    time = soup.find("time", attrs={"datetime": True})
    if time and (found := date_in_text(time["datetime"])):
        return None, found
    for line in _header_lines(soup):
        if found := date_in_text(line):
            return line, found
    return None, date_in_text(page_title)


def _header_lines(soup: BeautifulSoup) -> list[str]:
    """The first text lines of the page, up to its first heading below <h1>."""
    lines: list[str] = []
    for node in (soup.body or soup).descendants:
        if (isinstance(node, Tag) and node.name in HEADINGS[1:]) or len(lines) >= _HEADER_LINES:
            break
        if isinstance(node, NavigableString) and node.parent.name not in _NOT_TEXT and clean(node):
            lines.append(clean(node))
    return lines


def _stated_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    meta = soup.find("meta", property="og:url", content=True)
    for candidate in (link and link["href"], meta and meta["content"]):
        if candidate and candidate.startswith(("http://", "https://")):
            return candidate.strip()
    return None


def _drop_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_CHROME):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()


def _is_hidden(tag: Tag) -> bool:
    return (
        tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).lower() == "true"
        or bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))
    )
