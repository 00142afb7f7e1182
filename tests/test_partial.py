"""Ranked partial matches (issue 12): full matches first, partial ones after, each naming
exactly what it lacks; strict operators stay strict; never an empty page while a word occurs."""
from __future__ import annotations

import shutil

import pytest

from search.engine import SearchRequest, WhooshEngine
from search.normalize import search_form
from search.pipeline import import_paths, reindex
from search.store import Store

from .conftest import SEEDS

NOWHERE = "火星基地"  # a word no report contains


def _fold(text: str) -> str:
    return search_form(text).replace(" ", "")


def _report_words(engine_settings) -> dict[str, str]:
    """report_id → title, issuer and region names (what a word may be "in the report" as)."""
    with Store.open(engine_settings.data_dir) as store:
        return {s.report_id: _fold(" ".join([s.report.title or "", s.report.issuer or "", *s.report.region.names(),
                                             f"{s.report.report_year}年"]))
                for s in store.iter_reports()}


def test_a_full_match_always_ranks_above_a_partial_one(engine):
    result = engine.search(SearchRequest(query=f"行政复议 调撤率 {NOWHERE}", per_page=100))
    tiers = [hit.tier for hit in result.hits]
    assert "partial" in tiers
    assert tiers == sorted(tiers, key=lambda t: t != "full")
    result = engine.search(SearchRequest(query="行政复议 调撤率", per_page=200))
    tiers = [hit.tier for hit in result.hits]
    assert tiers[: result.total] == ["full"] * result.total and "partial" in tiers
    assert all(not hit.missing for hit in result.hits[: result.total])


def test_missing_names_exactly_the_words_a_hit_lacks(engine, indexed_data):
    about = _report_words(indexed_data)
    result = engine.search(SearchRequest(query=f"综合查一次 营商环境 {NOWHERE}", per_page=100))
    assert result.total == 0 and result.hits
    assert result.query_words == ("综合查一次", "营商环境", NOWHERE)
    for hit in result.hits:
        where = _fold(hit.text) + "|" + _fold(" ".join(hit.section_path)) + "|" + about[hit.report_id]
        assert NOWHERE in hit.missing
        for word in ("综合查一次", "营商环境"):
            if word in hit.missing:
                assert word not in _fold(hit.text), hit.paragraph_id
            else:  # present whole, or by its parts close together (营商…环境)
                assert word in where or all(part in _fold(hit.text) for part in ("营商", "环境")), hit.paragraph_id


def test_never_an_empty_page_when_a_word_occurs(engine):
    result = engine.search(SearchRequest(query=f"综合查一次 {NOWHERE}"))
    assert result.total == 0
    assert result.total_partial > 0 and result.hits
    # Those lacking only the unknown word come first (they have more of the query).
    missing = [len(hit.missing) for hit in result.hits]
    assert missing == sorted(missing) and result.hits[0].missing == (NOWHERE,)
    assert all("综合查一次" in _fold(hit.text) for hit in result.hits if hit.missing == (NOWHERE,))


def test_a_quoted_phrase_stays_strict(engine):
    result = engine.search(SearchRequest(query=f'"综合查一次" {NOWHERE}', per_page=100))
    assert result.hits
    assert all("综合查一次" in _fold(hit.text) for hit in result.hits)
    assert all(hit.missing == (NOWHERE,) for hit in result.hits)


def test_plus_word_is_required(engine):
    result = engine.search(SearchRequest(query=f"+综合查一次 {NOWHERE}", per_page=100))
    assert result.hits and all("综合查一次" in _fold(hit.text) for hit in result.hits)
    assert engine.search(SearchRequest(query=f"+{NOWHERE} 综合查一次")).hits == ()


def test_minus_word_excludes_partial_matches_too(engine):
    result = engine.search(SearchRequest(query=f"行政复议 {NOWHERE} -调撤率", per_page=500))
    assert result.hits
    assert all("调撤率" not in _fold(hit.text) for hit in result.hits)
    assert engine.search(SearchRequest(query=f"行政复议 {NOWHERE}", per_page=500)).total_partial > result.total_partial


def test_a_question_is_answered_by_a_count(engine):
    """Question words are never required; 多少 + 件 asks for a number followed by 件 (or 条 …)."""
    result = engine.search(SearchRequest(query="一年收到多少件复议申请"))
    assert result.total > 0
    assert "多少" in (result.understood or "")
    top = result.hits[0]
    assert "复议申请" in _fold(top.text) and any(ch.isdigit() for ch in top.text)


