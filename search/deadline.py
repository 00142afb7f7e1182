"""A total deadline per response, kept even against a server that drips bytes.

A read timeout bounds each wait for *some* bytes; a server sending one byte every half
second never trips it, and urllib3 keeps gathering a 64 KB chunk (or a header line)
byte by byte. So a watchdog shuts the response's socket down when the deadline passes:
the blocked read returns at once, in the status line, the headers or the body alike.

Used through ``deadline_session(session)`` (mounts adapters on a requests session) or
``guarded_pool(scheme)`` (urllib3 pool classes), whose connections report their socket
to the deadline in force on this thread, and ``Deadline(seconds)`` as a context manager
around the request and the reading of its body. The crawler and the webhooks use it.
"""
from __future__ import annotations

import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_ACTIVE = threading.local()  # the Deadline in force on this thread, if any


class Deadline:
    """Within ``with Deadline(seconds):`` every guarded socket is shut down once the time is up."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> "Deadline":
        self._previous = getattr(_ACTIVE, "deadline", None)
        _ACTIVE.deadline = self
        self._timer = threading.Timer(max(0.0, self.expires_at - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        _ACTIVE.deadline = self._previous
        with self._lock:
            self._sockets.clear()

    def guard(self, sock: socket.socket | None) -> None:
        """Shut this socket down when the deadline passes (at once if it already has)."""
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the latter drops its SSL object under
    # the feet of the thread blocked reading; shutting the file descriptor wakes that read.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Guarded:
    """Connection mixin: before waiting for the response, put the socket under this thread's deadline."""

    def getresponse(self, *args, **kwargs):
        deadline = getattr(_ACTIVE, "deadline", None)
        if deadline is not None:
            deadline.guard(self.sock)
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_Guarded, HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


def guarded_pool(scheme: str) -> type[HTTPConnectionPool]:
    """The urllib3 pool class for ``scheme`` whose connections obey the Deadline in force."""
    return _POOLS[scheme]


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def deadline_session(session: requests.Session) -> requests.Session:
    """Make the session's HTTP(S) connections obey the Deadline in force when they wait for data."""
    session.mount("http://", _DeadlineAdapter())
    session.mount("https://", _DeadlineAdapter())
    return session
