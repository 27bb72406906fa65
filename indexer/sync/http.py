"""One HTTP client for every sync source: timeouts, retries with backoff, Retry-After, one-line errors.

`requests` does the HTTP and urllib3's `Retry` the retrying: connection errors and 5xx are
retried with exponential backoff, 429 and 503 wait as long as the server's `Retry-After` says
(capped at `HttpSettings.retry_after_max`). A failure raises SyncError naming the source and
the reason (DNS, connection refused, timeout, HTTP status with a hint). Headers are never part
of a message, so an API key sent in `Authorization` cannot leak into one.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from indexer import __version__
from indexer.errors import SyncError

USER_AGENT = f"aibrew-search/{__version__} (archive sync)"
_STATUS_NAMES = {401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone", 429: "too many requests"}


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0  # seconds, for connecting and for each read
    retries: int = 3  # retries after the first try, on connection errors, 5xx and 429
    backoff: float = 0.5  # seconds: the second retry waits backoff * 2, the third backoff * 4, ...
    retry_after_max: int = 120  # seconds: a longer Retry-After is cut to this


class Client:
    """A `requests.Session` with retries mounted; `get` returns a response with status < 400
    (or 304), or raises SyncError."""

    def __init__(self, settings: HttpSettings = HttpSettings()):
        self.settings = settings
        retry = Retry(
            total=settings.retries,
            backoff_factor=settings.backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET", "HEAD"),
            respect_retry_after_header=True,
            retry_after_max=settings.retry_after_max,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str, *, source: str, params: dict | None = None, headers: dict | None = None,
            hints: dict[int, str] | None = None) -> requests.Response:
        """GET `url`; a failure is a SyncError "<source>: <reason>", the reason taken from `hints`
        by status code when there is one there."""
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.settings.timeout)
        except requests.exceptions.RequestException as exc:
            raise SyncError(source, describe_error(exc, url, self.settings.timeout)) from None
        if response.status_code >= 400:
            name = _STATUS_NAMES.get(response.status_code) or response.reason or "error"
            tried = f" after {self.settings.retries} retries" if response.status_code in (429, 500, 502, 503, 504) else ""
            hint = (hints or {}).get(response.status_code)
            where = "" if source.endswith(f" {url}") else f" for {_shown(url)}"  # the source's own URL is named already
            raise SyncError(source, f"HTTP {response.status_code} {name}{tried}{where}" + (f": {hint}" if hint else ""))
        return response

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def describe_error(exc: Exception, url: str, timeout: float) -> str:
    """A short reason for a request that got no HTTP answer."""
    host = urlsplit(url).hostname or url
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL)):
        return f"invalid URL {url!r} (expected http:// or https://)"
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text or "Name or service not known" in text:
        return f"DNS lookup failed for {host} (no such host, or no network)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        port = urlsplit(url).port
        return f"connection refused by {host}" + (f":{port}" if port else "")
    if any(isinstance(e, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)) for e in chain):
        return f"no answer from {host} within {timeout:g} s (timed out)"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error talking to {host}"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return f"too many redirects from {_shown(url)}"
    return f"cannot reach {host} ({type(chain[-1]).__name__})"


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc`, its arguments that are exceptions (urllib3's MaxRetryError) and their reasons and causes."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        e = todo.pop()
        if e in seen:
            continue
        seen.append(e)
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        todo += [x for x in (getattr(e, "reason", None), e.__cause__, e.__context__) if isinstance(x, BaseException)]
    return seen


def _shown(url: str) -> str:
    """The URL without its query (which may carry expand[]/page parameters, never a key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else url
