"""Many readers at once: concurrent sessions on the running Streamlit page, through its own websocket protocol.

    python tests/benchmarks/bench_readers.py INDEX_DIR [--readers 20] [--seconds 120] [--think 1 3]
                                             [--swap-archive DIR] [--swap-at 40] [--apps 1] [--whole-page]

Starts `streamlit run search_app/app.py` over INDEX_DIR (built beforehand, e.g. by bench_scale.py
--workdir), then opens --readers sessions, each as a browser tab would: a websocket on
/_stcore/stream, a first run of the page, then questions typed into the chat box (a ChatInputValue
for the page's chat_input widget), each a different PIAF question, with a pause of --think seconds
(uniform) between them. A question is sent as a browser sends it: a run of the fragment that holds the
chat box (the page's body, search_app/body.py), not of the whole page; with --whole-page, as a run of the
whole page (title and sidebar too: what this benchmark sent before issue 25). A question's latency is from sending it to the server's "script finished"
message, the answer and its sources having been sent; it is an error when the run ends with an
exception on the page, without an answer (its "[1]" citation or source card, or the not-found
box), or takes over 60 s. The app's RSS is sampled every second, and its
CPU seconds per answer (user + system, all threads) say what the app would serve on cores of its own.

With --swap-archive, a `python -m indexer rebuild --archive DIR --index INDEX_DIR` starts --swap-at
seconds into the load, so the index is swapped under the readers.

With --apps N, N `streamlit run` processes serve the same INDEX_DIR, each on its own port (as behind
a proxy that keeps a reader's websocket on one of them), and reader n talks to app n mod N; the CPU
and RSS figures are the apps' together. A rebuild then swaps the index under all of them at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from synth import pools  # noqa: E402
from search_app.highlight import escape_markdown  # noqa: E402
from search_app.i18n import t  # noqa: E402
from tests.test_browser import streamlit_server  # noqa: E402

ANSWER_TIMEOUT = 60.0
NOTHING_FOUND = [escape_markdown(t("not_found", lang)) for lang in ("fr", "en")]  # the not-found box, as sent: an answer too


def _protos():
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

    return BackMsg, ClientState, ForwardMsg, WidgetState, WidgetStates


class Reader:
    """One browser tab's conversation with the server, without the browser."""

    def __init__(self, url: str, whole_page: bool = False):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.chat_id: str | None = None
        self.fragment_id = ""  # the fragment that draws the chat box: what a browser reruns when a question is sent
        self.whole_page = whole_page

    async def __aenter__(self):
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=2**26, open_timeout=60)
        await self._run([])  # the first page run, which draws the chat box
        if not self.chat_id:
            raise RuntimeError("the page drew no chat input")
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def ask(self, question: str) -> tuple[float, str | None]:
        """(seconds, error or None)."""
        BackMsg, ClientState, ForwardMsg, WidgetState, WidgetStates = _protos()
        state = WidgetState(id=self.chat_id)
        state.chat_input_value.data = question
        started = time.perf_counter()
        try:
            texts, exceptions = await asyncio.wait_for(self._run([state], "" if self.whole_page else self.fragment_id), ANSWER_TIMEOUT)
        except asyncio.TimeoutError:
            return time.perf_counter() - started, "timeout"
        seconds = time.perf_counter() - started
        if exceptions:
            return seconds, "exception: " + exceptions[0][:200]
        if not any("\\[1\\]" in text or "<b>[1]" in text or any(nothing in text for nothing in NOTHING_FOUND) for text in texts):
            return seconds, "no answer drawn"
        return seconds, None

    async def _run(self, states, fragment_id: str = "") -> tuple[list[str], list[str]]:
        """Send a rerun (of the fragment `fragment_id`, or the whole page) with these widget states; collect the
        texts drawn (markdown, alerts, HTML) and exceptions until it finishes."""
        BackMsg, ClientState, ForwardMsg, WidgetState, WidgetStates = _protos()
        msg = BackMsg(rerun_script=ClientState(widget_states=WidgetStates(widgets=states), fragment_id=fragment_id))
        await self.ws.send(msg.SerializeToString())
        texts, exceptions = [], []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "chat_input":
                    self.chat_id, self.fragment_id = element.chat_input.id, fwd.delta.fragment_id
                elif which == "markdown":
                    texts.append(element.markdown.body)
                elif which == "alert":
                    texts.append(element.alert.body)
                elif which == "html":
                    texts.append(element.html.body)
                elif which == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished":
                return texts, exceptions


async def reader_loop(url: str, seed: int, until: float, think: tuple[float, float], results: list, questions: list[str],
                      whole_page: bool = False):
    rng = random.Random(seed)
    try:
        async with Reader(url, whole_page) as reader:
            while time.perf_counter() < until:
                question = rng.choice(questions)
                seconds, error = await reader.ask(question)
                results.append((time.perf_counter(), seconds, error))
                await asyncio.sleep(rng.uniform(*think))
    except Exception as exc:  # a dropped connection is an error of the run, not a crash of the benchmark
        results.append((time.perf_counter(), 0.0, f"session: {exc!r}"[:200]))


