"""How long `sync` takes for N posts served by a local HTTP server (127.0.0.1).

    python tests/benchmarks/bench_sync.py [--posts 200] [--sources feed,api,archive]
    python tests/benchmarks/bench_sync.py --posts 20000 --sources feed,api   # the scale target of issue 17

The same N generated French posts (tests/sync_server.py) are served three ways, and each is
synced into a fresh archive folder, then again:
- feed: one RSS feed with content:encoded and no ETag. The second sync finds the same bytes as
  last time and stops there; a third sync, after one item was added to the feed, parses the whole
  feed again and compares every item's fingerprint with the manifest (1 new, N unchanged);
- beehiiv API: pages of 100 posts with their free web content (every page is read again);
- archive page: one archive page, then one request per post page (no listing fingerprint, so the
  second sync fetches every page again and compares what it would write).
Seconds are wall time of `sync_archive` in this process (server threads included); CPU s is the
process's user + system time (writing a file costs this machine's kernel about 0.5 ms). Prints a
Markdown table.
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

NEW_ITEM = ("<item><title>Un numéro de plus</title><guid isPermaLink=\"false\">many-extra</guid>"
            "<pubDate>Mon, 05 Jan 2026 06:00:00 +0000</pubDate><content:encoded><![CDATA[<p>Un numéro ajouté après la "
            "première synchronisation, pour mesurer une synchronisation qui relit tout le flux.</p>]]></content:encoded></item>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--sources", default="feed,api,archive", help="which of feed, api, archive (comma-separated)")
    args = parser.parse_args()
    rows = []
    with FixtureServer() as server:
        server.serve_many(args.posts)
        os.environ["AIBREW_BEEHIIV_API_KEY"] = API_KEY
        os.environ["AIBREW_BEEHIIV_API_URL"] = f"{server.base}/v2"
        sources = {"feed": ("feed (content:encoded)", f"feed:{server.base}/many/feed"),
                   "api": (f"beehiiv API ({-(-args.posts // 100)} pages)", "beehiiv:pub_00000000-0000-4000-8000-000000000008"),
                   "archive": ("archive page + post pages", f"archive:{server.base}/many/archive")}
        for kind in args.sources.split(","):
            label, spec = sources[kind]
            runs = ["first (all new)", "again (nothing new)"] + (["again, one item added"] if kind == "feed" else [])
            with tempfile.TemporaryDirectory() as folder:
                for run in runs:
                    if run == "again, one item added":
                        feed = server.routes["/many/feed"]
                        feed.body = feed.body.replace("<item>", NEW_ITEM + "<item>", 1)
                    before, cpu = len(server.requests), _cpu()
                    started = time.perf_counter()
                    report = sync_archive([parse_source(spec)], Path(folder))
                    seconds = time.perf_counter() - started
                    source = report.sources[0]
                    assert not source.failed, source.error
                    rows.append((label, run, seconds, _cpu() - cpu, len(source.new), source.unchanged,
                                 len(server.requests) - before, (len(source.new) + source.unchanged) / seconds))
                    print(f"{label}, {run}: {seconds:.1f} s", file=sys.stderr, flush=True)
    print(f"{args.posts} posts, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| source | run | seconds | CPU s | new | unchanged | HTTP requests | posts/s |")
    print("|---|---|---|---|---|---|---|---|")
    for label, run, seconds, cpu, new, unchanged, requests, rate in rows:
        print(f"| {label} | {run} | {seconds:.2f} | {cpu:.2f} | {new} | {unchanged} | {requests} | {rate:.0f} |")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
