"""A synthetic archive of N issues, regrouped from the shared corpora (nothing is copied into the repo).

Sentences come from the ai-weekly-fr issues and from PIAF's Wikipedia paragraphs; section titles from
the ai-weekly-fr section headings and PIAF's article titles. Issue n is Markdown with a date (one a
week from 2006-01-02), a title, a two-sentence introduction and 6 sections of 2 paragraphs of 3 to 5
sentences (about 1,300 words, 2,300 tokens). Each sentence drawn gets one of several lead-ins and a
year, so no two passages and almost no two sentences repeat: the embedding cache cannot hide the work.
The same (n, seed) always gives the same issue.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"
AI_WEEKLY = CORPORA / "ai-weekly-fr"
PIAF = CORPORA / "piaf" / "piaf-v1.0.json"

LEAD_INS = [
    "Selon nos informations, ", "Cette semaine, ", "D'après plusieurs sources, ", "Comme prévu, ", "À noter : ",
    "En bref, ", "Fait marquant, ", "De son côté, ", "Par ailleurs, ", "Dans le même temps, ", "Autre nouvelle, ",
    "Pour rappel, ", "Sans surprise, ", "Plus discrètement, ", "Côté recherche, ", "",
]


@dataclass(frozen=True)
class Pools:
    sentences: tuple[str, ...]
    headings: tuple[str, ...]
    questions: tuple[str, ...]  # PIAF questions, for latency runs


@lru_cache(maxsize=1)
def pools() -> Pools:
    from indexer.read import read_archive
    from indexer.text.sentences import sentence_spans

    sentences, headings = [], []
    data = json.loads(PIAF.read_text(encoding="utf-8"))["data"]
    questions = []
    for article in data:
        headings.append(article["title"].replace("_", " "))
        for paragraph in article["paragraphs"]:
            text = paragraph["context"]
            sentences += [text[s:e] for s, e in sentence_spans(text)]
            questions += [qa["question"] for qa in paragraph["qas"]]
    issues, _ = read_archive([AI_WEEKLY])
    for issue in issues:
        for line in issue.text.splitlines():
            if line.startswith("#"):
                headings.append(line.lstrip("#").strip())
            else:
                sentences += [line[s:e] for s, e in sentence_spans(line)]
    sentences = [s for s in dict.fromkeys(sentences) if 8 <= len(s.split()) <= 60]
    headings = [h for h in dict.fromkeys(headings) if 2 <= len(h.split()) <= 14]
    return Pools(tuple(sentences), tuple(headings), tuple(dict.fromkeys(questions)))


def issue_markdown(n: int, seed: int = 0) -> str:
    rng = random.Random(seed * 1_000_003 + n)
    p = pools()
    day = date(2006, 1, 2) + timedelta(weeks=n)

    def sentence() -> str:
        text, lead = rng.choice(p.sentences), rng.choice(LEAD_INS)
        if lead:
            text = lead + (text[0].lower() if text[1:2].islower() else text[0]) + text[1:]
        return f"{text[:-1]} (en {rng.randint(1990, 2030)})." if text.endswith(".") else text

    titles = rng.sample(p.headings, 7)
    lines = ["---", f"date: {day.isoformat()}", f"title: {json.dumps(f'AI Brew n°{n + 1} — {titles[0]}', ensure_ascii=False)}", "---", f"# AI Brew n°{n + 1} — {titles[0]}", ""]
    lines += [" ".join(sentence() for _ in range(2)), ""]
    for heading in titles[1:]:
        lines += [f"## {heading}", ""]
        for _ in range(2):
            lines += [" ".join(sentence() for _ in range(rng.randint(3, 5))), ""]
    return "\n".join(lines)


def write_archive(folder: Path, issues: int, *, seed: int = 0, start: int = 0) -> list[Path]:
    """Write issues start .. start+issues-1 as Markdown files into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + issues):
        path = folder / f"aibrew-{n + 1:04d}.md"
        path.write_text(issue_markdown(n, seed), encoding="utf-8")
        paths.append(path)
    return paths
