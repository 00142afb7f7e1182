"""Statistics, comparisons and reuse through the whole product (issue 15): the index, the report
page, the API, the CLI, /statistics and /compare, and the reuse measure on a known pair.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from statistics_pages import report_html  # noqa: E402

from search.engine import SearchRequest, WhooshEngine  # noqa: E402
from search.models import Paragraph, Region, Report  # noqa: E402
from search.pipeline import import_paths, reindex  # noqa: E402
from search.reuse import NEAR, SAME, measure  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import Store  # noqa: E402
from search.tableview import TABLE_SEQ  # noqa: E402

# A pair of one issuer's reports with known copying: of the ten sentences of 2023, four are
# 2022's word for word, two are 2022's with new figures, four are new.
OLD = ["本区坚持以公开为常态、不公开为例外，持续推进政务公开标准化规范化建设。",
       "全年通过区政府门户网站主动公开政府信息2.16万条，政策解读材料286篇。",
       "区政府本级及各部门全年收到政府信息公开申请884件，办结869件。",
       "申请内容主要集中在旧区改造、征收补偿、规划许可等领域。",
       "对已公开信息开展保密审查和个人信息保护检查，撤下含个人敏感信息的页面37个。",
       "将政务公开工作纳入区级部门和街镇年度绩效考核，组织政务公开业务培训4场。",
       "完成区政府门户网站集约化改版，整合部门和街镇子网站56个。",
       "部分部门政策解读形式单一，与公众需求仍有差距。",
       "下一步将制定依申请公开答复文书示范文本，建立疑难案件会商制度。",
       "本年度未收取信息处理费，办理人大代表建议468件。"]
NEW = [OLD[0], OLD[3], OLD[4], OLD[8],  # verbatim
       "全年通过区政府门户网站主动公开政府信息2.34万条，政策解读材料301篇。",  # OLD[1], new figures
       "区政府本级及各部门全年收到政府信息公开申请812件，办结826件。",  # OLD[2], new figures
       "上线政府信息公开智能问答，全年答复公众咨询一万两千余次。",
       "依申请公开答复文书的说理性仍需加强，个别答复检索说明不够充分。",
       "基层政务公开专区内容更新不及时的问题在部分街镇仍然存在。",
       "全年承办政协提案497件，办理复文按规定予以公开。"]
SECTIONS_2022 = ["一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
SECTIONS_2023 = ["一、总体情况", "二、主动公开情况", "五、存在的问题和改进措施", "六、其他需要报告的事项"]


def pair_page(year: int, sentences: list[str], headings: list[str]) -> str:
    """A 信息公开 report of 杭州市临平区人民政府 whose sections hold the sentences (2-3 each)."""
    parts = [f"<p>{headings[0]}</p><p>{sentences[0]}{sentences[1]}{sentences[2]}</p>",
             f"<p>{headings[1]}</p><p>{sentences[3]}{sentences[4]}{sentences[5]}</p>",
             f"<p>{headings[2]}</p><p>{sentences[6]}{sentences[7]}</p><p>{sentences[8]}</p>",
             f"<p>{headings[3]}</p><p>{sentences[9]}</p>"]
    return (f'<html><head><meta charset="utf-8"><title>杭州市临平区人民政府{year}年政府信息公开工作年度报告</title>'
            '<meta name="govsearch-synthetic" content="true"></head><body><div id="zoom">'
            f"<h1>杭州市临平区人民政府{year}年政府信息公开工作年度报告</h1>"
            f"<p>本报告根据《中华人民共和国政府信息公开条例》编制，统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
            + "".join(parts) + "</div></body></html>")


def _report(sentences: list[str]) -> Report:
    return Report(title="t", report_kind="政府信息公开工作年度报告", issuer="x", region=Region(), report_year=2023,
                  publish_date=None, paragraphs=tuple(Paragraph(s) for s in sentences))


def test_reuse_ratio_on_a_pair_with_known_copied_sentences():
    reuse = measure(_report(NEW), _report(OLD), "old")
    assert (reuse.previous_report_id, reuse.sentences, reuse.reused) == ("old", 10, 6)
    assert reuse.reused_sentence_ratio == 0.6
    from search.reuse import SentenceIndex, sentence_key

    index = SentenceIndex.of(OLD)
    assert [index.match(sentence_key(s)) for s in NEW] == [SAME] * 4 + [NEAR] * 2 + [None] * 4
    assert measure(_report(NEW), None, None).reused_sentence_ratio is None


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Four 信息公开 reports with template tables (two years of 临平区, 余杭区, 上城区), the known pair
    as pages of their own issuer, and the demo's seeds; imported and indexed."""
    folder = tmp_path_factory.mktemp("insights-pages")
    pages = {
        "linping_2023.html": report_html(2023, seed=1, issuer="杭州市临平区人民政府")[0],
        "linping_2022.html": report_html(2022, seed=2, issuer="杭州市临平区人民政府")[0],
        "yuhang_2023.html": report_html(2023, seed=3, issuer="杭州市余杭区人民政府")[0],
        "shangcheng_2023.html": report_html(2023, seed=4, issuer="杭州市上城区人民政府", unbalanced=True)[0],
        "pair_2022.html": pair_page(2022, OLD, SECTIONS_2022).replace("临平区", "拱墅区"),
        "pair_2023.html": pair_page(2023, NEW, SECTIONS_2023).replace("临平区", "拱墅区"),
    }
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("insights") / "data")}, environ={})
    summary = import_paths(settings, [folder, Path(__file__).resolve().parents[1] / "samples" / "seeds"])
    assert not summary.failed, summary.failed
    reindex(settings, run_alerts=False)
    with Store.open(settings.data_dir) as store:
        ids = {f"{stored.report.issuer}{stored.report.report_year}{stored.report.report_kind[2:6]}": stored.report_id
               for stored in store.iter_reports() if stored.report.issuer}
    return settings, ids


