"""Hostile feeds and API pages for `python -m indexer sync` (issue 17): a seeded generator of
sources served by a real HTTP server on 127.0.0.1, and a campaign that syncs them with the real
command and counts what must never happen.

Each generated source is an RSS feed, an Atom feed or a beehiiv API listing of a few posts. Every
post carries a marker word (`fzq<case>x<post>`). Posts are drawn from hostile kinds: titles made of
path tricks, terminal escapes, NUL, 30,000 characters, titles that collide once made file names,
WordPress `?p=N` links, duplicate API ids, `javascript:` / `data:` / `<base href>` / SVG
`xlink:href` markup, a bare `<embed>` before the text, 3,000 tags, items without content whose link
page is binary, nested 1,000 levels deep or on another host, API fields of the wrong type, dates of
31 digits or NaN. Whole sources are hostile too: XML declaring entities, a body naming a local file,
a gzip bomb, truncated or mutated XML, API pages that repeat or have garbage `total_pages`.

Issue 24 widened it: URL-parser differentials (item links `http://OTHER\\@OWN/...` and
`http://OWN@OTHER/...`, a feed or an API redirecting to `OTHER\\@OWN`), where OTHER is a second
server on 127.0.0.2 that records every request; entity declarations hidden after a comment or a
processing instruction, or in a parameter entity; cross-source identity (posts of several sources
of one batch share guids); resource bounds on parsing (a post of 150,000 tags, JSON nested 100,000
deep, a feed of 3,000 items or a source whose pages answer slowly, both past the `--deadline`);
API error bodies; and symlinked state (every batch also syncs into an archive whose `.sync`, or
its lock, is a link to a folder outside: it must be refused, with nothing written there).

A post whose kind the index can read is *expected*: it must be in the archive afterwards, read by
the archive's reader. The campaign counts:
- tracebacks (the command's exit code is not 0 or 1, or its stderr holds a traceback) and posts
  skipped with an internal error;
- files created or changed outside the archive folder, and archive paths that resolve outside it;
- posts lost: expected posts not indexed (one post overwriting another included), files sync
  wrote that the reader refuses, and posts a second sync writes again;
- dangerous links kept in what sync wrote, and pages of other hosts that reached the archive;
- duplicates (a marker indexed from two files), requests that reached the other host, and
  requests that carried the API key there (key leaks);
- sources that ran past their `--deadline` by more than 10% (each source's time is in its
  summary line).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from tests.sync_server import API_KEY, FixtureServer, Reply

RSS_TYPE = "application/rss+xml; charset=utf-8"
JSON_TYPE = "application/json"
REPO = Path(__file__).resolve().parents[1]

PATH_TITLES = ["../../../../etc/passwd", "/tmp/évasion", "..", "a/b/../../c", "C:\\Windows\\win.ini", ".cache", "~root",
               "CON", "nul.txt", "%2e%2e%2fsecret", "\\\\serveur\\partage", "-rf --no-preserve-root", "   "]
ESCAPES = ["\x1b[2J\x1b[31mROUGE", "\x07\x08\x1b]0;titre\x07", "\x00nul"]  # JSON only: XML 1.0 has no such characters
XML_ESCAPES = ["\u202etxt.exe", "\x9b31mCSI", "\u2066isolé\u2069", "\x85\u2028ligne"]
COLLIDING = ["Café", "Cafe", "CAFÉ", "café!", "L'IA générative dans les banques européennes et les assurances – partie 1",
             "L'IA générative dans les banques européennes et les assurances – partie 2"]
DANGEROUS = ('<base href="https://evil.example/"><a href="javascript:alert(1)">lien</a> <a href=" JaVaScRiPt:alert(2)">x</a> '
             '<a href="vbscript:msgbox(1)">v</a> <img src="data:text/html;base64,PHNjcmlwdD4="> '
             '<svg><a xlink:href="javascript:alert(3)"><text>svg</text></a></svg>'
             '<math><mi xlink:href="data:text/html,x">m</mi></math><a href="java&#x09;script:alert(4)">t</a>')
_DANGER = re.compile(r"^\s*(javascript|vbscript|data):", re.I)

# post kinds: the index reads these (expected in the archive) ...
KEPT = ("plain", "path_title", "escape_title", "nul_title", "long_title", "collide", "query_url", "dangerous", "embed",
        "many_tags", "duplicate_id", "page_body")
# ... and these are refused with a reason (or kept when sync manages to read them: never counted lost)
REFUSED = ("deep", "binary_page", "offsite_page", "bad_types", "bad_date", "no_text", "empty_title", "backslash_link",
           "userinfo_link", "tag_flood")
LINKED = ("page_body", "deep", "binary_page", "offsite_page", "no_text", "backslash_link", "userinfo_link")  # a page to fetch
MUST_BE_ZERO = ("tracebacks", "internal_errors", "outside", "lost", "refused_by_reader", "rewritten", "dangerous_kept", "offsite_read",
                "duplicates", "other_host_requests", "key_leaks", "over_deadline", "state_escapes")
SOURCE_FAULTS = ("entities", "local_path", "gzip_bomb", "truncated", "mutated", "not_xml", "api_repeat", "api_total_pages",
                 "api_data_garbage", "entities_hidden", "feed_redirect_other", "api_redirect_other", "api_deep_json",
                 "api_error_body", "slow_pages", "huge_feed")
XML_FAULTS = ("entities", "truncated", "mutated", "not_xml", "entities_hidden", "feed_redirect_other", "slow_pages", "huge_feed")
API_FAULTS = ("api_repeat", "api_total_pages", "api_data_garbage", "api_redirect_other", "api_deep_json", "api_error_body")
HIDDEN_ENTITIES = ('<!DOCTYPE rss [<!--<x--><!ENTITY q "qqqqqqqqqq">]>', '<?pi <x?><!DOCTYPE rss [<!ENTITY q "qqqqqqqqqq">]>',
                   '<!DOCTYPE rss [<!ENTITY % p "<!ENTITY q \'qq\'>"> %p;]>')
DEADLINE, TIMEOUT = 10, 5  # seconds, given to every sync run


@dataclass
class Case:
    spec: str  # the --source given to sync
    kind: str  # rss, atom or api
    routes: dict[str, Reply] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)  # markers that must be indexed afterwards
    fault: str | None = None  # the source-level fault, if any (then nothing is expected)
    secrets: set[str] = field(default_factory=set)  # markers that must never reach the archive
    posts: int = 0
    other_routes: dict[str, Reply] = field(default_factory=dict)  # what the other host (127.0.0.2) serves


def _body(marker: str) -> str:
    return (f"<p>Repère {marker} : la rédaction d'AI Brew résume ce que cette annonce change pour les entreprises "
            "européennes, avec les chiffres publiés cette semaine.</p>")


def _post(rng: random.Random, kind: str, marker: str, n: int, base: str, prefix: str, xml: bool, other: str) -> dict:
    """One post as the generator sees it: title, guid, link, date, content (None: fetch the link), page."""
    post = {"title": f"Numéro {marker}", "guid": f"guid-{marker}", "link": f"https://aibrew.example/p/{marker}",
            "date": "Mon, 10 Jun 2024 06:00:00 +0000", "content": _body(marker), "page": None, "tags": [], "api": {}}
    if rng.random() < 0.3:  # cross-source identity: sources of one batch give their posts the same few guids
        post["guid"] = f"shared-{rng.randrange(4)}"
    if kind == "path_title":
        post["title"] = rng.choice(PATH_TITLES) + f" {marker}" * rng.randint(0, 1)
    elif kind == "escape_title":
        post["title"] = rng.choice(XML_ESCAPES + ([] if xml else ESCAPES)) + f" {marker}"
    elif kind == "nul_title":
        post["title"] = f"Titre{chr(0xFEFF) + chr(0x200B) if xml else chr(0)}{marker}"  # XML 1.0 has no NUL: invisible ones
    elif kind == "long_title":
        post["title"] = "Très long titre " * 2000
    elif kind == "collide":
        post["title"] = rng.choice(COLLIDING)
    elif kind == "query_url":
        post["link"] = post["guid"] = f"https://blog.example/?p={prefix[1:]}{n:02d}"  # WordPress's default permalinks
    elif kind == "dangerous":
        post["content"] = DANGEROUS + _body(marker)
    elif kind == "embed":
        post["content"] = f'<p>Avant.</p><embed src="video.swf" type="application/x-shockwave-flash">{_body(marker)}'
    elif kind == "many_tags":
        post["tags"] = [f"étiquette-{k}" for k in range(3000)]
    elif kind == "duplicate_id":
        post["guid"] = f"guid-dup-{prefix}"
    elif kind == "tag_flood":
        post["content"] = "<b>x</b>" * 60_000 + _body(marker)
    elif kind in LINKED:
        post["content"] = None
        post["link"] = f"{base}/fz/{prefix}/p{n}"
        page = f'<html><body><div id="content-blocks">{_body(marker)}</div></body></html>'
        if kind == "deep":
            page = "<html><body>" + "<div>" * 1000 + _body(marker) + "</div>" * 1000 + "</body></html>"
        elif kind == "binary_page":
            page = b"\x89PNG\r\n\x1a\n" + rng.randbytes(4000)
        elif kind == "offsite_page":
            post["link"] = f"{base.replace('127.0.0.1', 'localhost')}/fz/{prefix}/p{n}"
        elif kind == "backslash_link":  # urllib.parse reads the host after @, requests connects to the one before \
            post["link"] = f"{other}\\@{base.removeprefix('http://')}/fz/{prefix}/p{n}"
        elif kind == "userinfo_link":
            post["link"] = f"http://{base.removeprefix('http://')}@{other.removeprefix('http://')}/fz/{prefix}/p{n}"
        elif kind == "no_text":
            page = '<html><body><div id="content-blocks"><img src="x.png"></div></body></html>'
        post["page"] = page
    elif kind == "bad_types":
        post["api"] = rng.choice([{"title": 12}, {"slug": 3.5}, {"web_url": 7}, {"subtitle": ["x"]}, {"content": {"free": {"web": 5}}}])
    elif kind == "bad_date":
        post["date"] = rng.choice(["9" * 31, "Mon, 99 Foo 2024 99:99:99 +9999", "-5", ""])
        post["api"] = {"publish_date": rng.choice([-5, True, -1e20, math.nan, 10**31, "demain"])}
    elif kind == "empty_title":
        post["title"] = ""
    return post


def _feed(posts: list[dict], atom: bool) -> str:
    out = []
    for p in posts:
        if atom:
            content = f'<content type="html">{escape(p["content"])}</content>' if p["content"] else "<summary>Résumé.</summary>"
            out.append(f'<entry><title>{escape(p["title"])}</title><id>{escape(p["guid"])}</id><link href="{escape(p["link"])}"/>'
                       f'<updated>2024-06-10T06:00:00Z</updated>{content}</entry>')
        else:
            content = f"<content:encoded><![CDATA[{p['content']}]]></content:encoded>" if p["content"] else "<description>Résumé.</description>"
            tags = "".join(f"<category>{escape(t)}</category>" for t in p["tags"])
            out.append(f'<item><title>{escape(p["title"])}</title><guid isPermaLink="false">{escape(p["guid"])}</guid>'
                       f'<link>{escape(p["link"])}</link><pubDate>{escape(p["date"])}</pubDate>{tags}{content}</item>')
    if atom:
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>AI Brew</title>'
                f'<id>urn:aibrew</id><updated>2024-06-10T06:00:00Z</updated>{"".join(out)}</feed>')
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f'<channel><title>AI Brew</title><link>https://aibrew.example/</link><language>fr</language>{"".join(out)}</channel></rss>')


def _api_post(p: dict, n: int) -> dict:
    post = {"id": p["guid"], "title": p["title"], "subtitle": "", "slug": f"post-{n}", "web_url": p["link"],
            "publish_date": 1718000000 + n, "content_tags": p["tags"], "status": "confirmed",
            "content": {"free": {"web": f'<html><body><div id="content-blocks">{p["content"] or ""}</div></body></html>'}}}
    return post | p["api"]


def _has_text(p: dict) -> bool:
    return p["content"] is not None or isinstance(p["page"], str)


def hostile_case(rng: random.Random, number: int, base: str, bomb: bytes, other: str = "http://127.0.0.2:9") -> Case:
    """Source `number`: its routes on the server at `base` (and on the other host's, at `other`),
    and what must be indexed from it."""
    prefix = f"c{number}"
    kind = rng.choice(("rss", "atom", "api"))
    fault = rng.choice(SOURCE_FAULTS) if rng.random() < 0.25 else None
    if kind == "api" and fault in XML_FAULTS:
        fault = rng.choice(API_FAULTS + ("local_path", "gzip_bomb"))
    if kind != "api" and fault in API_FAULTS:
        fault = rng.choice(XML_FAULTS)
    if fault in ("slow_pages", "huge_feed") and rng.random() < 0.6:  # each costs a whole --deadline per run: fewer of them
        fault = rng.choice(("entities_hidden", "feed_redirect_other", "truncated"))
    kinds = [rng.choice(KEPT + REFUSED) for _ in range(rng.randint(2, 7))]
    if kind == "api":  # an API post has its content: no link page to fetch
        kinds = [k if k not in LINKED else "plain" for k in kinds]
    if fault == "slow_pages":
        kinds = ["page_body"] * 14
    posts = [_post(rng, k, f"fzq{number}x{n}", n, base, prefix, kind != "api", other) for n, k in enumerate(kinds)]
    if fault == "huge_feed":
        posts += [_post(rng, "plain", f"fzq{number}h{n}", n, base, prefix, True, other) for n in range(3000)]
    path = f"/fz/{prefix}/" + ("feed.xml" if kind != "api" else "")
    spec = f"feed:{base}{path}" if kind != "api" else f"beehiiv:pub_00000000-0000-4000-8000-{number:012d}"
    case = Case(spec=spec, kind=kind, fault=fault, posts=len(posts))
    for n, (k, p) in enumerate(zip(kinds, posts)):
        if isinstance(p["page"], (str, bytes)):
            page_type = "image/png" if k == "binary_page" else "text/html; charset=utf-8"
            case.routes[f"/fz/{prefix}/p{n}"] = Reply(body=p["page"], headers={"Content-Type": page_type},
                                                      delay=1.0 if fault == "slow_pages" else 0.0)
        if k in ("offsite_page", "backslash_link", "userinfo_link"):
            case.secrets.add(f"fzq{number}x{n}")  # the other host serves this page too: its text must never be filed
            case.other_routes[f"/fz/{prefix}/p{n}"] = Reply(body=p["page"], headers={"Content-Type": "text/html"})
        elif fault is None and k in KEPT and _has_text(p) and not (kind == "api" and p["api"]):
            case.expected.add(f"fzq{number}x{n}")
    if kind == "api":
        data = [_api_post(p, n) for n, p in enumerate(posts)]
        body = json.dumps({"data": data, "limit": 100, "page": 1, "total_pages": 1}, allow_nan=True)
        api = f"/v2/publications/pub_00000000-0000-4000-8000-{number:012d}/posts"
        if fault == "api_repeat":
            body = json.dumps({"data": data, "limit": 100, "page": 1, "total_pages": 10**6, "next_cursor": "same"})
        elif fault == "api_total_pages":
            body = json.dumps({"data": data, "limit": 100, "page": 1, "total_pages": rng.choice(["abc", None, -3, 1e300])})
        elif fault == "api_data_garbage":
            body = json.dumps({"data": rng.choice([[1, "x", None], {"a": 1}, "x", None]), "total_pages": 1})
        elif fault == "api_deep_json":
            body = "[" * 100_000 + "]" * 100_000
        elif fault == "api_error_body":
            body = json.dumps({"errors": [{"message": "Publication suspended\n  new: forged.html"}]})
        if fault == "api_redirect_other":
            case.other_routes[api] = Reply(body=body, headers={"Content-Type": JSON_TYPE})
            case.routes[api] = Reply(status=302, headers={"Location": f"{other}\\@{base.removeprefix('http://')}{api}"})
            return case
        case.routes[api] = _faulted(Reply(body=body, headers={"Content-Type": JSON_TYPE}, bearer=API_KEY), fault, rng, bomb)
        return case
    text = _feed(posts, atom=kind == "atom")
    if fault == "entities":
        text = text.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
                            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>').replace("<title>AI Brew</title>", "<title>&b;</title>")
        text = text.replace('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "x">]>')
    elif fault == "entities_hidden":
        text = text.replace("<title>AI Brew</title>", "<title>" + "&q;" * 90 + "</title>", 1)
        head = rng.choice(HIDDEN_ENTITIES)
        text = text.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>' + head)
        text = text.replace('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="utf-8"?>' + head.replace("rss", "feed"))
    elif fault == "feed_redirect_other":
        case.other_routes[path] = Reply(body=text, headers={"Content-Type": RSS_TYPE})
        case.secrets |= {f"fzq{number}x{n}" for n in range(len(posts))}
        case.routes[path] = Reply(status=301, headers={"Location": f"{other}{path}"})
        return case
    elif fault == "truncated":
        text = text[: rng.randint(1, max(1, len(text) - 1))]
    elif fault == "mutated":
        raw = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 30)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        text = bytes(raw)
    elif fault == "not_xml":
        text = rng.choice(["<html><body>Pas un flux</body></html>", "{}", "", "\x00" * 100])
    case.routes[path] = _faulted(Reply(body=text, headers={"Content-Type": RSS_TYPE}), fault, rng, bomb)
    return case


def _faulted(reply: Reply, fault: str | None, rng: random.Random, bomb: bytes) -> Reply:
    """`reply`, or what replaces it for a source-level fault: a body naming a local file, a gzip bomb."""
    if fault == "local_path":
        reply.body = rng.choice(["/dev/zero", "/etc/passwd", "/etc/hostname", str(Path(__file__).resolve()), "/proc/self/environ"])
    elif fault == "gzip_bomb":
        reply.body, reply.headers = bomb, {**reply.headers, "Content-Encoding": "gzip"}
    return reply


def gzip_bomb(mib: int = 100) -> bytes:
    """`mib` MiB of zeros, gzipped (about 100 KB): over sync's 64 MiB cap on a decompressed answer."""
    return gzip.compress(b"\0" * (mib * 2**20), compresslevel=9)


def run_campaign(n_sources: int, workdir: Path, *, seed: int = 17, batch: int = 25, timeout: int = 900) -> dict:
    """Generate `n_sources` hostile sources, sync them with the real command (`batch` sources per
    run, each into a fresh archive, then a second time), and count what went wrong (see the module)."""
    rng = random.Random(seed)
    bomb = gzip_bomb()
    counts = {"sources": 0, "posts": 0, "expected": 0, "indexed": 0, "source_errors": 0, "skipped": 0, "runs": 0,
              "tracebacks": 0, "internal_errors": 0, "outside": 0, "lost": 0, "refused_by_reader": 0, "rewritten": 0,
              "dangerous_kept": 0, "offsite_read": 0, "duplicates": 0, "other_host_requests": 0, "key_leaks": 0,
              "over_deadline": 0, "state_escapes": 0, "worst_source_s": 0.0, "worst_source": "", "faults": {}, "problems": []}
    with FixtureServer() as server, FixtureServer(host="127.0.0.2") as other:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "AIBREW_BEEHIIV_API_KEY": API_KEY,
               "AIBREW_BEEHIIV_API_URL": f"{server.base}/v2"}
        for start in range(0, n_sources, batch):
            cases = [hostile_case(rng, number, server.base, bomb, other.base) for number in range(start, min(n_sources, start + batch))]
            for case in cases:
                server.routes.update(case.routes)
                other.routes.update(case.other_routes)
                counts["faults"][case.fault or "none"] = counts["faults"].get(case.fault or "none", 0) + 1
            folder = workdir / f"batch{start}"
            archive = folder / "archive"
            folder.mkdir(parents=True)
            (folder / "bystander.html").write_text("<p>Hors de l'archive.</p>", encoding="utf-8")
            before = _outside(workdir, archive)
            config = folder / "sync.yaml"
            config.write_text(json.dumps({"sources": [c.spec for c in cases]}), encoding="utf-8")
            first = _sync(config, archive, env, timeout, counts)
            second = _sync(config, archive, env, timeout, counts)
            stopped = {c.spec.replace(":", " ", 1) for c in cases if c.fault in ("slow_pages", "huge_feed")}  # they go on where they stopped
            counts["rewritten"] += sum(int(n) for name, n in re.findall(r"^(\S+ \S+): (\d+) new", second, re.M) if name not in stopped)
            changed = {p for p, h in _outside(workdir, archive).items() if before.get(p) != h}
            counts["outside"] += len(changed) + _escaping(archive)
            counts["problems"] += [f"written outside the archive: {p}" for p in sorted(changed)]
            _linked_state(config, folder, env, counts, lock=start // batch % 2 == 1)
            _judge(cases, archive, first, counts)
            with other._lock:
                seen, other.requests[:] = list(other.requests), []
            counts["other_host_requests"] += len(seen)
            counts["key_leaks"] += sum(API_KEY in json.dumps(r.headers) for r in seen)
            counts["problems"] += [f"request to the other host: {r.path}" for r in seen]
    counts["sources"] = n_sources
    return counts


def _sync(config: Path, archive: Path, env: dict, timeout: int, counts: dict) -> str:
    out = subprocess.run([sys.executable, "-m", "indexer", "sync", "--config", str(config), "--archive", str(archive),
                          "--timeout", str(TIMEOUT), "--retries", "1", "--deadline", str(DEADLINE)],
                         capture_output=True, text=True, timeout=timeout, cwd=config.parent, env=env)
    counts["runs"] += 1
    if out.returncode not in (0, 1) or "Traceback" in out.stderr:
        counts["tracebacks"] += 1
        counts["problems"].append(f"exit {out.returncode}: {out.stderr[-2000:]}")
    internal = [line for line in out.stdout.splitlines() if "internal error" in line]
    counts["internal_errors"] += len(internal)
    counts["problems"] += internal
    for name, seconds in re.findall(r"^(\S+ \S+): .*\[(?:ok|FAILED)\] in ([\d.]+) s$", out.stdout, re.M):
        if float(seconds) > counts["worst_source_s"]:
            counts["worst_source_s"], counts["worst_source"] = float(seconds), name
        if float(seconds) > DEADLINE * 1.1:
            counts["over_deadline"] += 1
            counts["problems"].append(f"{name} took {seconds} s, past its --deadline {DEADLINE} s plus 10%")
    return out.stdout


def _linked_state(config: Path, folder: Path, env: dict, counts: dict, *, lock: bool) -> None:
    """Sync into an archive whose `.sync` (or `.sync/lock`) is a link to a folder outside: refused
    (exit 2, one line), and nothing is written there."""
    archive, elsewhere = folder / "linked", folder / "elsewhere"
    elsewhere.mkdir()
    (archive / ".sync").mkdir(parents=True) if lock else archive.mkdir()
    (archive / (".sync/lock" if lock else ".sync")).symlink_to(elsewhere / "lock" if lock else elsewhere)
    out = subprocess.run([sys.executable, "-m", "indexer", "sync", "--config", str(config), "--archive", str(archive)],
                         capture_output=True, text=True, timeout=120, cwd=folder, env=env)
    counts["runs"] += 1
    escaped = list(elsewhere.iterdir()) + [p for p in archive.rglob("*") if not p.is_symlink() and p.is_file()]
    if out.returncode != 2 or "Traceback" in out.stderr or escaped:
        counts["state_escapes"] += 1
        counts["problems"].append(f"linked {'lock' if lock else '.sync'}: exit {out.returncode}, {escaped[:3]}, {out.stderr[-300:]}")
    for link in (archive / ".sync/lock", archive / ".sync"):  # not walked again as part of the archive
        if link.is_symlink():
            link.unlink()


def _outside(workdir: Path, archive: Path) -> dict[str, str]:
    """sha256 of every file under workdir but outside `archive` (this batch's sync.yaml aside)."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in workdir.rglob("*")
            if p.is_file() and not p.is_relative_to(archive) and p.name != "sync.yaml"}


def _escaping(archive: Path) -> int:
    """Paths in the archive that are links or resolve outside it."""
    root = archive.resolve()
    return sum(1 for p in archive.rglob("*") if p.is_symlink() or not p.resolve().is_relative_to(root)) if archive.is_dir() else 0


def _judge(cases: list[Case], archive: Path, stdout: str, counts: dict) -> None:
    from bs4 import BeautifulSoup

    from indexer.read import read_archive

    issues, skipped = read_archive([archive]) if archive.is_dir() else ([], [])
    texts = "\n".join(i.text + "\n" + (i.title or "") for i in issues)
    counts["refused_by_reader"] += len(skipped)
    counts["problems"] += [f"written, then refused by the reader: {s.path}: {s.reason}" for s in skipped]
    counts["source_errors"] += stdout.count("\n  error: ")
    counts["skipped"] += stdout.count("\n  skipped «")
    per_file = [i.text + "\n" + (i.title or "") for i in issues]
    for case in cases:
        counts["posts"] += case.posts
        counts["expected"] += len(case.expected)
        for marker in case.expected:
            found = sum(1 for text in per_file if re.search(rf"\b{marker}\b", text))
            if found > 1:
                counts["duplicates"] += found - 1
                counts["problems"].append(f"{marker} from {case.spec} is in {found} files")
        missing = sorted(m for m in case.expected if not re.search(rf"\b{m}\b", texts))
        counts["lost"] += len(missing)
        counts["indexed"] += len(case.expected) - len(missing)
        counts["problems"] += [f"lost {m} from {case.spec}" for m in missing]
        leaked = sorted(m for m in case.secrets if m in texts)
        counts["offsite_read"] += len(leaked)
    for page in archive.rglob("*.html") if archive.is_dir() else ():
        soup = BeautifulSoup(page.read_text(encoding="utf-8", errors="replace"), "lxml")
        bad = soup.find_all("base") + [t for t in soup.find_all(True)
                                       if any(isinstance(v, str) and _DANGER.match(re.sub(r"[\x00-\x20]", "", v)) for v in t.attrs.values())]
        counts["dangerous_kept"] += len(bad)
        counts["problems"] += [f"dangerous markup kept in {page.name}: {str(t)[:120]}" for t in bad]
