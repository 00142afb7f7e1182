"""Screenshots of the search and report pages at desktop and phone widths, for a human to look at.

Usage: .venv/bin/python scripts/screenshots.py [--data-dir /tmp/demo_data] [--out /tmp/shots] [--query 行政复议]
       .venv/bin/python scripts/screenshots.py --readme     # also rewrite docs/search.png and docs/report.png

Builds the demo data folder from samples/ when it has no index yet, serves the app with
waitress on 127.0.0.1, and drives Debian's /usr/bin/chromium (never a downloaded browser).
Exits 1 when a page draws any character as an empty box (a missing glyph: no CJK font, see
scripts/test), naming the page and the characters; such screenshots would mislead.
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

from browser_support import chromium, chromium_missing, live_server, missing_glyphs  # noqa: E402

LOGGER = logging.getLogger("screenshots")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
README_SIZE = (1100, 680)  # the README's two pictures: small, yet the Chinese stays legible
README_QUERY = "行政复议 调解"  # two words marked, hits that read well


def ensure_demo_data(data_dir: Path):
    """Settings for a data folder holding samples/ imported and indexed."""
    from search.engine.whoosh.index import current_generation
    from search.pipeline import import_paths, reindex
    from search.settings import load_settings

    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    if current_generation(data_dir) is None:
        import_paths(settings, [REPO / "samples"])
        reindex(settings, full=True, run_alerts=False)
    return settings


class Shooter:
    """Takes screenshots and checks each shown page for missing glyphs."""

    def __init__(self, out: Path):
        self.out, self.problems, self.paths = out, [], []

    def shot(self, page, name: str, **options) -> None:
        path = self.out / f"{name}.png" if "/" not in name else Path(name)
        missing = missing_glyphs(page)
        if missing:
            self.problems.append(f"{path.name} ({page.url}): no glyph for {missing[:40]}")
        page.screenshot(path=str(path), **options)
        self.paths.append(path)


def take(server, browser, shooter: Shooter, query: str) -> None:
    for name, (width, height) in SIZES.items():
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        page.goto(f"{server.url}/?q={quote(query)}")
        shooter.shot(page, f"search-{name}")
        shooter.shot(page, f"search-{name}-full", full_page=True)
        if name == "phone":  # the folded facet panel, opened
            page.locator("details.facet-panel > summary").click()
            shooter.shot(page, "search-facets-phone")
        page.goto(f"{server.url}/?q={quote(query)}&group=1&region=" + quote("浙江省"))
        shooter.shot(page, f"search-grouped-{name}")
        page.goto(f"{server.url}/?q={quote('不存在的词语组合xyz')}&year=2020")
        shooter.shot(page, f"search-empty-{name}")
        page.goto(f"{server.url}/?q={quote(query)}&region={quote('浙江')}&year=abc")
        shooter.shot(page, f"search-bad-filters-{name}")
        page.goto(f"{server.url}/?q={quote(query)}")
        page.locator(".hit h3 a").first.click()
        page.wait_for_load_state()
        shooter.shot(page, f"report-{name}")
        page.evaluate("window.scrollTo(0, 0)")
        shooter.shot(page, f"report-top-{name}")
        page.close()


def take_readme(server, browser, shooter: Shooter) -> None:
    """docs/search.png and docs/report.png, as the README shows them: the results page, and
    the first hit's report as it opens (the hit paragraph highlighted, its section marked)."""
    width, height = README_SIZE
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(f"{server.url}/?q={quote(README_QUERY)}")
    shooter.shot(page, str(REPO / "docs" / "search.png"))
    page.locator(".hit h3 a").first.click()
    page.wait_for_load_state()
    page.wait_for_timeout(200)  # the contents marker follows the scroll on the next frame
    shooter.shot(page, str(REPO / "docs" / "report.png"))
    page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/demo_data", type=Path)
    parser.add_argument("--out", default="/tmp/shots", type=Path)
    parser.add_argument("--query", default="行政复议")
    parser.add_argument("--readme", action="store_true", help="Also rewrite docs/search.png and docs/report.png.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    from web import create_app

    settings = ensure_demo_data(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    shooter = Shooter(args.out)
    with live_server(create_app(settings)) as server, chromium() as browser:
        take(server, browser, shooter, args.query)
        if args.readme:
            (REPO / "docs").mkdir(exist_ok=True)
            take_readme(server, browser, shooter)
    for path in shooter.paths:
        print(path)
    if shooter.problems:
        print("pages drawn with missing glyphs (install a CJK font: apt-get install fonts-noto-cjk):",
              *shooter.problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
