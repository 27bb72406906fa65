"""Hostile archive files: each one is indexed or skipped with a one-line reason, quickly, never
stopping the rebuild (issue 8, items 1, 2, 4, 10, 11 and 13). Real files, the real readers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from indexer.read import MAX_TITLE_CHARS, read_archive, read_issue, read_one
from indexer.records import Issue, Skipped
from tests.conftest import ARCHIVE
from tests.fuzzgen import _bomb

AI_BREW = ARCHIVE / "000_4890d60036440a5b.txt"
BODY = "# Les robots\n\nFigure AI déploie ses robots humanoïdes dans des entrepôts logistiques en Europe.\n"


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def skipped(path: Path, root: Path) -> str:
    result = read_one(path, root)
    assert isinstance(result, Skipped), f"{path.name} was indexed"
    assert result.reason.strip() and "\n" not in result.reason
    return result.reason


# --- 1. metadata ---------------------------------------------------------------------------------


def test_a_yaml_bomb_in_the_title_is_refused_at_once(tmp_path):
    path = write(tmp_path / "bomb.md", f"---\n{_bomb(10)}\n---\n{BODY}")
    started = time.monotonic()
    reason = skipped(path, tmp_path)
    assert time.monotonic() - started < 30  # a hang guard: expanding the bomb would never end
    assert "front matter is not valid YAML" in reason and "aliases" in reason


@pytest.mark.parametrize("front, says", [
    ("title: [a, b]", "title must be text or a number, not a list"),
    ("title: {x: 1}", "title must be text or a number, not a mapping"),
    ("language: [fr]", "language must be text, not a list"),
    ("url: true", "url must be text, not true/false"),
    ("date: [2024]", "date must be text such as 2024-04-17, not a list"),
    ("number: 1e400", "is not a whole number"),
])
def test_metadata_of_the_wrong_type_is_refused(tmp_path, front, says):
    reason = skipped(write(tmp_path / "issue.md", f"---\n{front}\n---\n{BODY}"), tmp_path)
    assert says in reason


def test_a_sidecar_bomb_is_refused(tmp_path):
    path = write(tmp_path / "issue.md", BODY)
    write(tmp_path / "issue.meta.yaml", _bomb(10))
    assert "aliases" in skipped(path, tmp_path)


def test_numbers_and_plain_titles_are_still_accepted(tmp_path):
    issue = read_issue(write(tmp_path / "n.md", f"---\ntitle: 2024\nnumber: 12\nlanguage: fr\n---\n{BODY}"), tmp_path)
    assert (issue.title, issue.number, issue.language) == ("2024", 12, "fr")


# --- 2. one bad file does not stop the others ------------------------------------------------------


def test_deeply_nested_html_is_skipped_and_the_rest_indexed(tmp_path):
    write(tmp_path / "deep.html", "<html><body>" + "<div>" * 10_000 + "<p>Texte.</p>" + "</div>" * 10_000 + "</body></html>")
    write(tmp_path / "fine.md", BODY)
    write(tmp_path / "shallow.html", "<html><body>" + "<div>" * 800 + "<h2>Robots</h2><p>Figure AI déploie ses robots.</p>" + "</div>" * 800)
    issues, skips = read_archive([tmp_path])
    assert sorted(i.source for i in issues) == ["fine.md", "shallow.html"]
    assert [(Path(s.path).name, s.reason) for s in skips] == [("deep.html", "nested too deeply to read (over ~900 levels of elements)")]


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_printable_name(tmp_path):
    Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.md")).write_text(BODY)
    write(tmp_path / "fine.md", BODY)
    issues, skips = read_archive([tmp_path])
    assert [i.source for i in issues] == ["fine.md"]
    assert len(skips) == 1 and skips[0].path.endswith("caf\ufffd.md") and "not valid UTF-8; rename" in skips[0].reason
    skips[0].path.encode("utf-8")  # printable and storable


def test_a_file_over_the_size_limit_is_skipped_unread(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: costs no disk
    assert "file too large (over 20 MB)" in skipped(big, tmp_path)


# --- 4. bounded titles -------------------------------------------------------------------------------


def test_a_huge_subject_or_heading_is_clipped(tmp_path):
    eml = write(tmp_path / "big.eml", f"From: a@b.org\nSubject: {'Robots ' * 30_000}\nDate: Wed, 17 Apr 2024 08:00:00 +0200\n"
                                      f"Content-Type: text/plain; charset=utf-8\n\n{BODY}")
    html = write(tmp_path / "big.html", f"<h1>Titre</h1><h2>{'Section ' * 30_000}</h2><p>Figure AI déploie ses robots.</p>")
    for path in (eml, html):
        issue = read_issue(path, tmp_path)
        assert len(issue.title) <= MAX_TITLE_CHARS
        assert all(len(s.label) <= 2 * MAX_TITLE_CHARS + 3 for s in issue.sections)
    assert read_issue(eml, tmp_path).title.endswith("…")


# --- 10, 11, 13: what the listing reports ----------------------------------------------------------


def test_an_unreadable_folder_is_reported(tmp_path, monkeypatch):
    write(tmp_path / "ok" / "a.md", BODY)
    locked = tmp_path / "locked"
    write(locked / "b.md", BODY)
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads everything: make the kernel's answer for this one folder EACCES
        import indexer.read.files as files

        real = os.scandir

        def scandir(path):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(files.os, "scandir", scandir)
    try:
        issues, skips = read_archive([tmp_path])
    finally:
        locked.chmod(0o755)
    assert [i.source for i in issues] == ["ok/a.md"]
    assert [(s.path, s.reason) for s in skips] == [(str(locked), "cannot read the folder (Permission denied); its issues are not indexed")]


def test_dangling_links_fifos_and_folders_named_like_issues_are_reported(tmp_path):
    write(tmp_path / "good.md", BODY)
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    os.mkfifo(tmp_path / "pipe.txt")
    write(tmp_path / "folder.md" / "inner.md", BODY)
    (tmp_path / "loop").symlink_to(tmp_path)
    started = time.monotonic()
    issues, skips = read_archive([tmp_path])
    assert time.monotonic() - started < 30  # the FIFO is never opened (opening it would block for ever)
    assert sorted(i.source for i in issues) == ["folder.md/inner.md", "good.md"]
    reasons = {Path(s.path).name: s.reason for s in skips}
    assert reasons == {
        "folder.md": "a folder named like an issue file, not a file (files inside it are still read)",
        "gone.md": "dangling symbolic link (its target does not exist)",
        "loop": "folder already read through another path (a symbolic link loop?)",
        "pipe.txt": "not a regular file (a FIFO); not read",
    }


def test_an_archive_given_as_one_file(tmp_path):
    issues, skips = read_archive([AI_BREW])
    assert skips == [] and [i.source for i in issues] == [AI_BREW.name] and issues[0].id == AI_BREW.stem


def test_a_one_line_text_issue_is_indexed(tmp_path):
    issue = read_issue(write(tmp_path / "short.txt", "OpenAI a entraîné Whisper sur un million d'heures de vidéos YouTube."), tmp_path)
    assert isinstance(issue, Issue) and "Whisper" in issue.text and issue.title.startswith("OpenAI")


def test_an_email_whose_base64_body_is_garbage_is_skipped(tmp_path):
    path = write(tmp_path / "bad.eml", "From: a@b.org\nSubject: Robots\nContent-Type: text/plain; charset=utf-8\n"
                                      "Content-Transfer-Encoding: base64\n\n!!!not base64 at all###\n")
    assert "declared base64 but is not" in skipped(path, tmp_path)
    good = write(tmp_path / "good.eml", "From: a@b.org\nSubject: Robots\nContent-Type: text/plain; charset=utf-8\n"
                                        "Content-Transfer-Encoding: base64\n\nRmlndXJlIEFJIGTDqXBsb2llIHNlcyByb2JvdHMu\n")
    assert "Figure AI" in read_issue(good, tmp_path).text
