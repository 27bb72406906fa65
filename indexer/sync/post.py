"""A fetched post, and what sync writes for it: a clean HTML file and its metadata sidecar.

The body is cleaned by `clean.article_body`. What is written must be what a rebuild indexes,
so sync applies the archive reader's own limits: the page is checked with its HTML reader (a
post in which it finds no text is not written), a page over the reader's file size limit is
refused, control characters (NUL...) are removed, titles are clipped as the reader clips them,
tags and other metadata are bounded so that the sidecar stays under the reader's limit, and the
metadata goes through the reader's own checks. The sidecar holds what `indexer.read.meta`
reads (title, date, url, language) plus the post's source id, subtitle and tags, which the
reader ignores.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from indexer.errors import InputError
from indexer.read import MAX_FILE_BYTES, MAX_TITLE_CHARS
from indexer.read.html import parse_html
from indexer.read.lines import clip
from indexer.read.meta import MAX_META_CHARS, checked_metadata
from indexer.sync.clean import PostRefused, article_body  # noqa: F401 - re-exported for the sources
from indexer.sync.sites import without_auth
from indexer.terminal import printable

_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # what the reader counts as binary
_NUMBER = re.compile(r"\d+(?:\.\d*)?")
_LAST_DAY = 253402300799  # 9999-12-31T23:59:59Z in Unix seconds
WRITTEN_BY = "# Written by `python -m indexer sync`"  # the first line of every sidecar sync writes
SYNC_SOURCE, SYNC_KEY = "synced_from", "sync_key"  # the sidecar's record of where the post came from (see files.written_by_sync)
_BREAKS = re.compile("[\n\r\t\x0b\x0c\x85\u2028\u2029]")  # what YAML, Python or a terminal takes for a line break
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")  # controls, bidi marks
MAX_TAGS, MAX_TAG_CHARS, MAX_TEXT_CHARS, MAX_URL_CHARS = 50, 100, 1000, 2000


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


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when PyYAML has it: the same YAML, 5x faster


def render(post: Post, *, source: str, key: str | None = None) -> Rendered:
    """The HTML file and sidecar for `post` (listed by `source` as `key`), as the archive's reader
    will read them; raises PostRefused when the reader would not index it (no text, too large,
    text that is not valid Unicode)."""
    post = bounded(post)
    page = _CONTROLS.sub("", _page(post))
    try:
        data = page.encode("utf-8")
        (post.title + (post.subtitle or "") + (post.url or "") + "".join(post.tags) + post.key + (key or "")).encode("utf-8")
    except UnicodeError:
        raise PostRefused("the post holds text that is not valid Unicode (a lone surrogate)") from None
    if len(data) > MAX_FILE_BYTES:
        raise PostRefused(f"the post is {len(data) / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB an issue file may be")
    if not any(s.text.strip() for s in parse_html(page, "post").sections):
        raise PostRefused("no text in the post's body")
    language = (post.language or "").split("-")[0].lower() or None  # else the reader detects it, once, at rebuild
    meta = {"title": post.title, "date": post.date, "url": post.url, "language": language, "source_id": clip(post.key, 500),
            "subtitle": post.subtitle, "tags": list(post.tags) or None, SYNC_SOURCE: source, SYNC_KEY: key}
    head = f"{WRITTEN_BY} from {one_line(source)}.\n# Edit the issue file by hand and later syncs keep your version.\n"
    meta = {k: v for k, v in meta.items() if v}
    sidecar = head + yaml.dump(meta, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
    try:  # the reader's own checks, on what the sidecar's YAML reads back as (safe_dump writes text as text)
        if len(sidecar) > MAX_META_CHARS:
            raise InputError("post.html", f"{len(sidecar):,} characters long, at most {MAX_META_CHARS:,}")
        checked_metadata(meta, Path("post.html"), "metadata")
    except InputError as exc:
        raise PostRefused(f"its metadata would not be read ({exc.reason})") from None
    return Rendered(html=data, sidecar=sidecar.encode("utf-8"))


def bounded(post: Post) -> Post:
    """`post` with its metadata as the reader takes it: one-line titles without control
    characters, clipped; at most MAX_TAGS short tags; an http(s) url only."""
    url = post.url.strip() if isinstance(post.url, str) and post.url.strip().lower().startswith(("http://", "https://")) else None
    url = without_auth(url) if url else None
    return Post(key=post.key, title=_line(post.title, MAX_TITLE_CHARS) or _line(post.key, MAX_TITLE_CHARS) or "(untitled)",
                body_html=post.body_html, url=url if url and len(url) <= MAX_URL_CHARS else None, date=post.date,
                subtitle=_line(post.subtitle, MAX_TEXT_CHARS), slug=post.slug, language=_line(post.language, 20),
                tags=tuple(t for t in (_line(t, MAX_TAG_CHARS) for t in post.tags[:MAX_TAGS]) if t))


def one_line(text: str, most: int = 300) -> str:
    """`text` on one line, whatever reads it: no control character, no line break of any kind
    (YAML and Unicode count NEL, U+2028 and U+2029 as ones), no bidirectional override; clipped."""
    return clip(" ".join(_HIDDEN.sub("", _BREAKS.sub(" ", str(text))).split()), most)


def _line(text: str | None, most: int) -> str | None:
    return clip(" ".join(printable(_CONTROLS.sub(" ", text)).split()), most) or None if text else None


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
    "2024-07-01T06:00:00.000Z"), or None when there is none. Raises ValueError for anything else,
    a time before 1970 or after 9999 included."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        if isinstance(value, bool):
            raise ValueError("true/false is no date")
        if isinstance(value, (int, float)) or _NUMBER.fullmatch(text):
            seconds = float(text)
            if not (math.isfinite(seconds) and 0 <= seconds <= _LAST_DAY):
                raise ValueError(f"{text[:40]} is not a Unix time between 1970 and 9999")
            return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d")
        stamp = datetime.fromisoformat(text.removesuffix(" UTC"))
        return (stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp).strftime("%Y-%m-%d")
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{text[:40]} is out of range") from exc


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


def fingerprint(data: object) -> str:
    """sha256 of `data` as sorted JSON: what a listing says of a post, to see whether it changed."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")).hexdigest()
