"""The web app through Flask's test client: every route, facets, chips, paging, exports, escaping, reindex."""
from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from search.settings import load_settings
from search.store import Store

XSS_PAGE = """<html><head><meta charset="utf-8"><title>测试县人民政府2023年度法治政府建设工作报告</title></head>
<body><div class="article-content">
<h1>测试县人民政府2023年度法治政府建设工作报告</h1>
<p>2023年,测试县人民政府坚持以习近平法治思想为指导,扎实推进法治政府建设,现将有关情况报告如下。</p>
<p>一、主要举措和成效</p>
<p>全面推行行政执法三项制度,网页脚本&lt;script&gt;alert(1)&lt;/script&gt;防注入检测段落,全年办理行政复议案件120件。</p>
<p>二、存在的不足和原因</p>
<p>行政执法队伍专业化水平有待提高,基层法治力量仍然薄弱,需要进一步加强培训。</p>
<p>三、下一年度主要安排</p>
<p>继续深化行政执法体制改革,加强行政复议规范化建设,推动法治政府建设再上新台阶。</p>
<p>测试县人民政府</p><p>2024年3月20日</p>
</div></body></html>"""

LATER_PAGE = XSS_PAGE.replace("测试县", "后来县").replace(
    "网页脚本&lt;script&gt;alert(1)&lt;/script&gt;防注入检测段落", "首创蓝莓味调解工作室")


def total(page_html: str) -> int:
    return int(re.search(r"共 <strong>(\d+)</strong> 个段落", page_html).group(1))


def hrefs(page_html: str, pattern: str) -> list[str]:
    """Unescaped hrefs of links whose href matches pattern."""
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', page_html) if re.search(pattern, htmllib.unescape(h))]


def facet_links(page_html: str, param: str) -> list[tuple[str, str]]:
    """(value, href) of the facet values offered for one URL parameter."""
    links = re.findall(rf'href="([^"]*)"[^>]*data-facet="{param}" data-value="([^"]*)"', page_html)
    return [(htmllib.unescape(value), htmllib.unescape(href)) for href, value in links]


def hit_report_ids(page_html: str) -> list[str]:
    return re.findall(r'class="hit-link" href="/report/([0-9a-f]+)', page_html)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- search page --------------------------------------------------------------
def test_home_page_has_labelled_search_box_help_and_no_outside_assets(client):
    page = get(client, "/")
    assert '<label for="q"' in page and 'name="q"' in page and "检索语法" in page
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []  # everything served by the app
    assert client.get("/static/style.css").status_code == 200 and client.get("/static/app.js").status_code == 200
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"


def test_search_shows_hits_with_highlight_breadcrumb_link_and_query_kept(client):
    page = get(client, "/?q=行政复议")
    assert 'value="行政复议"' in page  # the query stays in the box
    assert "<mark>行政复议</mark>" in page
    assert total(page) > 0 and re.search(r"来自 <strong>\d+</strong> 份报告", page)
    assert 'class="breadcrumb"' in page
    link = hrefs(page, r"^/report/")[0]
    parts = urlsplit(link)
    params = parse_qs(parts.query)
    assert parts.fragment == f"p{params['p'][0]}" and params["q"] == ["行政复议"]
    assert params["back"][0].startswith("/?q=")


def test_facets_have_paragraph_and_report_counts_and_say_which(client):
    page = get(client, "/?q=行政复议")
    for facet in ("region", "year", "topic", "kind"):
        assert f'id="facet-{facet}"' in page
    assert "段落数" in page and "报告数" in page
    data = client.get("/api/search?q=行政复议").get_json()
    year, count = next(iter(data["facets"]["report_year"].items()))
    reports = data["facet_reports"]["report_year"][year]
    assert re.search(rf'data-value="{year}"><span class="name">{year}</span> <span class="count"[^>]*>{count}<span class="visually-hidden">个段落</span> · '
                     rf'<span class="reports">{reports}<', page)


def test_region_facet_is_a_tree_of_paths(client):
    page = get(client, "/?q=法治")
    values = [value for value, _ in facet_links(page, "region")]
    assert any("/" in v for v in values) and any("/" not in v for v in values)
    child = next(v for v in values if v.count("/") == 1)
    # the child sits inside its province's <details>
    province = child.split("/")[0]
    block = page[page.index(f'data-value="{province}"'):]
    assert block.index(f'data-value="{child}"') < block.index("</details>")


