"""One contract, two engines: the embedded Whoosh index and an OpenSearch cluster give the
same results — the same hits in the same order, totals, facet counts, highlights,
grouping, paging, partial matches and what each lacks — and keep the same promises.

The OpenSearch side runs on the cluster at GOVSEARCH_OPENSEARCH_URL (``scripts/opensearch
start``; .ci/run starts one) and is skipped without it; a cluster that does not answer
fails. Both engines index the fixed 2,000-paragraph corpus of the equivalence test.
"""
from __future__ import annotations

import math
import re
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from search.alerts.db import SavedQuery
from search.compliance import section_names
from search.alerts.matching import matching_paragraphs
from search.engine import Filters, OpenSearchEngine, SearchRequest, WhooshEngine
from search.models import Table
from search.normalize import search_form
from search.pipeline import reindex
from search.schema import analyzer_fingerprint
from search.settings import load_settings
from search.store import Store
from search.tableview import TABLE_SEQ, table_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opensearch_support import opensearch  # noqa: E402,F401
from test_search_equivalence import REQUESTS, load_corpus  # noqa: E402

ENGINES = ["whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]

# Beyond the equivalence test's requests: every query class, the partial tier, filters of
# every kind, grouping and paging deep enough to cross tiers.
MORE_REQUESTS: dict[str, SearchRequest] = {
    "question_count": SearchRequest(query="全年主动公开政府信息多少条"),
    "question_region": SearchRequest(query="福建省法治政府建设做了哪些工作"),
    "compound_near": SearchRequest(query="法治督察"),
    "synonym": SearchRequest(query="年报"),
    "typo": SearchRequest(query="行政覆议"),
    "exclusion_only": SearchRequest(query="-信访"),
    "title_and_word": SearchRequest(query="title:法治 执法"),
    "phrase_partial": SearchRequest(query='"行政执法" 火星基地'),
    "partial_page3": SearchRequest(query="行政执法 火星基地", page=3, per_page=7),
    "partial_grouped": SearchRequest(query="行政执法 火星基地", group_by_report=True),
    "no_partial": SearchRequest(query="行政执法 火星基地", partial=False),
    "partial_under_filters": SearchRequest(query="行政复议 调解", regions=("福建省",), years=("2022",)),
    "fragments_only": SearchRequest(query="执法督察局", kinds=("法治政府建设年度报告",)),
    "published_range": SearchRequest(query="法治", published_from="2023-01-01", published_to="2023-12-31"),
    "published_sort_grouped": SearchRequest(query="执法", sort="publish_date", group_by_report=True, page=2),
    "year_sort_page2": SearchRequest(query="政府", sort="report_year", page=2, per_page=30),
    "two_regions_two_kinds": SearchRequest(query="公开", regions=("福建省", "山西省"),
                                           kinds=("政府信息公开工作年度报告", "法治政府建设年度报告")),
    "browse_filtered": SearchRequest(query="", topics=("enforcement",), year_from=2022),
    "deep_page": SearchRequest(query="法治", page=9, per_page=25),
    "grouped_deep": SearchRequest(query="政府", group_by_report=True, page=4, per_page=10),
    "nothing_passes": SearchRequest(query="行政复议", regions=("西藏自治区",)),
    "on_time": SearchRequest(query="法治", on_time=("yes", "unknown")),
    "missing_section": SearchRequest(query="行政复议", missing_sections=(section_names()[0],), group_by_report=True),
    # Table rows (issue 15): rows alone, rows after the paragraphs that say the words, grouped.
    "table_rows_only": SearchRequest(query="数字档案馆"),
    "table_rows_after_paragraphs": SearchRequest(query="本机关不掌握相关政府信息", per_page=80),
    "table_rows_grouped": SearchRequest(query="数字档案馆 OR 本机关不掌握相关政府信息", group_by_report=True),
    "table_row_phrase": SearchRequest(query='"数字档案馆建设"'),
    # Long queries: the report-only candidates of many clauses (on the cluster: reports found
    # first, as their clause subsets would pass its limit of 1,024 clauses in one query).
    "report_only_subsets": SearchRequest(query="厦门市人民政府2023年政府信息公开工作年度报告依申请公开情况统计"),
    "long_report_only": SearchRequest(query="厦门市人民政府2023年政府信息公开工作年度报告依申请公开行政复议统计"),
    "long_question": SearchRequest(query="县级以上地方人民政府法治政府建设年度报告主要负责人履行职责情况", group_by_report=True),
    # 最高重复率: the reports that repeat their previous report most first.
    "reuse_sort": SearchRequest(query="行政执法", sort="reuse", per_page=50),
    "reuse_sort_grouped_page2": SearchRequest(query="法治", sort="reuse", group_by_report=True, page=2, per_page=10),
    "reuse_sort_browse": SearchRequest(query="", sort="reuse", kinds=("法治政府建设年度报告",), per_page=40),
    "reuse_sort_partial": SearchRequest(query="行政执法 火星基地", sort="reuse"),
}
ALL_REQUESTS = {**REQUESTS, **MORE_REQUESTS}


# ---------------------------------------------------------------- the engines
TABLE_REPORTS = 3  # 信息公开 reports of the corpus given a statistics table (issue 15: rows are searchable)


def statistics_table(position: int) -> Table:
    """A small statistics table: labels merged down two rows, figures under their headings."""
    rows = (("项目", "项目", "申请数", "办结数"),
            ("数字档案馆建设", "电子文件归档", "12", "11"),
            ("数字档案馆建设", "档案数字化", "7", "7"),
            ("（四）无法提供", "1.本机关不掌握相关政府信息", "5", "5"),
            ("行政复议", "结果纠正", "3", "—"))
    return Table(rows=rows, caption="数字档案馆与依申请公开情况", spans=((0, 0, 1, 2), (1, 0, 2, 1)),
                 section_path=("三、收到和处理政府信息公开申请情况",), position=position)


def add_tables(data_dir: Path) -> int:
    """Give the first TABLE_REPORTS 信息公开 reports a table; returns the searchable rows added."""
    rows = 0
    with Store.open(data_dir) as store:
        chosen = [r for r in store.report_ids()
                  if store.get(r).report.report_kind == "政府信息公开工作年度报告"][:TABLE_REPORTS]
        for report_id in chosen:
            stored = store.get(report_id)
            report = stored.report.replace(tables=(statistics_table(len(stored.report.paragraphs)),))
            store.save(report_id, report, report_id, report.source_url, report_id + "-tables",
                       "2025-01-01T00:00:00+00:00", tokens=stored.tokens and [list(t) for t in stored.tokens],
                       tokens_version=analyzer_fingerprint())
            rows += len(table_rows(report.tables))
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, int]:
    """The equivalence corpus (2,000 paragraphs) with a statistics table in a few reports:
    (data folder, paragraphs and table rows to index)."""
    data_dir = tmp_path_factory.mktemp("contract") / "data"
    assert load_corpus(data_dir) == 2000
    rows = add_tables(data_dir)
    assert rows == TABLE_REPORTS * 4
    return data_dir, 2000 + rows


