"""Why a request failed, in one line: what `http.Client` says when it got no usable answer."""

from __future__ import annotations

import http.client
import socket

import requests
import urllib3

from indexer.sync.sites import shown, target

_STATUS_NAMES = {401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone", 429: "too many requests"}


class Failed(Exception):
    """A try that got no usable answer: `reason` for the message; `retry` when another try may succeed."""

    def __init__(self, reason: str, *, retry: bool = False, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.retry, self.permanent = reason, retry, permanent


def describe_error(exc: Exception, url: str, timeout: float) -> str:
    """A short reason for a request to `url` that got no HTTP answer."""
    host = host_of(url, port=False)
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL)):
        return f"invalid URL {shown(url)!r} (expected http:// or https://)"
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text or "Name or service not known" in text:
        return f"DNS lookup failed for {host} (no such host, or no network)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return f"connection refused by {host_of(url)}"
    if timed_out(exc):
        return f"no answer from {host} within {timeout:g} s (timed out)"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error talking to {host}"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return f"the answer from {host} is not the compressed data it declares"
    answered = (http.client.HTTPException, urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError,
                requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HeaderParsingError)
    if any(isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)) for e in chain):
        return f"{host} closed the connection before a whole answer"
    if any(isinstance(e, answered) for e in chain):
        return f"the answer from {host} is not valid HTTP ({type(chain[-1]).__name__})"
    return f"cannot reach {host} ({type(chain[-1]).__name__})"


def host_of(url: str, *, port: bool = True) -> str:
    """The host (with its port when not the default, and `port`) that requests connects to for
    `url` (the URL, shown, when none)."""
    found = target(url)
    if found is None:
        return shown(url)
    scheme, host, number = found
    return host if not port or number == (80 if scheme == "http" else 443) else f"{host}:{number}"


def timed_out(exc: Exception) -> bool:
    return any(isinstance(e, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)) for e in _causes(exc))


def status_reason(status: int, reason: str) -> str:
    """The status's name: ours for the usual ones, else the server's reason phrase (printed safely by the CLI)."""
    return _STATUS_NAMES.get(status) or reason[:100] or "error"



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