def test_topic_facet_uses_chinese_names(client):
    page = get(client, "/?q=法治")
    labels = re.findall(r'data-facet="topic" data-value="[^"]*"><span class="name">([^<]*)</span>', page)
    assert labels and all(re.search(r"[\u4e00-\u9fff]", label) for label in labels)


def test_facet_click_filters_and_chip_removes_the_filter(client):
    page = get(client, "/?q=行政复议")
    year, href = facet_links(page, "year")[0]
    filtered = get(client, href)
    assert total(filtered) < total(page)
    assert 'aria-current="true"' in filtered
    chips = re.findall(r'<a class="chip" href="([^"]*)"[^>]*>([^<]*)', filtered)
    assert [label.strip() for _, label in chips] == [f"报告年度:{year}"]
    assert total(get(client, htmllib.unescape(chips[0][0]))) == total(page)


def test_values_of_one_facet_or_and_facets_and(client):
    data = client.get("/api/search?q=法治").get_json()
    years = list(data["facets"]["report_year"])[:2]
    assert len(years) == 2
    one, two = (total(get(client, f"/?q=法治&year={y}")) for y in years)
    assert total(get(client, f"/?q=法治&year={years[0]}&year={years[1]}")) == one + two  # OR within a facet
    topic = next(iter(data["facets"]["topic"]))
    both = total(get(client, f"/?q=法治&year={years[0]}&topic={topic}"))
    assert both <= min(one, data["facets"]["topic"][topic])  # AND across facets


def test_year_range_filters_and_reversed_range_is_swapped(client):
    data = client.get("/api/search?q=法治").get_json()
    years = sorted(int(y) for y in data["facets"]["report_year"] if y.isdigit())
    low = years[-1]
    expected = sum(c for y, c in data["facets"]["report_year"].items() if y.isdigit() and int(y) >= low)
    page = get(client, f"/?q=法治&from={low}")
    assert total(page) == expected and "年度范围:" in page
    assert total(get(client, f"/?q=法治&from={low}&to={years[0]}")) == total(get(client, f"/?q=法治&from={years[0]}&to={low}"))


def test_sort_by_report_year_and_group_by_report(client):
    page = get(client, "/?q=法治&sort=report_year&per_page=50")
    years = [int(y) for y in re.findall(r'<p class="meta">.*?<span>(\d{4})年度</span>', page)]
    assert len(years) > 3 and years == sorted(years, reverse=True)
    assert '<strong aria-current="true">报告年度</strong>' in page
    page = get(client, "/?q=法治&sort=publish_date&per_page=50")
    dates = re.findall(r"<span>(\d{4}-\d\d-\d\d) 发布</span>", page)
    assert len(dates) > 3 and dates == sorted(dates, reverse=True)
    grouped = get(client, "/?q=法治&group=1&per_page=50")
    ids = hit_report_ids(grouped)
    assert len(ids) == len(set(ids)) == int(re.search(r"来自 <strong>(\d+)</strong>", grouped).group(1))
    assert "本报告另有" in grouped


def test_pagination_numbers_pages_and_keeps_state(client):
    first = get(client, "/?q=法治&per_page=5&region=浙江省")
    assert 'aria-label="分页"' in first and "第 1 /" in first
    next_link = hrefs(first, r"page=2")[0]
    assert "region=" in next_link and "per_page=5" in next_link
    second = get(client, next_link)
    assert '<ol class="hits" start="6">' in second
    assert set(hit_report_ids(second)) or total(second) == total(first)
    assert re.findall(r'paragraph_id|p=\d+', first) != re.findall(r'paragraph_id|p=\d+', second)


def test_page_past_the_end_offers_the_last_page(client):
    page = get(client, "/?q=法治&page=400")
    assert 'id="past-end"' in page


