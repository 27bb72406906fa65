"""RSS 2.0 and Atom feeds, parsed by feedparser, fetched with conditional requests.

An item's body is its full HTML (`content:encoded`, Atom `<content>`) when the feed has it;
otherwise its description followed by the article body of its `link` page. The feed's ETag and
Last-Modified are sent back on the next sync; a 304 means nothing to do.
"""

from __future__ import annotations

import html
import time
import xml.sax
from urllib.parse import urlsplit

import feedparser

from indexer.errors import SyncError
from indexer.sync.http import Client
from indexer.sync.post import Post, article_body, fingerprint
from indexer.sync.listing import Entry, Listing

_HINTS = {
    401: "the feed needs a login (is the publication's feed public?)",
    403: "the feed is not public",
    404: "no feed at this address (check the URL; is the publication's RSS feed turned on and public?)",
    410: "the feed was removed",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def list_feed(url: str, client: Client, state: dict, *, name: str) -> Listing:
    headers = {}
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        headers["If-Modified-Since"] = state["last_modified"]
    response = client.get(url, source=name, headers=headers, hints=_HINTS)
    if response.status_code == 304:
        return Listing(not_modified=True, note="feed not modified since the last sync (HTTP 304)", state=dict(state))
    parsed = feedparser.parse(
        response.content,
        response_headers={**{k.lower(): v for k, v in response.headers.items()}, "content-location": response.url},
    )
    _check(parsed, response.headers.get("Content-Type", ""), name)
    language = parsed.feed.get("language")
    listing = Listing(state={k: v for k, v in (("etag", response.headers.get("ETag")),
                                               ("last_modified", response.headers.get("Last-Modified"))) if v})
    for item in parsed.entries:
        entry = _entry(item, language, client, name)
        if isinstance(entry, Entry):
            listing.entries.append(entry)
        else:
            listing.skipped.append(entry)
    listing.note = (f"the feed lists {len(parsed.entries)} posts; a feed may carry only the latest ones, so older "
                    "issues may be missing: sync the beehiiv API or a posts CSV export for the whole archive")
    return listing


def _check(parsed: feedparser.FeedParserDict, content_type: str, name: str) -> None:
    exc = parsed.get("bozo_exception")
    if not parsed.get("version") and "html" in content_type.lower():
        raise SyncError(name, "not an RSS or Atom feed (the server answered a web page: is this the site's address rather than its feed's?)")
    if isinstance(exc, xml.sax.SAXParseException):
        raise SyncError(name, f"malformed XML (line {exc.getLineNumber()}: {exc.getMessage().strip()}); nothing was taken from it")
    if not parsed.get("version"):
        raise SyncError(name, "not an RSS or Atom feed (the answer is neither RSS 2.0 nor Atom XML)")


def _entry(item: dict, language: str | None, client: Client, name: str) -> Entry | tuple[str, str]:
    title = (item.get("title") or "").strip()
    link = item.get("link")
    key = item.get("id") or link
    if not key:
        return (title or "(untitled item)", "the item has neither a guid nor a link")
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    day = time.strftime("%Y-%m-%d", stamp) if stamp else None
    contents = item.get("content") or []
    full = next((c["value"] for c in contents if c.get("type") in _HTML_TYPES and c.get("value", "").strip()), None)
    if full is None and contents and contents[0].get("value", "").strip():
        full = "".join(f"<p>{html.escape(line)}</p>" for line in contents[0]["value"].splitlines() if line.strip())
    summary = item.get("summary") or ""
    slug = _slug(link)
    tags = tuple(t["term"] for t in item.get("tags") or [] if t.get("term"))
    seen = fingerprint([key, title, link, day, [c.get("value") for c in contents], summary])

    def load() -> Post:
        if full is not None:
            body = article_body(full, page=False)
        elif link:
            page = client.get(link, source=name, hints={404: "the item's link page is gone"})
            body = (article_body(summary, page=False) + "\n" if summary else "") + article_body(page.text, page=True)
        else:
            body = article_body(summary, page=False)
        return Post(key=key, title=title or slug or key, body_html=body, url=link, date=day, slug=slug,
                    language=language, tags=tags)

    return Entry(key=key, title=title or key, url=link, fingerprint=seen, load=load)


def _slug(link: str | None) -> str | None:
    if not link:
        return None
    path = urlsplit(link).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or None if "/p/" in path else None
