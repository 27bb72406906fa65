"""One deadline per source, carried through its I/O and its parsing alike.

`Deadline(seconds, source)` is made when a source starts. The HTTP client bounds every request
and every wait by what is left of it (`left`); the loops over a listing's items call `check`
between two items; and `guard()` wraps the CPU work of one step (parsing a feed, a CSV file, a
post's HTML): in the main thread it arms a real-time alarm for what is left, whose handler raises
DeadlinePassed inside the parser, so one 64 MiB feed cannot run past the deadline either. Writes
are never inside a guard: a file is written whole, or not at all.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from indexer.errors import SyncError


class DeadlinePassed(SyncError):
    """The source ran past its deadline; what it wrote stays."""


class Deadline:
    def __init__(self, seconds: float | None, source: str):
        self.seconds, self.source = seconds, source
        self.end = None if seconds is None else time.monotonic() + seconds
        self._armed = False

    def left(self) -> float | None:
        return None if self.end is None else self.end - time.monotonic()

    def passed(self) -> DeadlinePassed:
        return DeadlinePassed(self.source, f"stopped: the source took longer than its deadline of {self.seconds:g} s (--deadline)")

    def check(self) -> None:
        if self.end is not None and time.monotonic() >= self.end:
            raise self.passed()

    @contextlib.contextmanager
    def guard(self):
        """Within this block, CPU work too ends by the deadline (main thread only; elsewhere `check` alone)."""
        self.check()
        if self.end is None or self._armed or threading.current_thread() is not threading.main_thread():
            yield
            return

        def ring(signum, frame):
            if self._armed:
                self._armed = False
                raise self.passed()

        previous = signal.signal(signal.SIGALRM, ring)
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, max(self.end - time.monotonic(), 0.001))
        try:
            yield
        finally:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


NO_DEADLINE = Deadline(None, "")
