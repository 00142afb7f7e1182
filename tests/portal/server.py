"""A tiny HTTP server on 127.0.0.1 (port 0) whose routes are Python callables, with a log of every hit."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import urlsplit


@dataclass
class Reply:
    """What a route answers: status, headers and a body (bytes or an iterable of chunks, streamed)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    """One request the portal received."""

    path: str  # path plus query
    headers: dict[str, str]
    at: float
    status: int = 0
    bytes_sent: int = 0


Route = Callable[["Request"], Reply]


@dataclass
class Request:
    path: str
    query: str
    headers: dict[str, str]
    hit_number: int  # 1 for the first request to this path+query


class FakePortal:
    """Routes by exact path+query first, then by path; unknown paths answer 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # --- routes -----------------------------------------------------------
    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, etag: bool = True) -> None:
        """A static page; answers 304 to a matching If-None-Match when etag is on."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        def route(request: Request) -> Reply:
            tag = f'"{hash(data) & 0xFFFFFFFF:x}"'
            extra = {"Content-Type": content_type, **(headers or {})}
            if etag:
                extra["ETag"] = tag
                if request.headers.get("If-None-Match") == tag:
                    return Reply(304, b"", {"ETag": tag})
            return Reply(200, data, extra)

        self.add(path, route)

    # --- lifecycle ----------------------------------------------------------
    def start(self) -> "FakePortal":
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # no keep-alive: a body without length ends at close

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                key = self.path
                with portal.lock:
                    number = sum(1 for h in portal.hits if h.path == key) + 1
                    hit = Hit(key, {k: v for k, v in self.headers.items()}, time.monotonic())
                    portal.hits.append(hit)
                route = portal.routes.get(key) or portal.routes.get(parts.path)
                reply = route(Request(parts.path, parts.query, dict(self.headers.items()), number)) if route \
                    else Reply(404, b"not found", {"Content-Type": "text/plain"})
                hit.status = reply.status
                try:
                    self.send_response(reply.status)
                    body = reply.body
                    if isinstance(body, bytes) and "Content-Length" not in reply.headers:
                        reply.headers["Content-Length"] = str(len(body))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    for chunk in ([body] if isinstance(body, bytes) else body):
                        self.wfile.write(chunk)
                        hit.bytes_sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up (size cap, timeout): that is what some tests want

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]
