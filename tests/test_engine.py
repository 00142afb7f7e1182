"""Search over the seed reports: recall, phrases, highlighting, facets equal to a brute-force count."""
from collections import Counter

import pytest

from search.engine import SearchRequest
from search.store import Store


def _paragraphs(settings):
    with Store.open(settings.data_dir) as store:
        return [(s.report_id, s.report, p) for s in store.iter_reports() for p in s.report.paragraphs]


def test_xingzheng_fuyi_finds_the_reports_that_say_it(engine, indexed_data):
    result = engine.search(SearchRequest(query="行政复议", per_page=100))
    expected = {(rid, p.text) for rid, _, p in _paragraphs(indexed_data) if "行政复议" in p.text}
    found = {(hit.report_id, hit.text) for hit in result.hits}
    assert expected and expected <= found
    assert result.total >= len(expected)
    assert all("<mark>行政复议</mark>" in hit.highlight for hit in result.hits if "行政复议" in hit.text)


def test_phrase_query_finds_hits(engine):
    result = engine.search(SearchRequest(query='"行政执法"'))
    assert result.total > 0
    assert "<mark>行政执法</mark>" in result.hits[0].highlight


def test_user_dictionary_term_found_exactly(engine, indexed_data):
    result = engine.search(SearchRequest(query="综合查一次", per_page=50))
    expected = sum(1 for _, _, p in _paragraphs(indexed_data) if "综合查一次" in p.text)
    assert result.total == expected > 0


def test_substring_across_token_boundaries(engine, indexed_data):
    # 执法队 is not a jieba word of the text; the bigram field still finds every occurrence.
    needle = "法队伍"
    expected = sum(1 for _, _, p in _paragraphs(indexed_data) if needle in p.text)
    assert expected > 0
    assert engine.search(SearchRequest(query=needle)).total == expected


def test_traditional_and_full_width_queries(engine):
    simplified = engine.search(SearchRequest(query="行政复议")).total
    assert engine.search(SearchRequest(query="行政復議")).total == simplified
    assert engine.search(SearchRequest(query="２０２２年 法治")).total > 0


def test_exclusion_and_or(engine):
    both = engine.search(SearchRequest(query="行政复议 OR 行政诉讼")).total
    one = engine.search(SearchRequest(query="行政复议")).total
    without = engine.search(SearchRequest(query="行政复议 -行政诉讼")).total
    assert both >= one > without >= 0


def test_facet_counts_equal_brute_force(engine, indexed_data):
    result = engine.search(SearchRequest(query="法治"))
    years = Counter()
    for _, report, paragraph in _paragraphs(indexed_data):
        text = paragraph.text + " ".join(paragraph.section_path)
        if "法治" in text:
            years[str(report.report_year) if report.report_year else "未知"] += 1
    assert result.facets["report_year"] == dict(years)
    assert result.total == sum(years.values())


def test_year_filter_narrows_and_facet_keeps_other_values(engine):
    unfiltered = engine.search(SearchRequest(query="行政复议"))
    year = next(iter(unfiltered.facets["report_year"]))
    filtered = engine.search(SearchRequest(query="行政复议", years=(year,)))
    assert filtered.total == unfiltered.facets["report_year"][year] < unfiltered.total
    assert all(str(hit.report_year) == year for hit in filtered.hits)
    # The year facet is counted without its own filter: other years stay pickable.
    assert filtered.facets["report_year"] == unfiltered.facets["report_year"]


def test_grouped_results_one_hit_per_report(engine):
    grouped = engine.search(SearchRequest(query="执法", group_by_report=True, per_page=50))
    report_ids = [hit.report_id for hit in grouped.hits]
    assert len(report_ids) == len(set(report_ids)) == grouped.total_reports
    assert sum(hit.more_in_report + 1 for hit in grouped.hits) == grouped.total


def test_pagination_is_exact(engine):
    first = engine.search(SearchRequest(query="法治", per_page=5, page=1))
    second = engine.search(SearchRequest(query="法治", per_page=5, page=2))
    assert first.total == second.total > 10
    assert not {h.paragraph_id for h in first.hits} & {h.paragraph_id for h in second.hits}


def test_sort_by_report_year(engine):
    result = engine.search(SearchRequest(query="法治", sort="report_year", per_page=100))
    years = [hit.report_year or 0 for hit in result.hits]
    assert years == sorted(years, reverse=True)


def test_broken_query_still_searches(engine):
    result = engine.search(SearchRequest(query='行政复议 AND ('))
    assert result.notice and result.total > 0


@pytest.mark.parametrize("query", ["法治", "执法 OR 复议", "法治 -信访", "法治政府建设", "行政复议 调解", '"行政执法"'])
def test_top_n_equals_the_head_of_the_full_ranking(engine, query):
    """Guards against Whoosh's matcher replacement, which returned a wrong top-N for nested ORs."""
    full = [hit.paragraph_id for hit in engine.search(SearchRequest(query=query, per_page=500)).hits]
    for size in (1, 3, 5, 10):
        head = [hit.paragraph_id for hit in engine.search(SearchRequest(query=query, per_page=size)).hits]
        assert head == full[:size], size
