"""sync loses no post (issue 17, items 7 to 13): names that collide, posts told apart by a query
string or sharing an id, text after a bare <embed>, posts the index would refuse, a sync killed
between two renames, a manifest that is a folder. A real HTTP server on 127.0.0.1, real files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from indexer.sync.files import SYNC_DIR
from indexer.sync.summary import summary_lines
from tests.conftest import REPO
from tests.synchelp import JSON_TYPE, RSS_TYPE, api_env, api_page, api_post, cli, indexed, issue_files, paragraph, rebuilt, rss, server, sync  # noqa: F401

LONG = "L'intelligence artificielle générative dans les banques européennes"  # over 60 characters once a slug


def counts(report) -> list[tuple[int, int, int]]:
    return [(len(s.new), len(s.updated), s.unchanged) for s in report.sources]


# --- 7. names that collide -----------------------------------------------------------------------------

def test_titles_that_make_one_file_name_never_share_a_file(tmp_path, server):
    items = [{"title": t, "guid": f"g-{n}", "content": paragraph(f"Article numéro {n} ({t})")}
             for n, t in enumerate(["Café", "Cafe", f"{LONG} – partie 1", f"{LONG} – partie 2"], 1)]
    server.serve("/collide.xml", body=rss(*items), headers={"Content-Type": RSS_TYPE})
    first = sync(f"feed:{server.base}/collide.xml", archive=tmp_path)
    assert counts(first) == [(4, 0, 0)] and len(set(first.sources[0].new)) == 4
    texts = indexed(tmp_path)
    assert len(texts) == 4 and all(any(f"Article numéro {n}" in t for t in texts.values()) for n in range(1, 5))
    rebuilt(server.routes["/collide.xml"])
    assert counts(sync(f"feed:{server.base}/collide.xml", archive=tmp_path)) == [(0, 0, 4)]


# --- 8. posts told apart by their query string -------------------------------------------------------

def test_posts_told_apart_by_a_query_string_are_distinct(tmp_path, server):
    items = [{"title": f"Article {n}", "guid": f"https://blog.example/?p={n}", "link": f"https://blog.example/?p={n}",
              "content": paragraph(f"Texte propre à l'article {n}")} for n in (1, 2, 3)]
    server.serve("/wordpress.xml", body=rss(*items), headers={"Content-Type": RSS_TYPE})
    assert counts(sync(f"feed:{server.base}/wordpress.xml", archive=tmp_path)) == [(3, 0, 0)]
    texts = indexed(tmp_path)
    assert len(texts) == 3 and all(any(f"propre à l'article {n}" in t for t in texts.values()) for n in (1, 2, 3))
    rebuilt(server.routes["/wordpress.xml"])
    assert counts(sync(f"feed:{server.base}/wordpress.xml", archive=tmp_path)) == [(0, 0, 3)]


# --- 9. two posts given one id -------------------------------------------------------------------------

def test_two_posts_sharing_an_id_in_one_api_listing_are_both_kept(tmp_path, server, api_env):
    posts = [api_post("dup", "Premier article", paragraph("Le premier article")),
             api_post("dup", "Second article", paragraph("Le second article"), slug="second", web_url="https://aibrew.example/p/second")]
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000003/posts", body=api_page(posts), headers={"Content-Type": JSON_TYPE})
    assert counts(sync("beehiiv:pub_00000000-0000-4000-8000-000000000003", archive=tmp_path)) == [(2, 0, 0)]
    texts = indexed(tmp_path)
    assert sorted(t.split("\n")[0] for t in texts.values()) == ["Le premier article : la rédaction d'AI Brew résume ce que "
        "cette annonce change pour les entreprises européennes.", "Le second article : la rédaction d'AI Brew résume ce que "
        "cette annonce change pour les entreprises européennes."]
    assert counts(sync("beehiiv:pub_00000000-0000-4000-8000-000000000003", archive=tmp_path)) == [(0, 0, 2)]


# --- 10. text after a bare <embed> --------------------------------------------------------------------

EMBED = paragraph("Avant la vidéo") + '<embed src="https://video.example/player.swf" width="640"><p>Après la vidéo : le texte continue ici.</p>'


@pytest.mark.parametrize("kind", ["api", "csv", "page"])
def test_text_after_a_bare_embed_is_kept(tmp_path, server, api_env, kind):
    body = f'<div id="content-blocks">{EMBED}</div>'
    if kind == "api":
        server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000004/posts", body=api_page([api_post(1, "Vidéo", EMBED)]), headers={"Content-Type": JSON_TYPE})
        spec = "beehiiv:pub_00000000-0000-4000-8000-000000000004"
    elif kind == "csv":
        path = tmp_path / "posts.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["id", "web_title", "created_at", "content_html"], ["p1", "Vidéo", "2024-06-10", body]])
        spec = f"csv:{path}"
    else:
        server.serve("/p/video", body=f"<html><head><title>Vidéo</title></head><body>{body}</body></html>",
                     headers={"Content-Type": "text/html"})
        spec = f"page:{server.base}/p/video"
    report = sync(spec, archive=tmp_path / "archive")
    text = indexed(tmp_path / "archive")[report.sources[0].new[0]]
    assert "Avant la vidéo" in text and "Après la vidéo : le texte continue ici." in text


# --- 11. what sync writes is what a rebuild indexes --------------------------------------------------

def test_a_post_the_index_would_refuse_is_skipped_with_the_reason(tmp_path, server, api_env):
    huge = "<p>" + "Un mot de plus. " * (21 * 2**20 // 16) + "</p>"
    server.serve("/p/enorme", body=f'<html><body><div id="content-blocks">{huge}</div></body></html>', headers={"Content-Type": "text/html"})
    server.serve("/p/image", body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, headers={"Content-Type": "image/png"})
    server.serve("/p/binaire", body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, headers={"Content-Type": "text/html"})
    report = sync(f"page:{server.base}/p/enorme", f"page:{server.base}/p/image", f"page:{server.base}/p/binaire", archive=tmp_path)
    assert [s.skipped for s in report.sources] == [
        [(f"{server.base}/p/enorme", "the post is 21 MB, over the 20 MB an issue file may be")],
        [(f"{server.base}/p/image", "the post page is image/png, not HTML")],
        [(f"{server.base}/p/binaire", "the post page is not text (binary file, not text)")]]
    assert issue_files(tmp_path) == []


def test_titles_and_tags_are_bounded_so_that_every_synced_post_is_indexed(tmp_path, server, api_env):
    posts = [api_post(1, "Titre\x00avec un NUL", paragraph("Premier")),
             api_post(2, "Très long titre " * 2000, paragraph("Deuxième")),
             api_post(3, "Beaucoup d'étiquettes", paragraph("Troisième"), content_tags=[f"étiquette {n}" for n in range(3000)]),
             api_post(4, "Une étiquette immense", paragraph("Quatrième"), content_tags=["x" * 30_000], subtitle="s" * 30_000)]
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000006/posts", body=api_page(posts), headers={"Content-Type": JSON_TYPE})
    report = sync("beehiiv:pub_00000000-0000-4000-8000-000000000006", archive=tmp_path)
    assert counts(report) == [(4, 0, 0)] and report.sources[0].skipped == []
    from indexer.read import read_archive
    issues, skipped = read_archive([tmp_path])
    assert skipped == [] and len(issues) == 4
    titles = sorted(i.title for i in issues)
    assert "Titre avec un NUL" in titles and all(len(t) <= 300 for t in titles)


# --- 12. a sync killed between the sidecar's rename and the issue's ------------------------------------

KILLED_AT_RENAME = """
import os, signal, sys
real, calls = os.replace, []
def replace(src, dst):
    calls.append(dst)
    if len(calls) == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
