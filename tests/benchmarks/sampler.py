"""A sampling profiler for the running app (py-spy is not installed): `streamlit run` under it.

    AIB_SAMPLES=OUT.txt python tests/benchmarks/sampler.py run search_app/app.py [streamlit options]

Every 5 ms, each thread's Python stack, weighted by the CPU ticks the thread used since the last
sample (/proc/self/task/TID/stat): the CPU of the script threads, the server's event loop and the
rest, by function, inclusive and own ("leaf"). SIGUSR2 starts the count afresh (after a warm-up);
SIGUSR1, or the exit, writes it to $AIB_SAMPLES. A thread is sampled when it lets the sampler have the
GIL, so time is attributed to where a thread was at that moment: read it as where the CPU went
roughly, not to the millisecond.
"""

from __future__ import annotations

import atexit
import collections
import os
import signal
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
SITE = next((p for p in sys.path if p.endswith("site-packages")), "")
inclusive: collections.Counter = collections.Counter()
leaf: collections.Counter = collections.Counter()
total = [0]


def _ticks(tid: int) -> int | None:
    try:
        with open(f"/proc/self/task/{tid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None


def _loop() -> None:
    last: dict[int, int] = {}
    me = threading.get_native_id()
    while True:
        time.sleep(0.005)
        natives = {t.ident: t.native_id for t in threading.enumerate()}
        for ident, frame in sys._current_frames().items():
            tid = natives.get(ident)
            now = _ticks(tid) if tid not in (None, me) else None
            if now is None:
                continue
            used, last[tid] = now - last.get(tid, now), now
            if used <= 0:
                continue
            total[0] += used
            seen, first = set(), True
            while frame is not None:
                code = frame.f_code
                key = f"{code.co_filename.replace(SITE + '/', '')}:{code.co_firstlineno}:{code.co_name}"
                if first:
                    leaf[key] += used
                    first = False
                if key not in seen:
                    inclusive[key] += used
                    seen.add(key)
                frame = frame.f_back


def dump(*_) -> None:
    with open(os.environ.get("AIB_SAMPLES", "samples.txt"), "w") as out:
        out.write(f"total ticks {total[0]} ({total[0] / TICK:.1f} CPU s)\n\n## inclusive\n")
        for key, n in inclusive.most_common(150):
            out.write(f"{n / max(total[0], 1) * 100:6.1f}% {key}\n")
        out.write("\n## leaf\n")
        for key, n in leaf.most_common(80):
            out.write(f"{n / max(total[0], 1) * 100:6.1f}% {key}\n")


def reset(*_) -> None:
    inclusive.clear()
    leaf.clear()
    total[0] = 0


if __name__ == "__main__":
    threading.Thread(target=_loop, daemon=True, name="sampler").start()
    atexit.register(dump)
    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGUSR2, reset)
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *sys.argv[1:]]
    main()
