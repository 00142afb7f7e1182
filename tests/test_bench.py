"""Smoke test of the benchmark harness (scripts/bench): a tiny corpus, both engines, every figure present."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import bench_corpus  # noqa: E402
import bench_fts5  # noqa: E402
import bench_queries  # noqa: E402
import bench_run  # noqa: E402
import bench_worker  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opensearch_support import opensearch  # noqa: E402,F401


def in_process(task: str, data_dir: Path, *extra: str) -> dict:
    """The worker tasks without a subprocess (jieba loads once for the whole test)."""
    return json.loads(json.dumps(bench_worker.TASKS[task](str(data_dir), *extra)))


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("bench") / "300"
    args = argparse.Namespace(size="300", data_dir=str(data_dir), queries=6, seed=7, skip_build=False,
                              engines="whoosh,fts5", json=True)
    return bench_run.measure(args, runner=in_process)


def test_every_figure_is_measured_for_both_engines(bench_result):
    assert bench_result["corpus"]["paragraphs"] == 300
    missing = [row["figure"] for row in bench_result["summary"]
               if row["whoosh"] is None or row["fts5"] is None or row["ratio"] is None]
    assert not missing, f"figures without a value: {missing}"
    for engine in ("whoosh", "fts5"):
        assert bench_result[engine]["build"]["paragraphs"] == 300
        for kind in bench_queries.CLASSES:
            figures = bench_result[engine]["serve"]["classes"][kind]
            assert figures["count"] == 6 and figures["p95_ms"] >= figures["median_ms"] > 0
    saved = json.loads((Path(bench_result["data_dir"]) / bench_run.RESULT_FILE).read_text(encoding="utf-8"))
    assert saved["summary"] == bench_result["summary"]
    table = bench_run.render_table(bench_result)
    assert "whoosh/fts5" in table and "common: p95 ms" in table


def test_both_engines_read_the_tokens_alike(bench_result):
    # FTS5 keeps every jieba token whole, and finds the same paragraphs for a body word or phrase.
    assert bench_result["fts5"]["build"]["token_check"]["mismatched"] == 0
    agreement = bench_result["agreement"]
    assert agreement["checked"] >= 6 and agreement["same"] == agreement["checked"], agreement


def test_incremental_update_leaves_the_corpus_as_it_was(bench_result):
    from search.engine import SearchRequest, WhooshEngine

    data_dir = Path(bench_result["data_dir"])
    assert bench_result["whoosh"]["incremental"]["add_seconds"] > 0
    assert WhooshEngine(data_dir).search(SearchRequest(query="")).total == 300
    searcher = bench_fts5.Fts5Searcher(data_dir / "fts5.sqlite")
    assert searcher.db.execute("SELECT COUNT(*) FROM para").fetchone()[0] == 300
    searcher.close()


def test_fts5_search_returns_hits_snippets_and_facets(bench_result):
    searcher = bench_fts5.Fts5Searcher(Path(bench_result["data_dir"]) / "fts5.sqlite")
    try:
        result = searcher.search("法治")
    finally:
        searcher.close()
    assert result["total"] > 10 and len(result["hits"]) == 10
    # snippet() shows the body; a hit found through its section heading has nothing marked there.
    assert all("<mark>法治</mark>" in hit["highlight"] for hit in result["hits"]
               if "法治" in bench_fts5.tokens(hit["text"]))
    assert any("<mark>" in hit["highlight"] for hit in result["hits"])
    assert sum(result["facets"]["report_kind"].values()) == result["total"]
    assert set(result["facets"]) == {"region", "report_year", "topic", "report_kind"}


def test_query_classes_mean_what_they_say(bench_result):
    queries = json.loads((Path(bench_result["data_dir"]) / bench_run.QUERIES_FILE).read_text(encoding="utf-8"))
    assert queries["common"][0]["text"] == "法治"
    assert all(q["phrase"] and q["text"].startswith('"') for q in queries["phrase"])
    assert all(len(bench_fts5.tokens(q["text"])) == 2 for q in queries["phrase"] + queries["and"])
    assert all(len(bench_fts5.tokens(q["text"])) == 1 for q in queries["rare"] + queries["common"])


def test_corpus_is_deterministic():
    sources = bench_corpus.source_reports(bench_corpus.sample_pages())
    first, again = bench_corpus.CorpusGenerator(7, sources), bench_corpus.CorpusGenerator(7, sources)
    other = bench_corpus.CorpusGenerator(8, sources)
    assert first.report(12) == again.report(12)
    assert first.report(12) != other.report(12)
    report = first.report(3, paragraphs=30)
    assert len(report.paragraphs) == 30 and 2019 <= report.report_year <= 2024 and report.synthetic
    assert sum(count for _, count in bench_corpus.report_sizes(1000)) == 1000


@pytest.mark.parametrize("text, expected", [("10k", 10_000), ("100K", 100_000), ("1m", 1_000_000), ("300", 300)])
def test_sizes(text, expected):
    assert bench_corpus.parse_size(text) == expected


def test_latency_summary_uses_nearest_rank():
    summary = bench_queries.latency_summary([i / 1000 for i in range(1, 101)])
    assert summary["median_ms"] == 50.5 and summary["p95_ms"] == 95.0


def test_command_shows_a_saved_result(bench_result):
    done = subprocess.run([str(SCRIPTS / "bench"), "--size", "300", "--data-dir", bench_result["data_dir"], "--show",
                           "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"] == bench_result["summary"]


def test_command_rejects_a_bad_size():
    done = subprocess.run([str(SCRIPTS / "bench"), "--size", "lots"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a corpus size" in done.stderr


def test_one_run_per_data_folder(tmp_path):
    with bench_run.run_lock(tmp_path / "10k"):
        with pytest.raises(BlockingIOError):
            with bench_run.run_lock(tmp_path / "10k"):
                pass
    with bench_run.run_lock(tmp_path / "10k"):  # released after the run
        pass


@pytest.mark.opensearch
def test_the_cluster_is_measured_beside_them(bench_result, opensearch):  # noqa: F811
    data_dir = Path(bench_result["data_dir"])
    result = dict(bench_result, opensearch={})
    try:
        result["opensearch"]["build"] = in_process("opensearch-build", data_dir)
        result["opensearch"]["serve"] = in_process("opensearch-serve", data_dir,
                                                   str(data_dir / bench_run.QUERIES_FILE))
        result["opensearch"]["incremental"] = in_process("opensearch-incremental", data_dir)
    finally:
        opensearch.request("DELETE", "/govsearch-bench-300-*", expect=(200, 404))
    assert result["opensearch"]["build"]["paragraphs"] == 300
    rows = {row["figure"]: row for row in bench_run.summary_rows(result)}
    for kind in bench_queries.CLASSES:
        assert rows[f"{kind}: p95 ms"]["opensearch"] > 0
        # Both engines count the same matches for the same queries.
        assert rows[f"{kind}: mean matches"]["opensearch"] == rows[f"{kind}: mean matches"]["whoosh"]
    assert rows["cluster JVM heap in use MB"]["opensearch"] > 0
    assert "opensearch" in bench_run.render_table(dict(result, summary=list(rows.values())))
