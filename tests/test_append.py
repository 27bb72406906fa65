"""Adding issues is an append (issue 25, item 3): a rebuild where only new issues were added extends
the live build instead of rebuilding it whole, and the index it publishes answers exactly like a full
rebuild of the same archive. Anything else (an edited, removed or re-ordered issue, a new issue that
could fold with another) takes the full path. A killed append leaves the live index serving."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.build.build import rebuild
from indexer.build.store import current_build
from indexer.config import Config
from indexer.engine import Engine
from indexer.search.index import open_index
from indexer.text.lexical import LexicalIndex, tokenize
from tests.conftest import AI_WEEKLY, ARCHIVE, REPO, require_shared

LAST = "ai-weekly-27dec-2jan.html"  # sorts after every other ai-weekly-fr file
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "tests" / "golden" / "archive.jsonl").read_text().splitlines()[:25]]


def _archives(root: Path, *, with_last: bool) -> tuple[Path, Path]:
    require_shared()
    brew, weekly = root / "brew", root / "weekly"
    if not brew.exists():
        shutil.copytree(ARCHIVE, brew)
        weekly.mkdir()
        for path in sorted(AI_WEEKLY.iterdir()):
            if path.name != LAST and path.suffix == ".html":
                shutil.copy(path, weekly)
    if with_last:
        shutil.copy(AI_WEEKLY / LAST, weekly)
    return brew, weekly


def _index(tmp_path: Path, name: str, built_index: Path) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(built_index / "embeddings.sqlite", folder)  # the session's vectors: nothing to embed
    return folder


@pytest.fixture(scope="module")
def appended_and_full(tmp_path_factory, built_index, embedder):
    """(index appended to, index built whole, the appending rebuild's summary) over one archive."""
    tmp = tmp_path_factory.mktemp("append")
    archives = _archives(tmp, with_last=False)
    appended = _index(tmp, "appended", built_index)
    config = Config(archives=archives, index_dir=appended)
    first = rebuild(config, embedder=embedder)
    assert first.appended == 0
    _archives(tmp, with_last=True)
    summary = rebuild(config, embedder=embedder)
    full = _index(tmp, "full", built_index)
    whole = rebuild(config.with_(index_dir=full), embedder=embedder)
    assert whole.appended == 0
    return appended, full, summary, first


def _rows(build: Path, table: str) -> list[tuple]:
    db = sqlite3.connect(build / "passages.sqlite")
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        db.close()


def test_a_new_issue_is_appended(appended_and_full):
    appended, _, summary, first = appended_and_full
    assert summary.appended == 1
    assert summary.files_read == 1 and first.files_read > 1  # the new file only: the others are known unchanged
    assert summary.embedded_new == 0 and summary.issues > first.issues and summary.passages > first.passages
    manifest = json.loads((current_build(appended) / "manifest.json").read_text())
    assert manifest["appended"]["issues"] == 1


def test_an_appended_build_holds_what_a_full_rebuild_holds(appended_and_full):
    appended, full, _, _ = appended_and_full
    a, f = current_build(appended), current_build(full)
    for table in ("issues", "passages", "sentences", "links"):
        assert _rows(a, table) == _rows(f, table), table
    assert np.array_equal(np.load(a / "sentences.npy"), np.load(f / "sentences.npy"))
    for name in ("vectors.faiss", *(p.name for p in (f / "bm25").iterdir())):
        path = name if name == "vectors.faiss" else f"bm25/{name}"
        assert (a / path).read_bytes() == (f / path).read_bytes(), path
    ma, mf = (json.loads((b / "manifest.json").read_text()) for b in (a, f))
    for key in ("counts", "languages", "sources", "folded", "faiss", "embedder", "chunking"):
        assert ma[key] == mf[key], key
    _same_archive_state(a, f)


def _same_archive_state(a: Path, f: Path) -> None:
    """The saved state of what a build was read from (indexer/build/addonly.py), grown by an append,
    is the one a full rebuild saves (but for when each file was read)."""
    names = sorted(p.name for p in (f / "archive").iterdir())
    assert names == sorted(p.name for p in (a / "archive").iterdir()) and "files.json" in names
    for name in names:
        if name != "files.json":
            assert (a / "archive" / name).read_bytes() == (f / "archive" / name).read_bytes(), name
    files = [json.loads((b / "archive" / "files.json").read_text()) for b in (a, f)]
    for saved in files:
        for record in saved["files"]:
            record.pop("read_at")
    assert files[0] == files[1]


def test_an_appended_index_answers_like_a_full_rebuild(appended_and_full, embedder):
    appended, full, _, _ = appended_and_full
    engines = [Engine(open_index(folder), embedder) for folder in (appended, full)]
    for question in QUESTIONS:
        hits = [engine.search(question, k=10) for engine in engines]
        assert [(h.issue_id, h.chunk_id) for h in hits[0]] == [(h.issue_id, h.chunk_id) for h in hits[1]], question
        assert np.allclose([h.score for h in hits[0]], [h.score for h in hits[1]], atol=1e-6), question
        terms = tokenize(question, "fr")
        assert np.array_equal(engines[0].index.lexical.scores(terms), engines[1].index.lexical.scores(terms))


def test_bm25_built_from_counts_scores_like_bm25s(embedder):
    """LexicalIndex computes BM25 itself (so it can grow): the scores are bm25s's, to the bit."""
    import bm25s

    texts = [p for path in sorted(AI_WEEKLY.glob("*.html"))[:4] for p in path.read_text(errors="ignore").split("</p>") if p.strip()]
    memo: dict = {}
    ours = LexicalIndex.build(texts, ["fr"] * len(texts))
    theirs = bm25s.BM25(k1=1.2, b=0.75)
    theirs.index([tokenize(t, "fr", memo=memo) or [""] for t in texts], show_progress=False)
    for question in QUESTIONS:
        terms = tokenize(question, "fr")
        assert np.array_equal(ours.scores(terms), LexicalIndex(theirs).scores(terms)), question


def test_other_changes_take_the_full_path(tmp_path, built_index, embedder):
    brew, weekly = _archives(tmp_path, with_last=True)
    config = Config(archives=(brew, weekly), index_dir=_index(tmp_path, "index", built_index))
    rebuild(config, embedder=embedder)
    assert rebuild(config, embedder=embedder).appended == 0  # nothing new
    first = sorted(weekly.iterdir())[0]
    shutil.copy(first, weekly / "zz_copy.html")  # a re-saved copy of an issue: folded, so built whole
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and summary.folded
    (weekly / "zz_copy.html").unlink()
    (brew / "000_new.md").write_text("---\ndate: 2031-05-05\ntitle: Un numéro ajouté au début\n---\n# Un numéro ajouté\n\n"
                                      "Un numéro qui se range avant les autres : l'index est reconstruit entier.\n")
    assert rebuild(config, embedder=embedder).appended == 0  # sorts before the live build's issues
    (weekly / "zzz_new.md").write_text("---\ndate: 2031-06-05\ntitle: Un numéro ajouté à la fin\n---\n# Un numéro ajouté\n\n"
                                      "Les modèles de langue ouverts rattrapent les modèles fermés, selon un nouveau classement.\n")
    assert rebuild(config, embedder=embedder).appended == 1
    (weekly / "zzz_new.md").write_text((weekly / "zzz_new.md").read_text() + "\nUne phrase corrigée après coup.\n")
    assert rebuild(config, embedder=embedder).appended == 0  # an edited issue


def _command(config: Config) -> list[str]:
    archives = [arg for a in config.archives for arg in ("--archive", str(a))]
    return [sys.executable, "-m", "indexer", "rebuild", *archives, "--index", str(config.index_dir)]


def test_an_append_killed_at_random_moments_leaves_the_live_index_serving(tmp_path, built_index, embedder):
    """SIGKILL appending rebuilds (each adding one issue, its vectors not cached) at random moments:
    the live index is then the one before or the one after, complete, and the next rebuild works."""
    brew, weekly = _archives(tmp_path, with_last=True)
    config = Config(archives=(brew, weekly), index_dir=_index(tmp_path, "index", built_index))
    rebuild(config, embedder=embedder)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    rng = random.Random(25)
    for n in range(3):
        (weekly / f"zzz_{n}.md").write_text(f"---\ndate: 2032-0{n + 1}-07\ntitle: Numéro ajouté {n}\n---\n# Numéro ajouté {n}\n\n"
                                          f"Semaine {n} : un laboratoire publie le modèle numéro {n} et ses poids ouverts.\n")
        before = open_index(config.index_dir)
        process = subprocess.Popen(_command(config), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        live = open_index(config.index_dir)
        assert live.path == before.path or len(live) > len(before)
        assert Engine(live, embedder).search("modèle poids ouverts", k=3)
        summary = rebuild(config, embedder=embedder)
        assert summary.appended == (0 if live.path != before.path else 1)
        assert f"zzz_{n}.md" in json.loads((current_build(config.index_dir) / "manifest.json").read_text())["sources"]


def _md(folder: Path, name: str, title: str, *lines: str, date: str | None = None) -> Path:
    head = f"---\ntitle: {title}\n" + (f"date: {date}\n" if date else "") + "---\n"
    path = folder / name
    path.write_text(head + f"# {title}\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


SHARED_LINE = "Rejoignez la communauté des lecteurs sur notre serveur de discussion."
TOPICS = ["les puces graphiques", "les modèles de langue ouverts", "la régulation européenne", "la robotique domestique",
          "les agents autonomes", "la traduction automatique", "la vision par ordinateur", "la recherche en biologie"]


def _small_archive(folder: Path, n: int) -> Path:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        lines = [f"Cette semaine, {TOPICS[i]} occupent l'actualité : numéro {i}, sujet {TOPICS[i]}.",
                 f"Un laboratoire publie un rapport détaillé sur {TOPICS[i]} et ses effets attendus en {2030 + i}."]
        _md(folder, f"{i:03d}.md", f"Numéro {i} sur {TOPICS[i]}", *lines, *([SHARED_LINE] if i < 2 else []))
    return folder


def _full(tmp_path: Path, name: str, archive: Path, embedder) -> Path:
    index = tmp_path / name
    rebuild(Config(archives=(archive,), index_dir=index), embedder=embedder)
    return current_build(index)


def test_an_issue_that_makes_a_line_boilerplate_elsewhere_is_built_whole(tmp_path, embedder):
    """A line in 2 of 6 issues is kept; a 7th issue holding it makes it boilerplate in all three:
    the earlier issues change, so the rebuild reads every file; the result is a full rebuild's."""
    archive = _small_archive(tmp_path / "archive", 6)
    config = Config(archives=(archive,), index_dir=tmp_path / "index")
    rebuild(config, embedder=embedder)
    assert _issue_texts(current_build(config.index_dir), SHARED_LINE) == 2
    _md(archive, "100.md", "Numéro 100", "Une semaine calme pour les semi-conducteurs, mais un rachat surprise.", SHARED_LINE)
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and summary.files_read == 7
    assert _issue_texts(current_build(config.index_dir), SHARED_LINE) == 0
    _md(archive, "101.md", "Numéro 101", "Les assistants de programmation écrivent désormais des tests eux-mêmes.", date="2031-01-08")
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 1 and summary.files_read == 1
    appended, full = current_build(config.index_dir), _full(tmp_path, "full", archive, embedder)
    for table in ("issues", "passages", "sentences"):
        assert _rows(appended, table) == _rows(full, table), table
    _same_archive_state(appended, full)


def _issue_texts(build: Path, needle: str) -> int:
    return sum(needle in text for (text,) in _rows_of(build, "SELECT text FROM issues"))


def _rows_of(build: Path, query: str) -> list[tuple]:
    db = sqlite3.connect(build / "passages.sqlite")
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def test_touched_edited_and_removed_files(tmp_path, embedder):
    """A file touched (same bytes, new times) is still known; one edited with its size and times put
    back is not (its ctime changed), nor one given a metadata file; a removed one is not: those
    rebuild whole, and the index holds the edit."""
    archive = _small_archive(tmp_path / "archive", 5)
    config = Config(archives=(archive,), index_dir=tmp_path / "index")
    rebuild(config, embedder=embedder)
    os.utime(archive / "001.md")  # touched
    _md(archive, "101.md", "Numéro 101", "Les assistants de programmation écrivent désormais des tests eux-mêmes.")
    summary = rebuild(config, embedder=embedder)
    assert (summary.appended, summary.files_read) == (1, 1)

    edited = archive / "002.md"
    info = edited.stat()
    data = edited.read_bytes()
    edited.write_bytes(data.replace(b"rapport d", b"rapporT d"))  # same size
    os.utime(edited, ns=(info.st_atime_ns, info.st_mtime_ns))  # same mtime
    assert edited.stat().st_size == info.st_size and edited.stat().st_mtime_ns == info.st_mtime_ns
    _md(archive, "102.md", "Numéro 102", "Un modèle de diffusion compose de la musique de chambre.")
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and summary.files_read == 7
    assert _issue_texts(current_build(config.index_dir), "rapporT d") == 1

    (archive / "003.meta.yaml").write_text("date: 2031-02-02\n", encoding="utf-8")
    _md(archive, "103.md", "Numéro 103", "Les centres de données cherchent de l'eau pour refroidir leurs serveurs.")
    assert rebuild(config, embedder=embedder).appended == 0
    assert ("2031-02-02",) in _rows_of(current_build(config.index_dir), "SELECT date FROM issues")

    (archive / "004.md").unlink()
    _md(archive, "104.md", "Numéro 104", "Une agence spatiale confie le tri de ses images à un réseau de neurones.")
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and "004.md" not in json.loads((current_build(config.index_dir) / "manifest.json").read_text())["sources"]


def test_a_bad_new_file_is_named_and_the_others_still_appended(tmp_path, embedder):
    from indexer.errors import StrictSkip

    archive = _small_archive(tmp_path / "archive", 5)
    (archive / "002b.md").write_bytes(b"")  # skipped at every rebuild, remembered with its reason
    config = Config(archives=(archive,), index_dir=tmp_path / "index")
    first = rebuild(config, embedder=embedder)
    assert [s.reason for s in first.skipped] == ["empty file"]
    (archive / "zz_binary.md").write_bytes(b"\x00\x01binary")
    _md(archive, "zz_good.md", "Numéro bon", "Un nouveau jeu de données ouvre la voie aux modèles de langue régionaux.")
    live = current_build(config.index_dir)
    with pytest.raises(StrictSkip, match="zz_binary.md"):
        rebuild(config, embedder=embedder, strict=True)
    assert current_build(config.index_dir) == live
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 1 and summary.files_read == 2
    assert [(Path(s.path).name, s.reason) for s in summary.skipped] == [("002b.md", "empty file"), ("zz_binary.md", "binary file, not text")]


def test_a_file_changed_within_the_clock_resolution_is_hashed(tmp_path):
    """A file whose times were recorded right after it was written is compared by its hash: an edit
    that kept its size and times (a coarse clock) is still seen."""
    from indexer.build import archivefiles
    from indexer.read import read_one

    path = _md(tmp_path, "a.md", "Numéro", "Une première phrase, assez longue pour faire un numéro entier.")
    recorder = archivefiles.Recorder(read_one)
    recorder(path, tmp_path)
    (record,) = recorder.records
    assert archivefiles.unchanged(record, path) is not None
    path.write_text(path.read_text().replace("première", "deuxième"))  # same size (UTF-8: è and è)
    forged = {**record, "file": {**record["file"], **{k: v for k, v in archivefiles._stats(path).items()}}}
    assert archivefiles.unchanged(forged, path) is None  # racy: hashed, and the hash differs
    settled = {**forged, "read_at": forged["read_at"] + 10 * archivefiles.RACY_NS}
    assert archivefiles.unchanged(settled, path) is not None  # times forged well after reading: trusted (the documented limit)


def test_the_boilerplate_state_grown_issue_by_issue_is_the_state_of_all():
    """AppendState.add, issue after issue (copies and shared lines included), strips each new issue
    as strip_boilerplate over all does, leaves the earlier ones as they were, and grows the state
    that AppendState.of computes at once; when it declines, an earlier issue may change."""
    from dataclasses import replace

    from indexer.build.appendstate import AppendState
    from indexer.build.dedupe import find_boilerplate, fingerprint, strip_boilerplate
    from indexer.read import read_archive
    from indexer.records import Section

    require_shared()
    read, _ = read_archive([AI_WEEKLY, ARCHIVE])
    issues = [*read[:12], replace(read[3], id="copy", source="copy.html"), *read[12:]]  # a copy of an earlier issue
    for n in range(3):  # three issues sharing a line: the third makes it boilerplate in the other two
        text = f"Semaine {n} : {TOPICS[n]} et {TOPICS[n + 3]}, un long article sur {TOPICS[n + 4]} en {2031 + n}."
        issues.append(replace(read[-1], id=f"extra{n}", source=f"extra{n}.md", sections=(Section(f"Numéro {n}", text), Section("", SHARED_LINE))))
    declined = 0
    for k in range(2, len(issues)):
        before, after = issues[:k], issues[:k + 1]
        state = AppendState.of(find_boilerplate(before), before, [[] for _ in before])
        grown = state.add(issues[k], fingerprint(issues[k]))
        stripped = strip_boilerplate(after)
        if grown is None:
            declined += 1
            continue
        assert stripped[:k] == strip_boilerplate(before), k
        assert grown[0] == stripped[k], k
        whole = AppendState.of(find_boilerplate(after), after, [[] for _ in after])
        for name in ("shingles", "owners", "included", "groups", "line_keys", "line_groups"):
            assert np.array_equal(getattr(grown[1], name), getattr(whole, name)), (k, name)
    assert 0 < declined < len(issues) // 2


def test_a_file_name_that_is_not_utf8_is_recorded(tmp_path):
    """Such a file is skipped with its reason; its record is still written and read back (escaped)."""
    from indexer.build import archivefiles
    from indexer.read import read_one

    path = tmp_path / os.fsdecode(b"caf\xe9.md")
    path.write_text("# Un numéro\n\nUne phrase.\n", encoding="utf-8")
    recorder = archivefiles.Recorder(read_one)
    assert "not valid UTF-8" in recorder(path, tmp_path).reason
    archivefiles.save(tmp_path / "saved", "stamp", recorder.records)
    assert archivefiles.load(tmp_path / "saved") == ("stamp", recorder.records)
    assert archivefiles.unchanged(archivefiles.load(tmp_path / "saved")[1][0], path) is not None


def test_a_damaged_append_record_does_not_stop_search_and_the_next_rebuild_reads_every_file(tmp_path, embedder):
    """archive/ is read only by the next rebuild: opening the index for search does not check it; a
    rebuild finds it does not match the manifest and reads every file, and the index is whole again."""
    archive = _small_archive(tmp_path / "archive", 5)
    config = Config(archives=(archive,), index_dir=tmp_path / "index")
    rebuild(config, embedder=embedder)
    record = next(p for p in sorted((current_build(config.index_dir) / "archive").iterdir()) if p.is_file())
    record.write_bytes(record.read_bytes() + b" ")
    assert len(open_index(config.index_dir)) > 0
    _md(archive, "101.md", "Numéro 101", "Les assistants de programmation écrivent désormais des tests eux-mêmes.")
    summary = rebuild(config, embedder=embedder)
    assert summary.appended == 0 and summary.files_read == 6
    assert len(open_index(config.index_dir).issues) == 6
