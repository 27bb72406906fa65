#!/usr/bin/env python3
"""Reproducible sample of PIAF questions for the cross-lingual golden set.

Usage:
    python tests/golden/sample_piaf.py            # print the 130 sampled questions
    python tests/golden/sample_piaf.py --check    # verify tests/golden/piaf_en.jsonl

Sampling: all qas with at least one answer, in file order, sampled with
random.Random(7).sample(..., 130).
"""
import argparse
import json
import random
import sys
from pathlib import Path

PIAF = Path("/work/shared/corpora/piaf/piaf-v1.0.json")
EN_FILE = Path(__file__).resolve().parent / "piaf_en.jsonl"
SEED = 7
N = 130


def load_qas(path=PIAF):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    qas = []
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                if qa.get("answers"):
                    qas.append((qa, para["context"], article.get("title", "")))
    return qas


def sample(path=PIAF):
    return random.Random(SEED).sample(load_qas(path), N)


def check(path=PIAF, en_file=EN_FILE):
    by_id = {qa["id"]: (qa, ctx) for qa, ctx, _ in load_qas(path)}
    expected = [qa["id"] for qa, _, _ in sample(path)]
    errors = []
    rows = [json.loads(l) for l in en_file.read_text(encoding="utf-8").splitlines() if l.strip()]
    seen = set()
    for i, row in enumerate(rows, 1):
        for key in ("id", "question", "question_fr", "answer"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                errors.append(f"line {i}: missing/empty {key!r}")
        qid = row.get("id")
        if qid in seen:
            errors.append(f"line {i}: duplicate id {qid}")
        seen.add(qid)
        if qid not in by_id:
            errors.append(f"line {i}: id {qid} not in PIAF")
            continue
        qa, ctx = by_id[qid]
        if row.get("question_fr") != qa["question"]:
            errors.append(f"line {i}: question_fr mismatch for {qid}")
        if row.get("answer") != qa["answers"][0]["text"]:
            errors.append(f"line {i}: answer mismatch for {qid}")
        if row.get("answer") not in ctx:
            errors.append(f"line {i}: answer not found in context for {qid}")
    if set(expected) != seen:
        errors.append(f"ids differ from seeded sample: missing {len(set(expected) - seen)}, extra {len(seen - set(expected))}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(rows)} rows checked, {len(errors)} errors")
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="verify piaf_en.jsonl against PIAF")
    ap.add_argument("--piaf", default=str(PIAF))
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if check(args.piaf) else 1)
    for qa, ctx, title in sample(args.piaf):
        print(json.dumps({"id": qa["id"], "question_fr": qa["question"],
                          "answer": qa["answers"][0]["text"], "title": title,
                          "context": ctx[:300]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
