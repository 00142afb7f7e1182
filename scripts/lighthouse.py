"""Lighthouse scores of the home, results and report pages, on mobile and desktop.

Usage: .venv/bin/python scripts/lighthouse.py [--data-dir /tmp/demo_data] [--out /tmp/lighthouse] [--query 行政复议]

Runs npm's `lighthouse` (installed on first use with npm into .cache/lighthouse, version
LIGHTHOUSE below) against the app served by waitress on 127.0.0.1 over the demo data
(built from samples/ when the folder has no index), driving Debian's /usr/bin/chromium
(never a downloaded browser). Mobile uses Lighthouse's default simulated throttling (slow
4G, 4x CPU slowdown); desktop uses its desktop preset. Prints one line per page and form
factor (performance / accessibility / best practices / SEO, and the layout shift) and keeps
each full report as HTML and JSON in --out. Exits 1 when the results page scores under 95
for performance on mobile or shifts its layout by 0.1 or more.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

from browser_support import CHROMIUM, chromium, chromium_missing, live_server  # noqa: E402
from screenshots import ensure_demo_data  # noqa: E402

LIGHTHOUSE = "12.8.2"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TOOL_DIR = REPO / ".cache" / "lighthouse"


def lighthouse_bin() -> Path:
    """The lighthouse command, installed with npm into .cache/lighthouse when missing."""
    binary = TOOL_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if not shutil.which("npm"):
            raise SystemExit("npm not found: apt-get install npm (Lighthouse is an npm package)")
        TOOL_DIR.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse {LIGHTHOUSE} into {TOOL_DIR}", file=sys.stderr)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOL_DIR), f"lighthouse@{LIGHTHOUSE}"],
                       check=True, stdout=subprocess.DEVNULL)
    return binary


def audit(binary: Path, url: str, form_factor: str, out: Path) -> dict:
    """One Lighthouse run; its category scores (0-100) and cumulative layout shift."""
    command = [str(binary), url, f"--chrome-path={CHROMIUM}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", "--output=json", "--output=html",
               f"--output-path={out}"]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env=dict(os.environ, CHROME_PATH=CHROMIUM))
    report = json.loads(out.with_suffix(".report.json").read_text(encoding="utf-8"))
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    scores["cls"] = report["audits"]["cumulative-layout-shift"]["numericValue"]
    failed = [audit["id"] for audit in report["audits"].values()
              if audit.get("score") is not None and audit["score"] < 0.9 and audit.get("scoreDisplayMode") == "binary"]
    scores["failed_audits"] = failed
    return scores


def report_path(server_url: str, query: str) -> str:
    """The report page the first hit of the query links to."""
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server_url}/?q={quote(query)}")
        return page.locator("a.hit-link").first.get_attribute("href")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/demo_data", type=Path)
    parser.add_argument("--out", default="/tmp/lighthouse", type=Path)
    parser.add_argument("--query", default="行政复议")
    args = parser.parse_args()
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    from web import create_app

    binary = lighthouse_bin()
    settings = ensure_demo_data(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    with live_server(create_app(settings)) as server:
        pages = {"home": "/", "results": f"/?q={quote(args.query)}", "report": report_path(server.url, args.query)}
        for name, path in pages.items():
            for form_factor in ("mobile", "desktop"):
                scores = audit(binary, server.url + path, form_factor, args.out / f"{name}-{form_factor}")
                results[f"{name}/{form_factor}"] = scores
                print(f"{name:8} {form_factor:8} " + " / ".join(str(scores[c]) for c in CATEGORIES)
                      + f"   CLS {scores['cls']:.3f}" + (f"   failed: {', '.join(scores['failed_audits'])}"
                                                        if scores["failed_audits"] else ""))
    (args.out / "scores.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    mobile = results["results/mobile"]
    if mobile["performance"] < 95 or mobile["cls"] >= 0.1:
        print(f"results page on mobile: performance {mobile['performance']} (want >= 95), "
              f"layout shift {mobile['cls']:.3f} (want < 0.1)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
