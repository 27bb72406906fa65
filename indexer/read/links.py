"""Outbound links of a news item: the article it summarises, and any other page it points to.

A link is kept when its URL is http(s) with a host; its domain is the host, lower-cased, without
"www.". Links are metadata of the item (stored per passage), never embedded text. The "Sources"
lists at the end of an issue are dropped with their section (see dedupe), so their links go too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bs4 import Tag

from indexer.read.lines import clean
from indexer.records import Link

MAX_LINKS = 20  # per item: a list of links is not an item's source
_MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((https?://[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_BARE_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")


def domain_of(url: str) -> str | None:
    """'https://www.Example.com/x' -> 'example.com'; None when the URL is not http(s) with a host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host:
        return None
    return host.lower().removeprefix("www.")


def link(url: str, text: str = "") -> Link | None:
    """A Link for an http(s) URL (anchor text cleaned, the URL when there is none), else None."""
    url = (url or "").strip()
    domain = domain_of(url)
    if domain is None or len(url) > 2000 or any(ord(c) < 33 or 127 <= ord(c) < 160 for c in url):
        return None  # not a web page, or a URL with spaces or control characters
    return Link(url=url, text=clean(text)[:200] or url, domain=domain)


def unique(links: Iterable[Link | None]) -> tuple[Link, ...]:
    """The links in order, each URL once, at most MAX_LINKS."""
    seen: dict[str, Link] = {}
    for item in links:
        if item is not None and item.url not in seen:
            seen[item.url] = item
    return tuple(seen.values())[:MAX_LINKS]


def html_links(node: Tag) -> tuple[Link, ...]:
    """The <a href> links inside an HTML element."""
    return unique(link(a.get("href", ""), a.get_text(" ")) for a in node.find_all("a", href=True))


def markdown_links(text: str) -> tuple[Link, ...]:
    """[text](url) links of a Markdown text, then bare URLs (images are not links)."""
    if "://" not in text:
        return ()
    text = _IMAGE.sub(" ", text)
    found = [link(m.group(2), m.group(1)) for m in _MARKDOWN_LINK.finditer(text)]
    rest = _MARKDOWN_LINK.sub(" ", text)
    return unique(found + [link(m.group().rstrip(".,;:")) for m in _BARE_URL.finditer(rest)])
