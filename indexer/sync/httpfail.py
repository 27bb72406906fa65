"""Why a request failed, in one line: what `http.Client` says when it got no usable answer."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests
import urllib3

_STATUS_NAMES = {401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone", 429: "too many requests"}


class Failed(Exception):
    """A try that got no usable answer: `reason` for the message; `retry` when another try may succeed."""

    def __init__(self, reason: str, *, retry: bool = False):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def describe_error(exc: Exception, url: str, timeout: float) -> str:
    """A short reason for a request to `url` that got no HTTP answer."""
    host = urlsplit(url).hostname or url
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL)):
        return f"invalid URL {shown(url)!r} (expected http:// or https://)"
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text or "Name or service not known" in text:
        return f"DNS lookup failed for {host} (no such host, or no network)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        port = urlsplit(url).port
        return f"connection refused by {host}" + (f":{port}" if port else "")
    if timed_out(exc):
        return f"no answer from {host} within {timeout:g} s (timed out)"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error talking to {host}"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return f"the answer from {host} is not the compressed data it declares"
    return f"cannot reach {host} ({type(chain[-1]).__name__})"


def timed_out(exc: Exception) -> bool:
    return any(isinstance(e, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)) for e in _causes(exc))


def status_reason(status: int, reason: str) -> str:
    """The status's name: ours for the usual ones, else the server's reason phrase (printed safely by the CLI)."""
    return _STATUS_NAMES.get(status) or reason[:100] or "error"


def shown(url: str) -> str:
    """The URL without its query (which may carry expand[]/page parameters, never a key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else url


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
