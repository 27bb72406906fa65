"""Read (and cut into passages) every file of a folder the way a rebuild does, and report.

    python -m tests.fuzz_run FOLDER [--cpu-limit 10] [--hang 60] [--no-chunk]   (prints one JSON report)

Each file goes through `read_one` (what `read_archive` calls) and, when it is an issue, through
chunking and sentence splitting with the real tokenizer. A failure is a file that reached the
readers' last-resort handler (an internal error or running out of memory), ran past `--hang`
seconds of wall-clock time (a hang), or was skipped with a reason that is not one line; with
`--cpu-limit` (the benchmark's speed target, never the tests'), also one that took more CPU seconds.
The report gives the slowest file's CPU seconds either way.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time
from collections import Counter
from pathlib import Path


_STOP = []  # set by SIGTERM: stop after the current file and report what was done


def _term(signum, frame):
    _STOP.append(signum)


class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that no handler in the readers swallows it."""


def _alarm(signum, frame):
    raise _Hang()


def run(folder: Path, *, cpu_limit: float | None = None, hang: float = 60.0, chunk: bool = True) -> dict:
    from indexer.build.chunk import chunk_issue
    from indexer.read import INTERNAL, read_one
    from indexer.read.files import list_archive
    from indexer.records import Skipped
    from indexer.text.sentences import sentence_spans

    count_tokens = None
    if chunk:
        from indexer.build.embed import load_embedder

        count_tokens = load_embedder().count_tokens
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _term)
    listing = list_archive(folder)
    report: dict = {"files": 0, "indexed": 0, "skipped": 0, "passages": 0, "failures": [], "reasons": Counter(),
                    "slowest": [0.0, ""]}
    for path in listing.files:
        if _STOP:
            report["stopped"] = True
            break
        report["files"] += 1
        if report["files"] % 500 == 0:
            print(f"{folder.name}: {report['files']} files", file=sys.stderr, flush=True)
        started, cpu = time.monotonic(), time.process_time()
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            result = read_one(path, listing.root)
            if not isinstance(result, Skipped) and count_tokens is not None:
                chunks = chunk_issue(result, count_tokens)
                text = result.text
                sum(1 for c in chunks for _ in sentence_spans(text[c.start : c.end], c.start))
                report["passages"] += len(chunks)
        except _Hang:
            report["failures"].append({"file": path.name, "problem": f"hung: over {hang:g} s of wall-clock time"})
            continue
        except Exception as exc:  # noqa: BLE001 - chunking must not fail either
            report["failures"].append({"file": path.name, "problem": f"chunking: {type(exc).__name__}: {exc}"[:300]})
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.process_time() - cpu
        report["wall_max"] = max(report.get("wall_max", 0.0), round(time.monotonic() - started, 3))
        if seconds > report["slowest"][0]:
            report["slowest"] = [round(seconds, 3), path.name]
        if cpu_limit is not None and seconds > cpu_limit:
            report["failures"].append({"file": path.name, "problem": f"{seconds:.1f} CPU seconds"})
        if isinstance(result, Skipped):
            report["skipped"] += 1
            report["reasons"][_category(result.reason)] += 1
            if result.reason.startswith(INTERNAL) or "memory" in result.reason or "\n" in result.reason or not result.reason.strip():
                report["failures"].append({"file": path.name, "problem": result.reason[:300]})
        else:
            report["indexed"] += 1
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["listing_skipped"] = len(listing.skipped)
    report["reasons"] = dict(report["reasons"].most_common())
    return report


def _category(reason: str) -> str:
    """The reason without its details (what follows a parenthesis or a colon), to count reasons by kind."""
    return reason.split("(")[0].split(":")[0].strip()[:60]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cpu-limit", type=float, default=None, help="CPU seconds over which a file counts as a failure")
    parser.add_argument("--hang", type=float, default=60.0, help="wall-clock seconds after which a file counts as hung")
    parser.add_argument("--no-chunk", action="store_true")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(1000)  # the interpreter's default: what a rebuild runs with
    print(json.dumps(run(args.folder, cpu_limit=args.cpu_limit, hang=args.hang, chunk=not args.no_chunk), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
