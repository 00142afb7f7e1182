"""What a reader meets in headless Debian Chromium: accessibility (axe-core), the phone header when
logged in, layout shift, keyboard paths, the report page's highlight and contents marker, notices
for bad filter values, and Chinese drawn with real glyphs.

axe-core is vendored under tests/vendor/axe-core/ (no network at test time). Every page, logged
out and logged in, at desktop and phone widths, must have no serious or critical violation.
Skipped with the reason when /usr/bin/chromium or Playwright is missing.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import CHROMIUM, CHROMIUM_ARGS, chromium, chromium_missing, live_server, missing_glyphs  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_missing() is not None,
                                                      reason=chromium_missing() or "")]
TIMEOUT_MS = 8000
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
EMAIL = "a.rather.long.researcher.name@university-example.edu.cn"
PASSWORD = "a long enough password"

NEW_REPORT = """<html><head><meta charset="utf-8"><title>丙县2024年法治政府建设年度报告</title></head><body>
<h1>丙县人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年,丙县坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新进展。</p>
<p>一、主要举措和成效</p>
<p>(一)深化行政复议体制改革。全年推行银杏叶调解机制,化解行政争议180件。</p>
<p>二、存在的不足和原因</p>
<p>丙县基层执法队伍专业化水平有待提高。</p>
</div></body></html>"""


@pytest.fixture(scope="module")
def site(indexed_data, tmp_path_factory):
    """The app over a copy of the indexed seeds, with one user who saved a search and has an unread alert."""
    from search.alerts import run_alerts
    from search.pipeline import import_paths, reindex
    from search.settings import load_settings
    from web import create_app

    root = tmp_path_factory.mktemp("a11y")
    shutil.copytree(indexed_data.data_dir, root / "data")
    settings = load_settings({"data_dir": str(root / "data")}, environ={})
    run_alerts(settings)
    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": True})
    with live_server(app) as server, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"{server.url}/account/register")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        page.goto(f"{server.url}/?q={quote('银杏叶')}")
        page.click("#save-search summary")
        page.fill("#save-name", "银杏叶调解")
        page.click("#save-search-button")
        page.wait_for_url(f"{server.url}/alerts/queries")
        query_path = urlsplit(page.locator("table.saved-queries td a").first.get_attribute("href")).path
        report = root / "incoming" / "bingxian.html"
        report.parent.mkdir()
        report.write_text(NEW_REPORT, encoding="utf-8")
        import_paths(settings, [report])
        reindex(settings)  # runs the alerts: one unread item
        state = context.storage_state()
        context.close()
        yield {"server": server, "browser": browser, "state": state, "query_path": query_path}


def new_page(site, width: str = "desktop", logged_in: bool = False, **options):
    viewport = WIDTHS[width]
    context = site["browser"].new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
        is_mobile=width == "phone", has_touch=width == "phone",
        storage_state=site["state"] if logged_in else None, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def report_url(site, query: str = "行政复议") -> str:
    """The report page the first hit of ``query`` links to (with q and p, as from the results)."""
    context, page = new_page(site)
    try:
        page.goto(f"{site['server'].url}/?q={quote(query)}")
        return page.locator("a.hit-link").first.get_attribute("href")
    finally:
        context.close()


def wait_until(page, expression: str, arg=None, timeout_ms: int = TIMEOUT_MS) -> None:
    """Poll ``expression`` (a function of arg) until it is truthy: page.wait_for_function evaluates
    strings inside the page, which the app's CSP (no unsafe-eval) rightly refuses."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression, arg):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression} ({arg!r})")


