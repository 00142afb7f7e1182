"""A data folder written before issue 18 opens, migrates, and is recleaned (tests/data/old_data_v0).

The fixture was made by the previous version (commit b459359, see make_fixture.py there):
it skipped pages it classified 非报告 — an imported 政策解读 and a crawled news page — and kept
no bytes of imported files. Opened by this version, the store is migrated in place; a
reclean brings the crawled page in from its kept bytes, importing the skipped file again
brings that one in, and both become searchable.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.engine import SearchRequest, WhooshEngine
from search.errors import GovsearchError
from search.pipeline import reindex
from search.store import SCHEMA_VERSION, Store

FIXTURE = Path(__file__).resolve().parent / "data" / "old_data_v0"
PAGES = Path(__file__).resolve().parent / "data" / "cleaner" / "pages"
NEWS_URL = "https://www.fixture.gov.cn/art/2024/3/1/art_1_1.html"


@pytest.fixture
def old_data(tmp_path) -> Path:
    """The old data folder, rebuilt from its SQL text and raw bytes."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("store", "crawl"):
        with sqlite3.connect(data / f"{name}.sqlite") as connection:
            connection.executescript((FIXTURE / f"{name}.sql").read_text(encoding="utf-8"))
    shutil.copytree(FIXTURE / "raw", data / "raw")
    return data


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def kinds(data: Path) -> dict[str, str]:
    with Store.open(data) as store:
        return {source: stored.report.report_kind for stored in store.iter_reports() for source in stored.sources}


def test_old_store_is_migrated_in_place(old_data):
    with sqlite3.connect(old_data / "store.sqlite") as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 0
    with Store.open(old_data) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.count() == 3  # two imported reports, one crawled
        assert {row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
            "reports", "sources", "raw_pages", "refused"}
        report = next(store.iter_reports()).report
        assert report.kind_detail is None and report.paragraphs  # old JSON reads as a Report
    with Store.open(old_data) as store:  # opening again migrates nothing more
        assert store.schema_version == SCHEMA_VERSION


def test_store_from_a_newer_version_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "store.sqlite") as connection:
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(GovsearchError, match="newer govsearch"):
        Store.open(tmp_path)


def test_reclean_brings_back_what_the_old_cleaner_dropped(old_data, tmp_path):
    run("reindex", "--data-dir", str(old_data), "--no-alerts")
    assert set(kinds(old_data).values()) == {"法治政府建设年度报告"} and len(kinds(old_data)) == 3

    dry = json.loads(run("reclean", "--data-dir", str(old_data), "--dry-run", "--json"))
    assert dry["dry_run"] and dry["counts"]["added"] == 1 and dry["counts"]["no_raw_bytes"] == 2
    added = next(change for change in dry["changes"] if change["outcome"] == "added")
    assert added["source"] == NEWS_URL and added["fields"]["report_kind"] == [None, "非报告"]
    assert NEWS_URL not in kinds(old_data)  # a dry run writes nothing

    output = run("reclean", "--data-dir", str(old_data))
    assert "added" in output and NEWS_URL in output and "import the file again" in output
    assert kinds(old_data)[NEWS_URL] == "非报告"

    # the imported page the old version skipped: import it again
    pages = tmp_path / "again"
    pages.mkdir()
    shutil.copy(PAGES / "trs_interpretation.html", pages / "trs_interpretation.html")
    run("import", str(pages), "--data-dir", str(old_data))
    reindex_kinds = kinds(old_data)
    assert sorted(reindex_kinds.values()).count("非报告") == 2
    run("reindex", "--data-dir", str(old_data), "--no-alerts")
    engine = WhooshEngine(old_data)
    for source, kind in reindex_kinds.items():
        with Store.open(old_data) as store:
            report = store.get(store.source(source).report_id if store.source(source) else
                               next(s.report_id for s in store.iter_reports() if source in s.sources)).report
        words = max(report.paragraphs[0].text.replace("，", ",").split(","), key=len)[:10]
        hits = engine.search(SearchRequest(query=words, kinds=(kind,))).hits
        assert hits, (source, words)

    # the bytes are kept now: a second reclean sees every page and changes nothing
    again = json.loads(run("reclean", "--data-dir", str(old_data), "--json", "--no-reindex"))
    assert set(again["counts"]) <= {"unchanged", "no_raw_bytes"} and again["counts"].get("no_raw_bytes") == 2


def test_reclean_reports_changes_and_saves_them(settings, tmp_path):
    page = tmp_path / "pages" / "a.html"
    page.parent.mkdir()
    shutil.copy(PAGES / "hanweb_law.html", page)
    run("import", str(page.parent), "--data-dir", str(settings.data_dir))
    with Store.open(settings.data_dir) as store:
        [stored] = list(store.iter_reports())
        # as an older cleaner would have left it: another title, a paragraph fewer, half-width text
        older = stored.report.replace(title="旧标题", report_kind="非报告", paragraphs=stored.report.paragraphs[:-1])
        store.save(stored.report_id, older, "old-print", stored.sources[0], store.source(stored.sources[0]).page_hash,
                   "2020-01-01T00:00:00+00:00")
    result = json.loads(run("reclean", "--data-dir", str(settings.data_dir), "--json", "--no-reindex"))
    [change] = result["changes"]
    assert change["outcome"] == "changed" and change["paragraphs_added"] == 1 and change["paragraphs_removed"] == 0
    assert change["fields"]["title"][0] == "旧标题" and change["fields"]["report_kind"][0] == "非报告"
    with Store.open(settings.data_dir) as store:
        [stored] = list(store.iter_reports())
        assert stored.report.title != "旧标题" and stored.report.report_kind == "法治政府建设年度报告"
    since_later = json.loads(run("reclean", "--data-dir", str(settings.data_dir), "--json", "--since", "2999-01-01"))
    assert since_later["counts"] == {}
