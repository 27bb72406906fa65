"""A fetched post, and what sync writes for it: a clean HTML file and its metadata sidecar.

The body kept is the article only: beehiiv's body container (`#content-blocks`) when the HTML
has one; else, for a whole page, its <main>, its only <article> or its <body>; for a fragment
(a feed's content), all of it. Scripts, styles, frames, forms, tracking pixels and event-handler
attributes are dropped before writing. The written page is checked with the archive's own HTML
reader: a post in which it finds no text is not written. The sidecar holds what
`indexer.read.meta` reads (title, date, url, language) plus the post's source id, subtitle and
tags, which the reader accepts and leaves aside.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml
from bs4 import BeautifulSoup, Comment, Tag

from indexer.read.html import parse_html
from indexer.read.lang import detect_language

BODY_CONTAINER = "#content-blocks"  # beehiiv's web pages and free_web_content
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "form", "input", "button", "link", "meta")
_PIXEL_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|(?:width|height)\s*:\s*[01]px", re.I)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
WRITTEN_BY = "# Written by `python -m indexer sync`"  # the first line of every sidecar sync writes


@dataclass(frozen=True)
class Post:
    """One issue as a source gives it. `key` identifies it across syncs (guid, post id or URL)."""

    key: str
    title: str
    body_html: str  # the article body, already cut to its container
    url: str | None = None
    date: str | None = None  # YYYY-MM-DD (UTC)
    subtitle: str | None = None
    slug: str | None = None
    language: str | None = None  # as the source states it; detected from the text otherwise
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rendered:
    """The bytes sync writes for one post."""

    html: bytes
    sidecar: bytes


def article_body(markup: str, *, page: bool) -> str:
    """The article body of a web page (`page`) or of a content fragment, as clean HTML: without
    scripts, styles, frames, forms, tracking pixels and event handlers."""
    soup = BeautifulSoup(markup, "lxml")
    container = _container(soup, page)
    for tag in container.find_all(_DROP):
        tag.decompose()
    for comment in container.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for img in container.find_all("img"):
        if _is_pixel(img):
            img.decompose()
    for tag in [container, *container.find_all(True)]:
        for name in [a for a in tag.attrs if a.lower().startswith("on")]:
            del tag[name]
    inner = container.decode_contents() if container.name in ("body", "[document]") else str(container)
    return inner.strip()


def render(post: Post, *, source: str) -> Rendered | None:
    """The HTML file and sidecar for `post`, or None when its body holds no text (the existing
    HTML reader finds no section in it)."""
    page = _page(post)
    parsed = parse_html(page, "post")
    text = "\n".join(s.text for s in parsed.sections if s.text.strip())
    if not text.strip():
        return None
    language = (post.language or "").split("-")[0].lower() or detect_language(f"{post.title}\n{text}")
    meta = {"title": post.title, "date": post.date, "url": post.url, "language": language, "source_id": post.key,
            "subtitle": post.subtitle, "tags": list(post.tags) or None}
    head = f"{WRITTEN_BY} from {source}.\n# Edit the issue file by hand and later syncs keep your version.\n"
    body = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True, sort_keys=False, width=1000)
    return Rendered(html=page.encode("utf-8"), sidecar=(head + body).encode("utf-8"))


def file_stem(post: Post) -> str:
    """`<date>_<slug>`: the slug of the post, of its URL, or of its title (ASCII, ≤ 60 characters)."""
    slug = post.slug or (post.url.rstrip("/").rsplit("/", 1)[-1] if post.url else "") or post.title
    ascii_slug = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode().lower()
    ascii_slug = _SLUG_CHARS.sub("-", ascii_slug).strip("-")[:60].rstrip("-")
    if not ascii_slug:
        ascii_slug = hashlib.sha256(post.key.encode()).hexdigest()[:12]
    return f"{post.date or 'undated'}_{ascii_slug}"


def day_of(value: float | int | str | None) -> str | None:
    """The UTC day of a Unix time or of an ISO date and time ("2024-09-16 06:00:00 UTC",
    "2024-07-01T06:00:00.000Z"), or None when there is none. Raises ValueError for anything else."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), tz=timezone.utc).strftime("%Y-%m-%d")
    stamp = datetime.fromisoformat(text.removesuffix(" UTC"))
    return (stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp).strftime("%Y-%m-%d")


def _page(post: Post) -> str:
    esc = html.escape
    head = [f"<title>{esc(post.title)}</title>"]
    if post.url:
        head.append(f'<link rel="canonical" href="{esc(post.url)}">')
    if post.date:
        head.append(f'<meta name="date" content="{post.date}">')
    lead = f'<p class="subtitle">{esc(post.subtitle)}</p>\n' if post.subtitle else ""
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n' + "\n".join(head) + "\n</head>\n<body>\n<main>\n"
        f"<h1>{esc(post.title)}</h1>\n{lead}{post.body_html}\n</main>\n</body>\n</html>\n"
    )


def _container(soup: BeautifulSoup, page: bool) -> Tag:
    found = soup.select_one(BODY_CONTAINER)
    if found is None and page:
        articles = soup.find_all("article")
        found = soup.find("main") or (articles[0] if len(articles) == 1 else None)
    return found or soup.body or soup


def _is_pixel(img: Tag) -> bool:
    size = [str(img.get(a, "")).strip().rstrip("px") for a in ("width", "height")]
    return any(s in ("0", "1") for s in size) or bool(_PIXEL_STYLE.search(str(img.get("style", "")))) or not img.get("src")


def fingerprint(data: object) -> str:
    """sha256 of `data` as sorted JSON: what a listing says of a post, to see whether it changed."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
