"""Shared helpers for browser tests: the app on a real WSGI server, and Debian's headless Chromium.

Tests and scripts use ``live_server(app)`` to serve a Flask app with waitress on
127.0.0.1 (port 0, in a thread) and ``launch_chromium(playwright)`` to start
``/usr/bin/chromium`` through Playwright. We never download a browser
(``playwright install``): when Debian's chromium is missing, ``chromium_missing()``
gives the reason to skip. ``missing_glyphs(page)`` lists the characters a page draws as
empty boxes ("tofu"), e.g. Chinese on a machine without a CJK font.
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


# Which characters of the page are drawn as the font's "missing glyph" box. For each font-family
# list in use, every distinct non-ASCII character of the text set in it is drawn on a canvas with
# that list (canvas text goes through the same font matching and system fallback as the page)
# and its pixels are compared with those of code points no font has (unassigned U+0378, U+0380):
# a character drawn exactly like them, or drawn as nothing at all, has no glyph here. Comparing
# pixels, not widths, also catches a box as wide as a Chinese character.
_MISSING_GLYPHS_JS = """() => {
  const size = 24;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size * 2;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (family, text) => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.font = `${size}px ${family}`;
    context.fillStyle = "#000";
    context.fillText(text, 2, size * 1.4);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0, hash = 0;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i]) ink++;
      hash = (hash * 31 + data[i]) | 0;
    }
    return ink ? `${ink}:${hash}` : "blank";
  };
  const byFamily = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !parent.getClientRects().length) continue;  // not rendered
    const family = getComputedStyle(parent).fontFamily;
    const chars = byFamily.get(family) || new Set();
    for (const char of node.data) if (char.codePointAt(0) > 0x2000 && char.trim()) chars.add(char);
    byFamily.set(family, chars);
  }
  const missing = [];
  for (const [family, chars] of byFamily) {
    const tofu = new Set([draw(family, "\u0378"), draw(family, "\u0380"), "blank"]);
    for (const char of chars) if (tofu.has(draw(family, char))) missing.push(char);
  }
  return [...new Set(missing)].join("");
}"""


def missing_glyphs(page) -> str:
    """The characters the page's visible text shows as empty boxes (missing glyphs); "" when none."""
    return page.evaluate(_MISSING_GLYPHS_JS)
