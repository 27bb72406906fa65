"""Which sites a source may fetch pages from: its own, and the hosts listed under `hosts:` in sync.yaml.

A site is a scheme's host and port as `requests` itself connects to it: every host check here
goes through `target`, which prepares the URL as requests does and splits it with urllib3's
`parse_url`, the parser the connection pool uses. So `http://a\\@b/` is host `a` here as on the
wire (urllib.parse would say `b`), and no URL can be judged by one parser and fetched by another.
A feed on 127.0.0.1:8080 does not make 127.0.0.1:6379 its own. A host listed without a port is
allowed on the default ports (80 and 443); `host:port` allows that port only. A source's own host
on a default port is allowed on both default ports (an http link to an https site is the same site).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
import urllib3

DEFAULT_PORTS = {"http": 80, "https": 443}
ADVICE = "list its host under `hosts:` in sync.yaml to allow it"
MAX_SHOWN = 200  # characters of a URL in a message


@dataclass(frozen=True)
class Sites:
    allowed: frozenset[tuple[str, int]]

    @classmethod
    def of(cls, *urls: str, hosts: tuple[str, ...] = ()) -> "Sites":
        """The sites of `urls`, and those of `hosts` (each `host` or `host:port`)."""
        allowed: set[tuple[str, int]] = set()
        for url in urls:
            host, port = _site(url)
            allowed |= {(host, p) for p in DEFAULT_PORTS.values()} if port in DEFAULT_PORTS.values() else {(host, port)}
        for entry in hosts:
            host, _, port = entry.strip().lower().rpartition(":") if ":" in entry else (entry.strip().lower(), "", "")
            allowed |= {(host, int(port))} if port.isdigit() else {(host, p) for p in DEFAULT_PORTS.values()}
        allowed.discard(("", -1))
        return cls(frozenset(allowed))

    def allows(self, url: str) -> bool:
        return _site(url) in self.allowed


def target(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) that requests connects to for `url`; None for a URL it would not fetch
    (not http or https, no host, unparseable)."""
    try:
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, None)
        parts = urllib3.util.parse_url(prepared.url)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ValueError, UnicodeError, TypeError):
        return None
    scheme = (parts.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.host:
        return None
    return scheme, parts.host.lower(), parts.port or DEFAULT_PORTS[scheme]


def site_name(url: str) -> str:
    """`host` or `host:port`, as a message names a site."""
    host, port = _site(url)
    return clipped(host if port in DEFAULT_PORTS.values() else f"{host}:{port}")


def same_site(a: str, b: str) -> bool:
    """Whether `b` is on exactly `a`'s scheme, host and port (where a key sent to `a` may go)."""
    first = target(a)
    return first is not None and first == target(b)


def without_auth(url: str) -> str:
    """`url` without its user:password@ part (which must never be printed or written)."""
    try:
        parts = urllib3.util.parse_url(url)
    except (urllib3.exceptions.HTTPError, ValueError, UnicodeError):
        return url.rpartition("@")[2] if "://" in url else url
    return parts._replace(auth=None).url if parts.auth is not None else url


def shown(url: str) -> str:
    """The URL as a message names it: without credentials and query (which may carry expand[]/page
    parameters, never a key), host as requests connects to it, clipped to MAX_SHOWN characters."""
    try:
        parts = urllib3.util.parse_url(url)
        text = parts._replace(auth=None, query=None, fragment=None).url if parts.scheme else url
    except (urllib3.exceptions.HTTPError, ValueError, UnicodeError):
        text = without_auth(url)
    return clipped(text)


def clipped(text: str, most: int = MAX_SHOWN) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _site(url: str) -> tuple[str, int]:
    found = target(url)
    return (found[1], found[2]) if found else ("", -1)
