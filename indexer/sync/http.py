"""One HTTP client for every sync source: bounded tries, retries with backoff, redirects checked
one by one, bounded answers, one-line errors.

Each try of a request (connecting, waiting, reading the whole answer) is bounded by
`HttpSettings.timeout` in all: a server that answers one byte a second is cut off there (see
`watchdog`). A try that timed out is not retried; connection errors and 5xx are, with
exponential backoff, and 429 and 503 wait as long as the server's `Retry-After` says (capped at
`retry_after_max`). Every source has a deadline (`HttpSettings.deadline`, see `Client.deadline`).
Redirects are followed here, not by `requests`, so that each one is checked (http or https only;
the sites a caller allows) and each message names the address that failed; the Authorization
header is not sent to another site. An answer is read up to `max_bytes`, as sent and once
decompressed. A failure raises SyncError naming the source and the reason; headers are never
part of a message, so an API key sent in `Authorization` cannot leak into one.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from indexer import __version__
from indexer.errors import SyncError
from indexer.sync.httpfail import Failed, describe_error, shown, status_reason, timed_out
from indexer.sync.sites import ADVICE, Sites, site_name
from indexer.sync.watchdog import Watchdog, watched_adapter

USER_AGENT = f"aibrew-search/{__version__} (archive sync)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
_REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 30.0  # seconds one try of a request may take in all: connecting, waiting, reading
    retries: int = 3  # retries after the first try, on connection errors, 5xx and 429
    backoff: float = 0.5  # seconds: the second retry waits backoff * 2, the third backoff * 4, ...
    retry_after_max: int = 120  # seconds: a longer Retry-After is cut to this
    deadline: float | None = 3600.0  # seconds one source may take in all (None: no limit)
    max_bytes: int = 64 * 2**20  # of one answer, as sent and once decompressed


class DeadlinePassed(SyncError):
    """The source ran past its deadline; what it wrote stays."""


@dataclass
class Answer:
    """A whole HTTP answer: status < 400 (or 304) unless a caller asked for any."""

    url: str
    status_code: int
    reason: str
    headers: CaseInsensitiveDict
    content: bytes

    @property
    def charset(self) -> str | None:
        """The charset its Content-Type declares, if any."""
        return requests.utils.get_encoding_from_headers({"content-type": self.headers.get("Content-Type", "")})

    @property
    def text(self) -> str:
        """The body as text: in its declared charset, else UTF-8, else cp1252."""
        charset = self.charset
        for encoding in ([charset] if charset and charset.lower() != "iso-8859-1" else []) + ["utf-8", "cp1252"]:
            with contextlib.suppress(LookupError, UnicodeDecodeError):
                return self.content.decode(encoding)
        return self.content.decode("latin-1")

    def json(self) -> object:
        return json.loads(self.content)


class Client:
    """`get` returns an Answer with status < 400 (or 304), or raises SyncError."""

    def __init__(self, settings: HttpSettings = HttpSettings()):
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.mount("http://", watched_adapter())
        self.session.mount("https://", watched_adapter())
        self._deadline: float | None = None

    @contextlib.contextmanager
    def deadline(self):
        """Within this block, every request and every wait ends by the source's deadline, or raises DeadlinePassed."""
        self._deadline = None if self.settings.deadline is None else time.monotonic() + self.settings.deadline
        try:
            yield
        finally:
            self._deadline = None

    def get(self, url: str, *, source: str, params: dict | None = None, headers: dict | None = None,
            hints: dict[int, str] | None = None, sites: Sites | None = None) -> Answer:
        """GET `url`, following redirects (only to `sites` when given); a failure is a SyncError
        "<source>: <reason>", the reason taken from `hints` by status code when there is one there."""
        retries = self.settings.retries
        for attempt in range(retries + 1):
            try:
                answer = self._follow(url, params, dict(headers or {}), sites, source)
            except Failed as failed:
                if failed.retry and attempt < retries:
                    self._wait(self._backoff(attempt + 1), source)
                    continue
                raise SyncError(source, failed.reason) from None
            if answer.status_code in RETRY_STATUSES and attempt < retries:
                self._wait(_retry_after(answer, self.settings.retry_after_max) or self._backoff(attempt + 1), source)
                continue
            break
        if answer.status_code >= 400:
            tried = f" after {retries} retries" if answer.status_code in RETRY_STATUSES and retries else ""
            hint = (hints or {}).get(answer.status_code)
            where = "" if source.endswith(f" {answer.url}") else f" for {shown(answer.url)}"  # the source's own URL is named already
            raise SyncError(source, f"HTTP {answer.status_code} {status_reason(answer.status_code, answer.reason)}{tried}{where}"
                            + (f": {hint}" if hint else ""))
        return answer

    def _follow(self, url: str, params: dict | None, headers: dict, sites: Sites | None, source: str) -> Answer:
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = self._once(url, params, headers, source)
            except Failed as failed:
                failed.reason += f" (redirected from {shown(first)})" if url != first else ""
                raise
            target = urljoin(answer.url, answer.headers.get("Location", "")) if answer.status_code in _REDIRECTS else ""
            if not target:
                return answer
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise Failed(f"{shown(url)} redirected to {shown(target)}, which is not an http or https address; not followed")
            if sites is not None and not sites.allows(target):
                raise Failed(f"{shown(url)} redirected to {shown(target)}, on another site ({site_name(target)}); not followed ({ADVICE})")
            if self.session.should_strip_auth(url, target):
                headers.pop("Authorization", None)
            url, params = target, None
        raise Failed(f"too many redirects from {shown(first)}")

    def _once(self, url: str, params: dict | None, headers: dict, source: str) -> Answer:
        budget, response = self._budget(source), None
        with Watchdog(budget) as watch:
            try:
                with self.session.get(url, params=params, headers=headers, timeout=budget, stream=True,
                                      allow_redirects=False) as response:
                    content = _read(response, self.settings.max_bytes)
            except requests.exceptions.RequestException as exc:
                if not watch.fired:
                    raise Failed(describe_error(exc, url, budget), retry=_retryable(exc)) from None
        if watch.fired:
            if self._deadline is not None and time.monotonic() >= self._deadline:
                raise self._passed(source)
            what = "no complete answer" if response is not None else "no answer"  # cut while reading the body, or before
            raise Failed(f"{what} from {urlsplit(url).hostname or url} within {budget:g} s (timed out)")
        return Answer(response.url, response.status_code, response.reason or "", response.headers, content)

    def _budget(self, source: str) -> float:
        if self._deadline is None:
            return self.settings.timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._passed(source)
        return min(self.settings.timeout, left)

    def _wait(self, seconds: float, source: str) -> None:
        if self._deadline is not None and time.monotonic() + seconds >= self._deadline:
            raise self._passed(source)
        time.sleep(seconds)

    def _backoff(self, retry: int) -> float:
        return 0.0 if retry <= 1 else self.settings.backoff * 2 ** (retry - 1)

    def _passed(self, source: str) -> DeadlinePassed:
        return DeadlinePassed(source, f"stopped: the source took longer than its deadline of {self.settings.deadline:g} s (--deadline)")

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read(response: requests.Response, limit: int) -> bytes:
    """The whole body, or Failed once it passes `limit` bytes as sent or once decompressed."""
    encoded = response.headers.get("Content-Encoding", "").strip().lower() not in ("", "identity")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise Failed(f"the answer is over {limit // 2**20} MB; refused")
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Failed(f"the answer is over {limit // 2**20} MB{' once decompressed' if encoded else ''}; refused")
        if response.raw.tell() > limit:
            raise Failed(f"the answer is over {limit // 2**20} MB as sent; refused")
        chunks.append(chunk)
    return b"".join(chunks)


def _retryable(exc: Exception) -> bool:
    """Connection errors are tried again; a timeout (the try had its time), a bad URL or bad content is not."""
    return (isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError))
            and not isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL)) and not timed_out(exc))


def _retry_after(answer: Answer, most: float) -> float | None:
    """Seconds the server's Retry-After asks for (429 and 503 only), capped at `most`."""
    value = answer.headers.get("Retry-After", "").strip() if answer.status_code in (429, 503) else ""
    if value.isdigit():
        return min(float(value), most)
    try:
        return min(max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0), most) if value else None
    except (TypeError, ValueError, OverflowError):
        return None