def test_picked_values_without_matches_stay_removable_in_the_facets(client):
    page = get(client, "/?q=法治&region=西藏自治区/拉萨市&year=1999")
    assert ("西藏自治区/拉萨市", "/?q=%E6%B3%95%E6%B2%BB&year=1999") in facet_links(page, "region")
    assert ("1999", "/?q=%E6%B3%95%E6%B2%BB&region=%E8%A5%BF%E8%97%8F%E8%87%AA%E6%B2%BB%E5%8C%BA%2F%E6%8B%89%E8%90%A8%E5%B8%82") \
        in facet_links(page, "year")


def test_no_full_match_lists_partial_ones_and_what_to_loosen(client):
    page = get(client, "/?q=行政复议 蓝莓味冰淇淋&year=2022")
    assert total(page) == 0 and 'id="partial-only"' in page and 'id="empty-result"' not in page
    assert "缺少:<s>蓝莓味冰淇淋</s>" in page
    assert "去掉所有筛选条件" in page and "去掉检索词「蓝莓味冰淇淋」" in page
    loosen = [h for h in hrefs(page, r"^/\?") if parse_qs(urlsplit(h).query) == {"q": ["行政复议"], "year": ["2022"]}]
    assert loosen and total(get(client, loosen[0])) > 0


def test_nothing_found_says_what_was_searched_and_what_to_try(client):
    page = get(client, "/?q=蓝莓味冰淇淋")
    assert 'id="empty-result"' in page and "没有找到含有「蓝莓味冰淇淋」的段落" in page
    assert "可以试试" not in page  # no filters and one word: nothing to drop, so no empty list
    assert "换用同义词" in page


def test_partial_matches_follow_a_divider_and_name_what_they_lack(client):
    page = get(client, "/?q=行政复议 调撤率&per_page=100")
    assert total(page) > 0 and "以下结果未包含全部检索词" in page
    assert page.index('id="tier-divider"') < page.index("缺少:")
    page = get(client, "/?q=综合查一次 蓝莓味冰淇淋&per_page=100")
    assert "缺少:<s>蓝莓味冰淇淋</s>" in page and "只含部分检索词" in page


def test_a_typo_offers_did_you_mean(client):
    page = get(client, "/?q=行政覆議")
    assert 'id="suggestion"' in page and "行政复议</a>" in page


def test_broken_query_still_searches_and_says_how_it_was_read(client):
    page = get(client, "/?q=行政复议 AND (")
    assert 'id="query-notice"' in page and total(page) > 0


def test_garbage_parameters_do_not_crash(client):
    assert client.get("/?q=法治&page=abc&from=x&sort=evil&per_page=-3&group=yes").status_code == 200
    assert client.get("/?q=法治&page=99999&from=99999999999999").status_code == 200
    assert client.get("/?year=&region=").status_code == 200


def test_filters_without_query_browse(client):
    page = get(client, "/?region=浙江省")
    assert total(page) > 0


def test_missing_index_is_a_clear_503(tmp_path):
    from web import create_app

    app = create_app(load_settings({"data_dir": str(tmp_path / "empty")}, environ={}), {"TESTING": True})
    client = app.test_client()
    response = client.get("/?q=法治")
    assert response.status_code == 503 and "reindex" in response.get_data(as_text=True)
    assert client.get("/api/search?q=法治").status_code == 503
    assert client.get("/").status_code == 200


# --- report page --------------------------------------------------------------
def test_report_page_whole_report_toc_metadata_target_and_highlight(client, indexed_data):
    with Store.open(indexed_data.data_dir) as store:
        stored = next(s for s in store.iter_reports() if any(p.section_path for p in s.report.paragraphs))
    last = len(stored.report.paragraphs) - 1
    page = get(client, f"/report/{stored.report_id}?q=法治&p=1")
    assert 'id="p0"' in page and f'id="p{last}"' in page
    assert re.search(r'<p id="p1" class="paragraph[^"]* target"', page)
    assert "<mark>法治</mark>" in page and 'id="hits-here"' in page
    assert 'class="toc"' in page and "报告信息" in page and "发布机关" in page and "质量标记" in page
    assert f'href="/report/{stored.report_id}#p{last}"' in page  # a stable, citable anchor


