"""How long `sync` takes for 200 posts served by a local HTTP server (127.0.0.1).

    python tests/benchmarks/bench_sync.py [--posts 200]

The same 200 generated French posts (tests/sync_server.py) are served three ways, and each is
synced into a fresh archive folder twice: first (every post new) and again (nothing new):
- feed: one RSS feed with content:encoded (the second sync gets a 304 when the server sends an ETag;
  this one does not, so the second run re-reads the feed and compares fingerprints);
- beehiiv API: two pages of 100 posts with their free web content;
- archive page: one archive page, then one request per post page (no listing fingerprint, so the
  second sync fetches every page again and compares what it would write).
Seconds are wall time of `sync_archive` in this process (server threads included); CPU s is the
process's user + system time. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.sync.run import sync_archive  # noqa: E402
from indexer.sync.sources import parse_source  # noqa: E402
from tests.sync_server import API_KEY, FixtureServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    rows = []
    with FixtureServer() as server:
        server.serve_many(args.posts)
        os.environ["AIBREW_BEEHIIV_API_KEY"] = API_KEY
        os.environ["AIBREW_BEEHIIV_API_URL"] = f"{server.base}/v2"
        sources = {"feed (content:encoded)": f"feed:{server.base}/many/feed", "beehiiv API (2 pages)": "beehiiv:pub_many",
                   "archive page + post pages": f"archive:{server.base}/many/archive"}
        for label, spec in sources.items():
            with tempfile.TemporaryDirectory() as folder:
                for run in ("first (all new)", "again (nothing new)"):
                    before, cpu = len(server.requests), _cpu()
                    started = time.perf_counter()
                    report = sync_archive([parse_source(spec)], Path(folder))
                    seconds = time.perf_counter() - started
                    source = report.sources[0]
                    assert not source.failed, source.error
                    rows.append((label, run, seconds, _cpu() - cpu, len(source.new), source.unchanged,
                                 len(server.requests) - before, args.posts / seconds))
    print(f"{args.posts} posts, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| source | run | seconds | CPU s | new | unchanged | HTTP requests | posts/s |")
    print("|---|---|---|---|---|---|---|---|")
    for label, run, seconds, cpu, new, unchanged, requests, rate in rows:
        print(f"| {label} | {run} | {seconds:.2f} | {cpu:.2f} | {new} | {unchanged} | {requests} | {rate:.0f} |")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
