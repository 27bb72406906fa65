"""sync, round two (issue 24): each defect found by a hostile publisher, as its one-line repro.
Real HTTP servers on loopback (127.0.0.1 and 127.0.0.2), real files, the real command where what
the user sees is an exit code or a message."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
import yaml

from indexer.sync.files import SYNC_DIR
from indexer.sync.http import HttpSettings
from indexer.sync.listing import Entry, distinct
from indexer.sync.post import WRITTEN_BY
from tests.conftest import REPO
from tests.sync_server import API_KEY, FixtureServer
from tests.synchelp import (FAST, JSON_TYPE, RSS_TYPE, api_env, api_page, api_post, cli, indexed, issue_files, paragraph,  # noqa: F401
                            rss, server, sync)

PUB = "pub_00000000-0000-4000-8000-0000000000aa"
API = f"/v2/publications/{PUB}/posts"


def _feed(server, path: str, *items: dict, extra: str = "") -> str:
    server.serve(path, body=rss(*items, extra=extra), headers={"Content-Type": RSS_TYPE})
    return f"feed:{server.base}{path}"


def _sidecars(archive) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(archive.glob("*.meta.yaml"))]


# --- security ----------------------------------------------------------------------------------------

def test_a_backslash_before_the_at_sign_is_judged_by_the_host_requests_connects_to(tmp_path, server, api_env):
    with FixtureServer(host="127.0.0.2") as other:
        other.serve("/p/x", body=f"<html><body><main>{paragraph('secret de 127.0.0.2')}</main></body></html>",
                    headers={"Content-Type": "text/html"})
        sneaky = f"{other.base}\\@{server.base.removeprefix('http://')}/p/x"
        spec = _feed(server, "/bs.xml", {"title": "Lien piégé", "guid": "bs-1", "link": sneaky, "description": "Résumé."})
        report = sync(spec, archive=tmp_path / "a")
        assert report.sources[0].skipped[0][1].endswith("is on another site than the feed (127.0.0.2:%d); not fetched "
                                                        "(list its host under `hosts:` in sync.yaml to allow it)" % other.httpd.server_address[1])
        server.serve(API, status=302, headers={"Location": f"{other.base}\\@{server.base.removeprefix('http://')}{API}"})
        report = sync(f"beehiiv:{PUB}", archive=tmp_path / "b")
        assert "on another site (127.0.0.2" in report.sources[0].error
        assert other.requests == []  # no page fetched there, no key sent there


@pytest.mark.parametrize("prolog", ['<!DOCTYPE rss [<!--<x--><!ENTITY q "quadratique">]>',
                                    '<?pi <x?><!DOCTYPE rss [<!ENTITY q "quadratique">]>',
                                    '<!DOCTYPE rss [<!ENTITY % p "<!ENTITY q \'x\'>"> %p;]>'])
def test_entity_declarations_are_refused_by_the_parser_wherever_they_hide(tmp_path, server, prolog):
    spec = _feed(server, "/ent.xml", {"title": "&q;" * 90, "guid": "e-1", "content": paragraph("Entité")})
    server.routes["/ent.xml"].body = server.routes["/ent.xml"].body.replace("&amp;q;", "&q;").replace(
        '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>' + prolog)
    report = sync(spec, archive=tmp_path)
    assert report.sources[0].error == "the feed declares XML entities (<!ENTITY>), which feeds never need; refused"
    assert issue_files(tmp_path) == []


def test_the_feeds_own_redirect_to_another_host_is_not_followed(tmp_path, server):
    with FixtureServer(host="127.0.0.2") as other:
        other.serve("/feed.xml", body=rss({"title": "Ailleurs", "guid": "o-1", "content": paragraph("Ailleurs")}),
                    headers={"Content-Type": RSS_TYPE})
        server.serve("/moved.xml", status=301, headers={"Location": f"{other.base}/feed.xml"})
        report = sync(f"feed:{server.base}/moved.xml", archive=tmp_path)
        assert "on another site (127.0.0.2:" in report.sources[0].error and other.requests == []
        assert issue_files(tmp_path) == []


def test_credentials_in_a_source_url_are_never_printed_or_written(tmp_path, server):
    _feed(server, "/cred.xml", {"title": "Avec mot de passe", "guid": "c-1", "content": paragraph("Identifiants"),
                                "link": "https://lecteur:motdepasse@aibrew.example/p/c-1"})
    spec = f"feed:{server.base.replace('://', '://lecteur:motdepasse@')}/cred.xml"
    out = cli("sync", "--source", spec, "--archive", str(tmp_path / "archive"), "--source", spec + "?x=1&" + "y" * 5000)
    assert out.returncode == 0 and "motdepasse" not in out.stdout + out.stderr
    assert len(max(out.stdout.splitlines(), key=len)) < 1000  # a 5,000-character URL is clipped
    assert server.seen("/cred.xml")[0].headers["authorization"].startswith("Basic ")  # still used to fetch
    for path in (tmp_path / "archive").rglob("*"):
        assert path.is_dir() or b"motdepasse" not in path.read_bytes(), path


def test_a_symlinked_sync_folder_or_lock_is_refused(tmp_path, server):
    outside = tmp_path / "outside"
    outside.mkdir()
    spec = f"feed:{server.base}/atom.xml"
    for link, target in ((SYNC_DIR, outside), (f"{SYNC_DIR}/lock", outside / "lock")):
        archive = tmp_path / f"archive-{len(link)}"
        (archive / SYNC_DIR).mkdir(parents=True) if "/" in link else archive.mkdir()
        (archive / link).symlink_to(target)
        out = cli("sync", "--source", spec, "--archive", str(archive))
        assert out.returncode == 2 and "Traceback" not in out.stderr and "symbolic link" in out.stderr
        assert list(outside.iterdir()) == [] and issue_files(archive) == []


def test_a_line_separator_in_a_source_cannot_add_keys_to_sidecars(tmp_path, server):
    spec = f"feed:{server.base}/atom.xml?x=\u2028number: 4242\u0085date: '1999-01-01'"
    out = cli("sync", "--source", spec, "--archive", str(tmp_path))
    assert out.returncode == 0, out.stderr
    sides = _sidecars(tmp_path)
    assert sides and all("number" not in s and s["date"] != "1999-01-01" for s in sides)
    assert all(len(p.read_text(encoding="utf-8").splitlines()[0].split("\u2028")) == 1 for p in tmp_path.glob("*.meta.yaml"))


def test_a_beehiiv_id_must_be_pub_and_a_uuid(tmp_path, server, api_env):
    out = cli("sync", "--source", "beehiiv:../../x#", "--archive", str(tmp_path), env=api_env)
    assert out.returncode == 2 and "pub_ followed by a UUID" in out.stderr and server.requests == []


# --- posts lost or duplicated -------------------------------------------------------------------------

def _small_files():
    resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600))  # a file over 600 bytes cannot be written (EFBIG)


def test_a_write_failure_fails_the_run_and_is_retried_next_time(tmp_path, server):
    spec = f"feed:{server.base}/atom.xml"
    args = [sys.executable, "-m", "indexer", "sync", "--source", spec, "--archive", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    failed = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=REPO, env=env, preexec_fn=_small_files)
    assert failed.returncode == 1 and "[FAILED]" in failed.stdout and "cannot write" in failed.stderr, failed.stdout
    assert "Traceback" not in failed.stderr and issue_files(tmp_path) == []
    again = cli("sync", "--source", spec, "--archive", str(tmp_path))
    assert again.returncode == 0 and "unchanged since the last sync" not in again.stdout
    assert len(issue_files(tmp_path)) == 2 and not list(tmp_path.glob("*-2.*"))


def test_one_source_never_suppresses_another(tmp_path, server):
    items = [{"title": f"Premier flux {n}", "guid": str(n), "content": paragraph(f"Premier {n}")} for n in (1, 2)]
    others = [{"title": f"Second flux {n}", "guid": str(n), "content": paragraph(f"Second {n}")} for n in (1, 2)]
    report = sync(_feed(server, "/one.xml", *items), _feed(server, "/two.xml", *others), archive=tmp_path)
    assert [len(s.new) for s in report.sources] == [2, 2]
    server.serve("/p/claims", body='<html><head><link rel="canonical" href="https://aibrew.example/p/victim"></head>'
                 f'<body><main><h1>Usurpateur</h1>{paragraph("Usurpateur")}</main></body></html>', headers={"Content-Type": "text/html"})
    victim = _feed(server, "/victim.xml", {"title": "Victime", "guid": "v", "link": "https://aibrew.example/p/victim",
                                           "content": paragraph("Victime")})
    report = sync(f"page:{server.base}/p/claims", victim, archive=tmp_path)
    assert [len(s.new) for s in report.sources] == [1, 1]
    assert any("Victime" in text for text in indexed(tmp_path).values())


def test_a_moved_manifest_then_an_upstream_edit_gives_no_duplicate(tmp_path, server):
    spec = f"feed:{server.base}/atom.xml"
    sync(spec, archive=tmp_path)
    before = sorted(issue_files(tmp_path))
    (tmp_path / SYNC_DIR / "manifest.json").rename(tmp_path / SYNC_DIR / "manifest.old")  # as the refusal message advises; or a SIGKILL
    server.routes["/atom.xml"].body = server.routes["/atom.xml"].body.replace("notation sociale", "notation sociale et biométrie")
    report = sync(spec, archive=tmp_path)
    assert sorted(issue_files(tmp_path)) == before and len(report.adopted) == 2
    assert len(report.sources[0].updated) == 1 and report.sources[0].new == []


def test_a_guid_that_changes_every_run_with_a_cache_buster_is_one_post(tmp_path, server):
    for run in range(3):
        spec = _feed(server, "/buster.xml", {"title": "Toujours le même", "guid": f"guid-{run}", "content": paragraph("Le même"),
                                              "link": f"https://aibrew.example/p/meme?cb={run}"})
        assert not sync(spec, archive=tmp_path).failed
    assert len(issue_files(tmp_path)) == 1


def test_a_hand_made_sidecar_copied_from_a_synced_one_is_never_deleted(tmp_path, server):
    (tmp_path / "mine.md").write_text("# Le mien\n\nUn paragraphe écrit à la main sur l'IA en Europe.\n", encoding="utf-8")
    (tmp_path / "mine.meta.yaml").write_text(f"{WRITTEN_BY} from feed x.\ntitle: Le mien\n", encoding="utf-8")
    (tmp_path / "lonely.meta.yaml").write_text(f"{WRITTEN_BY} from feed x.\ntitle: Seul\n", encoding="utf-8")
    sync(f"feed:{server.base}/atom.xml", archive=tmp_path)
    assert (tmp_path / "mine.meta.yaml").exists() and (tmp_path / "lonely.meta.yaml").exists()


def test_posts_past_999_with_one_date_and_slug_are_all_written(tmp_path):
    rows = "".join(f'p{n},Même titre,2024-06-10,meme,"{paragraph(f"Numéro {n}")}"\n' for n in range(1100))
    (tmp_path / "posts.csv").write_text("id,title,publish_date,slug,content_html\n" + rows, encoding="utf-8")
    report = sync(f"csv:{tmp_path / 'posts.csv'}", archive=tmp_path / "archive")
    assert not report.failed and len(report.sources[0].new) == 1100 and len(issue_files(tmp_path / "archive")) == 1100


def test_text_after_an_unclosed_svg_or_object_is_kept(tmp_path, server):
    spec = _feed(server, "/svg.xml", {"title": "SVG", "guid": "s", "content": "<p>Avant.</p><svg><circle r='1'>" + paragraph("Après svg")},
                 {"title": "Objet", "guid": "o", "content": "<p>Avant.</p><object data='x.swf'>" + paragraph("Après objet")})
    sync(spec, archive=tmp_path)
    texts = " ".join(indexed(tmp_path).values())
    assert "Après svg" in texts and "Après objet" in texts


def test_pages_that_differ_by_query_are_fetched_each_at_its_address(tmp_path, server):
    server.serve("/", body="<html><body><main><h1>Accueil</h1><p>Rien.</p></main></body></html>", headers={"Content-Type": "text/html"})
    report = sync(f"page:{server.base}/?p=1", f"page:{server.base}/?p=2", archive=tmp_path)
    assert [r.query for r in server.seen("/")] == [{"p": ["1"]}, {"p": ["2"]}]
    assert len(report.sources) == 2


def test_a_csv_column_named_twice_keeps_its_first_non_empty_cell(tmp_path):
    (tmp_path / "posts.csv").write_text(f'id,title,content_html,content_html\np1,Doublon,"{paragraph("Colonne")}",\n', encoding="utf-8")
    report = sync(f"csv:{tmp_path / 'posts.csv'}", archive=tmp_path / "archive")
    assert len(report.sources[0].new) == 1


def test_feed_dates_below_year_1000_are_kept_and_impossible_ones_are_not_moved(tmp_path, server):
    server.serve("/dates.xml", headers={"Content-Type": "application/atom+xml"}, body=(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>'
        f'<entry><title>Ancien</title><id>d1</id><updated>0999-06-10T06:00:00Z</updated><content type="html">{paragraph("Ancien")}</content></entry>'
        f'<entry><title>Impossible</title><id>d2</id><updated>2024-02-30T06:00:00Z</updated><content type="html">{paragraph("Impossible")}</content></entry>'
        '</feed>'))
    report = sync(f"feed:{server.base}/dates.xml", archive=tmp_path)
    assert [name.split("_")[0] for name in sorted(report.sources[0].new)] == ["0999-06-10", "undated"]


# --- tracebacks and words -----------------------------------------------------------------------------

def test_an_archive_that_cannot_be_a_folder_is_one_line(tmp_path, server):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for archive in (tmp_path / "file", tmp_path / "file" / "sub"):
        out = cli("sync", "--source", f"feed:{server.base}/atom.xml", "--archive", str(archive))
        assert out.returncode == 2 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_one_post_with_a_lone_surrogate_skips_only_that_post(tmp_path, server, api_env):
    bad = api_post(2, "Mauvais", paragraph("Mauvais"))
    body = api_page([api_post(1, "Bon", paragraph("Bon")), bad]).replace('"Mauvais"', '"Mau\\ud800vais"', 1)
    server.serve(API, body=body, headers={"Content-Type": JSON_TYPE}, bearer=API_KEY)
    out = cli("sync", "--source", f"beehiiv:{PUB}", "--archive", str(tmp_path), env=api_env)
    assert out.returncode == 0 and "1 new" in out.stdout and "not valid Unicode" in out.stdout, out.stdout + out.stderr


def test_expected_conditions_are_named_not_internal_errors(tmp_path, server, api_env):
    server.serve(API, body="[" * 100_000 + "]" * 100_000, headers={"Content-Type": JSON_TYPE}, bearer=API_KEY)
    out = cli("sync", "--source", f"beehiiv:{PUB}", "--archive", str(tmp_path / "a"), env=api_env)
    assert out.returncode == 1 and "nested too deeply" in out.stderr
    out = cli("sync", "--source", f"beehiiv:{PUB}", "--archive", str(tmp_path / "a"), env={**api_env, "AIBREW_BEEHIIV_API_KEY": "clé-€"})
    assert out.returncode == 1 and "cannot carry" in out.stderr
    out = cli("sync", "--source", "feed:http://[::1", "--archive", str(tmp_path / "a"))
    assert out.returncode == 2 and "not an http:// or https:// URL" in out.stderr
    sync(f"feed:{server.base}/atom.xml", archive=tmp_path / "b")
    manifest = tmp_path / "b" / SYNC_DIR / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"title": "', '"title": "\\u0000', 1), encoding="utf-8")
    out = cli("sync", "--source", f"feed:{server.base}/atom.xml", "--archive", str(tmp_path / "b"))
    assert out.returncode == 2 and "NUL" in out.stderr
    for text in (out.stdout + out.stderr,):
        assert "internal error" not in text


def test_messages_say_what_happened(tmp_path, server, api_env):
    server.serve("/busy.xml", status=429, headers={"Retry-After": "60"})
    report = sync(f"feed:{server.base}/busy.xml", archive=tmp_path, settings=HttpSettings(timeout=5, retries=2, deadline=5))
    assert report.sources[0].error.startswith(f"HTTP 429 too many requests for {server.base}/busy.xml; not tried again")
    server.serve(API, body=json.dumps({"errors": [{"message": "Publication\nsuspended"}]}), headers={"Content-Type": JSON_TYPE})
    report = sync(f"beehiiv:{PUB}", archive=tmp_path)
    assert report.sources[0].error == "the API answered an error: Publication suspended" and report.sources[0].removed == []
    server.serve("/n.xml", status=304)
    assert "asked for no condition" in sync(f"feed:{server.base}/n.xml", archive=tmp_path).sources[0].error


def test_titles_cannot_forge_summary_lines_and_the_manifest_escapes_hidden_characters(tmp_path, server):
    spec = _feed(server, "/forge.xml", {"title": "Vide\n  new: faux.html\u2028Synced into nowhere", "guid": "f", "content": "<img src=x>"},
                 {"title": "Caché \u202e\u0085 titre", "guid": "g", "content": paragraph("Caché")})
    out = cli("sync", "--source", spec, "--archive", str(tmp_path))
    assert not any(line.startswith("  new: faux") or line.startswith("Synced into nowhere") for line in out.stdout.splitlines())
    raw = (tmp_path / SYNC_DIR / "manifest.json").read_text(encoding="utf-8")
    assert "\u202e" not in raw and "\u0085" not in raw and json.loads(raw)


def test_a_symlinked_issue_file_is_left_alone_without_blaming_the_manifest(tmp_path, server):
    spec = f"feed:{server.base}/atom.xml"
    sync(spec, archive=tmp_path / "a")
    name = issue_files(tmp_path / "a")[0]
    (tmp_path / "elsewhere.html").write_text("<p>à moi</p>", encoding="utf-8")
    (tmp_path / "a" / name).unlink()
    (tmp_path / "a" / name).symlink_to(tmp_path / "elsewhere.html")
    server.routes["/atom.xml"].body = server.routes["/atom.xml"].body.replace("</content>", " Modifié.</content>")
    out = cli("sync", "--source", spec, "--archive", str(tmp_path / "a"))
    assert out.returncode in (0, 1) and "manifest" not in out.stderr and (tmp_path / "elsewhere.html").read_text(encoding="utf-8") == "<p>à moi</p>"


# --- bounds -------------------------------------------------------------------------------------------

def test_the_deadline_bounds_cpu_work_too(tmp_path):
    rows = "".join(f'p{n},Titre {n},2024-06-10,"{paragraph(f"Numéro {n}")}"\n' for n in range(6000))
    (tmp_path / "posts.csv").write_text("id,title,publish_date,content_html\n" + rows, encoding="utf-8")
    out = cli("sync", "--source", f"csv:{tmp_path / 'posts.csv'}", "--archive", str(tmp_path / "a"), "--deadline", "2", timeout=120)
    assert out.returncode == 1 and "longer than its deadline of 2 s" in out.stderr


def test_dedup_of_entries_sharing_one_key_keeps_them_all(tmp_path):
    entries = [Entry(key="k", title="t", url="u", fingerprint=str(n), load=None) for n in range(3000)]
    entries += [Entry(key="k", title="t", url="u", fingerprint="0", load=None)]  # a repeat
    kept, repeats = distinct(entries)
    assert repeats == 1 and len({e.key for e in kept}) == 3000


def test_the_timeout_bounds_a_request_with_its_redirects(tmp_path, server):
    for n in range(4):
        server.serve(f"/hop{n}", status=302, delay=0.8, headers={"Location": f"{server.base}/hop{n + 1}"})
    report = sync(f"feed:{server.base}/hop0", archive=tmp_path, settings=HttpSettings(timeout=2, retries=0))
    assert "within 2 s" in report.sources[0].error and len(server.requests) < 4


def test_html_of_too_many_tags_is_refused_before_it_is_parsed(tmp_path, server):
    spec = _feed(server, "/tags.xml", {"title": "Balises", "guid": "b", "content": "<b>x</b>" * 60_000 + paragraph("Fin")},
                 {"title": "Normal", "guid": "n", "content": paragraph("Normal")})
    report = sync(spec, archive=tmp_path)
    assert report.sources[0].skipped == [("Balises", "its HTML holds over 100,000 tags, more than any issue; refused")]
    assert len(report.sources[0].new) == 1


def test_fifos_in_the_archive_never_block_sync(tmp_path, server):
    spec = f"feed:{server.base}/atom.xml"
    sync(spec, archive=tmp_path / "a")
    names = issue_files(tmp_path / "a")
    os.mkfifo(tmp_path / "a" / "hand.meta.yaml")
    (tmp_path / "a" / names[0]).unlink()
    os.mkfifo(tmp_path / "a" / names[0])
    os.mkfifo(tmp_path / "b.fifo")
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / "2024-06-17_whatever.meta.yaml")
    server.routes["/atom.xml"].body = server.routes["/atom.xml"].body.replace("</content>", " Modifié.</content>")
    out = cli("sync", "--source", spec, "--archive", str(tmp_path / "a"), timeout=60)  # a hang fails here
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr
    out = cli("sync", "--source", f"csv:{tmp_path / 'b.fifo'}", "--archive", str(tmp_path / "b"), timeout=60)
    assert out.returncode == 1 and "not a regular file" in out.stderr


def test_a_server_that_answers_garbage_is_not_called_unreachable(tmp_path):
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def answer():
        for _ in range(4):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        report = sync(f"feed:http://127.0.0.1:{listener.getsockname()[1]}/feed.xml", archive=tmp_path,
                      settings=HttpSettings(timeout=5, retries=0))
    finally:
        listener.close()
    assert "cannot reach" not in report.sources[0].error and "127.0.0.1" in report.sources[0].error, report.sources[0].error


def test_a_linked_journal_or_a_fifo_config_is_refused_without_writing_or_waiting(tmp_path, server):
    archive = tmp_path / "archive"
    (archive / SYNC_DIR).mkdir(parents=True)
    (archive / SYNC_DIR / "journal").symlink_to(tmp_path / "outside")
    out = cli("sync", "--source", f"feed:{server.base}/atom.xml", "--archive", str(archive), timeout=60)
    assert out.returncode == 1 and not (tmp_path / "outside").exists() and "Traceback" not in out.stderr
    os.mkfifo(tmp_path / "sync.yaml")
    out = cli("sync", "--config", str(tmp_path / "sync.yaml"), "--archive", str(archive), timeout=60)
    assert out.returncode == 2 and "cannot be read" in out.stderr


def test_a_refusal_skips_its_post_without_failing_the_source_on_every_run(tmp_path, server):
    server.serve("/go", status=302, headers={"Location": "http://127.0.0.2:9/ailleurs"})
    spec = _feed(server, "/refus.xml", {"title": "Redirigé", "guid": "r", "link": f"{server.base}/go", "description": "Résumé."},
                 {"title": "Normal", "guid": "n", "content": paragraph("Normal")})
    first = sync(spec, archive=tmp_path)
    assert not first.failed and len(first.sources[0].new) == 1
    assert first.sources[0].skipped[0][1].endswith("not followed (list its host under `hosts:` in sync.yaml to allow it)")
    assert not sync(spec, archive=tmp_path).failed