def test_a_count_noun_matches_a_number_with_its_measure_word(engine):
    result = engine.search(SearchRequest(query="新闻发布会 场次", per_page=5))
    assert result.total > 0
    assert "召开新闻发布会3场" in _fold(result.hits[0].text)


def test_a_compound_matches_its_parts_close_together_below_the_whole_word(engine):
    # 规范性文件清理 is written nowhere whole; 规范性文件进行全面清理 holds its parts close together.
    result = engine.search(SearchRequest(query="规范性文件清理", per_page=20))
    assert result.total > 0
    texts = [_fold(hit.text) for hit in result.hits[: result.total]]
    assert any("规范性文件进行全面清理" in t for t in texts)


def test_did_you_mean_corrects_a_homophone_typo(engine):
    result = engine.search(SearchRequest(query="行政覆議"))
    assert result.total == 0
    assert result.suggestion == "行政复议"
    assert engine.search(SearchRequest(query=result.suggestion)).total > 0
    # A query the index answers gets no suggestion; nonsense gets none either.
    assert engine.search(SearchRequest(query="行政复议")).suggestion is None
    assert engine.search(SearchRequest(query="量子计算机")).suggestion is None


def test_filters_that_hide_hits_say_so(engine):
    everywhere = engine.search(SearchRequest(query="综合查一次"))
    filtered = engine.search(SearchRequest(query="综合查一次", regions=("北京市",)))
    assert filtered.total == 0 and everywhere.total > 0
    assert filtered.hidden_by_filters == everywhere.total


def test_json_carries_missing_and_partial_totals(engine):
    data = engine.search(SearchRequest(query=f"综合查一次 {NOWHERE}")).to_dict()
    assert data["total"] == 0 and data["total_partial"] > 0
    assert all(NOWHERE in hit["missing"] and hit["tier"] == "partial" for hit in data["hits"])
    data = engine.search(SearchRequest(query="综合查一次")).to_dict()
    assert all(hit["missing"] == [] and hit["tier"] == "full" for hit in data["hits"])


def test_copies_of_a_paragraph_collapse_into_one_hit(tmp_path):
    """A second copy of a report (another site's, with one paragraph more) gives one hit per
    paragraph with "另有 1 个来源", not two hits."""
    from search.settings import load_settings

    pages = tmp_path / "pages"
    pages.mkdir()
    original = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(original, pages / "portal.txt")
    text = original.read_text(encoding="utf-8")
    (pages / "mirror.txt").write_text(text + "\n本页面由镜像站点转载,另附一段说明文字以示区别。\n", encoding="utf-8")
    settings = load_settings({"data_dir": str(tmp_path / "data")}, environ={})
    summary = import_paths(settings, [pages])
    assert len(summary.added) == 2, summary.to_dict()
    reindex(settings, run_alerts=False)
    engine = WhooshEngine(settings.data_dir)
    result = engine.search(SearchRequest(query="法治", per_page=200))
    texts = [_fold(hit.text) for hit in result.hits]
    assert len(texts) == len(set(texts))
    assert result.hits and all(hit.other_sources == 1 for hit in result.hits if "镜像站点" not in hit.text)


def test_alerts_fire_on_full_matches_only(engine, indexed_data):
    from search.alerts.db import Filters, SavedQuery
    from search.alerts.matching import matching_paragraphs

    def saved(query: str) -> SavedQuery:
        return SavedQuery(1, 1, "q", query, Filters(), "instant", False, True, None, True,
                          "2000-01-01T00:00:00+00:00", "2000-01-01T00:00:00+00:00", None)

    with Store.open(indexed_data.data_dir) as store:
        report_ids = list(store.report_ids())
    assert matching_paragraphs(engine, saved("综合查一次"), report_ids)
    assert matching_paragraphs(engine, saved(f"综合查一次 {NOWHERE}"), report_ids) == {}


@pytest.mark.parametrize("query", ["", '"依法行政"', "title:法治", "section:存在问题", "+行政复议", "-信访", "」"])
def test_strict_queries_have_no_partial_tier(engine, query):
    """Nothing soft to relax: every hit satisfies the whole query."""
    result = engine.search(SearchRequest(query=query))
    assert result.total_partial == 0
    assert all(hit.tier == "full" for hit in result.hits)
