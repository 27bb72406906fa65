"""Fuzz the readers with 10,000 generated hostile files (see tests/fuzzgen.py) and report.

    python tests/benchmarks/bench_fuzz.py [--files 10000] [--seed 8] [--workdir DIR]

Writes the files, then reads and chunks each one in a subprocess whose address space is capped at
3 GiB (tests/fuzz_run.py), with a 10 s limit per file. Prints the counts (indexed, skipped, by
reason), the failures (a file that reached the readers' last-resort handler, ran out of memory,
took over 10 s, or was skipped with a reason that is not one line), the slowest file and the
reading process's peak RSS.
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

from tests.fuzzgen import generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    folder = (args.workdir or Path(tempfile.mkdtemp(prefix="aibrew-fuzz-"))) / f"fuzz-{args.seed}-{args.files}"
    started = time.monotonic()
    if not folder.is_dir():
        generate(folder, args.files, seed=args.seed)
    generated = time.monotonic() - started

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "tests.fuzz_run", str(folder)], capture_output=True, text=True, cwd=REPO,
                         preexec_fn=cap, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if out.returncode != 0:
        print(out.stderr[-5000:], file=sys.stderr)
        return 1
    report = json.loads(out.stdout)
    print(f"{report['files']} files ({folder}), generated in {generated:.0f} s, read and chunked in {time.monotonic() - started:.0f} s")
    print(f"indexed {report['indexed']} ({report['passages']} passages), skipped {report['skipped']}, "
          f"failures {len(report['failures'])}")
    print(f"slowest file {report['slowest'][0]:.2f} s ({report['slowest'][1]}), peak RSS {report['peak_rss_mib']:.0f} MiB")
    print("skipped, by reason:")
    for reason, n in report["reasons"].items():
        print(f"  {n:6d}  {reason}")
    for failure in report["failures"][:50]:
        print(f"FAILURE {failure['file']}: {failure['problem']}")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
