"""Shared helpers for browser tests: the app on a real WSGI server, and Debian's headless Chromium.

Tests and scripts use ``live_server(app)`` to serve a Flask app with waitress on
127.0.0.1 (port 0, in a thread) and ``launch_chromium(playwright)`` to start
``/usr/bin/chromium`` through Playwright. We never download a browser
(``playwright install``): when Debian's chromium is missing, ``chromium_missing()``
gives the reason to skip.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from typing import Iterator

LOGGER = logging.getLogger(__name__)

CHROMIUM = os.environ.get("GOVSEARCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return f"Debian chromium not found at {CHROMIUM} (apt-get install chromium); never `playwright install`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    return None


@dataclass
class LiveServer:
    """A running server: its base URL, e.g. http://127.0.0.1:43121."""

    url: str


@contextlib.contextmanager
def live_server(app, threads: int = 4) -> Iterator[LiveServer]:
    """Serve a WSGI app with waitress on 127.0.0.1 and a free port until the block ends."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="govsearch-test")
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}")
    finally:
        server.close()
        thread.join(timeout=5)


def launch_chromium(playwright):
    """Headless Debian Chromium through Playwright (no downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright ``Browser`` on Debian's Chromium, closed at the end of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()
