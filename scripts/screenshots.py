"""Screenshots of the search and report pages at desktop and phone widths, for a human to look at.

Usage: .venv/bin/python scripts/screenshots.py [--data-dir /tmp/demo_data] [--out /tmp/shots] [--query 行政复议]

Builds the demo data folder from samples/ when it has no index yet, serves the app with
waitress on 127.0.0.1, and drives Debian's /usr/bin/chromium (never a downloaded browser).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser_support import chromium, chromium_missing, live_server  # noqa: E402

LOGGER = logging.getLogger("screenshots")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def ensure_demo_data(data_dir: Path):
    """Settings for a data folder holding samples/ imported and indexed."""
    from search.index import current_generation
    from search.pipeline import import_paths, reindex
    from search.settings import load_settings

    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    if current_generation(data_dir) is None:
        import_paths(settings, [REPO / "samples"])
        reindex(settings, full=True, run_alerts=False)
    return settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/demo_data", type=Path)
    parser.add_argument("--out", default="/tmp/shots", type=Path)
    parser.add_argument("--query", default="行政复议")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    from web import create_app

    settings = ensure_demo_data(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    with live_server(app) as server, chromium() as browser:
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{server.url}/?q={quote(args.query)}")
            page.screenshot(path=str(args.out / f"search-{name}.png"))
            page.screenshot(path=str(args.out / f"search-{name}-full.png"), full_page=True)
            if name == "phone":  # the folded facet panel, opened
                page.locator("details.facet-panel > summary").click()
                page.screenshot(path=str(args.out / "search-facets-phone.png"))
            page.goto(f"{server.url}/?q={quote(args.query)}&group=1&region=" + quote("浙江省"))
            page.screenshot(path=str(args.out / f"search-grouped-{name}.png"))
            page.goto(f"{server.url}/?q={quote('不存在的词语组合xyz')}&year=2020")
            page.screenshot(path=str(args.out / f"search-empty-{name}.png"))
            page.goto(f"{server.url}/?q={quote(args.query)}")
            page.locator(".hit h3 a").first.click()
            page.wait_for_load_state()
            page.screenshot(path=str(args.out / f"report-{name}.png"))
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(args.out / f"report-top-{name}.png"))
            page.close()
    for path in sorted(args.out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