# --- axe ------------------------------------------------------------------------
def pages_to_check(site) -> list[tuple[str, bool]]:
    """(path, logged in) for every kind of page the app serves."""
    report = report_url(site)
    return [
        ("/", False), (f"/?q={quote('行政复议')}", False), (f"/?q={quote('法治')}&group=1&region={quote('浙江省')}", False),
        (f"/?q={quote('法治')}&region={quote('浙江')}&year=abc", False), (f"/?q={quote('不存在的词语组合')}", False),
        (report, False), ("/account/login", False), ("/account/register", False), ("/no-such-page", False),
        (f"/?q={quote('银杏叶')}", True), ("/alerts/queries", True), ("/alerts/inbox", True), (site["query_path"], True),
        ("/account", True), (report, True),
    ]


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0].html.slice(0, 160)}`);
    }""")
    return results


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_or_critical_axe_violation_on_any_page(site, width):
    found = {}
    for path, logged_in in pages_to_check(site):
        context, page = new_page(site, width, logged_in, bypass_csp=True)  # axe is injected as a script
        try:
            page.goto(site["server"].url + path)
            assert not (logged_in and "登录" in page.locator("header.site").inner_text()), "not logged in"
            violations = axe_violations(page)
            if violations:
                found[f"{path} ({'logged in' if logged_in else 'anonymous'})"] = violations
        finally:
            context.close()
    assert found == {}, found


# --- the phone header -----------------------------------------------------------
def test_phone_header_logged_in_keeps_words_whole_and_shortens_the_email(site):
    context, page = new_page(site, "phone", logged_in=True)
    try:
        page.goto(site["server"].url + f"/?q={quote('行政复议')}")
        assert page.locator("#nav-inbox .badge").inner_text() == "1"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Each header item is one line: its words are not split across lines.
        broken = page.evaluate("""() => [...document.querySelectorAll('header.site .brand, header.site nav a, header.site nav button')]
            .filter(el => {
                const line = parseFloat(getComputedStyle(el).lineHeight) || 1.75 * parseFloat(getComputedStyle(el).fontSize);
                return el.getBoundingClientRect().height > line * 1.5 || el.getClientRects().length > 1;
            }).map(el => el.textContent.trim())""")
        assert broken == []
        email = page.locator(".nav-email")
        assert email.evaluate("el => el.scrollWidth > el.clientWidth"), "the full email address is shown"
        assert email.bounding_box()["width"] < 120
        assert EMAIL in page.locator(".nav-user").get_attribute("title")
        header = page.locator("header.site").bounding_box()
        assert header["height"] < 110, header  # two rows at most
        for name in ("我的订阅", "提醒收件箱", "退出"):
            assert page.get_by_text(name, exact=False).first.is_visible()
    finally:
        context.close()


# --- layout shift and first paint -------------------------------------------------
@pytest.mark.parametrize("width", list(WIDTHS))
def test_results_page_does_not_shift_after_first_paint(site, width):
    context, page = new_page(site, width)
    try:
        page.add_init_script("""window.__shifts = 0;
            new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts += e.value; })
              .observe({type: "layout-shift", buffered: true});""")
        page.goto(site["server"].url + f"/?q={quote('行政复议')}&region={quote('浙江省')}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__shifts") < 0.01
        panel = page.locator("details.facet-panel")
        if width == "phone":
            assert panel.get_attribute("open") is None and page.locator("a.hit-link").first.is_visible()
        else:
            assert panel.get_attribute("open") is not None and page.locator("#facet-year").is_visible()
    finally:
        context.close()


def test_wide_screen_shows_the_facets_before_any_script_runs(site):
    context, page = new_page(site, java_script_enabled=False)
    try:
        page.goto(site["server"].url + f"/?q={quote('行政复议')}")
        assert page.locator("#facet-year a.facet-value").first.is_visible()
        assert not page.locator("details.facet-panel > summary").is_visible()
    finally:
        context.close()


# --- keyboard ---------------------------------------------------------------------
def test_skip_link_reaches_the_results_in_two_keys(site):
    context, page = new_page(site)
    try:
        page.goto(site["server"].url + f"/?q={quote('行政复议')}")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到检索结果"
        page.keyboard.press("Enter")
        for _ in range(8):  # the result bar's few controls, then the first hit
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('hit-link')"):
                break
        assert page.evaluate("document.activeElement.classList.contains('hit-link')")
    finally:
        context.close()


def _contrast(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


def test_focus_ring_has_at_least_3_to_1_contrast(site):
    context, page = new_page(site)
    try:
        page.goto(site["server"].url + f"/?q={quote('行政复议')}")
        for selector, background in (("a.hit-link", "body"), ("#facet-kind a.facet-value", "body"),
                                     ("header.site a.brand", "header.site")):
            page.locator(selector).first.focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
            ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
            width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
            behind = page.evaluate(f"getComputedStyle(document.querySelector('{background}')).backgroundColor")
            assert width >= 2 and _contrast(_rgb(ring), _rgb(behind)) >= 3, (selector, ring, behind)
    finally:
        context.close()


# --- the report page --------------------------------------------------------------
def _highlighted(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('.report-body .paragraph')]
        .filter(p => getComputedStyle(p).boxShadow !== 'none').map(p => p.id)""")


def test_report_page_has_one_highlight_after_a_contents_jump(site):
    context, page = new_page(site)
    try:
        page.goto(site["server"].url + report_url(site))
        hit = urlsplit(page.url).fragment
        assert _highlighted(page) == [hit]
        link = page.locator(".toc a").filter(has_not=page.locator(f"[href='#{hit}']")).last
        target = link.get_attribute("href")[1:]
        link.click()
        wait_until(page, "hash => location.hash === hash", "#" + target)
        assert _highlighted(page) == [target]
        page.go_back()  # the hash changes back: so does the highlight
        wait_until(page, "hash => location.hash === hash", "#" + hit)
        assert _highlighted(page) == [hit]
    finally:
        context.close()


def test_contents_marker_follows_reading_to_the_last_section(site):
    context, page = new_page(site)
    try:
        page.goto(site["server"].url + report_url(site))
        entries = page.locator(".toc a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(entries) >= 3
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        current = "href => document.querySelector('.toc a[aria-current]')?.getAttribute('href') === href"
        wait_until(page, current, entries[-1])
        # Mid-page: the section being read is the last one that starts above a third of the window.
        middle = entries[len(entries) // 2]
        page.evaluate(f"window.scrollTo(0, document.querySelector('{middle}').getBoundingClientRect().top + scrollY - 100)")
        reading = page.evaluate("""hrefs => hrefs.filter(h => document.querySelector(h).getBoundingClientRect().top
                                               <= innerHeight / 3).pop()""", entries)
        assert entries.index(reading) >= entries.index(middle)
        wait_until(page, current, reading)
    finally:
        context.close()


# --- bad filter values --------------------------------------------------------------
def test_bad_filter_values_give_a_notice_with_the_nearest_as_links(site):
    context, page = new_page(site)
    try:
        page.goto(site["server"].url + f"/?q={quote('行政复议')}&region={quote('浙江')}&year=abc")
        notice = page.locator("#filter-notice")
        assert "没有名为「浙江」的地区" in notice.inner_text() and "「abc」不是年份" in notice.inner_text()
        assert page.locator("#chips").count() == 0  # nothing was filtered
        before = int(page.locator("#total strong").first.inner_text())
        notice.get_by_role("link", name="浙江省").click()
        page.wait_for_url(re.compile("region=%E6%B5%99%E6%B1%9F%E7%9C%81"))
        assert page.locator("#filter-notice").count() == 0 and "year=abc" not in page.url
        assert 0 < int(page.locator("#total strong").first.inner_text()) < before
        assert page.locator("#chips a.chip", has_text="地区:浙江省").is_visible()
    finally:
        context.close()


# --- Chinese drawn with real glyphs --------------------------------------------------
def test_pages_draw_chinese_with_real_glyphs(site):
    context, page = new_page(site)
    try:
        for path in ("/", f"/?q={quote('行政复议')}", report_url(site)):
            page.goto(site["server"].url + path)
            assert missing_glyphs(page) == "", f"{path}: install a CJK font (apt-get install fonts-noto-cjk)"
    finally:
        context.close()


def test_missing_glyph_check_sees_boxes_when_no_cjk_font_is_installed(site, tmp_path):
    fonts = [path for path in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
             if os.path.isdir(path)]
    if not fonts:
        pytest.skip("no DejaVu or Liberation fonts to build a Latin-only font set from")
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      + "".join(f"<dir>{path}</dir>" for path in fonts)
                      + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    browser = site["browser"].browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                                  env=dict(os.environ, FONTCONFIG_FILE=str(config)))
    try:
        page = browser.new_page()
        page.goto(site["server"].url + f"/?q={quote('行政复议')}")
        missing = missing_glyphs(page)
        assert "行" in missing and "检" in missing and not re.search(r"[A-Za-z0-9]", missing)
    finally:
        browser.close()


# --- saved queries and alerts ----------------------------------------------------------
def test_saved_queries_open_their_search_and_pausing_is_not_the_alarm_colour(site):
    context, page = new_page(site, logged_in=True)
    try:
        page.goto(site["server"].url + "/alerts/queries")
        colour = lambda selector: _rgb(page.locator(selector).first.evaluate("b => getComputedStyle(b).backgroundColor"))
        pause, delete = colour("td.actions button.secondary"), colour("td.actions button.danger")
        assert delete[0] > 150 and delete[1] < 60, delete  # red: deleting cannot be undone
        assert max(pause) - min(pause) < 40, pause  # grey: pausing can
        page.get_by_role("link", name="打开此检索").first.click()
        page.wait_for_url(re.compile(r"/\?q=%E9%93%B6%E6%9D%8F%E5%8F%B6"))
        assert int(page.locator("#total strong").first.inner_text()) >= 1
    finally:
        context.close()


def test_alert_times_are_shown_in_local_time(site):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    context, page = new_page(site, logged_in=True)
    try:
        page.goto(site["server"].url + "/alerts/inbox")
        stamp = page.locator(".alert-item time").first
        moment = datetime.fromisoformat(stamp.get_attribute("datetime"))
        assert stamp.inner_text() == moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        assert "UTC" not in page.locator(".alert-item .meta").first.inner_text()
    finally:
        context.close()
