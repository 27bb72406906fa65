"""One HTTP client for every sync source: bounded tries, retries with backoff, redirects checked
one by one, bounded answers, one-line errors.

Each try of a request (connecting, waiting, reading the whole answer, and the same for every
redirect it follows) is bounded by `HttpSettings.timeout` in all: a server that answers one byte a second is cut off there (see
`watchdog`). A try that timed out is not retried; connection errors and 5xx are, with
exponential backoff, and 429 and 503 wait as long as the server's `Retry-After` says (capped at
`retry_after_max`). Every source has a deadline (`HttpSettings.deadline`, see `Client.deadline`).
Redirects are followed here, not by `requests`, so that each one is checked (http or https only;
the sites a caller allows, judged by `sites.target`, the parser requests connects with) and each
message names the address that failed (without credentials, clipped); the Authorization header
goes to the very scheme, host and port it was given for, never past a redirect elsewhere. A
refusal that trying again cannot change (a redirect not followed, an answer too large) is
`Refused`. An answer is read up to `max_bytes`, as sent and once
decompressed. A failure raises SyncError naming the source and the reason; headers are never
part of a message, so an API key sent in `Authorization` cannot leak into one.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from indexer import __version__
from indexer.errors import SyncError
from indexer.sync.deadline import NO_DEADLINE, Deadline, DeadlinePassed  # noqa: F401 - DeadlinePassed re-exported
from indexer.sync.httpfail import Failed, describe_error, host_of, status_reason, timed_out
from indexer.sync.sites import ADVICE, Sites, same_site, shown, site_name, target
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


class Refused(SyncError):
    """A request sync refuses to make or finish, which no retry can change (a redirect not followed,
    an answer over the size limit, an address that is no URL): a post it fails is skipped, and
    does not keep its source failing. (An HTTP error status may pass: it is retried next sync.)"""


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
    """`get` returns an Answer with status < 400 (or 304), or raises SyncError (Refused when trying
    again cannot help, DeadlinePassed past the source's deadline)."""

    def __init__(self, settings: HttpSettings = HttpSettings()):
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.mount("http://", watched_adapter())
        self.session.mount("https://", watched_adapter())
        self.clock = NO_DEADLINE

    @contextlib.contextmanager
    def deadline(self, source: str = ""):
        """Within this block, every request and every wait ends by the source's deadline, or raises
        DeadlinePassed; the Deadline is given to the block for its parsing (see `deadline`)."""
        self.clock = Deadline(self.settings.deadline, source)
        try:
            yield self.clock
        finally:
            self.clock = NO_DEADLINE

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
                    self._wait(self._backoff(attempt + 1), source, failed.reason)
                    continue
                raise (Refused if failed.permanent else SyncError)(source, failed.reason) from None
            if answer.status_code in RETRY_STATUSES and attempt < retries:
                why = f"HTTP {answer.status_code} {status_reason(answer.status_code, answer.reason)} for {shown(answer.url)}"
                self._wait(_retry_after(answer, self.settings.retry_after_max) or self._backoff(attempt + 1), source, why)
                continue
            break
        if answer.status_code >= 400:
            tried = f" after {retries} retries" if answer.status_code in RETRY_STATUSES and retries else ""
            hint = (hints or {}).get(answer.status_code)
            where = "" if source.endswith(f" {shown(answer.url)}") else f" for {shown(answer.url)}"  # the source's own URL is named already
            raise SyncError(source, f"HTTP {answer.status_code} {status_reason(answer.status_code, answer.reason)}{tried}{where}"
                        + (f": {hint}" if hint else ""))
        return answer

    def _follow(self, url: str, params: dict | None, headers: dict, sites: Sites | None, source: str) -> Answer:
        """One try: the request and its redirects, all within `--timeout`."""
        first, started = url, time.monotonic()
        if target(url) is None:
            raise Failed(f"invalid URL {shown(url)!r} (expected http:// or https://)", permanent=True)
        if sites is not None and not sites.allows(url):
            raise Failed(f"{shown(url)} is on another site ({site_name(url)}); not fetched ({ADVICE})", permanent=True)
        for _ in range(MAX_REDIRECTS + 1):
            budget = self.settings.timeout - (time.monotonic() - started)
            if budget <= 0:
                raise Failed(f"no complete answer from {host_of(first, port=False)} within {self.settings.timeout:g} s, redirects included (timed out)")
            try:
                answer = self._once(url, params, headers, source, budget)
            except Failed as failed:
                failed.reason += f" (redirected from {shown(first)})" if url != first else ""
                raise
            try:
                to = urljoin(answer.url, answer.headers.get("Location", "")) if answer.status_code in _REDIRECTS else ""
            except ValueError:
                raise Failed(f"{shown(url)} redirected to an address that is not a URL; not followed", permanent=True) from None
            if not to:
                return answer
            if target(to) is None:
                raise Failed(f"{shown(url)} redirected to {shown(to)}, which is not an http or https address; not followed", permanent=True)
            if sites is not None and not sites.allows(to):
                raise Failed(f"{shown(url)} redirected to {shown(to)}, on another site ({site_name(to)}); not followed ({ADVICE})",
                             permanent=True)
            if not same_site(first, to):  # the key goes to the very scheme, host and port it was given for, or nowhere
                headers.pop("Authorization", None)
            url, params = to, None
        raise Failed(f"too many redirects from {shown(first)}", permanent=True)

    def _once(self, url: str, params: dict | None, headers: dict, source: str, budget: float) -> Answer:
        left = self.clock.left()
        if left is not None and left <= 0:
            raise self.clock.passed()
        budget, response = budget if left is None else min(budget, left), None
        with Watchdog(budget) as watch:
            try:
                with self.session.get(url, params=params, headers=headers, timeout=budget, stream=True,
                                      allow_redirects=False) as response:
                    content = _read(response, self.settings.max_bytes)
            except requests.exceptions.RequestException as exc:
                if not watch.fired:
                    raise Failed(describe_error(exc, url, self.settings.timeout), retry=_retryable(exc), permanent=_hopeless(exc)) from None
            except (ValueError, urllib3.exceptions.HTTPError) as exc:  # an address or header http.client cannot send
                if not watch.fired:
                    raise Failed(f"cannot send a request for {shown(url)} ({type(exc).__name__})", permanent=True) from None
        if watch.fired:
            self.clock.check()
            what = "no complete answer" if response is not None else "no answer"  # cut while reading the body, or before
            raise Failed(f"{what} from {host_of(url, port=False)} within {self.settings.timeout:g} s (timed out)")
        return Answer(response.url, response.status_code, response.reason or "", response.headers, content)

    def _wait(self, seconds: float, source: str, why: str) -> None:
        left = self.clock.left()
        if left is not None and seconds >= left:
            raise DeadlinePassed(source, f"{why}; not tried again: waiting {seconds:g} s more would pass the source's deadline "
                                         f"of {self.settings.deadline:g} s (--deadline)")
        time.sleep(seconds)

    def _backoff(self, retry: int) -> float:
        return 0.0 if retry <= 1 else self.settings.backoff * 2 ** (retry - 1)

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
        raise Failed(f"the answer is over {limit // 2**20} MB; refused", permanent=True)
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Failed(f"the answer is over {limit // 2**20} MB{' once decompressed' if encoded else ''}; refused", permanent=True)
        if response.raw.tell() > limit:
            raise Failed(f"the answer is over {limit // 2**20} MB as sent; refused", permanent=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _retryable(exc: Exception) -> bool:
    """Connection errors are tried again; a timeout (the try had its time), a bad URL or bad content is not."""
    return (isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError))
            and not isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL)) and not timed_out(exc))


def _hopeless(exc: Exception) -> bool:
    """A request that trying again cannot help: a bad address, content that is not what it declares."""
    return isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                            requests.exceptions.InvalidHeader, requests.exceptions.ContentDecodingError))


def _retry_after(answer: Answer, most: float) -> float | None:
    """Seconds the server's Retry-After asks for (429 and 503 only), capped at `most`."""
    value = answer.headers.get("Retry-After", "").strip() if answer.status_code in (429, 503) else ""
    if value.isdigit():
        return min(float(value), most)
    try:
        return min(max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0), most) if value else None
    except (TypeError, ValueError, OverflowError):
        return None
