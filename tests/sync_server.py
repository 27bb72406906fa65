"""A real HTTP server on 127.0.0.1 serving the sync fixtures (tests/fixtures/sync), for tests and the benchmark.

Routes map a path (and, for API pages, the `page` or `cursor` parameter) to a `Reply`. A route
can answer a queued list of other replies first (a 429 with Retry-After, a 503), compare the
request's `If-None-Match` with its ETag (304), require a Bearer key (401), wait before it
answers, or trickle its answer one byte at a time. Every request is recorded (path, query, headers) so tests can look at what was sent.
"""

from __future__ import annotations

import calendar
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sync"
PUBLICATION = "pub_5a8c1e2f-0b7d-4e3a-9f61-2c4d8e0a7b13"
API_POSTS = f"/v2/publications/{PUBLICATION}/posts"
API_KEY = "sk-test-9f2b7c41d8e06a35"
TYPES = {".xml": "application/rss+xml; charset=utf-8", ".json": "application/json", ".html": "text/html; charset=utf-8"}


@dataclass
class Reply:
    body: str | bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    etag: str | None = None  # answer 304 to a request whose If-None-Match is this
    bearer: str | None = None  # answer 401 unless Authorization is "Bearer <this>"
    delay: float = 0.0
    before: list["Reply"] = field(default_factory=list)  # answered first, one per request
    reason: str | None = None  # the status line's reason phrase (the standard one by default)
    trickle: float = 0.0  # seconds between two bytes of the body (a server that trickles)
    trickle_headers: bool = False  # trickle the status line and headers too


