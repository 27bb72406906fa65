"""RSS 2.0 and Atom feeds, parsed by feedparser, fetched with conditional requests.

An item's body is its full HTML (`content:encoded`, Atom `<content>`) when the feed has it;
otherwise its description followed by the article body of its `link` page, fetched only from the
feed's own site or a host listed under `hosts:` in sync.yaml. The feed's ETag and Last-Modified
are sent back on the next sync; a 304 means nothing to do, and so does a feed whose bytes are
those of the last complete sync (its sha256 is kept: many servers send no validator). The answer reaches feedparser as a
file object, never as bytes or text (which feedparser would open as a local file if they named
one). Before feedparser sees a feed, expat, the very parser feedparser's strict mode uses, reads
the same bytes (converted to UTF-8 as feedparser converts them) with handlers that refuse any
entity declaration it parses, wherever it hides (after a comment, a processing instruction, in a
parameter entity), and more than MAX_ELEMENTS elements; it reads in chunks, checking the source's
deadline between two. A feed it finds malformed is refused there, so feedparser's loose parser
never reads it. The feed itself is fetched from its own site: a redirect elsewhere is not followed.
"""

from __future__ import annotations

import calendar
import email.utils
import hashlib
import html
import io
import re
import xml.parsers.expat
import xml.sax
from datetime import date

import feedparser
from feedparser.encodings import convert_to_utf8

from indexer.errors import SyncError
from indexer.sync.deadline import Deadline
from indexer.sync.http import Client
from indexer.sync.listing import Entry, Listing
from indexer.sync.pages import fetch_page
from indexer.sync.post import Post, article_body, fingerprint
from indexer.sync.sites import ADVICE, Sites, site_name

