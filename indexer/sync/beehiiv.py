"""The beehiiv API v2: `GET /publications/{id}/posts`, confirmed posts with their free web content.

Pages are walked with `limit`/`page` until `total_pages`, or with the cursor (`next_cursor`,
`has_more`) where the answer gives one. The key goes in the `Authorization` header only.
A post's body is the `#content-blocks` container of its free web HTML.
"""

from __future__ import annotations

import os
import time

from indexer.errors import SyncError
from indexer.sync.http import Client
from indexer.sync.post import Post, article_body, day_of, fingerprint
from indexer.sync.listing import Entry, Listing

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
    return list_posts(publication, key, client, base_url=os.environ.get(API_URL_ENV) or DEFAULT_API_URL, name=name)


def list_posts(publication: str, key: str, client: Client, *, base_url: str, name: str) -> Listing:
    url = f"{base_url.rstrip('/')}/publications/{publication}/posts"
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    params: dict = {"expand[]": "free_web_content", "status": "confirmed", "limit": PAGE_SIZE, "page": 1}
    listing = Listing(complete=True)
    for _ in range(MAX_PAGES):
        answer = _json(client.get(url, source=name, params=params, headers=headers, hints=_HINTS), name)
        for post in answer.get("data") or []:
            entry = _entry(post)
            if isinstance(entry, Entry):
                listing.entries.append(entry)
            else:
                listing.skipped.append(entry)
        if answer.get("next_cursor") and answer.get("has_more", True):
            params = {k: v for k, v in params.items() if k != "page"} | {"cursor": answer["next_cursor"]}
        elif "cursor" not in params and answer.get("data") and params["page"] < int(answer.get("total_pages") or 0):
            params = params | {"page": params["page"] + 1}
        else:
            return listing
    raise SyncError(name, f"more than {MAX_PAGES} pages of posts; stopped")


def _json(response, name: str) -> dict:
    try:
        answer = response.json()
    except ValueError:
        raise SyncError(name, f"the API answered {response.headers.get('Content-Type', 'something')} that is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("data", []), list):
        raise SyncError(name, "the API answer has no `data` list of posts")
    return answer


def _entry(post: dict) -> Entry | tuple[str, str]:
    key, title = str(post.get("id") or ""), (post.get("title") or "").strip()
    if not key:
        return (title or "(untitled post)", "the post has no id")
    published = post.get("publish_date") or post.get("displayed_date")
    if published is not None and not isinstance(published, (int, float)):
        return (title or key, f"publish_date {published!r} is not Unix seconds")
    if published and published > time.time():
        return (title or key, "scheduled, not published yet")
    content = post.get("content") if isinstance(post.get("content"), dict) else {}
    web = ((content.get("free") or {}).get("web") if isinstance(content.get("free"), dict) else None) or post.get("free_web_content")
    if not web:
        return (title or key, "no free web content (an e-mail-only or premium post)")
    kept = {k: v for k, v in post.items() if k != "stats"}

    def load() -> Post:
        return Post(key=key, title=title or key, body_html=article_body(web, page=True), url=post.get("web_url"),
                    date=day_of(published), subtitle=(post.get("subtitle") or "").strip() or None, slug=post.get("slug"),
                    tags=tuple(str(t) for t in post.get("content_tags") or []))

    return Entry(key=key, title=title or key, url=post.get("web_url"), fingerprint=fingerprint(kept), load=load)
