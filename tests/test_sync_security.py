"""sync against hostile publishers (issue 17, items 1 to 6): nothing read from the sync machine's
disk, nothing written or fetched outside what the sources are, bounded downloads, nothing printed
raw, no dangerous markup kept. Real HTTP servers on 127.0.0.1, real files, the real command."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import resource
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from indexer.sync.files import SYNC_DIR
from tests.conftest import REPO
from tests.sync_server import API_KEY, FixtureServer, Reply
from tests.synchelp import JSON_TYPE, RSS_TYPE, api_env, api_page, api_post, cli, indexed, issue_files, paragraph, rss, server, sync  # noqa: F401

SECRET = "contenu-local-confidentiel"


# --- 1. the feed body is data, never a path --------------------------------------------------------

def test_a_feed_body_that_names_a_local_file_is_not_read_from_disk(tmp_path, server):
    local = tmp_path / "local-feed.xml"
    local.write_text(rss({"title": "Fichier local", "guid": "local-1", "content": paragraph(SECRET)}), encoding="utf-8")
    server.serve("/path.xml", body=str(local), headers={"Content-Type": RSS_TYPE})
    server.serve("/path-bytes.xml", body=str(local).encode(), headers={"Content-Type": "text/plain"})
    report = sync(f"feed:{server.base}/path.xml", f"feed:{server.base}/path-bytes.xml", archive=tmp_path / "archive")
    assert [s.error for s in report.sources] == ["not an RSS or Atom feed (the answer is not XML)"] * 2
    assert issue_files(tmp_path / "archive") == []


# --- 2. the manifest never points outside the archive ------------------------------------------------

def test_a_manifest_naming_files_outside_the_archive_is_refused(tmp_path, server):
    archive, victim = tmp_path / "archive", tmp_path / "victim.html"
    sync(f"feed:{server.base}/atom.xml", archive=archive)
    victim.write_text("<p>Ne pas écraser.</p>", encoding="utf-8")
    manifest_path = archive / SYNC_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(victim.read_bytes()).hexdigest()
    server.routes["/atom.xml"].body = server.routes["/atom.xml"].body.replace("notation sociale", "notation sociale et biométrie")
    for name in ("../victim.html", str(victim)):
        for record in manifest["issues"].values():
            record.update(file=name, sidecar=name.replace(".html", ".meta.yaml"), sha256=digest, fingerprint="changed")
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
        out = cli("sync", "--source", f"feed:{server.base}/atom.xml", "--archive", str(archive))
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert out.stderr.strip() == (f"error: {manifest_path}: the sync manifest cannot be read (a record names {name}, "
                                      "outside the archive); move it away to start afresh (the files sync wrote are "
                                      "recognised by their sidecars)")
        assert victim.read_text(encoding="utf-8") == "<p>Ne pas écraser.</p>"


# --- 3. post pages only from the source's own site ---------------------------------------------------

def test_an_item_link_to_another_site_is_not_fetched(tmp_path, server):
    with FixtureServer() as other:
        other.serve("/admin", body=f"<html><body><main><h1>Console</h1>{paragraph(SECRET)}</main></body></html>",
                    headers={"Content-Type": "text/html"})
        server.serve("/summary-other.xml", body=rss(
            {"title": "Lien ailleurs", "guid": "other-1", "link": f"{other.base}/admin", "description": "Un résumé."},
            {"title": "Lien redirigé", "guid": "other-2", "link": f"{server.base}/go", "description": "Un résumé."}),
            headers={"Content-Type": RSS_TYPE})
        server.serve("/go", status=302, headers={"Location": f"{other.base}/admin"})
        report = sync(f"feed:{server.base}/summary-other.xml", archive=tmp_path / "archive")
        other_site = other.base.removeprefix("http://")
        assert report.sources[0].skipped == [
            ("Lien ailleurs", f"the item's link {other.base}/admin is on another site than the feed ({other_site}); not fetched "
                              "(list its host under `hosts:` in sync.yaml to allow it)"),
            ("Lien redirigé", f"{server.base}/go redirected to {other.base}/admin, on another site ({other_site}); not followed "
                              "(list its host under `hosts:` in sync.yaml to allow it)")]
        assert other.seen("/admin") == [] and issue_files(tmp_path / "archive") == []

        (tmp_path / "sync.yaml").write_text(f"sources:\n  - feed:{server.base}/summary-other.xml\nhosts:\n  - {other_site}\n",
                                            encoding="utf-8")
        out = cli("sync", "--archive", str(tmp_path / "archive"), cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert f"feed {server.base}/summary-other.xml: 2 new" in out.stdout and len(other.seen("/admin")) == 2


def test_the_api_key_is_not_sent_after_a_redirect_to_another_port(tmp_path, server, api_env):
    api = "/v2/publications/pub_00000000-0000-4000-8000-000000000009/posts"
    with FixtureServer() as other:
        other.serve(api, body=api_page([api_post(1, "Déplacé", paragraph("Un article"))]), headers={"Content-Type": JSON_TYPE})
        server.serve(api, status=301, headers={"Location": f"{other.base}{api}"})
        report = sync("beehiiv:pub_00000000-0000-4000-8000-000000000009", archive=tmp_path)
        assert report.sources[0].error == (f"{server.base}{api} redirected to {other.base}{api}, on another site "
                                           f"({other.base.removeprefix('http://')}); not followed (list its host under `hosts:` "
                                           "in sync.yaml to allow it)")
        assert other.requests == [] and report.sources[0].new == []  # the API is asked on its own site only
        assert server.seen(api)[0].headers["authorization"] == f"Bearer {API_KEY}"


# --- 4. bounded downloads ----------------------------------------------------------------------------

def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def test_a_gzip_bomb_is_refused_without_filling_memory(tmp_path, server):
    member = gzip.compress(b"\0" * 2**20, 9)  # 1 MiB of zeros in 1 KB; 4,096 members: 4 GiB once decompressed
    server.serve("/bomb.xml", body=member * 4096, headers={"Content-Type": RSS_TYPE, "Content-Encoding": "gzip"})
    out = subprocess.run([sys.executable, "-m", "indexer", "sync", "--source", f"feed:{server.base}/bomb.xml", "--archive",
                          str(tmp_path / "archive")], capture_output=True, text=True, timeout=300, cwd=REPO,
                         preexec_fn=_limit_memory, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.stderr.strip() == f"error: feed {server.base}/bomb.xml: the answer is over 64 MB once decompressed; refused"


def test_a_feed_over_the_size_limit_is_refused(tmp_path, server):
    feed = rss({"title": "Énorme", "guid": "big-1", "content": paragraph("Un article")})
    server.serve("/huge.xml", body=feed + "<!--" + "x" * (65 * 2**20) + "-->", headers={"Content-Type": RSS_TYPE})
    report = sync(f"feed:{server.base}/huge.xml", archive=tmp_path)
    assert report.sources[0].error == "the answer is over 64 MB; refused"


def test_a_feed_declaring_entities_is_refused_before_parsing(tmp_path, server):
    doctype = '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">]>'
    server.serve("/entities.xml", body=rss({"title": "Entités &a;&a;&a;", "guid": "e-1", "content": paragraph("Un article")},
                                           extra=doctype), headers={"Content-Type": RSS_TYPE})
    report = sync(f"feed:{server.base}/entities.xml", archive=tmp_path)
    assert report.sources[0].error == "the feed declares XML entities (<!ENTITY>), which feeds never need; refused"
    assert issue_files(tmp_path) == []


# --- 5. nothing printed raw ---------------------------------------------------------------------------

def test_what_sync_prints_cannot_drive_the_terminal(tmp_path, server, api_env):
    hostile = "\x1b]0;pwned\x07\x1b[2J\u202e"
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000011/posts", body=api_page([api_post(1, f"Titre {hostile} piégé", "<p> </p>")]),
                 headers={"Content-Type": JSON_TYPE})
    server.serve("/reason.xml", body="non", status=404, reason="Not \x1b[31mFound\x1b]0;x\x07")
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000005/posts", body="pas du JSON", headers={"Content-Type": "text/\x1b[2Jhtml"})
    out = cli("sync", "--source", "beehiiv:pub_00000000-0000-4000-8000-000000000011", "--source", f"feed:{server.base}/reason.xml",
              "--source", "beehiiv:pub_00000000-0000-4000-8000-000000000005", "--archive", str(tmp_path), env=api_env)
    assert out.returncode == 1
    printed = out.stdout + out.stderr
    assert not any(c in printed for c in ("\x1b", "\x07", "\u202e")), repr(printed)
    assert "  skipped «Titre ]0;pwned[2J piégé»: no text in the post's body" in out.stdout
    assert f"error: feed {server.base}/reason.xml: HTTP 404 not found: no feed at this address" in out.stderr
    assert "error: beehiiv pub_00000000-0000-4000-8000-000000000005: the API answered text/[2Jhtml that is not JSON" in out.stderr


# --- 6. no dangerous markup in the archive -------------------------------------------------------------

DANGEROUS = """<base href="https://evil.example/">
<p>Lire <a href="javascript:alert(document.cookie)">ici</a>, <a href=" JaVaScRiPt:alert(1)">là</a>,
<a href="vbscript:msgbox(1)">ou là</a>, <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">encore</a>,
<a href="jav&#x09;ascript:alert(1)">enfin</a> et <a href="https://aibrew.example/p/vrai-lien">le vrai lien</a>.</p>
<svg><a xlink:href="javascript:alert(2)"><text>svg</text></a><use xlink:href="data:image/svg+xml,x"/></svg>
<math><maction actiontype="statusline" xlink:href="javascript:alert(3)">formule</maction></math>
<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="x" width="50" height="50">
<form action="javascript:alert(4)"><button formaction="javascript:alert(5)">ok</button></form>"""


@pytest.mark.parametrize("kind", ["feed", "api"])
def test_dangerous_links_and_base_are_stripped_from_what_sync_writes(tmp_path, server, api_env, kind):
    body = paragraph("Un article") + DANGEROUS
    server.serve("/danger.xml", body=rss({"title": "Liens piégés", "guid": "d-1", "content": body}), headers={"Content-Type": RSS_TYPE})
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000002/posts", body=api_page([api_post(1, "Liens piégés", body)]), headers={"Content-Type": JSON_TYPE})
    report = sync(f"feed:{server.base}/danger.xml" if kind == "feed" else "beehiiv:pub_00000000-0000-4000-8000-000000000002", archive=tmp_path)
    written = (tmp_path / report.sources[0].new[0]).read_text(encoding="utf-8")
    soup = BeautifulSoup(written, "lxml")
    assert soup.find("base") is None and soup.find("svg") is None
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.endswith(":href") and not name.startswith("on") and name != "formaction", (tag.name, name)
            text = re.sub(r"[\x00-\x20]", "", str(value)).lower()
            assert not text.startswith(("javascript:", "vbscript:", "data:")), (tag.name, name, value)
    for trace in ("javascript:", "vbscript:", "data:", "evil.example"):
        assert trace not in written.lower(), trace
    assert 'href="https://aibrew.example/p/vrai-lien"' in written and "le vrai lien" in written
    assert "Un article" in indexed(tmp_path)[report.sources[0].new[0]]
