"""Long documents from a SQuAD-format file (PIAF): an archive of notes and its golden questions.

Each chosen article becomes one Markdown note, its title a level-1 heading and its paragraphs one
after the other, read by the real Markdown reader like any archive. Each of its questions must find,
inside that note, the passage holding its answer: a `GoldenQuestion` whose evidence is the answer
with a few words either side, verbatim from the note. English versions (JSON lines of
{"id", "question"}) and absent questions (golden lines, kind 'absent') can be added.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from indexer.text.lexical import fold
from indexer.measure.golden import Evidence, GoldenQuestion
from indexer.read import read_archive

ARCHIVE = "long documents"
_CONTEXT = 40  # characters of the paragraph kept either side of the answer, at word boundaries


def write_notes(squad: Path, titles: list[str], folder: Path) -> dict[str, str]:
    """One Markdown note per article in `folder`; returns {article title: note file name}."""
    data = {a["title"]: a for a in json.loads(Path(squad).read_text(encoding="utf-8"))["data"]}
    missing = [t for t in titles if t not in data]
    if missing:
        raise ValueError(f"articles not in {squad}: {missing}")
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for n, title in enumerate(titles):
        name = f"{n:02d}-{_slug(title)}.md"
        paragraphs = "\n\n".join(p["context"].strip() for p in data[title]["paragraphs"])
        (folder / name).write_text(f"# {_plain(title)}\n\n{paragraphs}\n", encoding="utf-8")
        names[title] = name
    return names


def questions(squad: Path, titles: list[str], folder: Path, *, english: Path | None = None,
              absent: Path | None = None) -> list[GoldenQuestion]:
    """The French questions of the chosen articles (and their English versions, and absent
    questions, when given), with evidence located in the notes `write_notes` wrote in `folder`."""
    notes = write_notes(squad, titles, folder)
    issues, _ = read_archive([folder])
    text_of = {i.source: i.text for i in issues}
    data = {a["title"]: a for a in json.loads(Path(squad).read_text(encoding="utf-8"))["data"]}
    french: dict[str, GoldenQuestion] = {}
    for title in titles:
        source = notes[title]
        for paragraph in data[title]["paragraphs"]:
            for qa in paragraph["qas"]:
                evidence = _evidence(text_of[source], paragraph["context"], qa["answers"][0])
                if evidence and qa["question"].strip():
                    french[str(qa["id"])] = GoldenQuestion(str(qa["id"]), "covered", "fr", qa["question"].strip(),
                                                           (Evidence(source, evidence),), archive=ARCHIVE)
    out = list(french.values())
    if english:
        for line in Path(english).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if row and str(row["id"]) in french:
                fr = french[str(row["id"])]
                out.append(GoldenQuestion(f"en-{fr.id}", "covered", "en", row["question"], fr.evidence, archive=ARCHIVE))
    if absent:  # JSON lines of {"id", "language", "question", "why", "near": [article titles]}
        rows = [json.loads(line) for line in Path(absent).read_text(encoding="utf-8").splitlines() if line.strip()]
        out += [GoldenQuestion(r["id"], "absent", r["language"], r["question"], (), r.get("why"),
                               tuple(notes.get(t, t) for t in r.get("near", ())), ARCHIVE) for r in rows]
    return out


def _evidence(note: str, paragraph: str, answer: dict) -> str | None:
    """The answer with up to _CONTEXT characters of its paragraph either side (cut at spaces), as it
    stands in the note; None when the note does not hold it verbatim."""
    start = int(answer["answer_start"])
    lo = paragraph.rfind(" ", 0, max(0, start - _CONTEXT)) + 1
    hi = paragraph.find(" ", min(len(paragraph), start + len(answer["text"]) + _CONTEXT))
    window = " ".join(paragraph[lo : hi if hi > 0 else len(paragraph)].split())
    return window if window and window in note else None


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(_plain(title))).strip("-")[:40] or "article"


def _plain(title: str) -> str:
    return re.sub(r"<[^>]+>", "", title).replace("_", " ")
