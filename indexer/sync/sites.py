"""Which sites a source may fetch pages from: its own, and the hosts listed under `hosts:` in sync.yaml.

A site is a host and a port (the scheme's default port when none is written): a feed on
127.0.0.1:8080 does not make 127.0.0.1:6379 its own. A host listed without a port is allowed on
the default ports (80 and 443); `host:port` allows that port only. A source's own host on a
default port is allowed on both default ports (an http link to an https site is the same site).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
ADVICE = "list its host under `hosts:` in sync.yaml to allow it"


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
        return cls(frozenset(allowed))

    def allows(self, url: str) -> bool:
        return _site(url) in self.allowed


def site_name(url: str) -> str:
    """`host` or `host:port`, as a message names a site."""
    host, port = _site(url)
    return host if port in DEFAULT_PORTS.values() else f"{host}:{port}"


def _site(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), -1)
    except ValueError:  # an impossible port or address is no site
        return "", -1
