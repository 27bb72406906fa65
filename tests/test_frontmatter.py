"""Markdown as static-site generators and note apps write it (issue 17, part 1): Hugo, Jekyll and
Obsidian front matter is read for the keys the project uses, the others are ignored, drafts are
skipped, dates with a time and an offset are read as their day. Real files, the real reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.errors import InputError
from indexer.read import read_archive, read_issue, read_one
from indexer.records import Skipped
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "markdown"
BODY = "# Titre\n\nUn paragraphe sur les agents IA des banques européennes.\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_hugo_post_is_read_with_its_title_and_day(tmp_path):
    issue = read_issue(shutil.copy(FIXTURES / "hugo_post.md", tmp_path), tmp_path)
    assert issue.title == "Mistral AI publie un modèle de code ouvert"
    assert issue.date == "2024-06-11"  # 2024-06-11T08:00:00+02:00: the day as written
    assert "80 langages" in issue.text and [s.title for s in issue.sections][-2:] == ["Ce qu'il sait faire", "Pourquoi c'est important"]
    assert issue.language == "fr"


def test_a_jekyll_post_is_read_with_its_title_and_day(tmp_path):
    issue = read_issue(shutil.copy(FIXTURES / "jekyll_post.md", tmp_path), tmp_path)
    assert issue.title == "Le Parlement européen adopte le règlement sur l'IA"
    assert issue.date == "2025-02-03"  # 2025-02-03 09:00:00 +0100
    assert "notation sociale" in issue.text


def test_an_obsidian_note_with_aliases_css_classes_and_custom_keys_is_read(tmp_path):
    issue = read_issue(shutil.copy(FIXTURES / "obsidian_note.md", tmp_path), tmp_path)
    assert issue.title == "Les robots humanoïdes de Figure à l'usine"  # its heading: the note states no title
    assert issue.date == "2024-07-01" and issue.url is None  # `source:` is the note's own key, not the url
    assert "Spartanburg" in issue.text


def test_a_draft_is_skipped_with_that_reason(tmp_path):
    result = read_one(shutil.copy(FIXTURES / "draft_post.md", tmp_path), tmp_path)
    assert isinstance(result, Skipped)
    assert result.reason == "a draft (draft: true in the front matter); it is indexed once it is published"


def test_a_folder_of_such_notes_is_indexed_but_the_draft(tmp_path):
    for path in FIXTURES.glob("*.md"):
        shutil.copy(path, tmp_path)
    issues, skipped = read_archive([tmp_path])
    assert sorted(i.source for i in issues) == ["hugo_post.md", "jekyll_post.md", "obsidian_note.md"]
    assert [s.path.rsplit("/", 1)[-1] for s in skipped] == ["draft_post.md"]


@pytest.mark.parametrize("stated, day", [
    ("2024-06-11T08:00:00+02:00", "2024-06-11"),
    ("2024-06-11T23:30:00-05:00", "2024-06-11"),  # its day as written, not the UTC one
    ("2025-02-03 09:00:00 +0100", "2025-02-03"),
    ("2024-06-11 08:00", "2024-06-11"),
    ("2024-06-11T08:00:00.123Z", "2024-06-11"),
    ("'2024-06-11T08:00:00Z'", "2024-06-11"),
    ("!!timestamp 2024-06-11T08:00:00+02:00", "2024-06-11"),  # YAML's own datetime
    ("!!timestamp 2024-06-11", "2024-06-11"),  # and date
    ("2024-06", "2024-06"),
])
def test_dates_with_a_time_and_an_offset_are_read_as_their_day(tmp_path, stated, day):
    assert read_issue(write(tmp_path / "a.md", f"---\ndate: {stated}\n---\n{BODY}"), tmp_path).date == day


def test_a_sidecar_date_with_a_time_is_read_as_its_day(tmp_path):
    path = write(tmp_path / "a.md", BODY)
    write(tmp_path / "a.meta.json", '{"date": "2024-06-11T08:00:00+02:00", "tags": ["x"], "author": "moi"}')
    assert read_issue(path, tmp_path).date == "2024-06-11"


@pytest.mark.parametrize("front, says", [
    ("date: 2024-06-31T08:00:00+02:00", "date '2024-06-31T08:00:00+02:00' is not a real"),
    ("date: 2024-06-11T25:00:00", "date '2024-06-11T25:00:00' is not a real"),
    ("date: 2024-06-11T08:00:00 nonsense", "is not a real"),
    ("title: [a, b]\ntags: [x]", "title must be text or a number, not a list"),
    ("url: {a: b}\nslug: x", "url must be text, not a mapping"),
    ("draft: [true]", "draft must be true or false, not a list"),
])
def test_the_keys_the_project_uses_keep_their_checks(tmp_path, front, says):
    with pytest.raises(InputError, match=None) as caught:
        read_issue(write(tmp_path / "a.md", f"---\n{front}\n---\n{BODY}"), tmp_path)
    assert says in caught.value.reason


def test_unknown_keys_of_any_shape_are_ignored(tmp_path):
    front = "author: moi\nweight: 3\nparams: {a: [1, 2]}\n12: douze\naliases: []\nmenu:\n  main:\n    parent: veille\n"
    issue = read_issue(write(tmp_path / "a.md", f"---\n{front}title: Le titre\n---\n{BODY}"), tmp_path)
    assert issue.title == "Le titre"


def test_yaml_aliases_are_still_refused(tmp_path):
    with pytest.raises(InputError, match="may not use YAML aliases"):
        read_issue(write(tmp_path / "a.md", f"---\nbase: &b x\ntags: [*b]\n---\n{BODY}"), tmp_path)
