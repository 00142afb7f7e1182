"""The search page and API with bad filter values, compression, the favicon and the CSV's links."""
from __future__ import annotations

import csv
import gzip
import html as htmllib
import io
import re
from urllib.parse import parse_qs, urlsplit


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def total(text: str) -> int:
    return int(re.search(r"共 <strong>(\d+)</strong> 个段落", text).group(1))


def notice(text: str) -> str:
    found = re.search(r'<div class="notice filter-notice" id="filter-notice" role="status">(.*?)</div>', text, re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def test_a_value_that_is_not_a_year_is_dropped_with_a_notice(client):
    plain = page(client, "/?q=法治")
    text = page(client, "/?q=法治&year=abc")
    assert "「abc」不是年份" in notice(text) and total(text) == total(plain)
    assert "报告年度:abc" not in text  # no chip for it, and no link carries it on
    assert "year=abc" not in text


def test_an_unknown_region_is_dropped_and_the_nearest_offered_as_links(client):
    text = page(client, "/?q=法治&region=浙江")
    assert "没有名为「浙江」的地区" in notice(text) and total(text) == total(page(client, "/?q=法治"))
    links = re.findall(r'<div class="notice filter-notice".*?</div>', text, re.S)[0]
    hrefs = [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', links)]
    assert hrefs and parse_qs(urlsplit(hrefs[0]).query)["region"] == ["浙江省"]
    assert total(page(client, hrefs[0])) < total(text)


def test_unknown_kind_and_topic_names_and_ids(client):
    by_id = page(client, "/?q=行政复议&topic=review_litigation")
    by_name = page(client, "/?q=行政复议&topic=行政复议与行政应诉")
    assert total(by_name) == total(by_id) and not notice(by_name)
    # the facet shows the name's topic as picked, so its link unpicks it
    assert re.search(r'class="facet-value active"[^>]*data-facet="topic" data-value="review_litigation"', by_name)
    text = page(client, "/?q=行政复议&kind=法治")
    assert "没有名为「法治」的报告类型" in notice(text) and "法治政府建设年度报告" in notice(text)


def test_a_reversed_year_range_is_searched_the_right_way_round_and_said(client):
    text = page(client, "/?q=法治&from=2023&to=2019")
    assert "年度范围 2023–2019 的起止颠倒,已按 2019–2023 检索" in notice(text)
    assert total(text) == total(page(client, "/?q=法治&from=2019&to=2023"))
    assert "from=2023" not in text  # links carry the range that was searched


def test_api_answers_400_naming_the_bad_value(client):
    response = client.get("/api/search?q=法治&region=浙江&kind=法治报告")
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert {(p["param"], p["value"]) for p in problems} == {("region", "浙江"), ("kind", "法治报告")}
    assert "浙江省" in problems[0]["nearest"] or "浙江省" in problems[1]["nearest"]


def test_pages_and_assets_are_gzipped_when_asked(client):
    for url in ("/?q=法治", "/static/style.css", "/static/app.js", "/api/search?q=法治"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
        assert "Content-Encoding" not in plain.headers
    css = client.get("/static/style.css", headers={"Accept-Encoding": "gzip"})
    again = client.get("/static/style.css", headers={"Accept-Encoding": "gzip", "If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304


def test_favicon_and_meta_description(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    home = page(client, "/")
    assert re.search(r'<meta name="description" content="[^"]{20,}">', home)
    assert '<link rel="icon" href="/static/favicon.svg"' in home
    assert client.get("/static/favicon.svg").status_code == 200


def test_every_search_page_has_one_h1(client):
    for url in ("/", "/?q=法治", "/?q=不存在的词xyz", "/?region=浙江省"):
        assert len(re.findall(r"<h1[ >]", page(client, url))) == 1, url


def test_csv_links_keep_the_query_and_the_paragraph(client):
    body = client.get("/export.csv?q=行政复议").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows
    for row in rows:
        parts = urlsplit(row["url"])
        assert parse_qs(parts.query)["q"] == ["行政复议"] and parts.fragment == "p" + parse_qs(parts.query)["p"][0]


def test_publish_date_range_keeps_reports_published_then(client):
    everything = client.get("/api/search?q=法治&per_page=100").get_json()
    dates = sorted({hit["publish_date"] for hit in everything["hits"] if hit["publish_date"]})
    assert len(dates) >= 2
    low, high = dates[0], dates[len(dates) // 2]
    narrowed = client.get(f"/api/search?q=法治&per_page=100&pub_from={low}&pub_to={high}").get_json()
    assert 0 < narrowed["total"] < everything["total"]
    assert all(hit["publish_date"] and low <= hit["publish_date"] <= high for hit in narrowed["hits"])
    # facet counts are narrowed too, and a year stands for the whole year
    assert sum(narrowed["facets"]["report_kind"].values()) == narrowed["total"]
    year = low[:4]
    by_year = client.get(f"/api/search?q=法治&per_page=100&pub_from={year}&pub_to={year}").get_json()
    assert {hit["publish_date"][:4] for hit in by_year["hits"]} == {year}
    text = page(client, f"/?q=法治&pub_from={low}&pub_to={high}")
    assert f"发布日期:{low}–{high}" in text and f'value="{low}"' in text


def test_a_bad_publish_date_is_dropped_with_a_notice(client):
    text = page(client, "/?q=法治&pub_from=2023-13-40")
    assert "「2023-13-40」不是日期" in notice(text) and total(text) == total(page(client, "/?q=法治"))
    assert client.get("/api/search?q=法治&pub_to=yesterday").status_code == 400
