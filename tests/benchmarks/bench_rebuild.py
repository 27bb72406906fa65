"""How long a rebuild takes with the default embedder: cold, warm, and after one new issue.

    python tests/benchmarks/bench_rebuild.py [--workdir DIR]
    python tests/benchmarks/bench_rebuild.py --one-pass [--rounds 2]

Indexes a copy of archive/ plus ../shared/corpora/ai-weekly-fr into a fresh index folder three
times: cold (empty embedding cache), warm (nothing changed, everything cached), and incremental
(one generated Markdown issue added to the archive copy). The embedder is loaded once, before the
runs. Columns: "CPU s" is the process's user + system time (well under "seconds" means it waited,
or other work held the CPU); "passages/s" is passages indexed per second of the whole run;
"embedded/s" is vectors embedded per second; "cache rows added" counts the passage and sentence
vectors the run embedded; "peak RSS" is the process's high-water mark so far (it never goes down).
Prints a Markdown table.

With --one-pass (issue 25: "a cold rebuild costs at most 1.25 x embedding its passages once"), each
round runs, one after the other on fresh index folders: a cold rebuild as configured (late chunking:
one forward pass a passage), the least work (the very passage texts that rebuild embedded, each
once, through `embed_passages` in the build's batches), and a cold rebuild with late chunking off
(each sentence embedded again on its own, as before). Ratios are to the least work of its round.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.build.build import rebuild  # noqa: E402
from indexer.config import Config  # noqa: E402
from indexer.build.embed import load_embedder  # noqa: E402
from indexer.build.store import read_manifest  # noqa: E402

AI_WEEKLY = REPO.parent / "shared" / "corpora" / "ai-weekly-fr"

NEW_ISSUE = """---
date: 2024-05-02
---
# AI Brew — Les petits modèles ouvrent la voie

Cette semaine : des modèles plus petits, des puces plus sobres et un règlement européen qui entre en vigueur.

## 🔮 Les petits modèles prennent leur revanche

{dossier}

## 📢 News

### Mistral AI publie un modèle de 7 milliards de paramètres sous licence Apache 2.0

La start-up parisienne publie ses poids et annonce un partenariat avec un hébergeur européen. Le modèle tient sur un
ordinateur portable et rivalise, selon ses auteurs, avec des systèmes dix fois plus gros sur les tâches de résumé.

### L'AI Act européen publié au Journal officiel

Le règlement entre en vigueur vingt jours après sa publication ; les interdictions s'appliqueront dans six mois et les
obligations des modèles d'usage général dans un an. Les entreprises ont jusqu'en 2026 pour le reste.

## 🗓️ Prochains évènements IA

