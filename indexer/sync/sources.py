"""Where issues come from: a source is `KIND:VALUE`, on the command line or in `sync.yaml`.

Kinds:
  feed:URL          an RSS 2.0 or Atom feed (https://rss.beehiiv.com/feeds/<id>.xml, https://<pub>.beehiiv.com/feed)
  beehiiv:PUB_ID    the beehiiv API v2 (key in AIBREW_BEEHIIV_API_KEY; base URL AIBREW_BEEHIIV_API_URL)
  csv:PATH          a posts CSV export (id, web_title, url, created_at, content_html, ...)
  page:URL          one public post page (/p/<slug>)
  archive:URL       a site's archive page: every /p/<slug> page it links to, following its pages

A bare value is recognised when its kind is plain: a `pub_` id, a `.csv` path, a URL with
`/p/` in its path, a URL ending in `.xml`, `/feed` or `/rss`.

Each kind lists its posts (see `listing`); an entry's `load` fetches what the listing does not
hold (a post page), so an entry whose fingerprint has not changed is never fetched. Post pages
come from the source's own site only; `hosts:` in sync.yaml lists other hosts allowed (`host`
or `host:port`), e.g. the publication's site for a feed served from rss.beehiiv.com.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from indexer.errors import IndexerError
from indexer.sync import beehiiv, csvfile, feed, pages
from indexer.sync.http import Client
from indexer.sync.beehiiv import PUB_ID
from indexer.sync.files import read_regular
from indexer.sync.listing import Listing
from indexer.sync.sites import clipped, target, without_auth

KINDS = ("feed", "beehiiv", "csv", "page", "archive")
URL_KINDS = ("feed", "page", "archive")
MAX_NAME_CHARS = 200
CONFIG_FILE = Path("sync.yaml")


@dataclass(frozen=True)
class SyncConfig:
    """What sync.yaml says: the sources, and the hosts post pages may also come from."""

    sources: list["Source"]
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    kind: str
    value: str

    @property
    def name(self) -> str:
        """How messages, sidecars and the manifest name it: without credentials (user:password@),
        and a long value clipped (with a digest of the rest, so that two sources keep two names)."""
        value = without_auth(self.value) if self.kind in URL_KINDS else self.value
        value = " ".join(value.split())
        if len(value) > MAX_NAME_CHARS:
            value = f"{value[:MAX_NAME_CHARS]}…{hashlib.sha256(self.value.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"
        return f"{self.kind} {value}"


class ConfigError(IndexerError):
    """A source spec or sync.yaml that cannot be understood."""


def parse_source(spec: str) -> Source:
    """`KIND:VALUE`, or a bare value whose kind is plain (see the module's docstring)."""
    spec = spec.strip()
    kind, sep, value = spec.partition(":")
    if sep and kind.lower() in KINDS and value.strip():
        return _checked(Source(kind.lower(), value.strip()))
    guessed = _guess(spec)
    if guessed is None:
        raise ConfigError(f"source {clipped(without_auth(spec))!r}: cannot tell its kind; write it as KIND:VALUE with KIND one of "
                          f"{', '.join(KINDS)}")
    return _checked(Source(guessed, spec))


def _checked(source: Source) -> Source:
    """`source`, or ConfigError when its value cannot be what its kind needs: a beehiiv publication
    is `pub_<uuid>` (it goes into the API's path, with the key), a URL is one requests can fetch."""
    if source.kind == "beehiiv" and not PUB_ID.fullmatch(source.value):
        raise ConfigError(f"source {clipped(source.name)!r}: a beehiiv publication id is pub_ followed by a UUID "
                          "(pub_00000000-0000-0000-0000-000000000000)")
    if source.kind in URL_KINDS and target(source.value) is None:
        raise ConfigError(f"source {clipped(source.name)!r}: not an http:// or https:// URL with a host")
    return source


def load_config(path: Path) -> SyncConfig:
    """What a sync.yaml lists: `sources:`, a list of KIND:VALUE strings, and optionally `hosts:`,
    a list of hosts (`host` or `host:port`) that post pages may also be fetched from."""
    try:
        data = yaml.safe_load(read_regular(Path(path)).decode("utf-8")) or {}  # a FIFO is refused, not waited on
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot be read ({(str(exc).splitlines() or [type(exc).__name__])[0]})") from None
    specs = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise ConfigError(f"{path}: expected `sources:` followed by a list of KIND:VALUE strings")
    hosts = data.get("hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and re.fullmatch(r"[\w.-]+(:\d+)?", h.strip()) for h in hosts):
        raise ConfigError(f"{path}: `hosts:` must be a list of host names, each `host` or `host:port`")
    return SyncConfig([parse_source(s) for s in specs], tuple(h.strip().lower() for h in hosts))


def list_source(source: Source, client: Client, state: dict, hosts: tuple[str, ...] = ()) -> Listing:
    """The entries of `source`; `state` is what its last complete sync kept (feed validators);
    post pages may come from the source's own site and from `hosts`."""
    if source.kind == "feed":
        return feed.list_feed(source.value, client, state, name=source.name, hosts=hosts)
    if source.kind == "beehiiv":
        return beehiiv.list_from_env(source.value, client, name=source.name)
    if source.kind == "csv":
        return csvfile.list_csv(Path(source.value), name=source.name, clock=client.clock)
    if source.kind == "page":
        return pages.list_pages([source.value], client, name=source.name, hosts=hosts)
    return pages.list_archive(source.value, client, name=source.name, hosts=hosts)


def _guess(value: str) -> str | None:
    if PUB_ID.fullmatch(value):
        return "beehiiv"
    if value.lower().endswith(".csv") and "://" not in value:
        return "csv"
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    path = parts.path.rstrip("/")
    if "/p/" in parts.path:
        return "page"
    if path.endswith((".xml", "/feed", "/rss")) or parts.hostname == "rss.beehiiv.com":
        return "feed"
    if path.endswith("/archive"):
        return "archive"
    return None
