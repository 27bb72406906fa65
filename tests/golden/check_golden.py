"""Check the golden question set against a built index.

Usage:
    python tests/golden/check_golden.py INDEX_DIR [GOLDEN_JSONL]

INDEX_DIR is an index folder as written by `python -m indexer rebuild --index DIR` over
`archive/` and the ai-weekly-fr corpus. GOLDEN_JSONL defaults to archive.jsonl next to
this script. Exits 0 when every check passes, 1 otherwise (the problems are printed).

Checks: every line is a JSON object; ids are unique and match c### (covered) or a### (absent);
fields and their values are valid; every covered evidence text is 20-200 characters, holds no
line break, and is found verbatim in the indexed text of the issue whose `source` it names;
absent questions have no evidence and one of the five kinds of `why`; `near`, `premise` and `note`
belong to absent questions only; a `near miss` has a `near` list of issues of the index and a
`premise`; a `keywords` question is 2-5 words and no question. Printed: counts per kind and
language, absent questions per `why` and language, covered questions per issue and language.

`load_golden` and `check_golden` are importable for tests:
    problems, counts = check_golden(load_golden(path), {issue.source: issue.text for issue in idx.issues.values()})
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_GOLDEN = HERE / "archive.jsonl"

KINDS = {"covered", "absent"}
LANGUAGES = {"en", "fr"}
# The five kinds of absent question (see README.md).
WHY = ("never mentioned", "keywords", "later", "off-topic", "near miss")
REQUIRED = {"id", "kind", "language", "question", "evidence"}
OPTIONAL = {"why", "near", "premise", "note"}
ABSENT_ONLY = ("why", "near", "premise", "note")
ID_PATTERN = {"covered": re.compile(r"^c\d{3,}$"), "absent": re.compile(r"^a\d{3,}$")}
MIN_EVIDENCE, MAX_EVIDENCE = 20, 200


def load_golden(path: Path = DEFAULT_GOLDEN) -> list[dict]:
    """The golden rows, in file order. Raises ValueError on a line that is not a JSON object."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"line {number}: not a JSON object")
            rows.append(row)
    return rows


def check_golden(rows: list[dict], texts: dict[str, str]) -> tuple[list[str], Counter]:
    """(problems, counts). `texts` maps an issue's source to its indexed text.
    counts has keys (kind, language) and, for absent questions, ("absent", why, language)."""
    problems: list[str] = []
    counts: Counter = Counter()
    seen: set[str] = set()
    for row in rows:
        rid = row.get("id", "?")
        where = f"{rid}:"
        missing = REQUIRED - row.keys()
        extra = row.keys() - REQUIRED - OPTIONAL
        if missing:
            problems.append(f"{where} missing fields {sorted(missing)}")
            continue
        if extra:
            problems.append(f"{where} unknown fields {sorted(extra)}")
        if not isinstance(rid, str) or not rid:
            problems.append(f"{where} bad id")
        elif rid in seen:
            problems.append(f"{where} duplicate id")
        seen.add(rid)
        kind, language, question, evidence = row["kind"], row["language"], row["question"], row["evidence"]
        if kind not in KINDS:
            problems.append(f"{where} kind {kind!r} not in {sorted(KINDS)}")
            continue
        if isinstance(rid, str) and not ID_PATTERN[kind].match(rid):
            problems.append(f"{where} id does not match its kind ({kind})")
        if language not in LANGUAGES:
            problems.append(f"{where} language {language!r} not in {sorted(LANGUAGES)}")
        if not isinstance(question, str) or len(question.strip()) < 3:
            problems.append(f"{where} empty question")
        if not isinstance(evidence, list):
            problems.append(f"{where} evidence is not a list")
            continue
        counts[(kind, language)] += 1
        if kind == "absent":
            if evidence:
                problems.append(f"{where} absent question with evidence")
            why = row.get("why")
            if why not in WHY:
                problems.append(f"{where} why {why!r} not in {list(WHY)}")
            else:
                counts[("absent", why, language)] += 1
            problems += [f"{where} {p}" for p in _absent_fields(row, texts)]
            continue
        problems += [f"{where} covered question with a {field}" for field in ABSENT_ONLY if field in row]
        if not evidence:
            problems.append(f"{where} covered question without evidence")
        for n, item in enumerate(evidence):
            at = f"{where} evidence[{n}]"
            if not isinstance(item, dict) or set(item) != {"source", "text"}:
                problems.append(f"{at} must be an object with exactly source and text")
                continue
            source, text = item["source"], item["text"]
            if not isinstance(text, str) or not (MIN_EVIDENCE <= len(text) <= MAX_EVIDENCE):
                problems.append(f"{at} text must be {MIN_EVIDENCE}-{MAX_EVIDENCE} characters")
                continue
            if "\n" in text or "\r" in text:
                problems.append(f"{at} text holds a line break")
            if source not in texts:
                problems.append(f"{at} source {source!r} is not an issue of the index")
            elif text not in texts[source]:
                problems.append(f"{at} text not found verbatim in {source}: {text!r}")
    return problems, counts