14/05 - Meetup IA frugale, Station F
"""


def generated_issue() -> str:
    """A new issue whose dossier is long enough to be split, with no sentence repeated."""
    subjects = ["Les éditeurs", "Les grands laboratoires", "Les start-up européennes", "Les fabricants de téléphones"]
    facts = [
        "publient des modèles de quelques milliards de paramètres",
        "réduisent le coût d'entraînement de leurs systèmes",
        "gardent les données de l'utilisateur sur son appareil",
        "ajoutent une gamme « mini » à côté de leur modèle phare",
        "mesurent la consommation d'énergie de chaque réponse",
        "distillent leurs grands modèles en versions plus légères",
    ]
    sentences = [f"{s} {f} depuis {2020 + n % 5}." for n, (s, f) in enumerate((s, f) for s in subjects for f in facts)]
    return NEW_ISSUE.format(dossier=" ".join(sentences))


def cache_rows(index_dir: Path) -> int:
    path = index_dir / "embeddings.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def timed_rebuild(name: str, config: Config, embedder) -> dict:
    before = cache_rows(config.index_dir)
    print(f"{name} rebuild…", file=sys.stderr, flush=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    summary = rebuild(config, embedder=embedder)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    counts = read_manifest(config.index_dir)["counts"]
    return {
        "run": name,
        "seconds": seconds,
        "CPU s": cpu,
        "issues": summary.issues,
        "passages": summary.passages,
        "sentences": counts["sentences"],
        "passages/s": summary.passages / seconds,
        "embedded/s": (cache_rows(config.index_dir) - before) / seconds,
        "passages new / reused": f"{summary.embedded_new} / {summary.embedded_reused}",
        "cache rows added": cache_rows(config.index_dir) - before,
        "peak RSS MiB": peak_rss_mib(),
    }


class Recording:
    """The embedder, noting every passage text a build embeds (with late chunking, `embed_with_spans`)."""

    def __init__(self, embedder):
        self._embedder, self.passages = embedder, []

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def embed_with_spans(self, texts, spans):
        self.passages += list(texts)
        return self._embedder.embed_with_spans(texts, spans)

    def embed_passages(self, texts):
        self.passages += list(texts)
        return self._embedder.embed_passages(texts)


def one_pass(work: Path, embedder, rounds: int) -> list[dict]:
    archive = work / "archive"
    shutil.copytree(REPO / "archive", archive, dirs_exist_ok=True)
    rows = []
    for r in range(1, rounds + 1):
        recording = Recording(embedder)
        for late in (True, False):
            index_dir = work / f"index-{r}-{late}"
            shutil.rmtree(index_dir, ignore_errors=True)
            config = Config(archives=(archive, AI_WEEKLY), index_dir=index_dir, late_chunking=late)
            row = timed_rebuild(f"round {r}: cold, {'late chunking (one pass)' if late else 'sentences embedded again'}",
                                config, recording if late else embedder)
            rows.append({k: row[k] for k in ("run", "seconds", "CPU s", "passages", "sentences", "cache rows added")})
            if late:
                texts, batch = recording.passages, getattr(embedder, "batch_size", 32)
                print("least work…", file=sys.stderr, flush=True)
                started, cpu = time.perf_counter(), cpu_seconds()
                for i in range(0, len(texts), batch):
                    embedder.embed_passages(texts[i : i + batch])
                rows.append({"run": f"round {r}: least work ({len(texts)} passage texts embedded once)",
                             "seconds": time.perf_counter() - started, "CPU s": cpu_seconds() - cpu,
                             "passages": len(texts), "sentences": 0, "cache rows added": 0})
        floor = rows[-2]
        for row in rows[-3:]:
            row["× least work (wall / CPU)"] = f"{row['seconds'] / floor['seconds']:.2f} / {row['CPU s'] / floor['CPU s']:.2f}"
    return rows


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(rows: list[dict]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="where to put the archive copy and index (default: a temporary folder)")
    parser.add_argument("--one-pass", action="store_true", help="cold rebuild against embedding its passages once (issue 25)")
    parser.add_argument("--rounds", type=int, default=2, help="--one-pass: rounds (default 2)")
    args = parser.parse_args()
    if not AI_WEEKLY.is_dir():
        sys.exit(f"missing corpus: {AI_WEEKLY}")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        if args.one_pass:
            embedder = load_embedder(Config().model)
            rows = one_pass(work, embedder, args.rounds)
            print(f"command: python {' '.join(sys.argv)}   (load average before / after: see stderr)")
            print(f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, load {os.getloadavg()[0]:.1f}")
            print(table(rows))
            return
        archive, index_dir = work / "archive", work / "index"
        for path in (archive, index_dir):
            if path.exists():
                shutil.rmtree(path)
        shutil.copytree(REPO / "archive", archive)
        config = Config(archives=(archive, AI_WEEKLY), index_dir=index_dir)

        started = time.perf_counter()
        embedder = load_embedder(config.model)
        load_seconds = time.perf_counter() - started
        rows = [timed_rebuild("cold", config, embedder), timed_rebuild("warm", config, embedder)]
        (archive / "2024-05-02-petits-modeles.md").write_text(generated_issue(), encoding="utf-8")
        rows.append(timed_rebuild("one issue added", config, embedder))

    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, Python {platform.python_version()}")
    print(f"embedder: {embedder.model_id}, loaded in {load_seconds:.2f} s\n")
    print(table(rows))


if __name__ == "__main__":
    main()
