"""Crawl → store → reindex → search finds text that exists only inside a .docx / .pdf attachment."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the fake portal lives in tests/portal

from portal.server import FakePortal  # noqa: E402
from portal.site import DOCX_PHRASE, GBK_PHRASE, HANWEB_COLUMN, PDF_PHRASE, build_portal  # noqa: E402

pipeline = pytest.importorskip("search.pipeline", reason="search.pipeline (ingest_pages, reindex) not written yet")
cli_module = pytest.importorskip("search.cli", reason="search.cli not written yet")

FAST = {"GOVSEARCH_CRAWL_DELAY": "0.001", "GOVSEARCH_CRAWL_TIMEOUT": "0.25",
        "GOVSEARCH_CRAWL_MAX_BYTES": str(2 * 1024 * 1024)}


@pytest.fixture()
def portal():
    running = build_portal(FakePortal()).start()
    yield running
    running.stop()


def search_json(runner: CliRunner, data_dir: Path, query: str) -> dict:
    result = runner.invoke(cli_module.cli, ["search", query, "--data-dir", str(data_dir), "--json"], env=FAST)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_crawl_ingest_reindex_search_finds_attachment_text(portal, tmp_path):
    runner = CliRunner()
    args = ["crawl", "--start", portal.url(HANWEB_COLUMN), "--cms", "hanweb", "--match", "法治政府建设.*报告",
            "--data-dir", str(tmp_path), "--reindex", "--json"]
    result = runner.invoke(cli_module.cli, args, env=FAST)
    # Exit 1: the portal's slow, redirecting and broken pages are reported as failures.
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["crawl"]["attachments"] == 4 and summary["crawl"]["failed"] == 1
    assert summary["ingest"]["handed_over"] == summary["crawl"]["new"]
    assert summary["ingest"]["added"] >= 2
    assert summary["reindex"]["paragraphs_written"] > 0
    for phrase in (DOCX_PHRASE, PDF_PHRASE):
        hits = search_json(runner, tmp_path, phrase)["hits"]
        assert hits, f"{phrase} not found"
        assert any(phrase in hit["text"] for hit in hits)

    # A second crawl hands nothing over again: every page answers 304 or the same bytes.
    again = runner.invoke(cli_module.cli, args, env=FAST)
    again_summary = json.loads(again.stdout)
    assert again_summary["crawl"]["new"] == 0 and again_summary["crawl"]["changed"] == 0
    assert again_summary["ingest"]["handed_over"] == 0


def test_gbk_page_text_is_searchable(portal, tmp_path):
    runner = CliRunner()
    args = ["crawl", "--start", portal.url("/xxgk/fzzfjs/index.html"), "--cms", "trs",
            "--match", r"t20230301_\d+\.html", "--data-dir", str(tmp_path), "--reindex"]
    result = runner.invoke(cli_module.cli, args, env=FAST)
    assert "handed over 6" in result.stdout, result.output
    hits = search_json(runner, tmp_path, "喆堃镕")["hits"]
    assert hits and GBK_PHRASE[:3] in hits[0]["text"]


def test_fetch_only_then_ingest_only(portal, tmp_path):
    runner = CliRunner()
    fetched = runner.invoke(cli_module.cli, ["crawl", "--start", portal.url("/xxgk/fzzfjs/index.html"), "--cms", "trs",
                                             "--match", r"t20230301_\d+\.html", "--data-dir", str(tmp_path),
                                             "--fetch-only", "--json"], env=FAST)
    assert fetched.exit_code == 0, fetched.output
    assert json.loads(fetched.stdout)["ingest"] is None
    ingested = runner.invoke(cli_module.cli, ["crawl", "--ingest-only", "--data-dir", str(tmp_path), "--json"], env=FAST)
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["ingest"]["handed_over"] == 6
    again = runner.invoke(cli_module.cli, ["crawl", "--ingest-only", "--data-dir", str(tmp_path), "--json"], env=FAST)
    assert json.loads(again.stdout)["ingest"]["handed_over"] == 0
