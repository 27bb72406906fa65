"""sync under faults (issue 17, items 14 to 17): no traceback (a bad post is skipped with a reason,
a bad source fails alone), requests and sources bounded in time, pagination that loops, the
archive page limit, redirects named right. Real HTTP servers on 127.0.0.1, the real command.
No test asserts a duration: the hang guards (subprocess timeouts) are generous."""

from __future__ import annotations

import json
import math

import pytest

from indexer.sync.files import SYNC_DIR
from tests.synchelp import JSON_TYPE, RSS_TYPE, api_env, api_page, api_post, cli, issue_files, paragraph, rss, server, sync, untimed  # noqa: F401

GOOD_FEED = "/feed"  # the fixture site's feed: 3 posts


def run(server, *sources: str, archive, env=None, options=(), timeout=120):
    args = [a for s in sources for a in ("--source", s)]
    return cli("sync", *args, "--archive", str(archive), "--retries", "0", *options, env=env, timeout=timeout)


# --- 14. no traceback ------------------------------------------------------------------------------------

def test_api_fields_of_the_wrong_type_skip_their_post_and_a_bad_source_fails_alone(tmp_path, server, api_env):
    posts = [1, "x", None, api_post("ok", "Un bon article", paragraph("Un bon article")),
             api_post("t", 2024, paragraph("Titre numérique"), slug=12, web_url=13, subtitle=7),
             api_post("w", "Contenu numérique", "", content={}, free_web_content=5),
             *[api_post(f"d{n}", f"Date {n}", paragraph("Date"), publish_date=d) for n, d in enumerate([-5, True, -1e20, math.nan])]]
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000012/posts", body=json.dumps({"data": posts, "total_pages": 1}), headers={"Content-Type": JSON_TYPE})
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000010/posts", body=api_page([api_post("p", "Page", paragraph("Page"))], total_pages="abc"),
                 headers={"Content-Type": JSON_TYPE})
    out = run(server, "beehiiv:pub_00000000-0000-4000-8000-000000000012", "beehiiv:pub_00000000-0000-4000-8000-000000000010", f"feed:{server.base}{GOOD_FEED}", archive=tmp_path, env=api_env)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-3000:]
    lines = untimed(out.stdout)
    assert "beehiiv pub_00000000-0000-4000-8000-000000000012: 2 new, 0 updated, 0 unchanged, 8 skipped, 0 removed upstream [ok]" in lines
    for line in ("  skipped «1»: the API listed the number 1, not a post", "  skipped «x»: the API listed text, not a post",
                 "  skipped «None»: the API listed null, not a post",
                 "  skipped «Contenu numérique»: no free web content (an e-mail-only or premium post)",
                 "  skipped «Date 0»: publish_date '-5' is not a Unix time", "  skipped «Date 1»: publish_date 'True' is not a Unix time",
                 "  skipped «Date 2»: publish_date '-1e+20' is not a Unix time", "  skipped «Date 3»: publish_date 'nan' is not a Unix time"):
        assert line in lines, line
    assert "  new: 2024-06-10_12.html" in lines
    assert f"feed {server.base}{GOOD_FEED}: 3 new, 0 updated, 0 unchanged, 0 skipped, 0 removed upstream [ok]" in lines
    assert out.stderr.strip().splitlines()[-1] == "error: beehiiv pub_00000000-0000-4000-8000-000000000010: the API answer's total_pages 'abc' is not a whole number"
    assert lines[-1].startswith(f"Synced into {tmp_path} in ") and lines[-1].endswith(": 5 new, 0 updated")


def test_a_31_digit_date_and_a_page_nested_1000_levels_deep_cost_one_post(tmp_path, server):
    digits = "1" * 31
    server.serve("/p/date", body=f'<html><head><meta property="article:published_time" content="{digits}"></head>'
                 f'<body><div id="content-blocks">{paragraph("Une date impossible")}</div></body></html>', headers={"Content-Type": "text/html"})
    server.serve("/p/deep", body=f'<html><body><div id="content-blocks">{"<div>" * 1000}{paragraph("Profond")}</div></body></html>',
                 headers={"Content-Type": "text/html"})
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text(f"id,web_title,created_at,content_html\np1,Date CSV,{digits},<p>Texte</p>\n", encoding="utf-8")
    out = run(server, f"page:{server.base}/p/date", f"page:{server.base}/p/deep", f"csv:{csv_file}", archive=tmp_path / "archive")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert f"page {server.base}/p/date: 1 new, 0 updated, 0 unchanged, 0 skipped, 0 removed upstream [ok]" in out.stdout
    assert (f"  skipped «{server.base}/p/deep»: its HTML is nested over 900 levels deep, more than the archive's reader reads"
            in out.stdout.splitlines())
    assert f"  skipped «Date CSV»: line 2: date '{digits}' is neither Unix seconds nor an ISO date" in out.stdout.splitlines()