@pytest.fixture(scope="module")
def whoosh_engine(corpus):
    data_dir, units = corpus
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    assert reindex(settings, full=True, run_alerts=False).paragraphs_written == units
    return WhooshEngine(data_dir)


def cluster_settings(data_dir, cluster, alias: str, **extra):
    return load_settings({"data_dir": str(data_dir), "engine": "opensearch", "opensearch_url": cluster.url,
                          "opensearch_index": alias, "opensearch_shards": 2, "opensearch_replicas": 1, **extra},
                         environ={})


def drop_indexes(cluster, alias: str) -> None:
    cluster.request("DELETE", f"/{alias}-*", expect=(200, 404))


@pytest.fixture(scope="module")
def opensearch_engine(corpus, opensearch):
    data_dir, units = corpus
    alias = "govsearch-test-contract-" + uuid.uuid4().hex[:8]
    settings = cluster_settings(data_dir, opensearch, alias)
    try:
        summary = reindex(settings, full=True, run_alerts=False)
        assert summary.full and summary.paragraphs_written == units
        yield OpenSearchEngine(settings)
    finally:
        drop_indexes(opensearch, alias)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def comparable(result) -> dict:
    """A result as JSON, scores aside (compared with a tolerance)."""
    data = result.to_dict()
    for hit in data["hits"]:
        hit.pop("score")
    return data


