"""Bounding the whole of one HTTP exchange in time, not only each read from its socket.

A socket timeout bounds each wait for bytes; a server that sends one byte a second never trips
it. `Watchdog(seconds)` arms a timer for the thread that makes the request: when it fires, it
shuts down the socket that thread's request uses, so the blocked read returns at once, and
`fired` tells the client why. Sockets are recorded by the pools and connections of
`watched_adapter()`, when a request takes a connection and when one connects (the socket, not
the connection: http.client lets go of a connection's socket once the answer's headers are in).
"""

from __future__ import annotations

import socket
import threading

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_IN_USE: dict[int, object] = {}  # thread id -> the socket its current request uses


class Watchdog:
    def __init__(self, seconds: float):
        self.fired = False
        self._thread = threading.get_ident()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> "Watchdog":
        _IN_USE.pop(self._thread, None)
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _IN_USE.pop(self._thread, None)

    def _cut(self) -> None:
        self.fired = True
        sock = _IN_USE.get(self._thread)
        if isinstance(sock, socket.socket):
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: wakes a blocked read, TLS or not
            except OSError:
                pass


def _recording(pool_class: type) -> type:
    class Connection(pool_class.ConnectionCls):
        def connect(self):
            super().connect()
            _IN_USE[threading.get_ident()] = self.sock

    class Pool(pool_class):
        ConnectionCls = Connection

        def _get_conn(self, timeout=None):
            conn = super()._get_conn(timeout)
            _IN_USE[threading.get_ident()] = getattr(conn, "sock", None)
            return conn

    return Pool


_POOLS = {"http": _recording(HTTPConnectionPool), "https": _recording(HTTPSConnectionPool)}


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS


def watched_adapter() -> HTTPAdapter:
    """A requests adapter (no retries: the client retries) whose pools record the connection each thread uses."""
    return _WatchedAdapter(max_retries=0)