from indexer.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("rename", [2, 4])
def test_a_sync_killed_between_two_renames_is_completed_by_the_next(tmp_path, server, rename):
    archive = tmp_path / "archive"
    args = ["sync", "--source", f"feed:{server.base}/feed", "--archive", str(archive)]
    killed = subprocess.run([sys.executable, "-c", KILLED_AT_RENAME, str(rename), *args], capture_output=True, text=True,
                            timeout=300, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert killed.returncode == -9
    orphans = sorted(p.name for p in archive.glob("*.meta.yaml") if not p.with_name(p.name.replace(".meta.yaml", ".html")).exists())
    assert len(orphans) == 1  # the sidecar whose issue was never renamed into place
    report = sync(f"feed:{server.base}/feed", archive=archive)
    assert f"Removed {orphans[0]}: a sidecar left without its issue by a sync that was killed" in summary_lines(report)
    assert not any("-2." in name for name in os.listdir(archive))
    assert sorted(p.name.removesuffix(".meta.yaml") for p in archive.glob("*.meta.yaml")) == \
        sorted(p.name.removesuffix(".html") for p in archive.glob("*.html"))
    assert len(indexed(archive)) == 3


# --- 13. a manifest that is not a file -------------------------------------------------------------------

def test_a_manifest_that_is_a_folder_is_refused(tmp_path, server):
    archive = tmp_path / "archive"
    (archive / SYNC_DIR / "manifest.json").mkdir(parents=True)
    out = cli("sync", "--source", f"feed:{server.base}/feed", "--archive", str(archive))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (f"error: {archive / SYNC_DIR / 'manifest.json'}: the sync manifest cannot be read (it is not a file); "
                                  "move it away to start afresh (the files sync wrote are recognised by their sidecars)")
    assert issue_files(archive) == []
