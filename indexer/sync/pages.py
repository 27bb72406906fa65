"""Public post pages: given one by one (`/p/<slug>` URLs), or found from a site's archive page.

A page gives its title (beehiiv's `#web-header h1`, og:title, the first <h1> or <title>), its
subtitle, its date (article:published_time, <time datetime>, or a date its header states), its
canonical URL and its article body (`#content-blocks`). An archive page is read for links to
`/p/<slug>` on the same site and for links to its own further pages (`?page=N`), up to
MAX_ARCHIVE_PAGES pages. Post pages are fetched from the source's own site only (see `sites`),
and must be HTML text.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from indexer.errors import InputError, SyncError
from indexer.read.dates import date_in_text
from indexer.read.decode import decode_bytes
from indexer.sync.http import Client
from indexer.sync.listing import Entry, Listing
from indexer.sync.clean import check_elements
from indexer.sync.files import normal_url
from indexer.sync.post import Post, PostRefused, article_body, day_of
from indexer.sync.sites import Sites, shown

MAX_ARCHIVE_PAGES = 200
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_GONE = {404: "the post page is gone", 410: "the post page is gone"}


def fetch_page(client: Client, url: str, *, source: str, sites: Sites, hints: dict[int, str] = _GONE) -> str:
    """The text of the post page at `url` (on `sites` only); PostRefused when it is not HTML text."""
    answer = client.get(url, source=source, hints=hints, sites=sites)
    kind = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and kind not in HTML_TYPES:
        raise PostRefused(f"the post page is {kind[:60]}, not HTML")
    try:  # decoded by the reader's own rule, which refuses binary and empty pages
        return decode_bytes(answer.content, url, charset=answer.charset)
    except InputError as exc:
        raise PostRefused(f"the post page is not text ({exc.reason})") from None


def list_pages(urls: list[str], client: Client, *, name: str, hosts: tuple[str, ...] = ()) -> Listing:
    return Listing(entries=[_entry(_normal(u), client, name, Sites.of(u, hosts=hosts)) for u in urls])


def list_archive(url: str, client: Client, *, name: str, hosts: tuple[str, ...] = ()) -> Listing:
    """Every post the archive page links to, following its pagination; complete unless it has
    more than MAX_ARCHIVE_PAGES pages."""
    start, own = urlsplit(url), Sites.of(url)
    sites = Sites.of(url, hosts=hosts)
    todo, seen_pages, posts, read = [url], {_normal(url)}, {}, 0
    while todo and read < MAX_ARCHIVE_PAGES:
        page_url = todo.pop(0)
        read += 1
        text = client.get(page_url, source=name, hints={404: "no archive page at this address"}, sites=sites).text
        try:
            check_elements(text)
        except PostRefused as exc:
            raise SyncError(name, f"the archive page {shown(page_url)} is refused: {exc}") from None
        soup = BeautifulSoup(text, "lxml")
        for link in soup.find_all("a", href=True):
            target = urlsplit(urljoin(page_url, link["href"]))
            if not own.allows(urlunsplit(target)):
                continue
            if target.path.startswith("/p/") and len(target.path) > 3:
                posts.setdefault(_normal(urlunsplit(target)), None)
            elif target.path.rstrip("/") == start.path.rstrip("/") and "page=" in target.query:
                key = urlunsplit(target._replace(fragment=""))
                if key not in seen_pages:
                    seen_pages.add(key)
                    todo.append(key)
    listing = Listing(entries=[_entry(u, client, name, sites) for u in posts], complete=not todo)
    if todo:
        listing.note = (f"stopped after {MAX_ARCHIVE_PAGES} archive pages (the limit): posts listed only on later pages "
                        "were not synced, and none is reported as removed upstream")
    return listing


def parse_post_page(text: str, url: str) -> Post:
    check_elements(text)  # before a soup is built of it
    soup = BeautifulSoup(text, "lxml")
    header = soup.select_one("#web-header")
    body = article_body(text, page=True)  # first: it refuses a page nested too deeply to read
    title = _first(soup.select_one("#web-header h1"), _meta(soup, "og:title"), soup.find("h1"), soup.title) or url
    subtitle = _first(soup.select_one("#web-header h2"), _meta(soup, "og:description"), _meta(soup, "description"))
    stated = _meta(soup, "article:published_time") or (soup.find("time", datetime=True) or {}).get("datetime")
    day = _day(stated) or (date_in_text(header.get_text(" ")) if header else None)
    canonical = soup.find("link", rel="canonical", href=True)
    page_url = canonical["href"] if canonical and canonical["href"].startswith("http") else url
    slug = urlsplit(page_url).path.rstrip("/").rsplit("/", 1)[-1] or None
    return Post(key=url, title=title, body_html=body, url=page_url, date=day, subtitle=subtitle, slug=slug)


def _entry(url: str, client: Client, name: str, sites: Sites) -> Entry:
    def load() -> Post:
        return parse_post_page(fetch_page(client, url, source=name, sites=sites), url)

    return Entry(key=url, title=url, url=url, fingerprint=None, load=load)


def _day(stated: str | None) -> str | None:
    try:
        return day_of(stated)
    except ValueError:
        return date_in_text(stated or "")


def _first(*candidates) -> str | None:
    for found in candidates:
        text = found if isinstance(found, str) else (found.get_text(" ", strip=True) if found is not None else "")
        if text and text.strip():
            return " ".join(text.split())
    return None


def _meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"property": key, "content": True}) or soup.find("meta", attrs={"name": key, "content": True})
    return tag["content"] if tag else None


def _normal(url: str) -> str:
    """The URL without fragment, tracking parameters (utm_*...) and trailing slash; the rest of its
    query is kept (`?p=1` and `?p=2` are two posts, and each is fetched at its own address)."""
    parts = urlsplit(normal_url(url))
    return urlunsplit(parts._replace(path=parts.path or "/"))