@dataclass
class Request:
    path: str
    query: dict
    headers: dict


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up (timed out, killed) is no error here
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FixtureServer:
    """`with FixtureServer() as server:` serves on server.base until the block ends."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Reply] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer._answer(self)

            def log_message(self, *args):
                pass

        self.httpd = _Server((host, 0), Handler)
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FixtureServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fixture(self, name: str) -> str:
        """A fixture's text with @BASE@ replaced by this server's address."""
        return (FIXTURES / name).read_text(encoding="utf-8").replace("@BASE@", self.base)

    def serve(self, path: str, name: str | None = None, **reply) -> Reply:
        """Serve fixture `name` (or `reply['body']`) at `path`; returns the Reply so tests can change it."""
        if name is not None:
            reply.setdefault("body", self.fixture(name))
            reply.setdefault("headers", {}).setdefault("Content-Type", TYPES.get(Path(name).suffix, "text/plain"))
        self.routes[path] = Reply(**reply)
        return self.routes[path]

    def serve_site(self) -> None:
        """The post pages, the archive pages, the feeds and the API pages, at their usual paths."""
        for page in sorted((FIXTURES / "pages").glob("*.html")):
            self.serve(f"/p/{page.stem}", f"pages/{page.name}")
        self.serve("/archive", "archive.html")
        self.serve("/archive?page=1", "archive.html")
        self.serve("/archive?page=2", "archive_page2.html")
        self.serve("/feed", "rss_full.xml", etag='"rss-full-1"', headers={"Last-Modified": "Mon, 17 Jun 2024 06:05:00 GMT"})
        self.serve("/summary.xml", "rss_summary.xml")
        self.serve("/atom.xml", "atom.xml", headers={"Content-Type": "application/atom+xml"})
        self.serve("/malformed.xml", "malformed.xml")
        for n in (1, 2, 3):
            self.serve(f"{API_POSTS}?page={n}", f"api_page{n}.json", bearer=API_KEY)

    def serve_many(self, n: int, *, delay: float = 0.0) -> None:
        """`n` generated posts (French, built from the fixture pages), served three ways: an archive
        page at /many/archive linking to /p/<slug>, an RSS feed with content:encoded at
        /many/feed, and API pages of 100 at /v2/publications/pub_00000000-0000-4000-8000-000000000008/posts."""
        posts = many_posts(n)
        links = "".join(f'<a href="/p/{slug}">{title}</a>\n' for slug, title, _, _ in posts)
        self.serve("/many/archive", body=f"<html><body><h1>Archive</h1>{links}</body></html>", headers={"Content-Type": TYPES[".html"]})
        items = []
        for number, (slug, title, day, body) in enumerate(posts):
            page = (f'<html><head><title>{title}</title><meta property="article:published_time" content="{day}T06:00:00Z">'
                    f'<script>gtag("config")</script></head><body><nav>AI Brew</nav><div id="web-header"><h1>{title}</h1></div>'
                    f'<div id="content-blocks">{body}</div><footer>Se désabonner</footer></body></html>')
            self.serve(f"/p/{slug}", body=page, delay=delay, headers={"Content-Type": TYPES[".html"]})
            stamp = time.strftime("%a, %d %b %Y 06:00:00 +0000", time.strptime(day, "%Y-%m-%d"))
            items.append(f"<item><title>{title}</title><link>{self.base}/p/{slug}</link><guid isPermaLink=\"false\">many-{number}</guid>"
                         f"<pubDate>{stamp}</pubDate><content:encoded><![CDATA[{body}]]></content:encoded></item>")
        self.serve("/many/feed", body='<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                   f'<channel><title>AI Brew</title><link>{self.base}/</link><language>fr</language>{"".join(items)}</channel></rss>',
                   headers={"Content-Type": TYPES[".xml"]})
        pages = [posts[i : i + 100] for i in range(0, len(posts), 100)]
        for k, chunk in enumerate(pages, 1):
            data = [{"id": f"post_many_{slug}", "title": title, "subtitle": "", "slug": slug, "web_url": f"{self.base}/p/{slug}",
                     "publish_date": calendar.timegm(time.strptime(day, "%Y-%m-%d")), "content_tags": [], "status": "confirmed",
                     "content": {"free": {"web": f'<html><body><div id="content-blocks">{body}</div></body></html>'}}}
                    for slug, title, day, body in chunk]
            self.serve(f"/v2/publications/pub_00000000-0000-4000-8000-000000000008/posts?page={k}", headers={"Content-Type": TYPES[".json"]}, bearer=API_KEY,
                       body=json.dumps({"data": data, "limit": 100, "page": k, "total_pages": len(pages), "total_results": n}))

    def seen(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(Request(parts.path, query, headers))
            route = self._route(parts.path, query)
            reply = route.before.pop(0) if route is not None and route.before else route
        if reply is None:
            return self._send(handler, Reply(b"<h1>404</h1>", status=404, headers={"Content-Type": "text/html"}))
        time.sleep(reply.delay)
        if reply.bearer is not None and headers.get("authorization") != f"Bearer {reply.bearer}":
            return self._send(handler, Reply(b'{"errors":[{"message":"Unauthorized"}]}', status=401,
                                             headers={"Content-Type": "application/json"}))
        if reply.etag is not None and headers.get("if-none-match") == reply.etag:
            return self._send(handler, Reply(b"", status=304, headers={"ETag": reply.etag}))
        self._send(handler, reply)

    def _route(self, path: str, query: dict) -> Reply | None:
        for name in ("page", "cursor"):
            if name in query and f"{path}?{name}={query[name][0]}" in self.routes:
                return self.routes[f"{path}?{name}={query[name][0]}"]
        return self.routes.get(path)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        headers = dict(reply.headers)
        if reply.etag:
            headers["ETag"] = reply.etag
        headers["Content-Length"] = str(len(body))
        if reply.trickle_headers:
            head = f"HTTP/1.1 {reply.status} {reply.reason or 'OK'}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            return _trickle(handler, (head + "\r\n").encode("latin-1") + body, reply.trickle)
        handler.send_response(reply.status, reply.reason)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if reply.status == 304:
            return
        if reply.trickle:
            return _trickle(handler, body, reply.trickle)
        handler.wfile.write(body)


def _trickle(handler: BaseHTTPRequestHandler, data: bytes, pause: float) -> None:
    """Send `data` one byte at a time, `pause` seconds apart, until done or the client hangs up."""
    handler.wfile.flush()
    for byte in data:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(pause)



_TOPICS = [
    ("robots", "Des robots dans l'usine numéro {n}", "Les robots humanoïdes de l'usine {n} déplacent des bacs entre les étagères et les tapis roulants."),
    ("climat", "L'IA et le climat, épisode {n}", "Les centres de données de la région {n} consomment deux fois plus d'électricité qu'en 2022."),
    ("sante", "L'IA à l'hôpital, chapitre {n}", "Le service de radiologie {n} teste un modèle de langage qui rédige les comptes rendus."),
    ("banques", "Les agents IA des banques, volet {n}", "La banque {n} confie à des agents IA le tri des réclamations de ses clients."),
]


def many_posts(n: int) -> list[tuple[str, str, str, str]]:
    """(slug, title, YYYY-MM-DD, body HTML) of `n` distinct generated posts, one a week from 2022
    (closer together when there are more than fit before 2026: all are published)."""
    out = []
    step = min(7 * 86400, (1767139200 - 1641196800) // max(n, 1))
    for i in range(n):
        key, title, line = _TOPICS[i % len(_TOPICS)]
        day = time.strftime("%Y-%m-%d", time.gmtime(1641196800 + i * step))
        body = (f"<h2>🔍 {title.format(n=i)}</h2><p>{line.format(n=i)} Les premiers essais ont commencé le {day}.</p>"
                f"<h2>📢 News</h2><p>Numéro {i} : la rédaction d'AI Brew résume la semaine de l'intelligence artificielle.</p>"
                '<img src="https://track.example.net/open.gif" width="1" height="1">')
        out.append((f"{key}-{i}", title.format(n=i), day, body))
    return out
