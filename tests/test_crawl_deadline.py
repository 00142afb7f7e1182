"""The crawler gives up on a slow-drip server within its deadline (issue 13, defect 5).

A server on 127.0.0.1 sends one byte every 0.1 s — in the body, in the headers, or in a
body that ends only when the connection closes — so no single read ever times out.
Each fetch must still end within DEADLINE_FACTOR × timeout, and a crawl with retries
within the sum of its attempts and backoffs.
"""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import requests

from search.crawl import run_crawl
from search.crawl.fetch import DEADLINE_FACTOR, Fetcher, FetchProblem, scheme_and_host_check
from search.crawl.profiles import profile_from_dict
from search.settings import load_settings

TIMEOUT = 0.5  # seconds: the read timeout; the deadline is DEADLINE_FACTOR times this
SLACK = 1.0  # seconds allowed past the deadline on a loaded 2-core machine
PAGE = ("<html><head><meta charset='utf-8'><title>列表</title></head><body>" + "法治政府建设" * 40
        + "</body></html>").encode("utf-8")


def _respond(conn: socket.socket, path: str, stop: threading.Event) -> None:
    def drip(data: bytes) -> None:
        for index in range(len(data)):
            if stop.wait(0.1):
                return
            conn.sendall(data[index:index + 1])

    if path == "/robots.txt":
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    elif path == "/fast":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
    elif path == "/stall":  # headers, then silence: the read timeout's case
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        stop.wait(30)
    elif path == "/drip-headers":
        drip(b"HTTP/1.1 200 OK\r\n" + b"X-Drip: " + b"." * 1000 + b"\r\n\r\n")
    elif path == "/drip-close":  # no length: the body ends when the connection closes
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n")
        drip(PAGE * 20)
    else:  # /drip-body (and every crawled page)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                     b"Content-Length: %d\r\n\r\n" % (len(PAGE) * 20))
        drip(PAGE * 20)


@contextmanager
def drip_server():
    """An HTTP/1.1 server on 127.0.0.1 that answers each path in its own (slow) way."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    requests_seen: list[str] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode("latin-1")
                requests_seen.append(path)
                _respond(conn, path, stop)
            except OSError:
                pass  # the client gave up and closed: that is the point

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", requests_seen
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def fetcher() -> Fetcher:
    return Fetcher(requests.Session(), scheme_and_host_check(lambda host: host == "127.0.0.1"))


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers", "/drip-close"])
def test_a_dripping_server_is_given_up_within_the_deadline(path):
    deadline = TIMEOUT * DEADLINE_FACTOR
    with drip_server() as (base, _seen):
        started = time.monotonic()
        with pytest.raises(FetchProblem) as problem:
            fetcher().fetch(base + path, kind="report", timeout=TIMEOUT, max_bytes=10_000_000)
        took = time.monotonic() - started
    assert problem.value.outcome == "transient" and "too slowly" in problem.value.reason
    assert deadline - 0.2 <= took < deadline + SLACK, took
    assert problem.value.elapsed == pytest.approx(took, abs=0.3)


def test_a_server_that_stalls_hits_the_read_timeout_first():
    with drip_server() as (base, _seen):
        started = time.monotonic()
        with pytest.raises(FetchProblem) as problem:
            fetcher().fetch(base + "/stall", kind="report", timeout=TIMEOUT, max_bytes=10_000_000)
        took = time.monotonic() - started
    assert problem.value.outcome == "transient" and took < TIMEOUT + SLACK


def test_a_prompt_server_is_read_whole_and_the_session_is_reusable():
    with drip_server() as (base, _seen):
        fetch = fetcher()
        for _ in range(3):
            response = fetch.fetch(base + "/fast", kind="report", timeout=TIMEOUT, max_bytes=10_000_000)
            assert response.status == 200 and response.content == PAGE
        time.sleep(TIMEOUT * DEADLINE_FACTOR + 0.2)  # an old deadline's timer must not touch a later fetch
        assert fetch.fetch(base + "/fast", kind="report", timeout=TIMEOUT, max_bytes=10_000_000).content == PAGE


def test_a_crawl_of_a_dripping_portal_ends_within_its_attempts_deadlines(tmp_path):
    """Two attempts (one retry) of one list page: bounded by 2 deadlines + backoff, not minutes."""
    settings = load_settings({"data_dir": str(tmp_path / "data")}, environ={})
    with drip_server() as (base, seen):
        profile = profile_from_dict({"name": "drip", "start_urls": [base + "/list.html"],
                                     "report_title_patterns": ["报告"], "timeout": TIMEOUT, "retries": 1,
                                     "delay": 0.05, "max_delay": 0.1}, "drip")
        started = time.monotonic()
        summary = run_crawl(settings, [profile])
        took = time.monotonic() - started
    assert seen.count("/list.html") == 2 and summary.retries == 1 and summary.failed == 1
    [(url, outcome, reason)] = summary.problems
    assert url.endswith("/list.html") and outcome == "failed" and "too slowly" in reason
    assert took < 2 * TIMEOUT * DEADLINE_FACTOR + 3.0, took
