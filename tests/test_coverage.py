"""Coverage: every expected issuer of a province, who published (on time, late, date unknown)
and who did not, per city; the matrix; the CLI, the API and the CSV exports agree."""
from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coverage_support import write_pages  # noqa: E402

from search.coverage import coverage, latest_complete_year  # noqa: E402
from search.coverage.issuers import by_code, expected_issuers  # noqa: E402
from search.coverage.matrix import build_matrix  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import Store  # noqa: E402

TODAY = date(2026, 12, 3)
HUZHOU = ("330500", "330502", "330503", "330521", "330522", "330523")


@pytest.fixture(scope="module")
def covered(tmp_path_factory):
    """湖州市 and its counties: some reported for 2023, some did not (imported and indexed once)."""
    from search.pipeline import import_paths, reindex

    root = tmp_path_factory.mktemp("coverage")
    settings = load_settings({"data_dir": str(root / "data")}, environ={})
    summary = import_paths(settings, [write_pages(root / "pages")])
    assert not summary.failed and len(summary.added) == 8
    reindex(settings, run_alerts=False)
    return settings


@pytest.fixture
def own_copy(covered, tmp_path):
    """A private copy of the data folder (a test may change it)."""
    target = tmp_path / "data"
    shutil.copytree(covered.data_dir, target)
    return load_settings({"data_dir": str(target)}, environ={})


def statuses(result) -> dict[str, str]:
    return {item.issuer.code: item.status for item in result.issuers}


def test_every_county_level_and_above_government_is_expected():
    issuers = expected_issuers()
    levels = [issuer.level for issuer in issuers]
    assert (levels.count("province"), levels.count("city")) == (31, 333)  # 香港, 澳门 are not bound by these rules
    assert levels.count("county") > 2800
    assert by_code()["330113"].name == "杭州市临平区人民政府"  # current units (临平区, 2021) with current codes
    assert by_code()["330122"].name == "桐庐县人民政府"
    assert by_code()["652900"].name == "阿克苏地区行政公署"
    assert "330104" not in by_code()  # 江干区 was merged away


def test_a_province_where_some_counties_published_and_others_did_not(covered):
    with Store.open(covered.data_dir) as store:
        result = coverage(store, "法治政府建设年度报告", 2023, "浙江", TODAY)
    found = statuses(result)
    assert [found[code] for code in HUZHOU] == ["on_time", "late", "date_unknown", "missing", "missing", "on_time"]
    assert result.tally.expected == 102 == len(result.issuers)  # 1 province + 11 cities + 90 counties
    assert (result.tally.published, result.tally.on_time, result.tally.late, result.tally.date_unknown) == (4, 2, 1, 1)
    huzhou = next(group.tally for group in result.cities if group.name == "湖州市")
    assert (huzhou.expected, huzhou.published, huzhou.on_time, huzhou.missing) == (6, 4, 2, 2)
    assert huzhou.percent(huzhou.published) == 66.7
    assert result.deadline == "2024-03-31" and result.deadline_passed


def test_a_departments_report_does_not_count_for_its_government(covered):
    with Store.open(covered.data_dir) as store:
        law = coverage(store, "法治", 2023, "330000", TODAY)
        disclosure = coverage(store, "信息公开", 2023, "浙江省", TODAY)
    deqing = next(item for item in law.issuers if item.issuer.code == "330521")
    assert deqing.status == "missing" and deqing.report is None  # only 德清县司法局 published
    huzhou = next(item for item in disclosure.issuers if item.issuer.code == "330500")
    assert huzhou.status == "on_time"  # the government by 3月31日; its 发改委's late report (1月31日) is not its own
    assert disclosure.tally.published == 1


def test_no_printed_date_first_seen_before_the_deadline_makes_it_on_time(own_copy):
    with Store.open(own_copy.data_dir) as store:
        report_id = store.db.execute("SELECT report_id FROM reports WHERE issuer='湖州市南浔区人民政府'").fetchone()[0]
        store.db.execute("UPDATE reports SET first_seen='2024-02-01T03:00:00+00:00' WHERE report_id=?", (report_id,))
        result = coverage(store, "法治", 2023, "浙江", TODAY)
        assessment = json.loads(store.db.execute("SELECT assessment FROM compliance WHERE report_id=?",
                                                 (report_id,)).fetchone()[0])
    assert statuses(result)["330503"] == "on_time"
    assert (assessment["published_on_time"], assessment["date_basis"]) == (True, "first_seen")