def rss_mib(pid: int) -> float:
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def load_run(urls: list[str], server_pids: list[int], args, swap: list[str] | None) -> dict:
    questions = list(pools().questions)
    started = time.perf_counter()
    until = started + args.seconds
    results: list = []
    memory: list[float] = []
    swap_info: dict = {}

    async def sample_memory():
        while time.perf_counter() < until + ANSWER_TIMEOUT:
            memory.append(sum(rss_mib(pid) for pid in server_pids))
            await asyncio.sleep(1)

    async def swap_index():
        await asyncio.sleep(args.swap_at)
        t0 = time.perf_counter()
        process = await asyncio.create_subprocess_exec(*swap, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                                                       env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)})
        out, _ = await process.communicate()
        swap_info.update(started_s=t0 - started, seconds=time.perf_counter() - t0, rc=process.returncode, tail=out.decode()[-300:])

    cpu_before = sum(cpu_seconds(pid) for pid in server_pids)
    memory_task = asyncio.create_task(sample_memory())
    tasks = [reader_loop(urls[n % len(urls)], n, until, tuple(args.think), results, questions, getattr(args, "whole_page", False))
             for n in range(args.readers)]
    if swap:
        tasks.append(swap_index())
    await asyncio.gather(*tasks)
    memory_task.cancel()
    app_cpu = sum(cpu_seconds(pid) for pid in server_pids) - cpu_before
    ok = [s for _, s, e in results if e is None]
    errors = [e for _, _, e in results if e is not None]
    out = {"questions": len(results), "answered": len(ok), "errors": len(errors), "error_kinds": sorted(set(errors))[:5],
           "p50": statistics.median(ok) if ok else float("nan"),
           "p95": statistics.quantiles(ok, n=20, method="inclusive")[18] if len(ok) > 1 else float("nan"),
           "max": max(ok, default=float("nan")), "per_s": len(ok) / (time.perf_counter() - started),
           "app_cpu_per_answer": app_cpu / max(len(ok), 1),
           "rss_max": max(memory, default=0.0), "rss_end": memory[-1] if memory else 0.0, "load": "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())}
    if swap_info:
        after = [s for t, s, e in results if e is None and t - started > swap_info["started_s"] + swap_info["seconds"]]
        out["swap"] = {**swap_info, "answered_after": len(after)}
    return out


def row(name: str, r: dict, readers: int, apps: int) -> str:
    return (f"| {name} | {apps} | {readers} | {r['questions']} | {r['errors']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['max']:.2f} | "
            f"{r['per_s']:.1f} | {r['app_cpu_per_answer']:.2f} | {r['rss_max']:.0f} | {r['load']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"), help="pause between questions, s")
    parser.add_argument("--swap-archive", type=Path, action="append", help="run a second load with a rebuild from this archive")
    parser.add_argument("--swap-at", type=float, default=40, help="seconds into the second load when the rebuild starts")
    parser.add_argument("--apps", type=int, default=1, help="app processes serving INDEX_DIR, readers spread over them")
    parser.add_argument("--whole-page", action="store_true", help="send each question as a run of the whole page, not of the chat box's fragment")
    args = parser.parse_args()
    print(f"command: python {' '.join(sys.argv)}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        urls = [servers.enter_context(streamlit_server(args.index_dir, Path(tmp) / f"server-{n}.log")) for n in range(args.apps)]
        pids = [_server_pid(url) for url in urls]
        first = asyncio.run(load_run(urls, pids, args, None))
        rows.append(row("steady" + (", whole page" if args.whole_page else ""), first, args.readers, args.apps))
        print(first, file=sys.stderr)
        if args.swap_archive:
            swap = [sys.executable, "-m", "indexer", "rebuild", "--index", str(args.index_dir)]
            for archive in args.swap_archive:
                swap += ["--archive", str(archive)]
            second = asyncio.run(load_run(urls, pids, args, swap))
            rows.append(row(f"index swapped at {second['swap']['started_s']:.0f} s (rebuild {second['swap']['seconds']:.0f} s, "
                            f"exit {second['swap']['rc']}; {second['swap']['answered_after']} answers after it)", second, args.readers, args.apps))
            print(second, file=sys.stderr)
    print("| run | apps | readers | questions | errors | p50 s | p95 s | max s | answers/s | app CPU s / answer | app RSS max MiB | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


def _server_pid(url: str) -> int:
    """The `streamlit run` process serving `url` (its command line names the port)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args and proc.name.isdigit():
            return int(proc.name)
    raise RuntimeError(f"no streamlit process on port {port}")


if __name__ == "__main__":
    main()
