"""In headless Debian Chromium: register, search, save the search, a matching report arrives, the inbox shows it.

The app runs on waitress at 127.0.0.1 (port 0) in a thread, CSRF on as in production.
Skipped with the reason when /usr/bin/chromium or Playwright is missing.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import chromium, chromium_missing, live_server  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_missing() is not None,
                                                      reason=chromium_missing() or "")]
TIMEOUT_MS = 8000

NEW_REPORT = """<html><head><meta charset="utf-8"><title>乙县2024年法治政府建设年度报告</title></head><body>
<h1>乙县人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年,乙县坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新进展。</p>
<p>一、主要举措和成效</p>
<p>(一)深化行政复议体制改革。全年推行紫藤萝调解机制,化解行政争议260件。</p>
<p>(二)推进严格规范公正文明执法。开展跨部门联合检查,减少对企业的打扰。</p>
<p>二、存在的不足和原因</p>
<p>乙县基层执法队伍专业化水平有待提高。</p>
</div></body></html>"""


@pytest.fixture
def settings(indexed_data, tmp_path):
    from search.alerts import run_alerts
    from search.settings import load_settings

    target = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, target)
    settings = load_settings({"data_dir": str(target)}, environ={})
    run_alerts(settings)  # the alerts know the seeds before anyone saves a search
    return settings


def test_save_a_search_then_see_the_new_report_in_the_inbox(settings, tmp_path):
    from search.pipeline import import_paths, reindex
    from web import create_app

    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": True})
    with live_server(app) as server, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        page.goto(f"{server.url}/account/register")
        page.fill("#email", "browser@example.org")
        page.fill("#password", "a long enough password")
        page.fill("#confirm", "a long enough password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        assert "browser@example.org" in page.inner_text("header")

        page.fill("#q", "紫藤萝")
        page.press("#q", "Enter")
        page.wait_for_selector("#total")
        page.click("#save-search summary")
        page.fill("#save-name", "紫藤萝调解")
        page.check("input[name=frequency][value=immediate]")
        page.click("#save-search-button")
        page.wait_for_url(f"{server.url}/alerts/queries")
        assert "紫藤萝调解" in page.inner_text("table.saved-queries")

        page.goto(f"{server.url}/alerts/inbox")
        assert page.locator(".alert-item").count() == 0

        report = tmp_path / "incoming" / "yixian.html"
        report.parent.mkdir()
        report.write_text(NEW_REPORT, encoding="utf-8")
        assert len(import_paths(settings, [report]).added) == 1
        assert len(reindex(settings).added) == 1  # the reindex runs the alerts

        page.goto(f"{server.url}/alerts/inbox")
        item = page.locator(".alert-item").first
        assert "乙县人民政府关于2024年度法治政府建设工作情况的报告" in item.inner_text()
        assert item.locator("mark").first.inner_text() == "紫藤萝"
        assert page.locator("#nav-inbox .badge").inner_text() == "1"
        item.locator("blockquote a").first.click()
        page.wait_for_selector("p.paragraph.target")
        assert "紫藤萝" in page.inner_text("p.paragraph.target")
        assert "#p" in page.url

        # Deleting asks first (app.js, data-confirm: the CSP allows no inline handlers).
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/alerts/queries")
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.click("form[data-confirm] button")
        page.wait_for_timeout(300)
        assert questions == ["删除「紫藤萝调解」及其提醒?"]
        assert "紫藤萝调解" in page.inner_text("table.saved-queries")  # dismissed: still there
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("form[data-confirm] button")
        page.wait_for_load_state()
        assert page.locator("table.saved-queries").count() == 0 or "紫藤萝调解" not in page.inner_text("main")
        assert not errors
        context.close()