def test_the_whole_country_and_the_json_contract(covered):
    with Store.open(covered.data_dir) as store:
        data = coverage(store, "法治政府建设年度报告", 2023, None, TODAY).to_dict()
    assert {"kind", "year", "expected", "published", "on_time", "issuers"} <= set(data)
    assert (data["kind"], data["year"], data["expected"], data["published"]) == ("法治政府建设年度报告", 2023, 3209, 4)
    issuer = next(i for i in data["issuers"] if i["code"] == "330502")
    assert {"name", "region", "code", "status", "report_id"} <= set(issuer)
    assert issuer["region"] == {"province": "浙江省", "city": "湖州市", "county": "吴兴区", "code": "330502"}
    assert issuer["status"] == "late" and issuer["report_id"]
    assert len(data["provinces"]) == 31
    assert {i["status"] for i in data["issuers"]} <= {"on_time", "late", "date_unknown", "missing"}


def test_the_latest_complete_year_is_one_whose_deadline_passed(covered):
    with Store.open(covered.data_dir) as store:
        assert latest_complete_year(store, "法治", TODAY) == 2023
        assert latest_complete_year(store, "法治", date(2024, 3, 1)) == 2022  # 2023's reports not yet due


def test_matrix_rows_nest_province_city_county_and_count_each_region(covered):
    with Store.open(covered.data_dir) as store:
        matrix = build_matrix(store, "法治", "浙江", years=(2022, 2023))
        country = build_matrix(store, "法治", None, years=(2022, 2023))
    (zhejiang,) = matrix.rows
    huzhou = next(row for row in zhejiang.children if row.issuer.code == "330500")
    assert [child.issuer.unit for child in huzhou.children] == ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"]
    assert [(c.year, c.status, c.published, c.expected) for c in huzhou.cells] == \
        [(2022, "missing", 1, 6), (2023, "on_time", 4, 6)]
    changxing = next(row for row in huzhou.children if row.issuer.code == "330522")
    assert [c.status for c in changxing.cells] == ["on_time", "missing"]
    assert zhejiang.cells[1].published == 4 and zhejiang.cells[1].expected == 102
    assert len(country.rows) == 31 and all(not city.children for top in country.rows for city in top.children
                                           if city.issuer.level == "city")


def run_cli(runner, *args):
    from search.cli import cli

    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_json_csv_and_matrix(covered, runner, app_for):
    data_dir = str(covered.data_dir)
    result = run_cli(runner, "coverage", "--kind", "法治", "--year", "2023", "--province", "浙江", "--json",
                     "--data-dir", data_dir)
    assert result.exit_code == 0
    cli_json = json.loads(result.output)
    client = app_for(covered).test_client()
    api_json = client.get("/api/coverage?kind=法治&year=2023&province=浙江").get_json()
    assert cli_json == api_json
    table = run_cli(runner, "coverage", "--kind", "法治政府建设年度报告", "--year", "2023", "--province", "浙江",
                    "--csv", "--data-dir", data_dir)
    rows = list(csv.DictReader(io.StringIO(table.output.lstrip("\ufeff"))))
    assert len(rows) == 102 and rows[0]["name"] == "浙江省人民政府"
    wuxing = next(row for row in rows if row["code"] == "330502")
    assert (wuxing["status"], wuxing["days_late"]) == ("late", "12")
    matrix = run_cli(runner, "coverage", "--kind", "法治", "--province", "浙江", "--matrix", "--csv", "--data-dir", data_dir)
    header = next(csv.reader(io.StringIO(matrix.output.lstrip("\ufeff"))))
    assert header[:6] == ["code", "name", "level", "province", "city", "county"] and "2023" in header
    text = run_cli(runner, "coverage", "--kind", "法治", "--year", "2023", "--province", "浙江", "--data-dir", data_dir)
    assert "102 expected, 4 published" in text.output and "湖州市吴兴区人民政府" in text.output
    bad = run_cli(runner, "coverage", "--kind", "工作报告", "--data-dir", data_dir)
    assert bad.exit_code == 2
    unknown = run_cli(runner, "coverage", "--kind", "法治", "--province", "火星", "--data-dir", data_dir)
    assert unknown.exit_code == 2 and "unknown province" in unknown.output


@pytest.fixture
def app_for():
    from web import create_app

    return lambda settings: create_app(settings, {"TESTING": True, "GOVSEARCH_TODAY": TODAY.isoformat()})


def test_web_coverage_page_lists_who_did_not_publish(covered, app_for):
    client = app_for(covered).test_client()
    page = client.get("/coverage?kind=law&year=2023&province=浙江省")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "湖州市吴兴区人民政府" in html and "逾期公开" in html and "德清县人民政府" in html
    assert 'id="matrix"' in html and 'id="matrix-legend"' in html
    missing = client.get("/coverage?kind=law&year=2023&province=浙江省&status=missing").get_data(as_text=True)
    listed = missing[missing.index('id="issuer-list"'):]
    assert "德清县人民政府" in listed and "湖州市吴兴区人民政府" not in listed
    assert client.get("/coverage?province=火星").status_code == 400
    assert client.get("/api/coverage?kind=年报").status_code == 400
    assert client.get("/api/coverage?year=abc").get_json()["error"]


