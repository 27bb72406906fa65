"""How long a reader waits for an answer, warm: in the real browser, and for Engine.ask alone; and, with
--first-visit, how long the first visit after the server starts waits for the page.

    python tests/benchmarks/bench_app.py [INDEX_DIR] [--rebuild] [--first-visit N]

--first-visit N starts `streamlit run` N times; each time, once it answers its health check, one Chromium
page opens it and times, from the request, the title, the question box and the first and the last example
question on the screen (each a fresh server: nothing loaded, nothing cached); and the seconds from the
process start to its health check answering, to the title and to the question box.

INDEX_DIR (default index/) is built over archive/ and ../shared/corpora/ai-weekly-fr when it holds
no index yet (or with --rebuild). The browser figure is the time from pressing Enter in the question
box to the answer's sources being drawn, through `streamlit run` and Debian's Chromium, for each
question after two warm-up questions in the same session; Engine.ask is timed in this process just
before each one, so both see the same machine load. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer.errors import IndexMissing  # noqa: E402
from tests.test_browser import ask_in_browser, chromium, open_page, streamlit_server  # noqa: E402

WARM_UP = ["Qu'a annoncé Mistral AI ?", "What is new with Gemini?"]
QUESTIONS = [
    "what did we write about OpenAI and YouTube?",
    "Quel appareil Jony Ive et Sam Altman préparent-ils ?",
    "Amazon va-t-il investir dans OpenAI ?",
    "What is the Agentic AI Foundation?",
    "Comment OpenAI a-t-il développé GPT-5.1 ?",
    "Quelles nouveautés IA chez Spotify et Brave ?",
    "OpenAI travaille-t-il sur la génération de musique ?",
    "Which companies license photos and videos to train AI models?",
    "Accenture et ChatGPT Enterprise",
    "Que disent les dirigeants tech de leurs données ?",
]


def ensure_index(index_dir: Path, rebuild_it: bool) -> None:
    from indexer.build.store import current_build

    try:
        current_build(index_dir)
        if not rebuild_it:
            return
    except IndexMissing:
        pass
    from indexer.build.build import rebuild
    from indexer.config import Config

    archives = (REPO / "archive", REPO.parent / "shared" / "corpora" / "ai-weekly-fr")
    summary = rebuild(Config(archives=archives, index_dir=index_dir))
    print(f"built {summary.issues} issues, {summary.passages} passages in {summary.seconds:.0f} s", file=sys.stderr)


def measure(index_dir: Path) -> tuple[list[float], list[float]]:
    """(browser, in-process) seconds per question, taken alternately so both see the same machine load."""
    from indexer.engine import load_engine

    engine = load_engine(index_dir)
    with tempfile.TemporaryDirectory() as logs, streamlit_server(index_dir, Path(logs) / "server.log") as url, chromium() as browser:
        page = open_page(browser, url)
        for n, question in enumerate(WARM_UP):
            engine.ask(question)
            ask_in_browser(page, question, answered=n)
        browser_times, engine_times = [], []
        for n, question in enumerate(QUESTIONS, start=len(WARM_UP)):
            started = time.perf_counter()
            engine.ask(question)
            engine_times.append(time.perf_counter() - started)
            browser_times.append(ask_in_browser(page, question, answered=n))
        return browser_times, engine_times


def first_visits(index_dir: Path, runs: int) -> dict[str, list[float]]:
    """Seconds from the request to each part of the first screen, for `runs` fresh servers."""
    from search_app.i18n import t

    found: dict[str, list[float]] = {"title": [], "question box": [], "first example": [], "all examples": []}
    launched: list[float] = []  # seconds from `streamlit run` starting to its health check answering
    with chromium() as browser:
        for _ in range(runs):
            launch = time.perf_counter()
            with tempfile.TemporaryDirectory() as logs, streamlit_server(index_dir, Path(logs) / "server.log") as url:
                launched.append(time.perf_counter() - launch)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                started = time.perf_counter()
                page.goto(url, timeout=120_000)
                page.get_by_role("heading", name=re.compile("archive")).first.wait_for(timeout=120_000)
                found["title"].append(time.perf_counter() - started)
                page.get_by_placeholder(t("ask", "fr")).wait_for(timeout=120_000)
                found["question box"].append(time.perf_counter() - started)
                examples = page.get_by_role("button", name=re.compile("^Qu'a-t-on écrit sur "))
                examples.first.wait_for(timeout=120_000)
                found["first example"].append(time.perf_counter() - started)
                page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]').dataset.testScriptState === 'notRunning'",
                                       timeout=120_000)
                found["all examples"].append(time.perf_counter() - started)
                page.close()
    found["process start → health check answers"] = launched
    for name in ("title", "question box"):
        found[f"process start → {name} on screen"] = [a + b for a, b in zip(launched, found[name])]
    return found


def row(name: str, times: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8] if len(times) > 1 else times[0]
    return f"| {name} | {len(times)} | {statistics.median(times):.2f} | {p90:.2f} | {min(times):.2f} | {max(times):.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", nargs="?", type=Path, default=REPO / "index")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index first")
    parser.add_argument("--first-visit", type=int, metavar="N", help="time the first page after N fresh server starts instead")
    args = parser.parse_args()
    ensure_index(args.index_dir, args.rebuild)
    if args.first_visit:
        print("| first visit after the server starts | runs | median s | p90 s | min s | max s |")
        print("|---|---|---|---|---|---|")
        for name, times in first_visits(args.index_dir, args.first_visit).items():
            print(row(name if "→" in name else f"request → {name} on screen", times))
        return
    browser, engine = measure(args.index_dir)
    print("| measure (warm) | questions | median s | p90 s | min s | max s |")
    print("|---|---|---|---|---|---|")
    print(row("browser: Enter → answer drawn", browser))
    print(row("Engine.ask in process", engine))


if __name__ == "__main__":
    main()
