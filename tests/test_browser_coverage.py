"""/coverage and its region × year matrix in headless Debian Chromium, at desktop and phone width:
the totals and the per-city table, the matrix's rows opening province → city → county with a
legend, cells that name their status and lead to the report, no sideways scrolling of the page
on a phone (the matrix scrolls in its own box, the region names stay in view), no outside
assets, no serious accessibility violation, and Chinese drawn with real glyphs.

Screenshots go to $GOVSEARCH_SCREENSHOTS when set (to look at them), else to the test's tmp dir.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import chromium, chromium_missing, live_server, missing_glyphs  # noqa: E402
from coverage_support import PAGES, Page, write_pages  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_missing() is not None,
                                                      reason=chromium_missing() or "")]
TIMEOUT_MS = 8000
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PROVINCE_PAGE = f"/coverage?kind=law&year=2023&province={quote('浙江省')}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from search.pipeline import import_paths, reindex
    from search.settings import load_settings
    from web import create_app

    root = tmp_path_factory.mktemp("browser-coverage")
    settings = load_settings({"data_dir": str(root / "data")}, environ={})
    # Earlier years too, so that the matrix is wider than a phone (2015: a year with no deadline).
    older = [Page(f"changxing_{year}", "长兴县人民政府", "330522", year, publish_date=f"{year + 1}-03-20")
             for year in (2015, 2019, 2020)]
    import_paths(settings, [write_pages(root / "pages", PAGES + tuple(older))])
    reindex(settings, run_alerts=False)
    app = create_app(settings, {"TESTING": True, "GOVSEARCH_TODAY": "2026-12-03"})
    with live_server(app) as server, chromium() as browser:
        yield {"server": server, "browser": browser}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("GOVSEARCH_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(site, width: str, path: str, **options):
    w, h = WIDTHS[width]
    context = site["browser"].new_context(viewport={"width": w, "height": h}, locale="zh-CN",
                                          is_mobile=width == "phone", has_touch=width == "phone", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:", "about:")) else None)
    page.goto(site["server"].url + path)
    return context, page, outside


def year_column(page, year: int) -> int:
    """The position of a year among the matrix's columns."""
    return [int(text) for text in page.locator(".m-head .m-year").all_inner_texts()].index(year)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_coverage_page_and_matrix(site, shots, width):
    context, page, outside = open_page(site, width, PROVINCE_PAGE)
    try:
        totals = page.locator("#coverage-totals")
        assert totals.is_visible() and "102" in totals.inner_text() and "应发布的政府" in totals.inner_text()
        huzhou_row = page.locator("#coverage-groups tr", has_text="湖州市")
        assert [c.strip() for c in huzhou_row.locator("td").all_inner_texts()[:6]] == ["6", "4", "2", "1", "1", "2"]
        page.screenshot(path=str(shots / f"coverage-{width}.png"))

        legend = page.locator("#matrix-legend")
        for label in ("按时公开", "逾期公开", "时间不详", "未找到"):
            assert label in legend.inner_text()
        province = page.locator("details.m-group.depth-0").first
        assert province.get_attribute("open") is not None  # one province: its cities are listed
        huzhou = page.locator("details.m-group.depth-1", has=page.locator("summary .m-name", has_text="湖州市"))
        assert huzhou.get_attribute("open") is None
        wuxing = page.locator(".m-row.leaf", has_text="吴兴区")
        assert not wuxing.is_visible()
        huzhou.locator("summary").click()  # open the city: its counties appear
        assert wuxing.is_visible()
        column = year_column(page, 2023)
        late_cell = wuxing.locator(".m-cell").nth(column)
        assert "s-late" in late_cell.get_attribute("class") and late_cell.get_attribute("title") == "2023:逾期公开"
        assert page.locator(".m-row.leaf", has_text="德清县").locator(".m-cell").nth(column) \
            .get_attribute("title") == "2023:未找到"
        huzhou_2023 = huzhou.locator("summary .m-cell").nth(column)
        assert huzhou_2023.inner_text() == "67%" and "本地区 4/6 已公开" in huzhou_2023.get_attribute("title")
        page.locator("#matrix").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"matrix-{width}.png"))

        # The page never scrolls sideways; the matrix scrolls in its own box with the names in view.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
        box = page.locator(".matrix-scroll").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width][0] + 1
        if width == "phone":
            scroller = page.locator(".matrix-scroll")
            assert scroller.evaluate("el => el.scrollWidth > el.clientWidth"), "nine years do not fit a phone"
            scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
            assert scroller.evaluate("el => el.scrollLeft") > 0
            name = wuxing.locator(".m-name").bounding_box()
            assert name["x"] >= box["x"] - 1, "the region name stays in view while the years scroll"
            page.screenshot(path=str(shots / f"matrix-{width}-scrolled.png"))
        assert missing_glyphs(page) == ""

        anji = page.locator(".m-row.leaf", has_text="安吉县").locator("a.m-cell").first
        anji.click()
        page.wait_for_url("**/report/**")
        assert "安吉县人民政府" in page.locator("h1").inner_text()
        panel = page.locator("#compliance")
        assert "缺少 1 项" in panel.inner_text() and "第一责任人职责履行情况" in panel.inner_text()
        page.locator("#compliance").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"report-compliance-{width}.png"))
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_country_matrix_opens_province_then_city(site, shots, width):
    context, page, outside = open_page(site, width, "/coverage?kind=law&year=2023")
    try:
        zhejiang = page.locator("details.m-group.depth-0", has=page.locator("summary .m-name", has_text="浙江省"))
        assert zhejiang.get_attribute("open") is None
        zhejiang.locator("summary").click()  # a click on the row opens it
        huzhou = zhejiang.locator(".m-row", has_text="湖州市")
        assert huzhou.is_visible()
        assert "本地区 4/6 已公开" in huzhou.locator(".m-cell").nth(year_column(page, 2023)).get_attribute("title")
        page.screenshot(path=str(shots / f"matrix-country-{width}.png"))
        zhejiang.locator(".m-link a").click()  # and leads to its counties
        page.wait_for_url("**province=330000**")
        assert page.locator("h1").inner_text().startswith("浙江省")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_home_page_overview(site, shots, width):
    context, page, outside = open_page(site, width, "/")
    try:
        overview = page.locator("#overview")
        assert "共 11 份报告" in overview.inner_text()
        assert page.locator("#kind-year-counts").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
        page.locator("#overview").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"home-{width}.png"))
        page.locator(".province-bars a", has_text="浙江省").first.click()
        page.wait_for_url("**/coverage?**")
        assert "浙江省 2023年度" in page.locator("h1").inner_text()
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_accessibility_violation(site, width):
    found = {}
    for path in (PROVINCE_PAGE, "/coverage?kind=disclosure", "/"):
        context, page, _ = open_page(site, width, path, bypass_csp=True)  # axe is injected as a script
        try:
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