def test_report_back_link_only_goes_to_this_app(client, indexed_data):
    with Store.open(indexed_data.data_dir) as store:
        report_id = next(store.iter_reports()).report_id
    page = get(client, f"/report/{report_id}?q=法治&back=/%3Fq%3D法治%26year%3D2022")
    assert 'id="back-link"' in page and 'href="/?q=法治&amp;year=2022"' in page
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        page = get(client, f"/report/{report_id}?q=法治&back={evil}")
        back = re.search(r'<a href="([^"]*)" id="back-link">', page).group(1)
        assert htmllib.unescape(back) == "/?q=%E6%B3%95%E6%B2%BB"


def test_report_links_to_the_same_issuers_and_regions_other_years(tmp_path):
    from search.pipeline import import_paths, reindex
    from web import create_app

    pages = tmp_path / "pages"
    pages.mkdir()
    base = XSS_PAGE.replace("测试县人民政府", "杭州市临平区人民政府")
    (pages / "a.html").write_text(base, encoding="utf-8")
    (pages / "b.html").write_text(base.replace("2023", "2022").replace("三项制度", "三项制度和公示制度"), encoding="utf-8")
    (pages / "c.html").write_text(base.replace("2023", "2021").replace("杭州市临平区人民政府", "中共杭州市临平区委 杭州市临平区人民政府")
                                  .replace("三项制度", "三项制度和说理制度"), encoding="utf-8")
    settings = load_settings({"data_dir": str(tmp_path / "data")}, environ={})
    import_paths(settings, [pages])
    reindex(settings, run_alerts=False)
    client = create_app(settings, {"TESTING": True}).test_client()
    with Store.open(settings.data_dir) as store:
        reports = {s.report.report_year: s.report_id for s in store.iter_reports()}
    assert set(reports) == {2021, 2022, 2023}
    page = get(client, f"/report/{reports[2023]}")
    issuer_list = page[page.index('id="siblings-title"'):page.index('id="region-title"')]
    region_list = page[page.index('id="region-title"'):]
    assert f'href="/report/{reports[2022]}"' in issuer_list and "2022年度" in issuer_list
    assert f'href="/report/{reports[2021]}"' in region_list and f'href="/report/{reports[2022]}"' not in region_list
    assert f'href="/report/{reports[2023]}"' not in issuer_list + region_list


def test_unknown_pages_are_404(client):
    assert client.get("/report/nope").status_code == 404
    assert "页面不存在" in client.get("/no/such/page").get_data(as_text=True)
    assert client.get("/api/reports/nope").status_code == 404
    assert client.get("/api/reports/nope").get_json() == {"error": "no such report"}


# --- API and export -----------------------------------------------------------
def test_api_search_matches_cli_json_shape(client):
    data = client.get("/api/search?q=行政复议&region=浙江省").get_json()
    assert set(data) >= {"total", "total_reports", "page", "per_page", "interpretation", "notice", "hits",
                         "facets", "facet_reports", "facet_unit"}
    assert set(data["facets"]) == {"region", "report_year", "topic", "report_kind", "on_time", "missing_section"}
    assert all(hit["region"]["province"] == "浙江省" for hit in data["hits"])


def test_api_report(client, indexed_data):
    with Store.open(indexed_data.data_dir) as store:
        report_id = next(store.iter_reports()).report_id
    data = client.get(f"/api/reports/{report_id}").get_json()
    assert data["report_id"] == report_id and data["paragraphs"] and data["sources"]


def test_export_csv_has_bom_header_and_every_hit(client):
    response = client.get("/export.csv?q=法治&region=浙江省&page=3")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    expected = client.get("/api/search?q=法治&region=浙江省").get_json()["total"]
    assert len(rows) == min(expected, 1000)  # the whole list, not the page
    assert rows[0]["province"] == "浙江省" and rows[0]["url"].startswith("http://localhost/report/")
    assert re.search(r"#p\d+$", rows[0]["url"]) and re.search(r"[\u4e00-\u9fff]", rows[0]["text"])


def test_export_json_is_the_result_list(client):
    response = client.get("/export.json?q=法治&group=1")
    data = json.loads(response.get_data(as_text=True))
    assert response.status_code == 200 and data["query"] == "法治"
    assert data["exported"] == len(data["hits"]) == data["total_reports"] and data["truncated"] is False
    assert all(hit["url"].startswith("http://localhost/report/") for hit in data["hits"])


