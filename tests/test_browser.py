"""The search UI in headless Debian Chromium: search, facet, chip, paging, hit → paragraph, back button, phone.

One browser for the module; the app runs on waitress at 127.0.0.1 (port 0) in a thread.
Skipped with the reason when /usr/bin/chromium or Playwright is missing.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import chromium, chromium_missing, live_server  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_missing() is not None,
                                                      reason=chromium_missing() or "")]
TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def server(indexed_data):
    from web import create_app

    with live_server(create_app(indexed_data, {"TESTING": True})) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium() as running:
        yield running


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    outside = []
    tab.on("request", lambda request: outside.append(request.url)
           if not request.url.startswith(("http://127.0.0.1", "data:", "about:")) else None)
    yield tab
    context.close()
    assert outside == [], f"the page asked for outside assets: {outside}"


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(page) -> int:
    return int(page.locator("#total strong").first.inner_text())


def test_search_facet_chip_and_back_button(page, server):
    page.goto(server.url + "/")
    page.get_by_label("检索词").fill("行政复议")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=%E8%A1%8C"))
    assert page.get_by_label("检索词").input_value() == "行政复议"
    before = total(page)
    assert before > 0 and page.locator(".hit mark").count() > 0

    year_link = page.locator('#facet-year a.facet-value').first
    year = year_link.get_attribute("data-value")
    year_link.click()
    page.wait_for_url(re.compile(r"year=" + year))
    assert total(page) < before
    chip = page.locator("#chips a.chip", has_text=f"报告年度:{year}")
    assert chip.is_visible()

    chip.click()
    page.wait_for_url(lambda url: "year" not in params(url))
    assert total(page) == before and page.locator("#chips").count() == 0

    page.go_back()
    page.wait_for_url(re.compile(r"year=" + year))
    assert page.locator("#chips a.chip").count() == 1  # the URL held the whole state
    page.go_back()
    page.wait_for_url(lambda url: "year" not in params(url) and "q" in params(url))
    assert total(page) == before


def test_region_tree_expands_and_filters(page, server):
    page.goto(server.url + "/?q=法治")
    province = page.locator("#facet-region details > summary").first
    child = province.locator("xpath=..").locator("ul a.facet-value").first
    assert not child.is_visible()
    province.click(position={"x": 4, "y": 8})  # the arrow, not the province's own link
    assert child.is_visible()
    value = child.get_attribute("data-value")
    child.click()
    page.wait_for_url(lambda url: params(url).get("region") == [value])
    assert page.locator("#facet-region a.facet-value.active").get_attribute("data-value") == value
    page.get_by_label("检索词").fill("行政")  # a new query keeps the filters
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: params(url).get("q") == ["行政"])
    assert params(page.url).get("region") == [value]


def test_pagination(page, server):
    page.goto(server.url + "/?q=法治&per_page=5")
    first_links = page.locator("a.hit-link").evaluate_all("links => links.map(a => a.href)")
    page.locator('nav.pagination a[rel="next"]').click()
    page.wait_for_url(lambda url: params(url).get("page") == ["2"])
    assert page.locator("ol.hits").get_attribute("start") == "6"
    second_links = page.locator("a.hit-link").evaluate_all("links => links.map(a => a.href)")
    assert second_links and not set(first_links) & set(second_links)
    assert page.locator('nav.pagination strong[aria-current="page"]').inner_text() == "2"


def test_open_hit_lands_on_highlighted_paragraph_and_back_returns(page, server):
    page.goto(server.url + "/?q=行政复议")
    hit = page.locator("a.hit-link").nth(1)
    anchor = urlsplit(hit.get_attribute("href")).fragment
    hit.click()
    page.wait_for_url(re.compile(r"/report/"))
    target = page.locator(f"#{anchor}")
    assert "target" in (target.get_attribute("class") or "")
    assert target.locator("mark").count() > 0
    box = target.bounding_box()
    assert box and 0 <= box["y"] < 900, "the hit paragraph is not scrolled into view"
    matched = page.locator(".report-body .paragraph.matched").evaluate_all("ps => ps.map(p => p.id)")
    if len(matched) > 1:  # n jumps to the next matching paragraph
        page.keyboard.press("n")
        following = matched[(matched.index(anchor) + 1) % len(matched)] if anchor in matched else None
        assert page.url.split("#")[1] in matched and (following is None or page.url.endswith("#" + following))
    page.go_back()
    page.wait_for_url(re.compile(r"/\?q="))
    assert page.locator("a.hit-link").count() > 0


def test_paragraph_link_is_copied_not_reloaded(page, server):
    page.goto(server.url + "/?q=行政复议")
    page.locator("a.hit-link").first.click()
    page.wait_for_url(re.compile(r"/report/"))
    paragraph = page.locator(".report-body .paragraph").nth(2)
    paragraph.hover()
    paragraph.locator("a.anchor").click()
    assert page.url.endswith("#" + paragraph.get_attribute("id"))
    assert "本段链接" in page.locator("#toast").inner_text() or "已复制" in page.locator("#toast").inner_text()


def test_keyboard_slash_focuses_search_and_enter_follows_facet(page, server):
    page.goto(server.url + "/?q=法治")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(field => !field.labels.length && !field.getAttribute('aria-label')).map(field => field.outerHTML)""")
    assert unlabelled == []
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.locator("#facet-kind a.facet-value").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "kind" in params(url))


def test_phone_width_folds_facets_and_never_scrolls_sideways(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(server.url + "/?q=行政复议&region=浙江省")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        facets = page.locator("details.facet-panel")
        assert facets.get_attribute("open") is None and page.locator("a.hit-link").first.is_visible()
        facets.locator("summary").first.click()
        assert page.locator("#facet-year").is_visible()
        page.locator("a.hit-link").first.click()
        page.wait_for_url(re.compile(r"/report/"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_pages_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.get_by_label("检索词").fill("行政复议")
        page.get_by_role("button", name="检索").click()
        page.wait_for_url(re.compile(r"q="))
        page.locator('#facet-year a.facet-value').first.click()
        page.wait_for_url(re.compile(r"year="))
        hit = page.locator("a.hit-link").first
        anchor = urlsplit(hit.get_attribute("href")).fragment
        hit.click()
        page.wait_for_url(re.compile(r"/report/"))
        assert page.evaluate(f"document.querySelector('#{anchor}:target') !== null")
    finally:
        context.close()


def test_report_year_histogram_rows_are_not_clipped(page, server):
    """Each year of the histogram facet shows its whole label (a page-wide .bar rule once
    squeezed the rows to .8rem and clipped them)."""
    page.goto(server.url + "/?q=行政复议")
    rows = page.locator("a.facet-value.year-bar")
    assert rows.count() > 0
    for i in range(rows.count()):
        row, name = rows.nth(i), rows.nth(i).locator(".name")
        assert row.evaluate("e => e.scrollHeight <= e.clientHeight + 1 && e.clientHeight >= 16")
        assert name.bounding_box()["height"] <= row.bounding_box()["height"] + 1
