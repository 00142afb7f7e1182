"""Kill the crawler (SIGKILL, a real process) in the middle of a crawl, rerun it: every page exactly once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the fake portal lives in tests/portal

from portal.server import FakePortal, Reply  # noqa: E402

from search.crawl import mark_ingested, pending_pages  # noqa: E402
from search.settings import load_settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LIST_PAGES, PER_LIST = 4, 10


def report_path(page: int, n: int) -> str:
    return f"/gk/202303/t20230301_{page}{n:02d}.html"


def build_column(portal: FakePortal) -> list[str]:
    """A TRS column of 4 list pages × 10 reports; each report takes a little time to serve."""
    reports = []
    for page in range(LIST_PAGES):
        links = "".join(f'<li><a href="./202303/t20230301_{page}{n:02d}.html">某县第{page}{n:02d}号2022年法治政府建设年度报告</a></li>'
                        for n in range(PER_LIST))
        name = "index.html" if page == 0 else f"index_{page}.html"
        portal.page(f"/gk/{name}", f"<html><body><ul>{links}</ul><script>createPageHTML({LIST_PAGES}, {page}, "
                                   f"\"index\", \"html\");</script></body></html>")
        for n in range(PER_LIST):
            path = report_path(page, n)
            reports.append(path)
            body = f"<html><body><div id='zoom'>第{page}{n:02d}号报告正文。</div></body></html>".encode()

            def route(request, body=body):
                time.sleep(0.01)
                return Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})

            portal.add(path, route)
    return reports


def crawl_process(portal: FakePortal, data_dir: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "GOVSEARCH_CRAWL_DELAY": "0.03", "GOVSEARCH_CRAWL_TIMEOUT": "5"}
    command = [sys.executable, "-m", "search.crawl", "--start", portal.url("/gk/index.html"), "--cms", "trs",
               "--match", r"t20230301_\d+\.html", "--data-dir", str(data_dir), "--fetch-only", "--json"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_sigkill_mid_crawl_then_rerun_fetches_and_hands_over_each_page_once(tmp_path):
    portal = FakePortal()
    reports = build_column(portal)
    portal.start()
    try:
        first = crawl_process(portal, tmp_path)
        deadline = time.monotonic() + 20
        while sum(1 for hit in portal.hits if hit.path in reports) < 12:
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline, "crawler made no progress"
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        served_before = Counter(hit.path for hit in portal.hits if hit.path in reports)
        assert 12 <= sum(served_before.values()) < len(reports)

        second = crawl_process(portal, tmp_path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err.decode()
        summary = json.loads(out)["crawl"]
        assert summary["resumed"] is True
    finally:
        portal.stop()

    served = Counter(hit.path for hit in portal.hits if hit.path in reports)
    assert set(served) == set(reports)
    # At most the one request in flight at the kill is repeated; nothing else is fetched twice.
    assert sum(served.values()) - len(reports) <= 1
    list_hits = Counter(hit.path for hit in portal.hits if hit.path.startswith("/gk/index"))
    assert sum(list_hits.values()) - LIST_PAGES <= 1

    settings = load_settings({"data_dir": str(tmp_path)}, environ={})
    handed = [page.url for page in pending_pages(settings)]
    assert sorted(handed) == sorted(portal.url(path) for path in reports)  # each page exactly once
    assert mark_ingested(settings, handed) == len(reports)
    assert list(pending_pages(settings)) == []


@pytest.mark.slow
def test_sigkill_during_hand_over_then_rerun_stores_each_page_once(tmp_path):
    """Killed while pages go to the store: the rerun offers the rest, and nothing is stored twice."""
    pytest.importorskip("search.pipeline", reason="search.pipeline (ingest_pages) not written yet")
    import sqlite3

    from portal.site import article

    from search.store import Store

    portal = FakePortal()
    paths = []
    for n in range(25):  # two hand-over batches
        path = f"/gk/202303/t20230301_{n:03d}.html"
        paths.append(path)
        portal.page(path, article(f"某县第{n}号2022年法治政府建设年度报告", f"第{n}号单位推行独有措施{n}号"))
    links = "".join(f'<li><a href=".{p[3:]}">某县第{n}号2022年法治政府建设年度报告</a></li>' for n, p in enumerate(paths))
    portal.page("/gk/index.html", f"<html><body><ul>{links}</ul></body></html>")
    portal.start()
    env = {**os.environ, "GOVSEARCH_CRAWL_DELAY": "0.001"}
    command = [sys.executable, "-m", "search.crawl", "--start", portal.url("/gk/index.html"),
               "--match", r"t20230301_\d+\.html", "--data-dir", str(tmp_path)]
    try:
        first = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        database = tmp_path / "crawl.sqlite"
        while True:  # wait for the fetching to end: the hand-over starts right after
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline
            try:
                with sqlite3.connect(database) as db:
                    if db.execute("SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0]:
                        break
            except sqlite3.OperationalError:
                pass  # not created yet
            time.sleep(0.005)
        while first.poll() is None:  # kill once the store holds some pages, before the batch is marked
            assert time.monotonic() < deadline
            try:
                with sqlite3.connect(tmp_path / "store.sqlite") as db:
                    if db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]:
                        break
            except sqlite3.OperationalError:
                pass  # the store is not created yet
            time.sleep(0.002)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        with sqlite3.connect(database) as db:
            handed_at_kill = db.execute("SELECT COUNT(*) FROM urls WHERE handed_sha256 IS NOT NULL").fetchone()[0]
        second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=120)
        assert second.returncode == 0, second.stderr.decode()
    finally:
        portal.stop()
    assert handed_at_kill < len(paths), "the kill came after the hand-over; nothing was tested"
    settings = load_settings({"data_dir": str(tmp_path)}, environ={})
    assert list(pending_pages(settings)) == []
    with Store.open(settings.data_dir) as store:
        sources = [source for report in store.iter_reports() for source in report.sources]
    assert sorted(sources) == sorted(portal.url(path) for path in paths)
    served = Counter(hit.path for hit in portal.hits if hit.path in paths)
    assert all(count <= 2 for count in served.values())  # the rerun's recrawl asks again, conditionally
    assert all(hit.headers.get("If-None-Match") for hit in portal.hits[-len(paths):] if hit.path in paths)