@pytest.fixture(scope="module")
def client(data):
    from web import create_app

    return create_app(data[0], {"TESTING": True}).test_client()


# --- the index -------------------------------------------------------------------------------

def test_table_figures_no_longer_rank_for_words(data):
    engine = WhooshEngine(data[0].data_dir)
    hits = engine.search(SearchRequest(query="行政复议", per_page=50)).hits
    seqs = [int(hit.paragraph_id.rsplit("-", 1)[1]) for hit in hits]
    rows = [position for position, seq in enumerate(seqs) if seq >= TABLE_SEQ]
    # every paragraph with the word itself comes first; the table rows (their headings match) after them
    about = [position for position, (hit, seq) in enumerate(zip(hits, seqs)) if seq < TABLE_SEQ and "行政复议" in hit.text]
    assert about and rows and max(about) < min(rows)
    assert not any(re.search(r"\d+ \d+ \d+", hit.text) for hit in hits[:10])  # no flattened number strings


def test_a_figure_alone_is_not_a_hit_but_a_table_label_is_and_shows_its_row(data):
    engine = WhooshEngine(data[0].data_dir)
    assert engine.search(SearchRequest(query="1101", partial=False)).total == 0  # 行政许可 figure of one table
    hits = engine.search(SearchRequest(query="国家秘密")).hits
    row = next(hit for hit in hits if int(hit.paragraph_id.rsplit("-", 1)[1]) >= TABLE_SEQ)
    assert row.text.startswith("三、本年度办理结果 （三）不予公开 1.属于国家秘密：自然人 ")
    assert "<mark>国家秘密</mark>" in row.highlight and row.section_path == ("三、收到和处理政府信息公开申请情况",)


def test_most_reused_first(data):
    settings, ids = data
    engine = WhooshEngine(settings.data_dir)
    result = engine.search(SearchRequest(query="政府信息公开", sort="reuse", group_by_report=True, per_page=20))
    with Store.open(settings.data_dir) as store:
        ratios = [(store.get(hit.report_id).report.reuse.reused_sentence_ratio or -1) for hit in result.hits]
    assert ratios == sorted(ratios, reverse=True) and ratios[0] > 0.5
    assert ids["杭州市拱墅区人民政府2023信息公开"] in [hit.report_id for hit in result.hits[:3]]


