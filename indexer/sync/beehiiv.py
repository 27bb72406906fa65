"""The beehiiv API v2: `GET /publications/{id}/posts`, confirmed posts with their free web content.

Pages are walked with `limit`/`page` until `total_pages`, or with the cursor (`next_cursor`,
`has_more`) where the answer gives one; a cursor or a page given twice ends the walk (an API
that loops would never end it). The key goes in the `Authorization` header only. A post's body
is the `#content-blocks` container of its free web HTML. Every field is checked for its type:
a post that is not an object, or whose id, date or content is unusable, is skipped with the reason.
"""

from __future__ import annotations

import math
import os
import re
import time
from urllib.parse import quote

from indexer.errors import SyncError
from indexer.sync.http import Client
from indexer.sync.listing import Entry, Listing
from indexer.sync.post import Post, article_body, day_of, fingerprint
from indexer.sync.sites import Sites

PUB_ID = re.compile(r"pub_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)  # a publication: pub_<uuid>

API_KEY_ENV = "AIBREW_BEEHIIV_API_KEY"
API_URL_ENV = "AIBREW_BEEHIIV_API_URL"
DEFAULT_API_URL = "https://api.beehiiv.com/v2"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 10_000
_HINTS = {
    401: f"the API key was refused (check {API_KEY_ENV})",
    403: "the API key may not read this publication's posts",
    404: "no such publication (check the pub_ id)",
}


def list_from_env(publication: str, client: Client, *, name: str) -> Listing:
    """`list_posts` with the key from AIBREW_BEEHIIV_API_KEY and the base URL from AIBREW_BEEHIIV_API_URL."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        raise SyncError(name, f"no API key: set {API_KEY_ENV} to a beehiiv API key")
    if not (key.isascii() and key.isprintable()):
        raise SyncError(name, f"{API_KEY_ENV} holds characters an HTTP header cannot carry (a key is printable ASCII); "
                              "check what was pasted into it")
    return list_posts(publication, key, client, base_url=os.environ.get(API_URL_ENV) or DEFAULT_API_URL, name=name)


def list_posts(publication: str, key: str, client: Client, *, base_url: str, name: str) -> Listing:
    if not PUB_ID.fullmatch(publication):  # it goes into the path the key is sent to
        raise SyncError(name, "a beehiiv publication id is pub_ followed by a UUID")
    url = f"{base_url.rstrip('/')}/publications/{quote(publication, safe='')}/posts"
    sites = Sites.of(url)  # the key goes to the API's own scheme, host and port, never past a redirect elsewhere
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    params: dict = {"expand[]": "free_web_content", "status": "confirmed", "limit": PAGE_SIZE, "page": 1}
    listing = Listing(complete=True)
    seen: set[str] = set()  # the cursors followed and the pages read (by their posts)
    for _ in range(MAX_PAGES):
        answer = _json(client.get(url, source=name, params=params, headers=headers, hints=_HINTS, sites=sites), name)
        posts = answer["data"]
        entries = [_checked_entry(post, client) for post in posts]  # each post serialised and hashed once, for its fingerprint
        page = fingerprint([e.fingerprint if isinstance(e, Entry) else e for e in entries])
        if posts and page in seen:
            return _stopped(listing, f"the API gave the same page of posts twice (at {_where(params)}); stopped there")
        seen.add(page)
        for entry in entries:
            (listing.entries if isinstance(entry, Entry) else listing.skipped).append(entry)
        cursor = answer.get("next_cursor")
        if cursor and answer.get("has_more", True):
            if not isinstance(cursor, str) or f"cursor {cursor}" in seen:
                return _stopped(listing, f"the API gave the cursor {str(cursor)[:40]!r} twice; stopped there")
            seen.add(f"cursor {cursor}")
            params = {k: v for k, v in params.items() if k != "page"} | {"cursor": cursor}
        elif "cursor" not in params and posts and params["page"] < _total_pages(answer, name):
            params = params | {"page": params["page"] + 1}
        else:
            return listing
    raise SyncError(name, f"more than {MAX_PAGES} pages of posts; stopped")


def _stopped(listing: Listing, note: str) -> Listing:
    listing.note, listing.complete = note + "; posts listed only after it were not synced", False
    return listing


def _where(params: dict) -> str:
    return f"cursor {str(params['cursor'])[:40]!r}" if "cursor" in params else f"page {params['page']}"


def _json(response, name: str) -> dict:
    try:
        answer = response.json()
    except ValueError:
        raise SyncError(name, f"the API answered {response.headers.get('Content-Type', 'something')[:100]} that is not JSON") from None
    except RecursionError:
        raise SyncError(name, "the API answer is JSON nested too deeply to read") from None
    if isinstance(answer, dict) and answer.get("errors") and "data" not in answer:
        raise SyncError(name, f"the API answered an error: {_said(answer['errors'])}")
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):  # no `data`: not "no posts"
        raise SyncError(name, "the API answer has no `data` list of posts")
    return answer


def _said(errors: object) -> str:
    """The first error's message, on one line, clipped."""
    first = errors[0] if isinstance(errors, list) and errors else errors
    message = first.get("message") if isinstance(first, dict) else first
    return " ".join(str(message).split())[:200] or "(no message)"


def _checked_entry(post: object, client: Client) -> Entry | tuple[str, str]:
    """`_entry`, within the source's deadline. (A post whose text is not valid Unicode, a lone
    surrogate such as \\ud800, is listed: `post.render` skips it alone.)"""
    client.clock.check()
    return _entry(post)


def _total_pages(answer: dict, name: str) -> int:
    total = answer.get("total_pages") or 0
    if isinstance(total, bool) or not isinstance(total, (int, float)) or not math.isfinite(total):
        raise SyncError(name, f"the API answer's total_pages {str(total)[:40]!r} is not a whole number")
    return int(total)


def _text(value: object) -> str:
    """A text field: text, or a number written as text; anything else is no text."""
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _entry(post: object) -> Entry | tuple[str, str]:
    if not isinstance(post, dict):
        return (str(post)[:60], f"the API listed {_kind(post)}, not a post")
    key, title = _text(post.get("id")), _text(post.get("title"))
    if not key:
        return (title or "(untitled post)", "the post has no id")
    published = post.get("publish_date") or post.get("displayed_date")
    try:
        if isinstance(published, bool) or not isinstance(published, (int, float, type(None))):
            raise ValueError
        day = day_of(published)
    except ValueError:
        return (title or key, f"publish_date {str(published)[:40]!r} is not a Unix time")
    if published and published > time.time():
        return (title or key, "scheduled, not published yet")
    content = post.get("content") if isinstance(post.get("content"), dict) else {}
    free = content.get("free") if isinstance(content.get("free"), dict) else {}
    web = free.get("web") if isinstance(free.get("web"), str) and free["web"].strip() else post.get("free_web_content")
    if not isinstance(web, str) or not web.strip():
        return (title or key, "no free web content (an e-mail-only or premium post)")
    kept = {k: v for k, v in post.items() if k != "stats"}
    url = _text(post.get("web_url")) or None
    tags = post.get("content_tags") if isinstance(post.get("content_tags"), list) else []

    def load() -> Post:
        return Post(key=key, title=title or key, body_html=article_body(web, page=True), url=url, date=day,
                    subtitle=_text(post.get("subtitle")) or None, slug=_text(post.get("slug")) or None,
                    tags=tuple(t for t in map(_text, tags) if t))

    return Entry(key=key, title=title or key, url=url, fingerprint=fingerprint(kept), load=load)


def _kind(value: object) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {str: "text", list: "a list"}.get(type(value), type(value).__name__)
