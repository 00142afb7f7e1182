"""The web app through Flask's test client: search page, facets, report page, API, escaping."""
import re

from search.store import Store


def test_home_page_has_a_labelled_search_box(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="q"' in html and 'name="q"' in html and "检索语法" in html


def test_search_page_shows_hits_with_highlight_and_facets(client):
    page = client.get("/?q=行政复议")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>行政复议</mark>" in html
    assert 'id="facet-region"' in html and 'id="facet-year"' in html and 'id="facet-topic"' in html
    assert re.search(r"共 <strong>\d+</strong> 个段落", html)


def test_clicking_a_year_facet_filters(client):
    html = client.get("/?q=行政复议").get_data(as_text=True)
    link = re.search(r'href="(/\?q=[^"]*year=(\d{4})[^"]*)"', html)
    assert link, "no year facet link"
    target = link.group(1).replace("&amp;", "&")
    filtered = client.get(target).get_data(as_text=True)
    total = lambda h: int(re.search(r"共 <strong>(\d+)</strong>", h).group(1))
    assert total(filtered) < total(html)
    assert f"年度:{link.group(2)} ×" in filtered  # the active filter is a removable chip


def test_report_page_shows_whole_report_with_anchor_and_highlight(client, indexed_data):
    with Store.open(indexed_data.data_dir) as store:
        stored = next(store.iter_reports())
    page = client.get(f"/report/{stored.report_id}?q=法治&p=0")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="p0"' in html and f'id="p{len(stored.report.paragraphs) - 1}"' in html
    assert "<mark>法治</mark>" in html
    assert "目录" in html or not any(p.section_path for p in stored.report.paragraphs)


def test_unknown_report_is_404(client):
    assert client.get("/report/nope").status_code == 404
    assert client.get("/api/reports/nope").status_code == 404


def test_api_search_matches_cli_json_shape(client):
    data = client.get("/api/search?q=行政复议").get_json()
    assert set(data) >= {"total", "hits", "facets"}
    assert set(data["facets"]) == {"region", "report_year", "topic", "report_kind"}
    hit = data["hits"][0]
    assert set(hit) >= {"report_id", "paragraph_id", "title", "region", "report_year", "section_path", "text",
                        "highlight", "score"}


def test_api_report(client, indexed_data):
    with Store.open(indexed_data.data_dir) as store:
        report_id = next(store.iter_reports()).report_id
    data = client.get(f"/api/reports/{report_id}").get_json()
    assert data["report_id"] == report_id and data["paragraphs"]


def test_query_with_markup_comes_back_inert(client):
    html = client.get('/?q=<script>alert(1)</script> 法治').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_broken_query_is_not_an_error_page(client):
    page = client.get('/?q=行政复议 AND (')
    assert page.status_code == 200
    assert 'id="query-notice"' in page.get_data(as_text=True)


def test_garbage_parameters_do_not_crash(client):
    assert client.get("/?q=法治&page=abc&from=x&sort=evil&per_page=-3").status_code == 200
    assert client.get("/?q=法治&page=99999").status_code == 200