# --- the report page and the API --------------------------------------------------------------

def test_report_page_draws_tables_and_marks_the_row_of_a_hit(data, client):
    settings, ids = data
    report_id = ids["杭州市临平区人民政府2023信息公开"]
    seq = next(int(hit.paragraph_id.rsplit("-", 1)[1]) for hit in
               WhooshEngine(settings.data_dir).search(SearchRequest(query="国家秘密", report_ids=(report_id,))).hits)
    page = client.get(f"/report/{report_id}?q=国家秘密&p={seq}").get_data(as_text=True)
    assert page.count('<figure class="data-table"') == 3
    assert 'rowspan="22"' in page and 'colspan="7"' in page and 'rowspan="3" colspan="3"' in page
    row = re.search(rf'<tr id="p{seq}" class="([^"]*)">(.*?)</tr>', page, re.S)
    assert row and "matched" in row.group(1) and "target" in row.group(1)
    assert "<mark>国家秘密</mark>" in row.group(2) and 'class="num"' in row.group(2)
    assert f'href="#p{seq}"' in page  # listed among the hits of this report
    assert "统计数据" in page and "新收+上年结转 = 总计+结转下年度" in page


def test_unbalanced_report_says_so(data, client):
    page = client.get(f"/report/{data[1]['杭州市上城区人民政府2023信息公开']}").get_data(as_text=True)
    assert 'id="unbalanced"' in page and "统计表不平衡" in page and "✗" in page


def test_api_report_contract(data, client):
    settings, ids = data
    body = client.get(f"/api/reports/{ids['杭州市临平区人民政府2023信息公开']}").get_json()
    assert [set(table) for table in body["tables"]] == [{"caption", "rows"}] * 3
    assert body["tables"][1]["rows"][0][3:] == ["申请人情况"] * 7
    assert set(body["statistics"]) == {"figures", "checks"}
    assert {"new_applications", "carried_over", "disclosed", "partly_disclosed", "results_total", "carried_forward",
            "review_total", "litigation_total", "regulations_issued", "normative_docs_in_force",
            "proactive_items_prose"} <= set(body["statistics"]["figures"])
    assert all(set(check) == {"rule", "ok", "detail"} for check in body["statistics"]["checks"])
    assert body["reuse"] == {"previous_report_id": ids["杭州市临平区人民政府2022信息公开"],
                             "reused_sentence_ratio": body["reuse"]["reused_sentence_ratio"]}
    law = client.get(f"/api/reports/{next(v for k, v in ids.items() if '诸暨' in k)}").get_json()
    assert law["statistics"] is None and law["tables"] == []
    assert law["reuse"] == {"previous_report_id": None, "reused_sentence_ratio": None}


def test_reuse_is_measured_by_the_store_and_shown(data, client):
    settings, ids = data
    pair = ids["杭州市拱墅区人民政府2023信息公开"]
    body = client.get(f"/api/reports/{pair}").get_json()
    assert body["reuse"]["previous_report_id"] == ids["杭州市拱墅区人民政府2022信息公开"]
    # the page's opening sentence (统计期限 … with its years) is the same with new figures: 7 of 11
    assert body["reuse"]["reused_sentence_ratio"] == round(7 / 11, 4)
    page = client.get(f"/report/{pair}").get_data(as_text=True)
    assert "64%" in page and f"/compare?report={pair}" in page


# --- statistics out ----------------------------------------------------------------------------