DAMAGED = {
    "sources is a list": ("manifest", {"format": 1, "issues": {}, "sources": []}, "`issues` and `sources` must be mappings"),
    "a mapping as a file": ("manifest", {"format": 1, "sources": {}, "issues": {"k": {
        "file": {"a": 1}, "sidecar": "a.meta.yaml", "sha256": "0", "sidecar_sha256": "0", "fingerprint": None, "source": "s",
        "url": None, "title": "t", "synced_at": "x"}}}, "the record of k has a file that is not text"),
    "null file and sha256": ("manifest", {"format": 1, "sources": {}, "issues": {"k": {
        "file": None, "sidecar": "a.meta.yaml", "sha256": None, "sidecar_sha256": "0", "fingerprint": None, "source": "s",
        "url": None, "title": "t", "synced_at": "x"}}}, "the record of k has a file that is not text"),
    ".sync is a file": (".sync", None, "cannot use it for sync's lock"),
    ".sync/lock is a folder": ("lock", None, "cannot use it for sync's lock"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_sync_folder_is_refused_with_one_line(tmp_path, server, case):
    what, data, says = DAMAGED[case]
    archive, folder = tmp_path / "archive", tmp_path / "archive" / SYNC_DIR
    if what == "manifest":
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    elif what == ".sync":
        archive.mkdir()
        folder.write_text("pas un dossier", encoding="utf-8")
    else:
        (folder / "lock").mkdir(parents=True)
    out = run(server, f"feed:{server.base}{GOOD_FEED}", archive=archive)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert out.stderr.startswith("error: ") and len(out.stderr.strip().splitlines()) == 1 and says in out.stderr
    assert issue_files(archive) == []


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_bad_timeout_is_refused_by_the_command_line(tmp_path, server, value):
    out = run(server, f"feed:{server.base}{GOOD_FEED}", archive=tmp_path, options=("--timeout", value))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"argument --timeout: must be a number of seconds above 0, not '{value}'" in out.stderr


# --- 15. time -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers_too, says", [(False, "no complete answer"), (True, "no answer")])
def test_a_server_that_trickles_is_cut_off_at_the_timeout(tmp_path, server, headers_too, says):
    server.serve("/trickle.xml", body=rss({"title": "Lent", "guid": "t-1", "content": paragraph("Lent")}), trickle=0.5,
                 trickle_headers=headers_too, headers={"Content-Type": RSS_TYPE})
    out = run(server, f"feed:{server.base}/trickle.xml", f"feed:{server.base}{GOOD_FEED}", archive=tmp_path, options=("--timeout", "2"), timeout=60)
    assert out.returncode == 1
    assert f"error: feed {server.base}/trickle.xml: {says} from 127.0.0.1 within 2 s (timed out)" in out.stderr
    assert f"feed {server.base}{GOOD_FEED}: 3 new" in out.stdout


def test_a_request_that_times_out_is_not_tried_again(tmp_path, server):
    server.serve("/silent.xml", body="", delay=20)
    out = cli("sync", "--source", f"feed:{server.base}/silent.xml", "--archive", str(tmp_path), "--timeout", "1", "--retries", "3", timeout=60)
    assert out.stderr.strip() == f"error: feed {server.base}/silent.xml: no answer from 127.0.0.1 within 1 s (timed out)"
    assert len(server.seen("/silent.xml")) == 1


def test_a_source_past_its_deadline_stops_and_the_next_one_syncs(tmp_path, server):
    links = "".join(f'<a href="/p/lent-{n}">Lent {n}</a>' for n in range(10))
    server.serve("/slow/archive", body=f"<html><body>{links}</body></html>", headers={"Content-Type": "text/html"})
    for n in range(10):
        server.serve(f"/p/lent-{n}", body=f'<html><body><div id="content-blocks">{paragraph(f"Lent {n}")}</div></body></html>',
                     delay=1.0, headers={"Content-Type": "text/html"})
    out = run(server, f"archive:{server.base}/slow/archive", f"feed:{server.base}{GOOD_FEED}", archive=tmp_path,
              options=("--deadline", "3"), timeout=60)
    assert out.returncode == 1
    error = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1 and error[0].startswith(f"error: archive {server.base}/slow/archive: stopped: the source took longer "
                                                   "than its deadline of 3 s (--deadline); ")
    assert error[0].endswith(" of 10 posts were not synced, run sync again to continue")
    assert len(server.seen("/p/lent-9")) == 0 and f"feed {server.base}{GOOD_FEED}: 3 new" in out.stdout


# --- 17. pagination that loops, the archive page limit, redirects -------------------------------------------

def test_an_api_that_repeats_its_pages_is_stopped(tmp_path, server, api_env):
    same = api_page([api_post(1, "Toujours le même", paragraph("Toujours le même"))], total_pages=10**6)
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000007/posts", body=same, headers={"Content-Type": JSON_TYPE})
    cursor = json.dumps({"data": [api_post(2, "Curseur", paragraph("Curseur"))], "has_more": True, "next_cursor": "abc"})
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000001/posts", body=cursor, headers={"Content-Type": JSON_TYPE})
    server.serve("/v2/publications/pub_00000000-0000-4000-8000-000000000001/posts?cursor=abc", body=json.dumps(
        {"data": [api_post(3, "Curseur 2", paragraph("Curseur deux"))], "has_more": True, "next_cursor": "abc"}), headers={"Content-Type": JSON_TYPE})
    out = run(server, "beehiiv:pub_00000000-0000-4000-8000-000000000007", "beehiiv:pub_00000000-0000-4000-8000-000000000001", archive=tmp_path, env=api_env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = untimed(out.stdout)
    assert "beehiiv pub_00000000-0000-4000-8000-000000000007: 1 new, 0 updated, 0 unchanged, 0 skipped, 0 removed upstream [ok]" in lines
    assert ("  note: the API gave the same page of posts twice (at page 2); stopped there; posts listed only after it were not synced"
            in lines)
    assert "beehiiv pub_00000000-0000-4000-8000-000000000001: 2 new, 0 updated, 0 unchanged, 0 skipped, 0 removed upstream [ok]" in lines
    assert "  note: the API gave the cursor 'abc' twice; stopped there; posts listed only after it were not synced" in lines
    assert len(server.seen("/v2/publications/pub_00000000-0000-4000-8000-000000000007/posts")) == 2 and len(server.seen("/v2/publications/pub_00000000-0000-4000-8000-000000000001/posts")) == 2


def test_an_archive_of_more_than_200_pages_says_where_it_stopped(tmp_path, server):
    for n in range(1, 206):
        server.serve(f"/grand/archive?page={n}", body=f'<html><body><a href="/p/grand-{n}">Post {n}</a>'
                     f'<a href="/grand/archive?page={n + 1}">Suivant</a></body></html>', headers={"Content-Type": "text/html"})
        server.serve(f"/p/grand-{n}", body=f'<html><body><div id="content-blocks">{paragraph(f"Post {n}")}</div></body></html>',
                     headers={"Content-Type": "text/html"})
    server.routes["/grand/archive"] = server.routes["/grand/archive?page=1"]
    report = sync(f"archive:{server.base}/grand/archive", archive=tmp_path)
    source = report.sources[0]
    assert len(source.new) == 200 and not source.failed
    assert source.note == ("stopped after 200 archive pages (the limit): posts listed only on later pages were not synced, "
                           "and none is reported as removed upstream")


def test_redirect_errors_name_the_address_that_failed(tmp_path, server):
    server.serve("/moved.xml", status=302, headers={"Location": "ftp://files.example/feed.xml"})
    server.serve("/gone.xml", status=302, headers={"Location": "http://127.0.0.1:9/feed.xml"})
    report = sync(f"feed:{server.base}/moved.xml", f"feed:{server.base}/gone.xml", archive=tmp_path)
    assert [s.error for s in report.sources] == [
        f"{server.base}/moved.xml redirected to ftp://files.example/feed.xml, which is not an http or https address; not followed",
        f"{server.base}/gone.xml redirected to http://127.0.0.1:9/feed.xml, on another site (127.0.0.1:9); not followed "
        "(list its host under `hosts:` in sync.yaml to allow it)"]  # a feed's own redirect stays on its site (issue 24)
