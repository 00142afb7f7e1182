"""A page classified 非报告 or 其他报告 is still stored, searchable, marked, and a facet value (issue 18)."""
from __future__ import annotations

from search.engine import SearchRequest, WhooshEngine
from search.pipeline import import_paths, reindex
from search.store import Store

NEWS = """<html><head><meta charset="utf-8"><title>某某区召开常务会议审议2023年法治政府建设年度报告</title></head><body>
<div id="zoom"><p>近日,某某区政府召开常务会议,审议并原则通过《某某区2023年法治政府建设年度报告》。</p>
<p>会议指出,要持续深化青藤码执法监督,推进依法行政。</p></div></body></html>"""
PLAN = """<html><head><meta charset="utf-8"><title>某某区2024年法治政府建设工作要点</title></head><body>
<div id="zoom"><p>一、加强党对法治政府建设的领导</p><p>1.认真学习贯彻习近平法治思想,推广青藤码执法监督。</p></div></body></html>"""


def test_pages_of_other_kinds_are_stored_searchable_and_marked(settings, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "news.html").write_text(NEWS, encoding="utf-8")
    (folder / "plan.html").write_text(PLAN, encoding="utf-8")
    summary = import_paths(settings, [folder])
    assert len(summary.added) == 2 and not summary.skipped and not summary.failed
    reindex(settings, run_alerts=False)
    with Store.open(settings.data_dir) as store:
        kinds = {stored.report.report_kind: stored.report for stored in store.iter_reports()}
    assert kinds["非报告"].kind_detail == "新闻报道" and kinds["非报告"].kind_reason
    assert kinds["其他报告"].kind_detail == "工作要点"

    result = WhooshEngine(settings.data_dir).search(SearchRequest(query="青藤码"))
    assert {hit.report_kind for hit in result.hits} == {"非报告", "其他报告"}
    assert result.facets["report_kind"] == {"非报告": 1, "其他报告": 1}
    only_news = WhooshEngine(settings.data_dir).search(SearchRequest(query="青藤码", kinds=("非报告",)))
    assert [hit.report_kind for hit in only_news.hits] == ["非报告"]

    from web import create_app

    client = create_app(settings, {"TESTING": True}).test_client()
    news_id = next(hit.report_id for hit in result.hits if hit.report_kind == "非报告")
    page = client.get(f"/report/{news_id}").get_data(as_text=True)
    assert "不是年度报告本身" in page and "新闻报道" in page
    results = client.get("/?q=青藤码").get_data(as_text=True)
    assert "非报告" in results and "其他报告" in results
