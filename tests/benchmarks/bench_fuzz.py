"""Fuzz the readers with 10,000 generated hostile files (see tests/fuzzgen.py) and report.

    python tests/benchmarks/bench_fuzz.py [--files 10000] [--seed 8] [--workers 3] [--workdir DIR]
    python tests/benchmarks/bench_fuzz.py --big 1 5      # big pathological pages: CPU s to read and to cut, by size
    python tests/benchmarks/bench_fuzz.py --sync 200     # 200 hostile feeds and API pages through `indexer sync`

Writes the files (in one folder per worker), then reads and chunks each one in worker subprocesses
whose address space is capped at 3 GiB (tests/fuzz_run.py), with a limit of 10 CPU seconds per file (and 60 s of wall-clock time). Prints the counts (indexed, skipped, by
reason), the failures (a file that reached the readers' last-resort handler, ran out of memory,
took over 10 s, or was skipped with a reason that is not one line), the slowest file and the
reading process's peak RSS. With --sync, hostile sources served on 127.0.0.1 go through the real
`python -m indexer sync` instead (tests/fuzzsync.py), and the counts that must be 0 are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fuzzgen import BIG_KINDS, big_page, generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--no-chunk", action="store_true", help="read only (faster); chunking is what costs")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--cpu-limit", type=float, default=10.0, help="CPU seconds over which a file counts as a failure")
    parser.add_argument("--big", type=int, nargs="+", metavar="MB", help="only time big pathological pages of these sizes")
    parser.add_argument("--sync", type=int, metavar="SOURCES", help="only fuzz sync with this many hostile feeds and API listings")
    args = parser.parse_args()
    if args.sync:
        return sync_campaign(args.sync, args.seed, args.workdir)
    if args.big:
        return big_pages(args.big)
    folder = (args.workdir or Path(tempfile.mkdtemp(prefix="aibrew-fuzz-"))) / f"fuzz-{args.seed}-{args.files}"
    shards = [folder / f"shard{n}" for n in range(args.workers)]
    started = time.monotonic()
    if not folder.is_dir():
        share = -(-args.files // args.workers)
        for n, shard in enumerate(shards):
            generate(shard, min(share, args.files - n * share), seed=args.seed * 1000 + n)
    generated = time.monotonic() - started

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    started = time.monotonic()
    extra = ["--cpu-limit", str(args.cpu_limit)] + (["--no-chunk"] if args.no_chunk else [])
    workers = [subprocess.Popen([sys.executable, "-m", "tests.fuzz_run", str(shard), *extra], stdout=subprocess.PIPE, stderr=None,
                                text=True, cwd=REPO, preexec_fn=cap, env={**os.environ, "HF_HUB_OFFLINE": "1"}) for shard in shards]
    reports = []
    for worker in workers:
        out, _ = worker.communicate()
        if worker.returncode != 0:
            return 1
        reports.append(json.loads(out))
    report = _merged(reports)
    print(f"{report['files']} files{' (stopped early)' if report.get('stopped') else ''} ({folder}), generated in {generated:.0f} s, read and chunked in {time.monotonic() - started:.0f} s")
    print(f"indexed {report['indexed']} ({report['passages']} passages), skipped {report['skipped']}, "
          f"failures {len(report['failures'])}")
    print(f"slowest file {report['slowest'][0]:.2f} CPU s ({report['slowest'][1]}), longest wall-clock {report['wall_max']:.1f} s, peak RSS {report['peak_rss_mib']:.0f} MiB")
    print("skipped, by reason:")
    for reason, n in report["reasons"].items():
        print(f"  {n:6d}  {reason}")
    for failure in report["failures"][:50]:
        print(f"FAILURE {failure['file']}: {failure['problem']}")
    return 1 if report["failures"] else 0


def sync_campaign(sources: int, seed: int, workdir: Path | None) -> int:
    """Hostile feeds and API pages through the real sync command; 1 if anything that must be 0 is not."""
    from tests.fuzzsync import DEADLINE, MUST_BE_ZERO, run_campaign

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aibrew-fuzz-sync-", dir=workdir) as folder:
        report = run_campaign(sources, Path(folder), seed=seed)
    print(f"{report['sources']} hostile sources (seed {seed}), {report['posts']} posts, {report['runs']} sync runs "
          f"in {time.monotonic() - started:.0f} s")
    print(f"source faults: {', '.join(f'{k} {v}' for k, v in sorted(report['faults'].items()))}")
    print(f"expected posts {report['expected']}, indexed {report['indexed']}; posts skipped with a reason {report['skipped']}; "
          f"source errors {report['source_errors']}")
    print("| " + " | ".join(MUST_BE_ZERO) + " |\n|" + "---|" * len(MUST_BE_ZERO) + "\n| " +
          " | ".join(str(report[k]) for k in MUST_BE_ZERO) + " |")
    print(f"worst source: {report['worst_source_s']:.1f} s ({report['worst_source']}), each run's --deadline {DEADLINE} s")
    for problem in report["problems"][:50]:
        print(f"PROBLEM {problem}")
    return 1 if any(report[k] for k in MUST_BE_ZERO) else 0


def big_pages(sizes: list[int]) -> int:
    """CPU seconds to read (`read_one`) and to cut (`chunk_issue`, with the real tokenizer) one page
    of each pathological kind at each size in MB: both should grow in proportion to the size."""
    from indexer.build.chunk import chunk_issue
    from indexer.build.embed import load_embedder
    from indexer.read import read_one
    from indexer.records import Skipped

    count = load_embedder().count_tokens
    folder = Path(tempfile.mkdtemp(prefix="aibrew-big-"))
    (folder / "warm.html").write_bytes(b"<p>Une phrase pour charger les lecteurs et la langue.</p>")
    chunk_issue(read_one(folder / "warm.html", folder), count)  # imports and langdetect's profiles, once
    print("| page | size | text | read, CPU s | cut into passages, CPU s | passages |")
    print("|---|---|---|---|---|---|")
    for kind in BIG_KINDS:
        for mb in sizes:
            path = folder / f"{kind.replace(' ', '-')}-{mb}.html"
            path.write_bytes(big_page(kind, mb * 2**20))
            cpu = time.process_time()
            issue = read_one(path, folder)
            read = time.process_time() - cpu
            if isinstance(issue, Skipped):
                print(f"| {kind} | {mb} MB | skipped: {issue.reason} | {read:.2f} | | |")
                continue
            cpu = time.process_time()
            chunks = chunk_issue(issue, count)
            print(f"| {kind} | {mb} MB | {len(issue.text) / 2**20:.1f} MB | {read:.2f} | {time.process_time() - cpu:.2f} | {len(chunks):,} |",
                  flush=True)
            path.unlink()
    return 0


def _merged(reports: list[dict]) -> dict:
    merged = {key: sum(r[key] for r in reports) for key in ("files", "indexed", "skipped", "passages")}
    merged["failures"] = [f for r in reports for f in r["failures"]]
    merged["slowest"] = max((r["slowest"] for r in reports), key=lambda s: s[0])
    merged["wall_max"] = max(r.get("wall_max", 0.0) for r in reports)
    merged["stopped"] = any(r.get("stopped") for r in reports)
    merged["peak_rss_mib"] = max(r["peak_rss_mib"] for r in reports)
    reasons: dict[str, int] = {}
    for r in reports:
        for reason, n in r["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + n
    merged["reasons"] = dict(sorted(reasons.items(), key=lambda item: -item[1]))
    return merged


if __name__ == "__main__":
    sys.exit(main())
