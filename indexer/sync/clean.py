"""The article body of a fetched post, cleaned for the archive.

The body kept is the article only: beehiiv's body container (`#content-blocks`) when the HTML has
one; else, for a whole page, its <main>, its only <article> or its <body>; for a fragment (a
feed's content), all of it. Dropped: scripts, styles, frames, forms, embeds, tracking pixels, <base>, event-handler attributes, and every address attribute (href, src,
action, xlink:href...) whose scheme is javascript:, vbscript: or data:. What an empty element
(<embed>) was made to hold by the parser is kept (see `read.htmlwalk.soup_of`); the content of
<object>, <applet>, <svg> and <math> is kept without the element (a browser shows an object's
fallback content, SVG text, and what follows an unclosed one), cleaned as the rest. A page nested
deeper than the archive's HTML reader reads, or of more than MAX_ELEMENTS tags, is refused.
"""

from __future__ import annotations

import itertools
import re

from bs4 import BeautifulSoup, Comment, Tag

from indexer.read.html import MAX_DEPTH, deeper_than
from indexer.read.htmlwalk import soup_of

BODY_CONTAINER = "#content-blocks"  # beehiiv's web pages and free_web_content
_DROP = ("script", "style", "noscript", "template", "iframe", "frame", "frameset", "embed", "form", "input", "button", "link",
         "meta", "base", "param")
_UNWRAP = ("object", "applet", "svg", "math")  # their content is shown (fallback content, SVG text): kept, the element dropped
MAX_ELEMENTS = 100_000  # in one post's HTML; a long real issue holds a few thousand
_TAG = re.compile(r"<[A-Za-z!?/]")
_PIXEL_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|(?:width|height)\s*:\s*[01]px", re.I)
_URL_ATTRIBUTES = frozenset(("href", "src", "action", "formaction", "background", "poster", "cite", "longdesc", "srcset",
                             "lowsrc", "dynsrc", "data", "codebase", "ping", "xml:base", "manifest", "usemap"))
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|livescript|mocha):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u200b-\u200f\u2028-\u202e\ufeff]+")  # browsers skip these inside a scheme
_BAD_STYLE = re.compile(r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding", re.I)


class PostRefused(Exception):
    """A post sync does not write, with the reason (the index would refuse it, or it holds nothing)."""


def article_body(markup: str, *, page: bool) -> str:
    """The article body of a web page (`page`) or of a content fragment, as clean HTML (see the module)."""
    check_elements(markup)
    soup = soup_of(markup)
    if deeper_than(soup, MAX_DEPTH):
        raise PostRefused(f"its HTML is nested over {MAX_DEPTH} levels deep, more than the archive's reader reads")
    container = _container(soup, page)
    doomed, gone, unwrapped = [], set(), []  # one walk: what to drop (its descendants go with it), the rest cleaned
    for node in [container, *container.descendants]:
        if id(node.parent) in gone:
            gone.add(id(node))
        elif isinstance(node, Comment) or (isinstance(node, Tag) and (node.name in _DROP or (node.name == "img" and _is_pixel(node)))):
            doomed.append(node)
            gone.add(id(node))
        elif isinstance(node, Tag):
            _clean_attributes(node)
            if node.name in _UNWRAP and node is not container:  # what a browser shows of it (text after an unclosed <svg>) stays
                unwrapped.append(node)
    for node in doomed:
        node.decompose() if isinstance(node, Tag) else node.extract()
    for node in reversed(unwrapped):
        node.unwrap()
    inner = container.decode_contents() if container.name in ("body", "[document]") else str(container)
    return inner.strip()


def check_elements(markup: str) -> None:
    """PostRefused when `markup` opens more than MAX_ELEMENTS tags (counted before any parser
    builds a tree of them: 400,000 elements take a parser minutes and gigabytes)."""
    count = sum(1 for _ in itertools.islice(_TAG.finditer(markup), MAX_ELEMENTS + 1))
    if count > MAX_ELEMENTS:
        raise PostRefused(f"its HTML holds over {MAX_ELEMENTS:,} tags, more than any issue; refused")


def _clean_attributes(tag: Tag) -> None:
    for name, value in list(tag.attrs.items()):
        key = name.lower()
        text = " ".join(value) if isinstance(value, list) else str(value)
        if (key.startswith("on") or key.endswith(":href")
                or (key in _URL_ATTRIBUTES and _BAD_SCHEME.match(_INVISIBLE.sub("", text)))
                or (key == "style" and _BAD_STYLE.search(text))):
            del tag[name]


def _container(soup: BeautifulSoup, page: bool) -> Tag:
    found = soup.select_one(BODY_CONTAINER)
    if found is None and page:
        articles = soup.find_all("article")
        found = soup.find("main") or (articles[0] if len(articles) == 1 else None)
    return found or soup.body or soup


def _is_pixel(img: Tag) -> bool:
    size = [str(img.get(a, "")).strip().rstrip("px") for a in ("width", "height")]
    return any(s in ("0", "1") for s in size) or bool(_PIXEL_STYLE.search(str(img.get("style", "")))) or not img.get("src")
