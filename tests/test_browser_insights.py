"""Charts and comparisons in headless Debian Chromium, at desktop and phone widths (issue 15).

The demo's sample reports (samples/: the seeds and the synthetic pages, among them a 2022 and
a 2023 report of one issuer) are imported into a temporary data folder and served on
127.0.0.1. Screenshots go to $GOVSEARCH_SCREENSHOTS (a temporary folder otherwise) to be looked at.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import chromium, chromium_missing, live_server, missing_glyphs  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_missing() is not None,
                                                      reason=chromium_missing() or "")]
TIMEOUT_MS = 8000
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from search.pipeline import import_paths, reindex
    from search.settings import load_settings
    from search.store import Store

    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("demo") / "data")}, environ={})
    assert not import_paths(settings, [SAMPLES]).failed
    reindex(settings, run_alerts=False)
    with Store.open(settings.data_dir) as store:
        pudong = {s.report.report_year: s.report_id for s in store.iter_reports()
                  if s.report.issuer == "上海市浦东新区人民政府"}
    return settings, pudong


@pytest.fixture(scope="module")
def server(demo):
    from web import create_app

    with live_server(create_app(demo[0], {"TESTING": True})) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("GOVSEARCH_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=list(WIDTHS))
def page(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.device = request.param
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "about:")) else None)
    yield tab
    context.close()
    assert outside == [], f"the page asked for outside assets: {outside}"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_statistics_chart_with_csv_download(page, server, shots):
    page.goto(server.url + "/statistics?figure=new_applications&mode=regions&province=&year=")
    visible = page.locator(".chart-frame:visible svg.bar-chart")
    assert visible.count() == 1  # the wide drawing on a desktop, the narrow one on a phone
    bars = visible.locator("rect.chart-bar")
    assert bars.count() == 8  # eight synthetic 信息公开 reports state the figure
    # Drawn lengths follow the values (a page-wide CSS width once made every bar alike).
    values = [float(v.replace(",", "")) for v in visible.locator("text.bar-value").all_text_contents()]
    widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]
    for value, width in zip(values, widths):
        assert abs(width / widths[0] - value / values[0]) < 0.02, (values, widths)
    box = visible.bounding_box()
    assert box["width"] <= page.viewport_size["width"] and box["height"] > 8 * 20
    label = visible.locator("text.bar-label").first
    assert label.bounding_box()["height"] >= 11  # readable: at least 11 px tall at this width
    assert no_sideways_scroll(page) and missing_glyphs(page) == ""
    page.screenshot(path=str(shots / f"statistics_regions_{page.device}.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#chart-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("label,new_applications,report_id") and len(text.splitlines()) == 9
    visible.locator("a").first.click()  # a bar opens its report
    page.wait_for_url("**/report/**")
    assert page.locator(".stats-panel").count() == 1


def test_statistics_across_years_for_one_issuer(page, server, shots):
    page.goto(server.url + "/statistics")
    page.locator("input[name=mode][value=years]").check()
    assert page.locator("#province").is_hidden() and page.locator("#issuer").is_visible()
    page.locator("#issuer").select_option("上海市浦东新区人民政府")
    page.locator("#figure").select_option("results_total")
    page.get_by_role("button", name="生成图表").click()
    page.wait_for_url("**mode=years**")
    labels = page.locator(".chart-frame:visible text.bar-label").all_text_contents()
    assert labels == ["2022年度", "2023年度"]
    page.screenshot(path=str(shots / f"statistics_years_{page.device}.png"), full_page=True)


def test_compare_two_years_side_by_side(page, server, demo, shots):
    newer = demo[1][2023]
    page.goto(server.url + f"/compare?report={newer}")
    assert "见于2022年度报告" in page.locator("#reuse-summary").inner_text()
    assert page.locator(".reuse-same").count() > 10 and page.locator(".reuse-near").count() > 4
    first_row = page.locator(".compare-section").first.locator("xpath=following-sibling::div[1]")
    older_cell, newer_cell = first_row.locator(".compare-cell").nth(0), first_row.locator(".compare-cell").nth(1)
    older, newer_box = older_cell.bounding_box(), newer_cell.bounding_box()
    if page.device == "desktop":  # side by side
        assert abs(older["y"] - newer_box["y"]) < 2 and newer_box["x"] > older["x"] + older["width"]
    else:  # one above the other, each as wide as the screen allows
        assert newer_box["y"] >= older["y"] + older["height"] and newer_box["width"] > 300
    assert no_sideways_scroll(page) and missing_glyphs(page) == ""
    page.screenshot(path=str(shots / f"compare_years_{page.device}.png"), full_page=True)
    page.locator(".compare-section").nth(2).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"compare_years_{page.device}_view.png"))


def test_compare_one_section_across_regions(page, server, shots):
    page.goto(server.url + "/compare")
    page.locator("#section").select_option("存在的主要问题及改进情况")
    page.locator("#year").select_option("")
    page.get_by_role("button", name="对比").click()
    page.wait_for_url("**section=**")
    columns = page.locator("article.section-column")
    assert columns.count() == 8
    first, second = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    if page.device == "desktop":
        assert abs(first["y"] - second["y"]) < 2  # a grid of columns
    else:
        assert second["y"] > first["y"] + first["height"] - 1
    assert page.locator("article.section-column .reuse-same").count() > 0  # the Pudong pair shares its wording
    assert no_sideways_scroll(page) and missing_glyphs(page) == ""
    page.screenshot(path=str(shots / f"compare_section_{page.device}.png"), full_page=True)


def test_report_tables_render_and_a_row_is_targeted(page, server, demo, shots):
    from search.engine import SearchRequest, WhooshEngine

    report_id = demo[1][2023]
    hit = next(h for h in WhooshEngine(demo[0].data_dir).search(SearchRequest(query="国家秘密", report_ids=(report_id,))).hits)
    seq = hit.paragraph_id.rsplit("-", 1)[1]
    page.goto(server.url + f"/report/{report_id}?q=国家秘密&p={seq}#p{seq}")
    assert page.locator("figure.data-table").count() == 3
    row = page.locator(f"tr#p{seq}")
    assert "target" in row.get_attribute("class") and row.locator("mark").inner_text() == "国家秘密"
    assert row.is_visible() and row.bounding_box()["y"] < page.viewport_size["height"]
    scroller = page.locator("figure.data-table .table-scroll").nth(1)
    if page.device == "phone":  # the table scrolls in its box; the page does not
        assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    assert no_sideways_scroll(page) and missing_glyphs(page) == ""
    assert page.locator("#reuse").text_content().startswith("90%")  # the metadata panel is folded on a phone
    page.screenshot(path=str(shots / f"report_tables_{page.device}.png"))


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_serious_or_critical_axe_violation_on_the_new_pages(browser, server, demo, device):
    """axe-core (vendored) on the statistics, comparison and report pages: accessible at both widths."""
    width, height = WIDTHS[device]
    paths = ["/statistics", "/statistics?mode=years&issuer=上海市浦东新区人民政府&figure=review_total",
             f"/compare?report={demo[1][2023]}", "/compare?section=总体情况&year=", "/compare",
             f"/report/{demo[1][2023]}?q=国家秘密"]
    found = {}
    for path in paths:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        try:
            page.goto(server.url + path)
            page.evaluate(AXE.read_text(encoding="utf-8"))
            violations = page.evaluate("""async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0].html.slice(0, 160)}`);
            }""")
            if violations:
                found[path] = violations
        finally:
            context.close()
    assert found == {}, found