def assert_same_results(expected, actual, name: str = "", tolerance: float = 1e-9) -> None:
    want, got = comparable(expected), comparable(actual)
    assert [h["paragraph_id"] for h in got["hits"]] == [h["paragraph_id"] for h in want["hits"]], name
    assert got == want, name
    for a, b in zip(expected.hits, actual.hits):
        assert math.isclose(a.score, b.score, rel_tol=tolerance, abs_tol=tolerance), (name, a.paragraph_id, a.score,
                                                                                      b.score)


# ---------------------------------------------------------------- the same results
@pytest.mark.opensearch
@pytest.mark.parametrize("name", list(ALL_REQUESTS))
def test_the_cluster_gives_the_embedded_engines_results(name, whoosh_engine, opensearch_engine):
    request = ALL_REQUESTS[name]
    assert_same_results(whoosh_engine.search(request), opensearch_engine.search(request), name)


# ---------------------------------------------------------------- promises both keep
def test_full_matches_come_first_and_partial_ones_name_what_they_lack(engine):
    result = engine.search(SearchRequest(query="行政执法 火星基地", per_page=50))
    assert result.total == 0 and result.total_partial and result.facet_basis == "partial"
    assert all(hit.tier == "partial" and "火星基地" in hit.missing for hit in result.hits)
    result = engine.search(SearchRequest(query="行政复议 调解", per_page=100))
    tiers = [hit.tier for hit in result.hits]
    assert tiers == sorted(tiers, key=lambda t: t != "full") and "full" in tiers
    for hit in result.hits:
        assert (hit.tier == "full") == (not hit.missing)


def test_each_facet_count_is_what_picking_that_value_finds(engine):
    base = SearchRequest(query="法治", per_page=1)
    result = engine.search(base)
    for facet, field in (("report_year", "years"), ("report_kind", "kinds"), ("topic", "topics"),
                         ("region", "regions")):
        value, count = next(iter(result.facets[facet].items()))
        picked = engine.search(replace(base, **{field: (value,)}))
        assert picked.total == count, (facet, value)
        assert picked.total_reports == result.facet_reports[facet][value]
        # Picking a value leaves that facet's own counts as they were (multi-select).
        assert picked.facets[facet] == result.facets[facet]


def test_every_hit_satisfies_the_filters(engine):
    request = SearchRequest(query="执法", regions=("福建省",), years=("2022", "2023"), per_page=100)
    result = engine.search(request)
    assert result.hits
    for hit in result.hits:
        assert hit.region.province == "福建省" and hit.report_year in (2022, 2023)
    dated = engine.search(SearchRequest(query="执法", published_from="2023-01-01", published_to="2023-06-30",
                                        per_page=100))
    assert all("2023-01-01" <= hit.publish_date <= "2023-06-30" for hit in dated.hits)


def test_pages_within_the_bonus_window_are_slices_of_one_ranking(engine):
    # Within the text-bonus window (the first 50) pages are slices of one ranking. (Past it,
    # each page reranks its own window, so page 3 of 20 may repeat a hit of page 2 — as
    # both engines do: a property of the ranking, reported with issue 16.)
    paged = [hit.paragraph_id for page in (1, 2)
             for hit in engine.search(SearchRequest(query="行政执法 改革", per_page=20, page=page)).hits]
    whole = engine.search(SearchRequest(query="行政执法 改革", per_page=50)).hits
    assert len(set(paged)) == 40 and paged == [hit.paragraph_id for hit in whole[:40]]


