"""A cProfile of the page's script answering questions, through Streamlit's AppTest (whole-page runs).

    python tests/benchmarks/profile_page.py INDEX_DIR [--questions 30] [--top 60]

Opens the page over INDEX_DIR, asks 6 warm-up questions (the latest 5 turns are drawn, as for a
reader who has asked a few), then profiles --questions more (PIAF questions of tests/benchmarks/synth.py)
in the script's own thread; prints the script thread's CPU per answer, Engine.ask's share, and the
functions by cumulative and by own time. The server's side (sending the elements) is not in it:
see tests/benchmarks/sampler.py for the running `streamlit run` process.
"""

from __future__ import annotations

import argparse
import builtins
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

WRAPPER = '''import builtins, os, runpy, time
started = time.thread_time()
builtins._aib_profile.enable()
try:
    runpy.run_path(os.environ["AIB_APP"], run_name="__main__")
finally:
    builtins._aib_profile.disable()
    builtins._aib_cpu.append(time.thread_time() - started)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    os.environ.update(AIBREW_INDEX=str(args.index_dir), AIB_APP=str(REPO / "search_app" / "app.py"))
    os.environ.pop("AIBREW_LLM_BASE_URL", None)
    from streamlit.testing.v1 import AppTest

    from indexer.engine import Engine
    from synth import pools

    asked: list[float] = []
    ask = Engine.ask

    def timed(self, *a, **k):
        started = time.thread_time()
        try:
            return ask(self, *a, **k)
        finally:
            asked.append(time.thread_time() - started)

    Engine.ask = timed
    builtins._aib_profile, builtins._aib_cpu = cProfile.Profile(), []
    questions = list(pools().questions)
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "page.py"
        wrapper.write_text(WRAPPER)
        app = AppTest.from_file(str(wrapper), default_timeout=300)
        app.run()
        for question in questions[:6]:
            app.chat_input[0].set_value(question).run()
        builtins._aib_profile, builtins._aib_cpu = cProfile.Profile(), []
        asked.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for question in questions[10:10 + args.questions]:
            app.chat_input[0].set_value(question).run()
            assert not app.exception, app.exception
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = args.questions
    print(f"{n} answers: script thread CPU {sum(builtins._aib_cpu) / n * 1000:.0f} ms an answer (profiled), "
          f"Engine.ask {sum(asked) / n * 1000:.0f} ms; process CPU {cpu / n * 1000:.0f} ms, wall {wall / n * 1000:.0f} ms; "
          "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(builtins._aib_profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
