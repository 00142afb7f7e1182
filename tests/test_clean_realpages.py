"""The cleaner on the development set of real pages (../shared/realpages, beside the checkout).

The pages are read from ../shared, never copied into the repository. The bar is the
project's: overall field accuracy ≥ 0.95 and every field ≥ 0.90; and importing every page
drops nothing that has text.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = ROOT.parent / "shared" / "realpages"

pytestmark = pytest.mark.skipif(not (REALPAGES / "labels.jsonl").exists(), reason="../shared/realpages is not beside the checkout")


def _accuracy():
    spec = importlib.util.spec_from_file_location("govsearch_accuracy", ROOT / "scripts" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_field_meets_the_bar_on_real_pages():
    result = _accuracy().evaluate_realpages(REALPAGES)
    assert result["overall"] >= 0.95, result["mismatches"]
    for field, counts in result["fields"].items():
        assert counts["right"] / counts["labelled"] >= 0.90, (field, result["mismatches"])


def test_importing_every_real_page_drops_nothing_with_text(settings):
    from search.engine import SearchRequest, WhooshEngine
    from search.pipeline import import_paths, reindex
    from search.store import Store

    pages = sorted((REALPAGES / "pages").glob("*.txt"))
    summary = import_paths(settings, [REALPAGES / "pages"])
    assert not summary.skipped
    # only pages with no report text at all (a column page of links) are refused
    assert all("no report text" in error for _, error in summary.failed), summary.failed
    assert len(summary.added) + len(summary.merged) + len(summary.failed) == len(pages)
    reindex(settings, run_alerts=False)
    labels = {json.loads(line)["file"]: json.loads(line) for line in (REALPAGES / "labels.jsonl").read_text().splitlines() if line}
    engine = WhooshEngine(settings.data_dir)
    with Store.open(settings.data_dir) as store:
        by_source = {Path(source).name: stored.report_id for stored in store.iter_reports() for source in stored.sources}
    stored_kinds = set()
    for page in pages:
        if page.name not in by_source:
            continue
        with Store.open(settings.data_dir) as store:
            report = store.get(by_source[page.name]).report
        stored_kinds.add(report.report_kind)
        opening = next(p.text for p in report.paragraphs if len(p.text) >= 20)
        phrase = max(re.split(r"[\W\d]+", opening[:80]), key=len)  # a whole clause of the page's first paragraph
        result = engine.search(SearchRequest(query=phrase, per_page=100))
        assert by_source[page.name] in {hit.report_id for hit in result.hits}, (page.name, phrase)
        if labels[page.name]["report_kind"].startswith("other"):
            assert report.report_kind in ("其他报告", "非报告")
    assert "非报告" in stored_kinds  # pages about a report are stored and searchable too