# --- escaping -----------------------------------------------------------------
@pytest.fixture(scope="module")
def markup_data(tmp_path_factory):
    """A data folder with one report whose text contains <script>…</script> as words."""
    from search.pipeline import import_paths, reindex

    root = tmp_path_factory.mktemp("markup")
    (root / "pages").mkdir()
    (root / "pages" / "xss.html").write_text(XSS_PAGE, encoding="utf-8")
    settings = load_settings({"data_dir": str(root / "data")}, environ={})
    summary = import_paths(settings, [root / "pages"])
    assert not summary.failed
    reindex(settings, run_alerts=False)
    return settings


@pytest.fixture()
def markup_client(markup_data):
    from web import create_app

    return create_app(markup_data, {"TESTING": True}).test_client()


def test_query_with_markup_comes_back_inert(client):
    page = get(client, "/?q=<script>alert(1)</script> 法治")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_indexed_markup_comes_back_inert_everywhere(markup_client, markup_data):
    page = get(markup_client, "/?q=防注入检测")
    assert total(page) == 1
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    report_id = hit_report_ids(page)[0]
    report = get(markup_client, f"/report/{report_id}?q=防注入检测&p=1")
    assert "<script>alert" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    report = get(markup_client, f"/report/{report_id}?q=<script>alert(2)</script>")
    assert "<script>alert" not in report and "</script>" not in report.split("</head>")[1]
    api = markup_client.get("/api/search?q=防注入检测")
    assert api.mimetype == "application/json" and "<script>" in api.get_json()["hits"][0]["text"]  # data, as indexed
    assert "<script>" not in api.get_json()["hits"][0]["highlight"]  # the HTML field is escaped
    exported = markup_client.get("/export.csv?q=防注入检测").get_data().decode("utf-8-sig")
    assert "<script>alert(1)</script>" in exported  # CSV is data for a spreadsheet, not HTML


# --- serving ------------------------------------------------------------------
def test_running_app_sees_a_reindex_without_restart(tmp_path):
    from search.pipeline import import_paths, reindex
    from web import create_app

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "first.html").write_text(XSS_PAGE, encoding="utf-8")
    settings = load_settings({"data_dir": str(tmp_path / "data")}, environ={})
    import_paths(settings, [pages])
    reindex(settings, run_alerts=False)
    client = create_app(settings, {"TESTING": True}).test_client()
    assert total(get(client, "/?q=蓝莓味调解")) == 0

    (pages / "later.html").write_text(LATER_PAGE, encoding="utf-8")
    import_paths(settings, [pages / "later.html"])
    reindex(settings, run_alerts=False)  # incremental: a commit into the live generation
    assert total(get(client, "/?q=蓝莓味调解")) == 1

    with Store.open(settings.data_dir) as store:
        later_id = next(s.report_id for s in store.iter_reports() if "后来县" in (s.report.issuer or ""))
        store.delete(later_id)
    # index.new_generation names generations by the second: two full builds in one second collide
    time.sleep(1.1)
    reindex(settings, full=True, run_alerts=False)  # full: a new generation swapped in
    assert total(get(client, "/?q=蓝莓味调解")) == 0
    assert total(get(client, "/?q=防注入检测")) == 1


def test_huge_region_facet_sends_only_open_branches(app):
    from types import SimpleNamespace

    from web import views

    counts = {f"省{p}": 100 for p in range(40)}
    counts.update({f"省{p}/市{c}": 10 for p in range(40) for c in range(10)})
    result = SimpleNamespace(facets={"region": counts}, facet_reports={"region": {k: 1 for k in counts}})
    with app.test_request_context("/?q=x&region=省3/市1"):
        tree = views.region_tree(result, ("省3/市1",))
    assert len(tree) == 40
    opened = next(node for node in tree if node["value"] == "省3")
    assert len(opened["children"]) == 10 and opened["open"]
    closed = next(node for node in tree if node["value"] == "省4")
    assert closed["children"] == [] and closed["hidden_children"] == 10


def test_csv_cells_are_never_formulas():
    from web.export import spreadsheet_safe

    assert spreadsheet_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert spreadsheet_safe("+1") == "'+1" and spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("行政复议") == "行政复议" and spreadsheet_safe(2023) == "2023"