def test_grouping_lists_each_report_once_with_its_other_matches_counted(engine):
    grouped = engine.search(SearchRequest(query="法治", group_by_report=True, per_page=30))
    reports = [hit.report_id for hit in grouped.hits]
    assert len(reports) == len(set(reports)) == min(30, grouped.total_reports)
    for hit in grouped.hits[:5]:
        own = engine.search(SearchRequest(query="法治", report_ids=(hit.report_id,)))
        assert hit.more_in_report == own.total + own.total_partial - 1


def test_sorting_by_publish_date_puts_the_newest_first(engine):
    hits = engine.search(SearchRequest(query="复议", sort="publish_date", per_page=100)).hits
    dates = [hit.publish_date or "" for hit in hits if hit.tier == "full"]
    assert dates == sorted(dates, key=lambda d: (d == "", [-ord(c) for c in d]))


def _seq(hit) -> int:
    return int(hit.paragraph_id.rsplit("-", 1)[1])


def test_table_rows_are_hits_that_show_their_row_after_the_paragraphs(engine):
    rows = engine.search(SearchRequest(query="数字档案馆")).hits
    full = [hit for hit in rows if hit.tier == "full"]
    assert len(full) == 2 * TABLE_REPORTS and all(_seq(hit) >= TABLE_SEQ for hit in full)
    for hit in full:  # the row as a reader sees it: labels, then each figure under its heading
        assert "申请数" in hit.text and "|" in hit.text and "<mark>数字档案馆</mark>" in hit.highlight
        assert hit.section_path == ("三、收到和处理政府信息公开申请情况",)
    hits = engine.search(SearchRequest(query="本机关不掌握相关政府信息", per_page=80)).hits
    full = [_seq(hit) >= TABLE_SEQ for hit in hits if hit.tier == "full"]
    assert any(full) and not all(full)
    assert full == sorted(full), "a table row ranks after every paragraph that says the words"


def test_sorting_by_reuse_puts_the_most_repeated_reports_first(engine, corpus):
    with Store.open(corpus[0]) as store:
        reuse = {r: store.get(r).report.reuse for r in store.report_ids()}
    ratio = {r: (x.reused_sentence_ratio if x else None) for r, x in reuse.items()}
    assert sum(value is not None for value in ratio.values()) >= 10  # the corpus has pairs to compare
    hits = engine.search(SearchRequest(query="", sort="reuse", per_page=2000)).hits
    ranks = [(ratio[hit.report_id] is None, -(ratio[hit.report_id] or 0.0)) for hit in hits]
    assert ranks == sorted(ranks)


def test_strict_operators_stay_strict(engine):
    for hit in engine.search(SearchRequest(query="法治 -信访", per_page=100)).hits:
        assert "信访" not in search_form(hit.text)
    for hit in engine.search(SearchRequest(query='"推进依法行政"', per_page=100)).hits:
        heading = search_form("".join(hit.section_path))
        # In the paragraph (punctuation is not indexed), or every word of it in its headings.
        assert "推进依法行政" in re.sub(r"\W", "", search_form(hit.text)) or ("推进" in heading and "依法行政" in heading)


def test_highlights_mark_the_query_words(engine):
    hits = engine.search(SearchRequest(query="行政复议")).hits
    assert hits and all("<mark>行政复议</mark>" in hit.highlight or "<mark>" in hit.highlight for hit in hits)


def test_alerts_match_only_the_given_reports(engine, corpus):
    with Store.open(corpus[0]) as store:
        report_ids = store.report_ids()[:40]
    saved = SavedQuery(id=1, user_id=1, name="x", query="行政执法", filters=Filters(), frequency="immediate",
                       email=False, atom=True, webhook_url=None, active=True, created_at="2020-01-01T00:00:00+00:00",
                       updated_at="2020-01-01T00:00:00+00:00", last_email_at=None)
    found = matching_paragraphs(engine, saved, report_ids)
    assert found and set(found) <= set(report_ids)
    assert all(hit.tier == "full" for hits in found.values() for hit in hits)


