"""Where exact inner-product search stops being fast enough, versus HNSW (Config.hnsw_threshold).

    python tests/benchmarks/bench_faiss.py [--sizes 1000 10000 50000 100000 200000] [--queries 200] [--data random clustered]

For 384-dimension normalised vectors (the default embedder's size), uniformly random or clustered
(closer to real embeddings), and each N: build time, median single-query latency (k=100) on one
thread and on the default threads, HNSW's recall@10 against exact search, and the serialised index
size. Flat is faiss.IndexFlatIP; HNSW is IndexHNSWFlat(dim, 32, inner product) with efConstruction
200 and efSearch 128, as indexer/build/store.py and indexer/search/index.py build and search it. Prints a
Markdown table and the N at which flat single-thread latency passes --budget-ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.config import Config  # noqa: E402

DIM, K, RECALL_AT = 384, 100, 10


def normalised(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def random_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    return normalised(rng.standard_normal((n, DIM), dtype=np.float32))


class Clustered:
    """Points scattered around shared centres (one per 100 points of the largest N), all normalised."""

    def __init__(self, centres: int, rng: np.random.Generator, spread: float = 0.6):
        self.centres, self.spread = random_vectors(centres, rng), spread

    def __call__(self, n: int, rng: np.random.Generator) -> np.ndarray:
        picks = rng.integers(0, len(self.centres), n)
        noise = rng.standard_normal((n, DIM), dtype=np.float32) * (self.spread / np.sqrt(DIM))
        return normalised(self.centres[picks] + noise)


def median_latency_ms(index, queries: np.ndarray, threads: int) -> float:
    faiss.omp_set_num_threads(threads)
    for q in queries[:5]:
        index.search(q[None, :], K)
    times = []
    for q in queries:
        started = time.perf_counter()
        index.search(q[None, :], K)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(name: str, vectors: np.ndarray, queries: np.ndarray, default_threads: int) -> dict:
    faiss.omp_set_num_threads(default_threads)
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    flat_build = time.perf_counter() - started
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 200
    hnsw.add(vectors)
    hnsw_build = time.perf_counter() - started
    hnsw.hnsw.efSearch = 128

    faiss.omp_set_num_threads(default_threads)
    _, exact = flat.search(queries, RECALL_AT)
    _, approx = hnsw.search(queries, RECALL_AT)
    recall = np.mean([len(set(e) & set(a)) / RECALL_AT for e, a in zip(exact, approx)])
    mib = lambda index: faiss.serialize_index(index).nbytes / 2**20  # noqa: E731
    return {
        "data": name,
        "N": len(vectors),
        "flat build s": flat_build,
        "flat ms 1 thr": median_latency_ms(flat, queries, 1),
        f"flat ms {default_threads} thr": median_latency_ms(flat, queries, default_threads),
        "hnsw build s": hnsw_build,
        "hnsw ms 1 thr": median_latency_ms(hnsw, queries, 1),
        f"hnsw ms {default_threads} thr": median_latency_ms(hnsw, queries, default_threads),
        "hnsw recall@10": recall,
        "flat MiB": mib(flat),
        "hnsw MiB": mib(hnsw),
    }


def crossing(rows: list[dict], budget_ms: float) -> str:
    """Where flat single-thread latency passes the budget: first measured N, and a linear fit's estimate."""
    sizes = np.array([r["N"] for r in rows], dtype=np.float64)
    latency = np.array([r["flat ms 1 thr"] for r in rows])
    slope, intercept = np.polyfit(sizes, latency, 1)
    estimate = (budget_ms - intercept) / slope
    over = [int(n) for n, ms in zip(sizes, latency) if ms > budget_ms]
    first = f"first measured N over it: {over[0]:,}" if over else "no measured N is over it"
    return f"~{estimate:,.0f} by a linear fit ({slope * 1e5:.2f} ms per 100k + {intercept:.2f} ms); {first}"


def table(rows: list[dict]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:,}" if isinstance(v, int) else f"{v:.3f}" if isinstance(v, float) and v < 1 else f"{v:.2f}" if isinstance(v, float) else v for v in row.values()]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000, 100_000, 200_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", nargs="+", choices=["random", "clustered"], default=["random", "clustered"])
    parser.add_argument("--budget-ms", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    default_threads = faiss.omp_get_max_threads()
    rng = np.random.default_rng(args.seed)
    generators = {"random": random_vectors, "clustered": Clustered(max(10, max(args.sizes) // 100), rng)}
    rows: dict[str, list[dict]] = {}
    for name in args.data:
        make = generators[name]
        pool, queries = make(max(args.sizes), rng), make(args.queries, rng)
        for n in sorted(args.sizes):
            print(f"{name} N={n:,}…", file=sys.stderr, flush=True)
            rows.setdefault(name, []).append(measure(name, pool[:n], queries, default_threads))

    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}; faiss {faiss.__version__}, default {default_threads} OpenMP threads\n")
    print(table([r for name in args.data for r in rows[name]]))
    print()
    for name in args.data:
        print(f"{name}: flat single-thread k={K} latency passes {args.budget_ms:g} ms at N {crossing(rows[name], args.budget_ms)}")
    print(f"Config.hnsw_threshold default: {Config().hnsw_threshold:,}")


if __name__ == "__main__":
    main()
