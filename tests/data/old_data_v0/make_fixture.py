"""Makes tests/data/old_data_v0/: a data folder as govsearch wrote it before issue 18 (commit b459359).

That version skipped every page it classified 非报告 and kept no bytes of imported files.
Run it with that version's code first on the path (the test never runs this):

    git archive b459359 | tar -x -C /tmp/govsearch-old
    PYTHONPATH=/tmp/govsearch-old python tests/data/old_data_v0/make_fixture.py

It imports three SYNTHETIC pages of tests/data/cleaner/pages/ (the 政策解读 page among them
was skipped), records a crawl of two more (the news page among them was skipped too, its
bytes kept in raw/), and writes store.sql and crawl.sql (the two databases as SQL text,
so that the fixture is readable and diffable) and raw/ beside this script.
"""
from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE.parent / "cleaner" / "pages"
IMPORTED = ("hanweb_law.html", "xxgk_department.html", "trs_interpretation.html")
CRAWLED = {"https://www.fixture.gov.cn/art/2024/3/1/art_1_1.html": "news_meeting.html",
           "https://www.fixture.gov.cn/art/2024/3/2/art_1_2.html": "govcn_repost.html"}


def main() -> None:
    import search

    assert "govsearch-old" in search.__file__ or "--any" in sys.argv, f"run with the old code first: {search.__file__}"
    from search.crawl.command import _hand_over
    from search.crawl.state import CrawlState, now_iso
    from search.pipeline import import_paths
    from search.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="govsearch-fixture-"))
    pages = Path("/tmp/govsearch-fixture/pages")
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    for name in IMPORTED:
        shutil.copy(PAGES / name, pages / name)
    settings = load_settings({"data_dir": str(work / "data")}, environ={})
    summary = import_paths(settings, [pages])
    print("import:", summary.to_dict())
    state = CrawlState(settings.data_dir)
    run_id, _ = state.open_run("fixture")
    for url, name in CRAWLED.items():
        content = (PAGES / name).read_bytes()
        sha = state.raw.put(content)
        entry = {"url": url, "kind": "report", "profile": "fixture", "referer": "https://www.fixture.gov.cn/col/1.html",
                 "link_text": name}
        with state.transaction():
            state.record_fetch(entry, status=200, sha256=sha, headers={"Content-Type": "text/html; charset=utf-8"},
                               content_type="text/html; charset=utf-8", fetched_at=now_iso())
    state.finish_run(run_id)
    state.close()
    print("crawl hand-over:", _hand_over(settings))
    for database in ("store", "crawl"):
        with sqlite3.connect(work / "data" / f"{database}.sqlite") as connection:
            (HERE / f"{database}.sql").write_text("\n".join(connection.iterdump()) + "\n", encoding="utf-8")
    shutil.rmtree(HERE / "raw", ignore_errors=True)
    shutil.copytree(work / "data" / "raw", HERE / "raw")
    print("written to", HERE)


if __name__ == "__main__":
    main()
