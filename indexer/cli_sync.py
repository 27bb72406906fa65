"""The `sync` command's output: progress bars, the summary and one `error: SOURCE: REASON` line per
failed source, everything from the sources printed through `printable`."""

from __future__ import annotations

import sys

from indexer.build.build import rebuild
from indexer.config import Config
from indexer.sync.http import HttpSettings
from indexer.sync.post import one_line
from indexer.sync.run import sync_archive
from indexer.sync.sources import CONFIG_FILE, SyncConfig, load_config, parse_source
from indexer.sync.summary import summary_lines
from indexer.terminal import printable


def run_sync(args, config: Config, progress_bar) -> int:
    """`python -m indexer sync`: sync, print the summary (through `printable`), maybe rebuild; the exit code."""
    from tqdm import tqdm

    config_file = args.config or (CONFIG_FILE if CONFIG_FILE.is_file() else None)
    listed = load_config(config_file) if config_file else SyncConfig([])
    sources = [parse_source(s) for s in args.source] if args.source else listed.sources
    if not sources:
        print("error: no source to sync: pass --source KIND:VALUE or list `sources:` in sync.yaml (see sync --help)", file=sys.stderr)
        return 2
    bars: dict = {}

    def progress(name: str, done: int, total: int) -> None:
        if name not in bars:
            for bar in bars.values():
                bar.close()
            bars[name] = tqdm(total=total, desc=printable(f"fetching {name}"), unit="post", file=sys.stderr, dynamic_ncols=True)
        bars[name].n = done
        bars[name].refresh()

    settings = HttpSettings(timeout=args.timeout, retries=args.retries, deadline=args.deadline)
    try:
        report = sync_archive(sources, config.archives[0], settings=settings, progress=progress, hosts=listed.hosts)
    finally:
        for bar in bars.values():
            bar.close()
    print(printable("\n".join(summary_lines(report))))
    for failed in (s for s in report.sources if s.failed):
        print(printable(f"error: {one_line(failed.name)}: {one_line(failed.error, 1000)}"), file=sys.stderr)
    if args.rebuild and (report.written or not (config.index_dir / "CURRENT").exists()):
        with progress_bar() as bar:
            summary = rebuild(config, progress=bar.update)
        print(f"Indexed {summary.issues} issues into {summary.passages} passages in {summary.seconds:.1f} s -> {summary.index_path}")
        print(f"Embeddings: {summary.embedded_new} new, {summary.embedded_reused} reused")
        print(printable("".join(f"Skipped {s.path}: {s.reason}\n" for s in summary.skipped)), end="", file=sys.stderr)
    elif args.rebuild:
        print("Index left as it was: nothing new was written.")
    return 1 if report.failed else 0