def test_web_csv_exports(covered, app_for):
    client = app_for(covered).test_client()
    issuers = client.get("/coverage.csv?kind=law&year=2023&province=浙江省")
    assert issuers.mimetype == "text/csv" and "attachment" in issuers.headers["Content-Disposition"]
    text = issuers.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    huzhou = next(row for row in rows if row["code"] == "330500")
    assert huzhou["status"] == "on_time" and huzhou["url"].endswith("/report/" + huzhou["report_id"])
    matrix = client.get("/coverage/matrix.csv?kind=law&province=浙江省").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(matrix.lstrip("\ufeff"))))
    huzhou = next(row for row in rows if row["code"] == "330500")
    assert huzhou["2023"] == "on_time" and huzhou["2023_published_in_region"] == "4/6"


def test_home_page_is_the_collection_at_a_glance(covered, app_for):
    html = app_for(covered).test_client().get("/").get_data(as_text=True)
    overview = html[html.index('id="overview"'):]
    assert "共 8 份报告" in overview
    assert 'id="kind-year-counts"' in overview and "法治政府建设年度报告" in overview
    assert "2023年度法治政府建设年度报告" in overview and "/coverage?" in overview  # latest complete year, links in
    assert "最近收录" in overview and "湖州市人民政府2023年法治政府建设年度报告" in overview


def sqlite_id(settings, issuer: str, kind: str = "法治政府建设年度报告") -> str:
    with sqlite3.connect(Path(settings.data_dir) / "store.sqlite") as db:
        return db.execute("SELECT report_id FROM reports WHERE issuer=? AND report_kind=?", (issuer, kind)).fetchone()[0]


def test_report_api_and_page_show_compliance(covered, app_for):
    client = app_for(covered).test_client()
    anji = sqlite_id(covered, "安吉县人民政府")
    data = client.get(f"/api/reports/{anji}").get_json()["compliance"]
    assert (data["deadline"], data["published_on_time"], data["days_late"], data["date_basis"]) == \
        ("2024-03-31", True, 0, "publish_date")
    assert data["sections_complete"] is False
    assert [s["name"] for s in data["sections"] if not s["present"] and s["name"] != "其他需要报告的情况"] == \
        ["第一责任人职责履行情况"]
    html = client.get(f"/report/{anji}").get_data(as_text=True)
    assert 'id="sections-check"' in html and "缺少 1 项" in html and "第一责任人职责履行情况" in html
    wuxing = client.get(f"/report/{sqlite_id(covered, '湖州市吴兴区人民政府')}").get_data(as_text=True)
    assert "逾期 12 天" in wuxing


def test_search_filters_and_facets_for_on_time_and_missing_sections(covered, app_for, runner):
    client = app_for(covered).test_client()
    late = client.get("/api/search?kind=法治政府建设年度报告&on_time=no&group=1").get_json()
    assert {hit["issuer"] for hit in late["hits"]} == {"湖州市吴兴区人民政府"}
    assert late["facet_reports"]["on_time"] == {"yes": 4, "no": 1, "unknown": 1}  # its own filter does not narrow it
    lacking = client.get("/api/search?missing_section=第一责任人职责履行情况&group=1").get_json()
    assert {hit["issuer"] for hit in lacking["hits"]} == {"安吉县人民政府"}
    assert lacking["facet_reports"]["missing_section"] == {"第一责任人职责履行情况": 1}
    refused = client.get("/api/search?kind=法治政府建设年度报告&on_time=maybe&missing_section=第一责任人")
    assert refused.status_code == 400  # as for any filter value nothing can match
    problems = {p["param"]: p for p in refused.get_json()["problems"]}
    assert problems["on_time"]["nearest"] == ["yes", "no", "unknown"]
    assert problems["missing_section"]["nearest"][0] == "第一责任人职责履行情况"
    page = client.get("/?kind=法治政府建设年度报告&on_time=no").get_data(as_text=True)
    assert 'id="facet-on_time"' in page and 'id="facet-missing_section"' in page and "按时公开:否" in page
    noticed = client.get("/?kind=法治政府建设年度报告&on_time=maybe").get_data(as_text=True)
    assert "没有名为「maybe」的按时公开取值" in noticed and "共 <strong>" in noticed  # the page searches the rest
    result = run_cli(runner, "search", "--on-time", "no", "--kind", "法治政府建设年度报告", "--group", "--json",
                     "--data-dir", str(covered.data_dir))
    assert {hit["issuer"] for hit in json.loads(result.output)["hits"]} == {"湖州市吴兴区人民政府"}
    result = run_cli(runner, "search", "--missing-section", "第一责任人职责履行情况", "--group", "--json",
                     "--data-dir", str(covered.data_dir))
    assert {hit["issuer"] for hit in json.loads(result.output)["hits"]} == {"安吉县人民政府"}
    assert run_cli(runner, "search", "--missing-section", "目录", "--data-dir", str(covered.data_dir)).exit_code == 2