def test_cli_statistics_csv_and_json(data, runner):
    from search.cli import cli

    settings, ids = data
    result = runner.invoke(cli, ["statistics", "--year", "2023", "--region", "浙江省", "--csv", "--data-dir", settings.data_dir])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert {row["issuer"] for row in rows} == {"杭州市临平区人民政府", "杭州市余杭区人民政府", "杭州市上城区人民政府",
                                               "杭州市拱墅区人民政府"}
    shangcheng = next(row for row in rows if row["issuer"] == "杭州市上城区人民政府")
    assert shangcheng["checks_ok"] == "no" and "balance" in shangcheng["failed_checks"]
    linping = next(row for row in rows if row["issuer"] == "杭州市临平区人民政府")
    assert linping["checks_ok"] == "yes" and int(linping["new_applications"]) > 0
    result = runner.invoke(cli, ["statistics", "--issuer", "杭州市临平区人民政府", "--json", "--data-dir", settings.data_dir])
    body = json.loads(result.output)
    assert [row["report_year"] for row in body["rows"]] == [2022, 2023]
    assert runner.invoke(cli, ["statistics", "--csv", "--json", "--data-dir", settings.data_dir]).exit_code == 2


def test_api_statistics(client):
    body = client.get("/api/statistics?year=2023&region=杭州市").get_json()
    assert body["count"] == 4 and all(set(row) >= {"report_id", "figures", "checks", "region"} for row in body["rows"])
    assert client.get("/api/statistics?year=abc").status_code == 400
    assert client.get("/api/statistics?kind=x").status_code == 400
    csv_text = client.get("/api/statistics?year=2023&format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffreport_id,") and "new_applications" in csv_text.splitlines()[0]


def test_statistics_page_charts_a_figure_with_a_csv_download(client):
    page = client.get("/statistics?figure=new_applications&mode=regions&province=浙江省&year=2023").get_data(as_text=True)
    assert page.count('<svg class="bar-chart"') == 2  # wide and narrow drawings of one chart
    # three reports state the figure (拱墅区's page has no table), drawn twice (wide and narrow)
    assert page.count('class="chart-bar"') + page.count('class="chart-bar flagged"') == 2 * 3
    assert 'class="chart-bar flagged"' in page  # 上城区: 统计表不平衡
    link = re.search(r'href="(/statistics\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    rows = list(csv.reader(io.StringIO(client.get(link).get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["label", "new_applications"] and len(rows) == 1 + 3
    years = client.get("/statistics?figure=results_total&mode=years&issuer=杭州市临平区人民政府").get_data(as_text=True)
    assert "2022年度" in years and "2023年度" in years


# --- comparisons --------------------------------------------------------------------------------

def test_compare_two_years_marks_copied_sentences_and_aligns_sections(data, client):
    ids = data[1]
    page = client.get(f"/compare?report={ids['杭州市拱墅区人民政府2023信息公开']}").get_data(as_text=True)
    same = re.findall(r'<span class="reuse-same"[^>]*>(.*?)</span>', page)
    near = re.findall(r'<span class="reuse-near"[^>]*>(.*?)</span>', page)
    for sentence in NEW[:4]:
        assert sentence in same  # marked on the 2023 side (and its twin on the 2022 side)
    assert NEW[4] in near and NEW[5] in near and OLD[1] in near
    assert not any(sentence in same + near for sentence in NEW[6:])
    # 二、主动公开政府信息情况 (2022) and 二、主动公开情况 (2023) are one row, under the canonical name
    assert page.count('class="compare-section"') == 5  # the opening + four mandated sections
    assert re.search(r'<h2 class="compare-section"[^>]*>主动公开政府信息情况', page)
    assert "2023年度 · 二、主动公开情况" in page and "2022年度 · 二、主动公开政府信息情况" in page
    assert re.search(r"<strong>\d+ 句\(64%\)</strong>", page)


def test_compare_across_a_region(data, client):
    page = client.get("/compare?section=总体情况&year=2023&region=杭州市").get_data(as_text=True)
    assert page.count('<article class="section-column">') == 4
    assert "全年主动公开政府信息34152条" in page
    # the sentence every template page shares is marked as other reports' wording
    assert re.search(r'<span class="reuse-(?:same|near)">[^<]*本区坚持以公开为常态', page)
    assert client.get("/compare?section=不存在的部分").status_code == 200


def test_compare_without_an_earlier_report_says_so(data, client):
    page = client.get(f"/compare?report={data[1]['杭州市余杭区人民政府2023信息公开']}").get_data(as_text=True)
    assert "没有更早的同类报告可比" in page
    assert client.get("/compare?report=nope").status_code == 404