_HINTS = {
    401: "the feed needs a login (is the publication's feed public?)",
    403: "the feed is not public",
    404: "no feed at this address (check the URL; is the publication's RSS feed turned on and public?)",
    410: "the feed was removed",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_ELEMENTS = 2_000_000  # in one feed: 20,000 items of 10 elements each is 200,000
_CHUNK = 2**20
_ISO_DAY = re.compile(r"\s*(-?\d{1,4})-(\d{1,2})-(\d{1,2})")
_XML_START = re.compile(rb"\A(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<")


def list_feed(url: str, client: Client, state: dict, *, name: str, hosts: tuple[str, ...] = ()) -> Listing:
    headers = {}
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        headers["If-Modified-Since"] = state["last_modified"]
    sites = Sites.of(url, hosts=hosts)  # the feed's own site, not where a redirect would take it
    response = client.get(url, source=name, headers=headers, hints=_HINTS, sites=sites)
    if response.status_code == 304 and not headers:
        raise SyncError(name, "the server answered 304 Not Modified to a request that asked for no condition; nothing to read")
    if response.status_code == 304:
        return Listing(not_modified=True, note="feed not modified since the last sync (HTTP 304)", state=dict(state))
    digest = hashlib.sha256(response.content)
    digest.update(repr(sorted(hosts)).encode())  # new hosts: items to fetch again
    digest = digest.hexdigest()
    if state.get("sha256") == digest:
        return Listing(not_modified=True, note="feed unchanged since the last sync (the same bytes)", state=dict(state))
    content_type = response.headers.get("Content-Type", "")
    answered = {**{k.lower(): v for k, v in response.headers.items()}, "content-location": response.url}
    _prechecked(response.content, answered, content_type, name, client.clock)
    parsed = feedparser.parse(
        io.BytesIO(response.content),
        response_headers=answered,
        sanitize_html=False,  # clean.article_body strips what is dangerous, as for every other source
    )
    _check(parsed, content_type, response.content, name)
    language = parsed.feed.get("language")
    validators = (("etag", response.headers.get("ETag")), ("last_modified", response.headers.get("Last-Modified")), ("sha256", digest))
    listing = Listing(state={k: v for k, v in validators if v})
    for item in parsed.entries:
        client.clock.check()
        entry = _entry(item, language if isinstance(language, str) else None, client, name, sites)
        (listing.entries if isinstance(entry, Entry) else listing.skipped).append(entry)
    listing.note = (f"the feed lists {len(parsed.entries)} posts; a feed may carry only the latest ones, so older "
                    "issues may be missing: sync the beehiiv API or a posts CSV export for the whole archive")
    return listing


class _Declared(Exception):
    pass


def _prechecked(data: bytes, headers: dict, content_type: str, name: str, clock: Deadline) -> None:
    """Refuse, before feedparser reads it: a body that is not XML, XML that expat finds malformed,
    that declares an entity, or that holds more than MAX_ELEMENTS elements."""
    if not _XML_START.match(data):
        _not_a_feed(content_type, name, "the answer is not XML")
    utf8 = convert_to_utf8(dict(headers), data, {})
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    elements = 0

    def declared(*args) -> None:
        raise _Declared

    def element(*args) -> None:
        nonlocal elements
        elements += 1
        if elements > MAX_ELEMENTS:
            raise SyncError(name, f"the feed holds over {MAX_ELEMENTS:,} XML elements; refused")

    parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = declared
    parser.ExternalEntityRefHandler = lambda *args: 0
    parser.StartElementHandler = element
    try:
        for start in range(0, len(utf8), _CHUNK):
            parser.Parse(utf8[start : start + _CHUNK], False)
            clock.check()
        parser.Parse(b"", True)
    except _Declared:
        raise SyncError(name, "the feed declares XML entities (<!ENTITY>), which feeds never need; refused") from None
    except xml.parsers.expat.ExpatError as exc:
        if "html" in content_type.lower():
            _not_a_feed(content_type, name, "")
        raise SyncError(name, f"malformed XML (line {exc.lineno}: {xml.parsers.expat.ErrorString(exc.code)}); nothing was taken from it") from None
    except RecursionError:
        raise SyncError(name, "the feed is nested too deeply to read; refused") from None


def _not_a_feed(content_type: str, name: str, why: str) -> None:
    if "html" in content_type.lower():
        raise SyncError(name, "not an RSS or Atom feed (the server answered a web page: is this the site's address rather than its feed's?)")
    raise SyncError(name, f"not an RSS or Atom feed ({why})")


def _check(parsed: feedparser.FeedParserDict, content_type: str, data: bytes, name: str) -> None:
    exc = parsed.get("bozo_exception")
    if not parsed.get("version") and ("html" in content_type.lower() or not _XML_START.match(data)):
        _not_a_feed(content_type, name, "the answer is not XML")
    if isinstance(exc, xml.sax.SAXParseException):
        raise SyncError(name, f"malformed XML (line {exc.getLineNumber()}: {exc.getMessage().strip()}); nothing was taken from it")
    if not parsed.get("version"):
        raise SyncError(name, "not an RSS or Atom feed (the answer is neither RSS 2.0 nor Atom XML)")


def _entry(item: dict, language: str | None, client: Client, name: str, sites: Sites) -> Entry | tuple[str, str]:
    title = _text(item.get("title"))
    link = _text(item.get("link")) or None
    key = _text(item.get("id")) or link
    if not key:
        return (title or "(untitled item)", "the item has neither a guid nor a link")
    day = _day(item)
    contents = [c for c in item.get("content") or [] if isinstance(c.get("value"), str)]
    full = next((c["value"] for c in contents if c.get("type") in _HTML_TYPES and c["value"].strip()), None)
    if full is None and contents and contents[0]["value"].strip():
        full = "".join(f"<p>{html.escape(line)}</p>" for line in contents[0]["value"].splitlines() if line.strip())
    summary = _text(item.get("summary"))
    if full is None and link and not link.lower().startswith(("http://", "https://")):
        return (title or key, f"the item's link {link[:200]} is not an http or https address; not fetched")
    if full is None and link and not sites.allows(link):
        return (title or key, f"the item's link {link[:200]} is on another site than the feed ({site_name(link)}); not fetched ({ADVICE})")
    slug = _slug(link)
    tags = tuple(t["term"] for t in item.get("tags") or [] if isinstance(t.get("term"), str) and t["term"])
    seen = fingerprint([key, title, link, day, [c.get("value") for c in contents], summary])

    def load() -> Post:
        if full is not None:
            body = article_body(full, page=False)
        elif link:
            page = fetch_page(client, link, source=name, sites=sites, hints={404: "the item's link page is gone"})
            body = (article_body(summary, page=False) + "\n" if summary else "") + article_body(page, page=True)
        else:
            body = article_body(summary, page=False)
        return Post(key=key, title=title or slug or key, body_html=body, url=link, date=day, slug=slug,
                    language=language, tags=tags)

    return Entry(key=key, title=title or key, url=link, fingerprint=seen, load=load, vouched=bool(link) and sites.allows(link))


def _day(item: dict) -> str | None:
    """The item's UTC day, YYYY-MM-DD (years below 1000 too); None when it states none, or states
    one that does not exist (feedparser turns 2024-02-30 into March 1st: the date as written is checked)."""
    for field in ("published", "updated"):
        stamp, raw = item.get(f"{field}_parsed"), item.get(field)
        if not stamp:
            continue
        if isinstance(raw, str) and not _real(raw):
            return None
        try:
            return date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday).isoformat()
        except (ValueError, OverflowError):
            return None
    return None


def _real(raw: str) -> bool:
    """Whether the day a date as written names exists (True when it cannot be read here)."""
    iso = _ISO_DAY.match(raw)
    stated = (int(iso[1]), int(iso[2]), int(iso[3])) if iso else (email.utils.parsedate_tz(raw) or (None,))[:3]
    if None in stated or len(stated) < 3:
        return True
    year, month, day = stated
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year if 1 <= year <= 9999 else 2000, month)[1]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _slug(link: str | None) -> str | None:
    if not link:
        return None
    path = link.split("?")[0].split("#")[0].rstrip("/")
    return path.rsplit("/", 1)[-1] or None if "/p/" in path else None