def _absent_fields(row: dict, texts: dict[str, str]) -> list[str]:
    """Problems with an absent question's near, premise, note and, for keywords, its form."""
    problems = []
    why, near, question = row.get("why"), row.get("near"), row["question"]
    if near is not None:
        if not isinstance(near, list) or not near or not all(isinstance(s, str) for s in near):
            problems.append("near must be a non-empty list of sources")
        else:
            problems += [f"near source {s!r} is not an issue of the index" for s in near if s not in texts]
            if len(set(near)) != len(near):
                problems.append("near lists a source twice")
    for field in ("premise", "note"):
        if field in row and (not isinstance(row[field], str) or not row[field].strip()):
            problems.append(f"{field} must be a non-empty text")
    if why == "near miss":
        problems += [f"near miss without {field}" for field in ("near", "premise") if field not in row]
    if why == "keywords" and isinstance(question, str) and (not 2 <= len(question.split()) <= 5 or "?" in question):
        problems.append("keywords question must be 2-5 words and not a question")
    return problems


def covered_per_issue(rows: list[dict]) -> Counter:
    """Covered questions per (source, language): a question counts once for each issue its evidence cites."""
    per = Counter()
    for row in rows:
        if row.get("kind") == "covered" and isinstance(row.get("evidence"), list):
            sources = {item["source"] for item in row["evidence"] if isinstance(item, dict) and "source" in item}
            for source in sources:
                per[(source, row.get("language"))] += 1
    return per


def index_texts(index_dir: Path) -> dict[str, str]:
    """{source: indexed text} of every issue kept in the index."""
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from indexer.search.index import open_index

    idx = open_index(Path(index_dir))
    return {issue.source: issue.text for issue in idx.issues.values()}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__.strip())
        return 0 if argv else 2
    index_dir = Path(argv[0])
    golden = Path(argv[1]) if len(argv) > 1 else DEFAULT_GOLDEN
    try:
        rows = load_golden(golden)
    except (OSError, ValueError) as exc:
        print(f"cannot read {golden}: {exc}")
        return 1
    texts = index_texts(index_dir)
    problems, counts = check_golden(rows, texts)
    cited = Counter(item["source"] for row in rows if row.get("kind") == "covered" for item in row.get("evidence", []) if isinstance(item, dict) and "source" in item)
    per_issue = covered_per_issue(rows)
    print(f"{golden.name}: {len(rows)} questions")
    for kind in sorted(KINDS):
        by_language = ", ".join(f"{language} {counts[(kind, language)]}" for language in sorted(LANGUAGES))
        print(f"  {kind}: {sum(counts[(kind, language)] for language in LANGUAGES)} ({by_language})")
    print("  absent per why:")
    for why in WHY:
        by_language = ", ".join(f"{language} {counts[('absent', why, language)]}" for language in sorted(LANGUAGES))
        print(f"    {why:16s} {sum(counts[('absent', why, language)] for language in LANGUAGES):4d} ({by_language})")
    print("  covered questions (en, fr) and evidence entries per issue:")
    for source in sorted(texts):
        print(f"    {per_issue[(source, 'en')]:4d} {per_issue[(source, 'fr')]:4d} {cited[source]:5d}  {source}")
    uncited = sorted(set(texts) - set(cited))
    if uncited:
        print(f"  note: issues with no covered question: {uncited}")
    for problem in problems:
        print("PROBLEM", problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