# ---------------------------------------------------------------- reindexing
@pytest.fixture
def two_engines(tmp_path, opensearch):
    """A small store indexed by both engines (each test changes it)."""
    data_dir = tmp_path / "data"
    load_corpus(data_dir)
    with Store.open(data_dir) as store:
        keep = set(store.report_ids()[:25])
        for report_id in store.report_ids():
            if report_id not in keep:
                store.delete(report_id)
    alias = "govsearch-test-reindex-" + uuid.uuid4().hex[:8]
    whoosh_settings = load_settings({"data_dir": str(data_dir)}, environ={})
    cluster = cluster_settings(data_dir, opensearch, alias)
    reindex(whoosh_settings, run_alerts=False)
    reindex(cluster, run_alerts=False)
    try:
        yield data_dir, (whoosh_settings, WhooshEngine(data_dir)), (cluster, OpenSearchEngine(cluster))
    finally:
        drop_indexes(opensearch, alias)


def _compare_all(whoosh, cluster, tolerance: float = 1e-9,
                 requests=("行政执法", "法治", "复议 OR 诉讼", "行政执法 火星基地")):
    for query in requests:
        for group in (False, True):
            request = SearchRequest(query=query, group_by_report=group, per_page=50)
            assert_same_results(whoosh.search(request), cluster.search(request), query, tolerance)


@pytest.mark.opensearch
def test_incremental_and_full_reindex_keep_both_engines_equal(two_engines):
    data_dir, (whoosh_settings, whoosh), (cluster_settings_, cluster) = two_engines
    with Store.open(data_dir) as store:
        assert whoosh.indexed() == cluster.indexed() == store.content_hashes()
        ids = store.report_ids()
        removed, changed = ids[0], store.get(ids[1])
        store.delete(removed)
        report = changed.report
        paragraphs = report.paragraphs[:-2] + (replace(report.paragraphs[0], text="新增段落:行政执法改革火星基地建设。"),)
        store.save(changed.report_id, report.replace(paragraphs=paragraphs), "fp-changed", "test://changed", "h2",
                   "2025-06-01T00:00:00+00:00")
    for settings in (whoosh_settings, cluster_settings_):
        summary = reindex(settings, run_alerts=False)
        assert not summary.full and summary.removed == [removed] and summary.updated == [changed.report_id]
    with Store.open(data_dir) as store:  # after the reindex: it measures the changed report's reuse again
        wanted = store.content_hashes()
    assert whoosh.indexed() == cluster.indexed() == wanted
    found = cluster.search(SearchRequest(query="火星基地"))
    assert [hit.report_id for hit in found.hits] == [changed.report_id]
    assert removed not in {hit.report_id for hit in cluster.search(SearchRequest(query="", per_page=1000)).hits}
    _compare_all(whoosh, cluster)  # deleted paragraphs move no statistic in either engine
    before = cluster.live_index()
    for settings in (whoosh_settings, cluster_settings_):
        assert reindex(settings, full=True, run_alerts=False).full
    assert cluster.live_index() != before and whoosh.indexed() == cluster.indexed() == wanted
    _compare_all(whoosh, cluster)


@pytest.mark.opensearch
def test_a_long_querys_report_only_candidates_are_found_by_report(whoosh_engine, opensearch_engine, monkeypatch):
    """Past a few clauses the cluster finds the reports whose metadata holds enough of the
    query first (their clause subsets would pass its clause limit), with the Whoosh rule."""
    from search.engine.opensearch import searching

    found = []
    original = searching.Search._qualifying_reports

    def spy(self, usable, total):
        reports = original(self, usable, total)
        found.append(reports)
        return reports

    monkeypatch.setattr(searching.Search, "_qualifying_reports", spy)
    request = MORE_REQUESTS["long_report_only"]
    result = opensearch_engine.search(request)
    assert found and found[0], "the long query's reports were found by aggregation"
    assert_same_results(whoosh_engine.search(request), result)
    assert {hit.report_id for hit in result.hits if hit.tier == "full"} & set(found[0])
