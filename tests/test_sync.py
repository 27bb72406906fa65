"""Archive sync against a real HTTP server on 127.0.0.1 serving French fixtures (tests/fixtures/sync).

Real files on disk, the real `python -m indexer sync` command, and one rebuild with the real
embedder whose index must find the synced issues.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from indexer.read import read_issue
from indexer.read.meta import read_sidecar
from indexer.sync.files import SyncLocked, sync_lock
from indexer.sync.http import HttpSettings
from indexer.sync.summary import summary_lines
from tests.conftest import REPO
from tests.sync_server import API_KEY, API_POSTS, PUBLICATION, FixtureServer, Reply
from tests.synchelp import api_env, cli, issue_files, server, snapshot, sync  # noqa: F401 - fixtures


# --- the first sync, then search ------------------------------------------------------------------

@pytest.mark.e2e
def test_first_sync_then_rebuild_finds_the_synced_issues(tmp_path, server, api_env):
    from indexer.engine import load_engine

    archive, index = tmp_path / "archive", tmp_path / "index"
    out = cli("sync", "--source", f"feed:{server.base}/feed", "--source", f"beehiiv:{PUBLICATION}", "--archive", str(archive),
              "--index", str(index), "--rebuild", env=api_env)
    assert out.returncode == 0, out.stderr
    assert f"feed {server.base}/feed: 3 new, 0 updated, 0 unchanged, 0 skipped" in out.stdout
    assert f"beehiiv {PUBLICATION}: 4 new, 0 updated, 0 unchanged, 1 skipped" in out.stdout
    assert "a feed may carry only the latest ones" in out.stdout
    assert f"fetching beehiiv {PUBLICATION}" in out.stderr and "4/4" in out.stderr  # the progress bar
    assert "Indexed 7 issues" in out.stdout
    assert API_KEY not in out.stdout + out.stderr
    assert not any(API_KEY.encode() in p.read_bytes() for p in archive.rglob("*") if p.is_file())

    engine = load_engine(index)
    top = engine.search("levée de fonds de Mistral AI", k=3)
    assert top and top[0].title == "Mistral AI lève 600 millions d'euros" and top[0].date == "2024-06-10"
    top = engine.search("traduction des débats du Parlement européen", k=3)
    assert top[0].title == "Le Parlement européen traduit avec l'IA" and top[0].url == f"{server.base}/p/parlement-traduction-ia"
    top = engine.search("which AI model writes the radiology reports?", k=3)
    assert top[0].source == "2024-05-13_ia-comptes-rendus-hopital.html"

    again = cli("sync", "--source", f"feed:{server.base}/feed", "--archive", str(archive), "--index", str(index), "--rebuild", env=api_env)
    assert again.returncode == 0 and "Index left as it was: nothing new was written." in again.stdout


# --- idempotence, conditional requests, updates, hand edits -----------------------------------------

ALL_SOURCES = ("feed:{base}/feed", "feed:{base}/summary.xml", "feed:{base}/atom.xml", f"beehiiv:{PUBLICATION}",
               "csv:" + str(REPO / "tests/fixtures/sync/posts.csv"), "archive:{base}/archive")


def test_second_sync_writes_nothing(tmp_path, server, api_env):
    specs = [s.format(base=server.base) for s in ALL_SOURCES]
    first = sync(*specs, archive=tmp_path)
    assert [len(s.new) for s in first.sources] == [3, 2, 2, 4, 2, 1] and not first.failed
    before = snapshot(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = sync(*specs, archive=tmp_path)
    assert second.written == 0 and not second.failed
    assert [s.unchanged for s in second.sources] == [0, 0, 0, 4, 2, 3]  # feeds: HTTP 304, or the same bytes as last time
    assert snapshot(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file() and p.name != "lock"} == \
        {p: m for p, m in mtimes.items() if p.name != "lock"}
    feed = server.seen("/feed")
    assert len(feed) == 2 and feed[1].headers.get("if-none-match") == '"rss-full-1"'
    assert feed[1].headers.get("if-modified-since") == "Mon, 17 Jun 2024 06:05:00 GMT"
    assert "  note: feed not modified since the last sync (HTTP 304)" in summary_lines(second)
    assert "  note: feed unchanged since the last sync (the same bytes)" in summary_lines(second)
    assert len(server.seen("/p/robots-humanoides-usine")) == 1  # fetched for the summary feed once; never again
    assert "Synced into" in summary_lines(second)[-1] and "(nothing written)" in summary_lines(second)[-1]


def test_upstream_edit_is_picked_up_and_a_hand_edit_survives(tmp_path, server, api_env):
    sync(f"beehiiv:{PUBLICATION}", archive=tmp_path)
    hand_edited = tmp_path / "2024-06-03_apple-siri-ia.html"
    hand_edited.write_text(hand_edited.read_text(encoding="utf-8").replace("</main>", "<p>Note de la rédaction : corrigé à la main.</p></main>"),
                           encoding="utf-8")
    (tmp_path / "notes-de-la-redaction.md").write_text("# Nos notes\n\nÀ ne pas écraser.\n", encoding="utf-8")
    page1, page2 = server.routes[f"{API_POSTS}?page=1"], server.routes[f"{API_POSTS}?page=2"]
    page1.body = page1.body.replace("plus d'un million d'heures", "plus de deux millions d'heures")
    page2.body = page2.body.replace("une nouvelle version de Siri", "une version de Siri entièrement refaite")

    report = sync(f"beehiiv:{PUBLICATION}", archive=tmp_path)
    lines = summary_lines(report)
    source = report.sources[0]
    assert source.updated == ["2024-04-15_openai-videos-youtube.html"] and source.new == [] and source.unchanged == 2
    assert "  updated (edited upstream, file replaced): 2024-04-15_openai-videos-youtube.html" in lines
    assert any("2024-06-03_apple-siri-ia.html was edited by hand; your version is kept" in line for line in lines)
    assert "deux millions d'heures" in (tmp_path / "2024-04-15_openai-videos-youtube.html").read_text(encoding="utf-8")
    assert "corrigé à la main" in hand_edited.read_text(encoding="utf-8")
    assert "entièrement refaite" not in hand_edited.read_text(encoding="utf-8")
    assert (tmp_path / "notes-de-la-redaction.md").read_text(encoding="utf-8") == "# Nos notes\n\nÀ ne pas écraser.\n"
    issue = read_issue(tmp_path / "2024-04-15_openai-videos-youtube.html", tmp_path)
    assert "deux millions d'heures" in issue.text and issue.date == "2024-04-15"


def test_a_file_of_the_same_name_made_by_hand_is_never_overwritten(tmp_path, server):
    mine = tmp_path / "2024-06-10_mistral-leve-600-millions.html"
    mine.write_text("<h1>Ma version de ce numéro</h1><p>Écrite à la main.</p>", encoding="utf-8")
    report = sync(f"feed:{server.base}/feed", archive=tmp_path)
    assert "2024-06-10_mistral-leve-600-millions-2.html" in report.sources[0].new
    assert mine.read_text(encoding="utf-8") == "<h1>Ma version de ce numéro</h1><p>Écrite à la main.</p>"


def test_a_post_already_saved_by_hand_is_not_synced_twice(tmp_path, server):
    (tmp_path / "000_banques.txt").write_text("Les banques testent des agents IA\nSauvegardé à la main depuis le site.\n", encoding="utf-8")
    (tmp_path / "000_banques.meta.yaml").write_text(f"date: 2024-06\nurl: {server.base}/p/banques-agents-ia/\n", encoding="utf-8")
    report = sync(f"feed:{server.base}/feed", archive=tmp_path)
    assert len(report.sources[0].new) == 2
    assert report.sources[0].skipped == [("Les banques testent des agents IA",
                                          "already in the archive as 000_banques (added by hand; its sidecar states this url)")]
    assert not list(tmp_path.glob("*banques-agents-ia*"))


def test_a_post_removed_upstream_is_reported_not_deleted(tmp_path, server):
    csv_file = tmp_path / "posts.csv"
    rows = (REPO / "tests/fixtures/sync/posts.csv").read_text(encoding="utf-8").splitlines()
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    archive = tmp_path / "archive"
    assert len(sync(f"csv:{csv_file}", archive=archive).sources[0].new) == 2
    csv_file.write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")  # the second post is gone from the export
    report = sync(f"csv:{csv_file}", archive=archive)
    assert report.sources[0].removed == ["2024-09-23_ia-salles-de-classe.html"]
    assert "  removed upstream (file kept): 2024-09-23_ia-salles-de-classe.html" in summary_lines(report)
    assert (archive / "2024-09-23_ia-salles-de-classe.html").is_file()


# --- sources and what is kept of a post ------------------------------------------------------------

def test_scripts_and_tracking_pixels_are_dropped(tmp_path, server):
    sync(f"feed:{server.base}/feed", archive=tmp_path)
    written = (tmp_path / "2024-06-17_banques-agents-ia.html").read_text(encoding="utf-8")
    for trace in ("<script", "trackOpen", "<style", "open.gif", "pixel.example", "noscript", "onclick"):
        assert trace not in written
    issue = read_issue(tmp_path / "2024-06-17_banques-agents-ia.html", tmp_path)
    assert issue.title == "Les banques testent des agents IA" and issue.language == "fr"
    assert "tri des réclamations" in issue.text and "trackOpen" not in issue.text


def test_feed_without_content_takes_the_description_and_the_page_body(tmp_path, server):
    sync(f"feed:{server.base}/summary.xml", archive=tmp_path)
    issue = read_issue(tmp_path / "2024-07-01_robots-humanoides-usine.html", tmp_path)
    assert issue.text.startswith("Des robots humanoïdes à l'usine") or "installent leurs humanoïdes" in issue.text
    assert "Agility Robotics déploient" in issue.text and "BMW" in issue.text
    written = (tmp_path / "2024-07-01_robots-humanoides-usine.html").read_text(encoding="utf-8")
    for chrome in ("gtag", "Abonnez-vous", "Propulsé par beehiiv", "tracking.gif", "<nav"):
        assert chrome not in written
    meta = read_sidecar(tmp_path / "2024-07-01_robots-humanoides-usine.html")
    assert meta == {"title": "Des robots humanoïdes à l'usine", "date": "2024-07-01", "url": f"{server.base}/p/robots-humanoides-usine",
                    "language": "fr"}


def test_atom_feed(tmp_path, server):
    report = sync(f"{server.base}/atom.xml", archive=tmp_path)
    assert report.sources[0].name == f"feed {server.base}/atom.xml"
    issue = read_issue(tmp_path / "2024-08-01_reglement-europeen-ia.html", tmp_path)
    assert issue.title == "Le règlement européen sur l'IA entre en vigueur" and issue.date == "2024-08-01"
    assert "notation sociale" in issue.text


def test_api_pages_through_every_page_and_waits_out_a_429(tmp_path, server, api_env):
    server.routes[f"{API_POSTS}?page=3"].before.append(Reply('{"errors":[{"message":"Too many requests"}]}', status=429,
                                                              headers={"Retry-After": "1", "Content-Type": "application/json"}))
    started = time.monotonic()
    report = sync(f"beehiiv:{PUBLICATION}", archive=tmp_path)
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured
    source = report.sources[0]
    assert not source.failed and len(source.new) == 4 and source.skipped == [
        ("Édition spéciale abonnés", "no free web content (an e-mail-only or premium post)")]
    asked = server.seen(API_POSTS)
    assert [r.query["page"] for r in asked] == [["1"], ["2"], ["3"], ["3"]]
    assert all(r.query["expand[]"] == ["free_web_content"] and r.query["status"] == ["confirmed"] for r in asked)
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in asked)
    meta = read_sidecar(tmp_path / "2024-05-06_parlement-traduction-ia.html")
    assert meta["title"] == "Le Parlement européen traduit avec l'IA" and meta["date"] == "2024-05-06"
    sidecar = (tmp_path / "2024-05-06_parlement-traduction-ia.meta.yaml").read_text(encoding="utf-8")
    assert "source_id: post_00000000-0000-4000-8000-0000000000a5" in sidecar and "- traduction" in sidecar
    assert "Vingt-quatre langues en temps réel" in (tmp_path / "2024-05-06_parlement-traduction-ia.html").read_text(encoding="utf-8")


def test_api_follows_the_cursor_when_the_answer_gives_one(tmp_path, server, api_env):
    first = json.loads(server.routes[f"{API_POSTS}?page=1"].body)
    rest = json.loads(server.routes[f"{API_POSTS}?page=3"].body)
    server.serve(f"{API_POSTS}?page=1", body=json.dumps({"data": first["data"], "limit": 2, "has_more": True, "next_cursor": "Y3Vyc2V1cg"}), bearer=API_KEY)
    server.serve(f"{API_POSTS}?cursor=Y3Vyc2V1cg", body=json.dumps({"data": rest["data"], "limit": 2, "has_more": False, "next_cursor": None}), bearer=API_KEY)
    report = sync(f"beehiiv:{PUBLICATION}", archive=tmp_path)
    assert len(report.sources[0].new) == 3
    assert [r.query.get("cursor") for r in server.seen(API_POSTS)] == [None, ["Y3Vyc2V1cg"]]


def test_archive_page_finds_every_post_page(tmp_path, server):
    report = sync(f"archive:{server.base}/archive", archive=tmp_path)
    assert sorted(report.sources[0].new) == ["2024-07-01_robots-humanoides-usine.html", "2024-07-08_ia-et-climat.html",
                                             "2024-09-02_chatbots-service-public.html"]
    issue = read_issue(tmp_path / "2024-09-02_chatbots-service-public.html", tmp_path)
    assert "maisons France services" in issue.text and "S'abonner" not in issue.text
    assert read_sidecar(tmp_path / "2024-07-08_ia-et-climat.html")["url"] == f"{server.base}/p/ia-et-climat"


def test_config_file_lists_the_sources(tmp_path, server):
    (tmp_path / "sync.yaml").write_text(f"sources:\n  - page:{server.base}/p/ia-et-climat\n  - csv:{REPO}/tests/fixtures/sync/posts.csv\n",
                                        encoding="utf-8")
    out = cli("sync", "--archive", str(tmp_path / "archive"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"page {server.base}/p/ia-et-climat: 1 new" in out.stdout and "posts.csv: 2 new" in out.stdout


# --- failures: a clear message, a non-zero exit, nothing lost ----------------------------------------

def test_every_failure_names_its_source_and_reason_and_loses_nothing(tmp_path, server, api_env):
    archive = tmp_path / "archive"
    sync(f"feed:{server.base}/atom.xml", archive=archive)
    before = snapshot(archive)
    env = {**api_env, "AIBREW_BEEHIIV_API_KEY": "sk-wrong-0000"}
    sources = [f"beehiiv:{PUBLICATION}", f"feed:{server.base}/private/feed.xml", f"feed:{server.base}/malformed.xml",
               f"feed:{server.base}/archive", "feed:http://127.0.0.1:9/feed", "feed:http://aibrew.invalid/feed"]
    out = cli("sync", *[a for s in sources for a in ("--source", s)], "--archive", str(archive), "--retries", "1", env=env)
    assert out.returncode == 1
    errors = out.stderr.strip().splitlines()[-6:]
    assert errors == [
        f"error: beehiiv {PUBLICATION}: HTTP 401 unauthorized for {server.base}{API_POSTS}: the API key was refused (check AIBREW_BEEHIIV_API_KEY)",
        f"error: feed {server.base}/private/feed.xml: HTTP 404 not found: no feed at this address "
        "(check the URL; is the publication's RSS feed turned on and public?)",
        f"error: feed {server.base}/malformed.xml: malformed XML (line 8: not well-formed (invalid token)); nothing was taken from it",
        f"error: feed {server.base}/archive: not an RSS or Atom feed (the server answered a web page: is this the site's address "
        "rather than its feed's?)",
        "error: feed http://127.0.0.1:9/feed: connection refused by 127.0.0.1:9",
        "error: feed http://aibrew.invalid/feed: DNS lookup failed for aibrew.invalid (no such host, or no network)",
    ]
    assert "sk-wrong-0000" not in out.stdout + out.stderr
    assert out.stdout.count("[FAILED]") == 6
    assert snapshot(archive) == before


def test_missing_key_and_missing_source_are_refused(tmp_path, server, monkeypatch):
    monkeypatch.delenv("AIBREW_BEEHIIV_API_KEY", raising=False)
    report = sync(f"beehiiv:{PUBLICATION}", archive=tmp_path)
    assert report.sources[0].error == "no API key: set AIBREW_BEEHIIV_API_KEY to a beehiiv API key"
    out = cli("sync", "--archive", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "no source to sync" in out.stderr
    out = cli("sync", "--source", "ftp://example.org/x", "--archive", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "cannot tell its kind" in out.stderr


def test_5xx_is_retried_with_backoff_then_reported(tmp_path, server):
    flaky = server.serve("/flaky.xml", "atom.xml")
    flaky.before += [Reply("panne", status=503), Reply("panne", status=502)]
    server.serve("/down.xml", body="panne", status=503)
    report = sync(f"feed:{server.base}/flaky.xml", f"feed:{server.base}/down.xml", archive=tmp_path)
    assert len(report.sources[0].new) == 2 and not report.sources[0].failed
    assert report.sources[1].error == "HTTP 503 Service Unavailable after 2 retries"
    assert len(server.seen("/down.xml")) == 3


def test_a_server_that_does_not_answer_in_time_is_reported(tmp_path, server):
    server.serve("/slow.xml", "atom.xml", delay=1.5)
    report = sync(f"feed:{server.base}/slow.xml", archive=tmp_path, settings=HttpSettings(timeout=0.3, retries=0))
    assert report.sources[0].error == "no answer from 127.0.0.1 within 0.3 s (timed out)"
    assert issue_files(tmp_path) == []


def test_a_page_that_fails_is_skipped_with_its_reason_and_retried_next_time(tmp_path, server):
    gone = server.routes.pop("/p/ia-et-climat")
    report = sync(f"feed:{server.base}/summary.xml", archive=tmp_path)
    source = report.sources[0]
    assert source.new == ["2024-07-01_robots-humanoides-usine.html"] and source.failed
    assert source.skipped == [("L'IA et le climat", f"HTTP 404 not found for {server.base}/p/ia-et-climat: the item's link page is gone")]
    server.routes["/p/ia-et-climat"] = gone
    assert sync(f"feed:{server.base}/summary.xml", archive=tmp_path).sources[0].new == ["2024-07-08_ia-et-climat.html"]


def test_a_second_sync_is_refused_while_one_runs(tmp_path, server):
    with sync_lock(tmp_path):
        with pytest.raises(SyncLocked, match="another sync is writing into"):
            sync(f"feed:{server.base}/feed", archive=tmp_path)


def test_sigkill_in_the_middle_of_a_sync_leaves_no_half_written_issue(tmp_path):
    archive = tmp_path / "archive"
    with FixtureServer() as server:
        server.serve_many(40, delay=0.03)
        args = [sys.executable, "-m", "indexer", "sync", "--source", f"archive:{server.base}/many/archive", "--archive", str(archive)]
        for stop_after in (3, 15):
            process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env={**os.environ, "PYTHONPATH": str(REPO)})
            deadline = time.monotonic() + 60
            while len(issue_files(archive)) < stop_after and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.wait()
            written = issue_files(archive)
            assert stop_after <= len(written) < 40
            for name in written:  # every issue file is whole, with its sidecar, and reads as an issue
                assert (archive / name).read_text(encoding="utf-8").endswith("</html>\n")
                assert read_issue(archive / name, archive).date
            assert all(name.endswith(".html") for name in written)
        report = sync(f"archive:{server.base}/many/archive", archive=archive)
    assert not report.failed and len(issue_files(archive)) == 40  # finished, with no duplicate of a killed run's file
    assert len(report.sources[0].new) + report.sources[0].unchanged == 40
    assert not list(archive.glob(".sync-tmp-*"))


def test_reader_reads_the_keys_sync_writes_and_ignores_the_others(tmp_path):
    (tmp_path / "a.md").write_text("# Titre\n\nUn paragraphe sur l'IA générative en Europe.\n", encoding="utf-8")
    (tmp_path / "a.meta.yaml").write_text("title: Un titre\ndate: '2024-05-06'\nsource_id: post_1\nsubtitle: Sous-titre\n"
                                          "tags:\n- Europe\n- traduction\n", encoding="utf-8")
    assert read_sidecar(tmp_path / "a.md") == {"title": "Un titre", "date": "2024-05-06"}
    (tmp_path / "a.meta.yaml").write_text("title: Un titre\nauteur: moi\n", encoding="utf-8")
    assert read_sidecar(tmp_path / "a.md") == {"title": "Un titre"}


def test_sync_help_documents_every_option():
    out = cli("sync", "--help")
    assert out.returncode == 0
    for flag in ("--source", "--config", "--archive", "--rebuild", "--index", "--timeout", "--retries",
                 "feed:URL", "beehiiv:PUB_ID", "csv:FILE", "page:URL", "archive:URL", "AIBREW_BEEHIIV_API_KEY"):
        assert flag in out.stdout
