"""Fuzzing the readers (issue 8, the campaign): 500 generated hostile files, each indexed or skipped
with a one-line reason, none hanging (60 s of wall-clock time), memory bounded; then a real rebuild and search
over a sample of them. Speed is not asserted here (a slower machine would fail): `benchmarks/bench_fuzz.py` runs
the same with 10,000 files and reports CPU seconds per file against its 10 s limit."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.fuzzgen import generate

pytestmark = pytest.mark.e2e
FILES = int(os.environ.get("AIBREW_FUZZ_FILES", "500"))
MEMORY_LIMIT = 3 * 2**30  # address space of the reading process: a runaway file fails instead of swapping


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    generate(folder, FILES, seed=8)
    return folder


def test_every_fuzzed_file_is_indexed_or_skipped_with_a_reason(fuzzed):
    out = subprocess.run([sys.executable, "-m", "tests.fuzz_run", str(fuzzed)], capture_output=True, text=True, cwd=REPO,
                         timeout=1800, preexec_fn=_limit_memory, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert report["failures"] == []
    assert report["files"] == FILES and report["indexed"] + report["skipped"] == FILES
    assert report["indexed"] > FILES // 5 and report["skipped"] > FILES // 5  # the generator makes both kinds
    assert report["peak_rss_mib"] < 1500


def test_a_rebuild_over_fuzzed_files_publishes_and_answers(fuzzed, tmp_path):
    sample = tmp_path / "sample"
    sample.mkdir()
    for path in sorted(fuzzed.iterdir())[:30]:
        if path.stat().st_size < 8_000:  # small files: embedding them stays quick
            shutil.copy(path, sample)
    index = tmp_path / "index"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    built = subprocess.run([sys.executable, "-m", "indexer", "rebuild", "--archive", str(sample), "--index", str(index)],
                           capture_output=True, text=True, cwd=REPO, timeout=600, env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "Traceback" not in built.stderr and "Indexed" in built.stdout
    skipped = [line for line in built.stderr.splitlines() if line.startswith("Skipped ")]
    assert skipped and all(": " in line for line in skipped)
    found = subprocess.run([sys.executable, "-m", "indexer", "search", "--index", str(index), "--json", "OpenAI modèle"],
                           capture_output=True, text=True, cwd=REPO, timeout=300, env=env)
    assert found.returncode == 0 and "Traceback" not in found.stderr
    assert "query" in json.loads(found.stdout)


def test_hostile_feeds_and_api_pages_cause_no_traceback_no_write_outside_and_no_lost_post(tmp_path):
    """The sync half of the campaign (tests/fuzzsync.py), short: 60 hostile sources on 127.0.0.1
    through the real `python -m indexer sync`, twice."""
    from tests.fuzzsync import MUST_BE_ZERO, run_campaign

    report = run_campaign(int(os.environ.get("AIBREW_FUZZ_SOURCES", "60")), tmp_path, seed=8)
    assert report["problems"] == []
    assert {k: report[k] for k in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert report["expected"] > 50 and report["indexed"] == report["expected"]
    assert report["source_errors"] > 0 and report["skipped"] > 0  # the generator makes both kinds of refusal
