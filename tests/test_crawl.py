"""The crawler against a fake portal on 127.0.0.1: pagination, encodings, politeness, refusals, recrawls."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the fake portal lives in tests/portal

from portal.server import FakePortal  # noqa: E402
from portal.site import (DOCX_PHRASE, GBK_PHRASE, HANWEB_COLUMN, PDF_PHRASE, TRS_COLUMN, build_portal,  # noqa: E402
                         hanweb_path)

from search.clean.documents import document_text  # noqa: E402
from search.crawl import mark_ingested, pending_pages, run_crawl, url_history  # noqa: E402
from search.crawl.profiles import profile_from_dict  # noqa: E402
from search.decode import decode_bytes  # noqa: E402
from search.errors import ExtractError  # noqa: E402
from search.settings import load_settings  # noqa: E402

TITLES = ["法治政府建设.*报告", "政府信息公开工作年度报告"]


def portal_profiles(portal: FakePortal, **overrides) -> list:
    """The two profiles the tests crawl with: tiny delays and timeouts to keep wall time small."""
    common = {"delay": 0.001, "max_delay": 0.05, "timeout": 0.4, "retries": 2, "max_bytes": 2 * 1024 * 1024,
              "allowed_hosts": ["127.0.0.1"], **overrides}
    hanweb = profile_from_dict({"name": "hanweb", "cms": "hanweb", "start_urls": [portal.url(HANWEB_COLUMN)],
                                "report_url_patterns": ["/art/"], "report_title_patterns": TITLES, **common},
                               "test")
    trs = profile_from_dict({"name": "trs", "cms": "trs", "start_urls": [portal.url(TRS_COLUMN)],
                             "report_title_patterns": TITLES, **common}, "test")
    return [hanweb, trs]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One full crawl of the fake portal, shared by the assertions below."""
    portal = build_portal(FakePortal()).start()
    settings = load_settings({"data_dir": str(tmp_path_factory.mktemp("crawl"))}, environ={})
    lines: list[str] = []
    started = time.monotonic()
    summary = run_crawl(settings, portal_profiles(portal), progress=lines.append, progress_interval=0.0)
    elapsed = time.monotonic() - started
    yield portal, settings, summary, lines, elapsed
    portal.stop()


def pages_by_url(settings) -> dict:
    return {page.url: page for page in pending_pages(settings)}


def test_hanweb_dataproxy_paging_reaches_every_record(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    proxies = [hit.path for hit in portal.hits if hit.path.startswith("/module/web/jpage/dataproxy.jsp")]
    assert len(proxies) == 2  # records 4-6 and 7-9; 1-3 were embedded in the column page
    assert any("startrecord=4&endrecord=6" in path for path in proxies)
    assert any("startrecord=7&endrecord=9" in path for path in proxies)
    assert portal.hits_for(hanweb_path("cookie"))  # record 9, only reachable via the second dataproxy call
    assert not portal.hits_for(hanweb_path("art_1229_2"))  # a meeting notice is not a report


def test_trs_index_n_paging_and_gbk_without_charset(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    for name in ("index.html", "index_1.html", "index_2.html"):
        assert len(portal.hits_for(f"/xxgk/fzzfjs/{name}")) == 1
    pages = pages_by_url(settings)
    gbk_pages = [page for url, page in pages.items() if "/xxgk/fzzfjs/202303/" in url]
    assert len(gbk_pages) == 6
    for page in gbk_pages:
        text, encoding = decode_bytes(page.content, page.headers.get("Content-Type"))
        assert encoding == "gb18030" and GBK_PHRASE in text
        assert "法治政府建设年度报告" in page.headers["X-Govsearch-Link-Text"]


def test_attachments_are_fetched_with_link_text_and_referer(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    pages = pages_by_url(settings)
    report_url = portal.url(hanweb_path("art_1229_1"))
    docx = pages[portal.url("/picture/0/report_2022.docx")]
    pdf = pages[portal.url("/module/download/downfile.jsp?classid=0&filename=report_2022.pdf")]
    assert docx.headers["X-Govsearch-Referer"] == report_url == pdf.headers["X-Govsearch-Referer"]
    assert docx.headers["X-Govsearch-Link-Text"] == "2022年法治政府建设年度报告.docx"
    assert [hit.status for hit in portal.hits_for("/picture/0/report_2022.docx")] == [200]  # sent with its Referer
    assert pdf.content_type == "application/pdf"  # served as octet-stream; the bytes decide
    assert DOCX_PHRASE in document_text(docx.content, docx.content_type, docx.url)
    assert PDF_PHRASE in document_text(pdf.content, pdf.content_type, pdf.url)
    legacy = pages[portal.url("/picture/0/old_report.doc")]
    with pytest.raises(ExtractError, match="cannot be read"):
        document_text(legacy.content, legacy.content_type, legacy.url)
    # A 附件 link to a download servlet is kept when its bytes are a document, quietly dropped when not.
    guessed = pages[portal.url("/xxgk/download?fileId=77")]
    assert guessed.content_type.endswith("wordprocessingml.document") and guessed.headers["X-Govsearch-Kind"] == "attachment"
    assert portal.url("/xxgk/download?fileId=78") not in pages
    assert url_history(settings, portal.url("/xxgk/download?fileId=78")) is None
    # An "attachment" that answers with an HTML error page is refused, not stored.
    assert portal.url("/picture/0/broken.pdf") not in pages
    assert "not a document" in url_history(settings, portal.url("/picture/0/broken.pdf"))["error"]


def test_duplicated_body_is_stored_once_and_counted(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    pages = pages_by_url(settings)
    a, b = pages[portal.url(hanweb_path("dup_a"))], pages[portal.url(hanweb_path("dup_b"))]
    assert a.content == b.content
    assert summary.duplicates == 1
    raw_files = [p for p in (Path(settings.data_dir) / "raw").rglob("*") if p.is_file()]
    assert len(raw_files) == len({page.content for page in pages.values()})


def test_robots_txt_disallowed_path_is_never_requested(crawled):
    portal, _settings, summary, _lines, _elapsed = crawled
    assert len(portal.hits_for("/robots.txt")) == 1
    assert not portal.hits_for("/private/secret.html")
    assert summary.disallowed == 1


def test_retries_500_twice_then_success(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    hits = portal.hits_for(hanweb_path("flaky"))
    assert [hit.status for hit in hits] == [500, 500, 200]
    assert portal.url(hanweb_path("flaky")) in pages_by_url(settings)


def test_slow_page_times_out_and_fails_after_retries(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    assert len(portal.hits_for(hanweb_path("slow"))) == 3  # first try + 2 retries
    assert any(url.endswith("/slow.html") and "timed out" in reason for url, _o, reason in summary.problems)
    assert portal.url(hanweb_path("slow")) not in pages_by_url(settings)


def test_redirect_to_foreign_host_is_refused(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    assert not portal.hits_for("/evil.html")
    assert any(url.endswith("/moved.html") and outcome == "refused" and "localhost" in reason
               for url, outcome, reason in summary.problems)


def test_challenge_pages_are_blocked_never_stored(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    assert summary.blocked == 2
    reasons = {url.rsplit("/", 1)[-1]: reason for url, outcome, reason in summary.problems if outcome == "blocked"}
    assert "412" in reasons["challenge412.html"] and "WZWS" in reasons["challenge_wzws.html"]
    pages = pages_by_url(settings)
    assert not any("challenge" in url for url in pages)
    assert not any(b"$_ts" in page.content or b"wzws" in page.content for page in pages.values())


def test_huge_pages_are_refused_while_streaming(crawled):
    portal, settings, summary, _lines, _elapsed = crawled
    streamed = portal.hits_for("/art/huge.html")[0]
    assert streamed.bytes_sent < 10 * 1024 * 1024  # the crawler hung up long before 20 MB
    refused = {url.rsplit("/", 1)[-1]: reason for url, outcome, reason in summary.problems if outcome == "refused"}
    assert "too large" in refused["huge.html"] and "too large" in refused["huge_len.html"]
    assert "image/png" in refused["image.html"]


def test_cookie_on_redirect_challenge_is_solved_by_the_cookie_jar(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    hits = portal.hits_for(hanweb_path("cookie"))
    assert [hit.status for hit in hits] == [302, 200]
    assert "带 cookie 才能看到" in decode_bytes(pages_by_url(settings)[portal.url(hanweb_path("cookie"))].content)[0]


def test_meta_refresh_stub_is_followed(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    page = pages_by_url(settings)[portal.url("/art/stub.html")]
    assert page.headers["X-Govsearch-Final-Url"] == portal.url("/art/real.html")
    assert "跳转后的正文" in decode_bytes(page.content)[0]


def test_retry_after_is_honoured(crawled):
    portal, _settings, _summary, _lines, _elapsed = crawled
    first, second = portal.hits_for("/art/busy.html")
    assert first.status == 503 and second.status == 200
    assert second.at - first.at >= 0.95


def test_only_http_and_named_user_agent(crawled):
    portal, settings, _summary, _lines, _elapsed = crawled
    assert not any("ftp_report" in hit.path for hit in portal.hits)
    assert {hit.headers.get("User-Agent") for hit in portal.hits} == {settings.crawl_user_agent}


def test_summary_and_progress(crawled):
    _portal, _settings, summary, lines, elapsed = crawled
    # 6 Hanweb reports + 4 attachments (docx, pdf, doc, guessed docx) + 6 TRS reports + Retry-After and meta-refresh pages.
    assert summary.new == 18 and summary.attachments == 4
    assert summary.failed == 1 and summary.refused == 5 and summary.blocked == 2
    assert lines and lines[0].startswith("fetched ") and "/min), queued " in lines[0] and "errors" in lines[-1]
    assert elapsed < 12


def test_recrawl_uses_conditional_get_and_tracks_changes(tmp_path):
    portal = build_portal(FakePortal()).start()
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        profiles = portal_profiles(portal)[1:]  # the TRS column is enough here
        first = run_crawl(settings, profiles)
        handed = [page.url for page in pending_pages(settings)]
        assert mark_ingested(settings, handed) == len(handed) == first.new == 8
        assert list(pending_pages(settings)) == []
        changed_url = "/xxgk/fzzfjs/202303/t20230301_01.html"
        gone_url = "/xxgk/fzzfjs/202303/t20230301_02.html"
        portal.page(changed_url, "<html><body>修订后的法治政府建设年度报告</body></html>")
        del portal.routes[gone_url]
        before = len(portal.hits)
        second = run_crawl(settings, profiles)
        recrawl_hits = portal.hits[before:]
        conditional = [h for h in recrawl_hits if "If-None-Match" in h.headers]
        assert conditional and all(h.status in (304, 200, 404) for h in conditional)
        assert second.changed == 1 and second.gone == 1 and second.unchanged == 6
        assert [page.url for page in pending_pages(settings)] == [portal.url(changed_url)]
        from search.crawl import url_histories

        assert [row["url"] for row in url_histories(settings, gone_only=True)] == [portal.url(gone_url)]
        history = url_history(settings, portal.url(gone_url))
        assert history["gone_at"] and history["first_seen"] <= history["gone_at"]
        changed = url_history(settings, portal.url(changed_url))
        assert changed["last_changed"] >= changed["first_seen"]
    finally:
        portal.stop()


def small_portal(reports: dict[str, object], robots: object = None) -> FakePortal:
    """A one-list portal: /list.html links to each report path; routes are pages or callables."""
    from portal.server import Reply

    portal = FakePortal()
    links = "".join(f'<a href="{path}">2022年法治政府建设年度报告{n}</a>' for n, path in enumerate(reports))
    portal.page("/list.html", f"<html><body>{links}</body></html>")
    for path, route in reports.items():
        if callable(route):
            portal.add(path, route)
        else:
            portal.page(path, route)
    if robots is not None:
        portal.add("/robots.txt", robots if callable(robots) else (lambda request: Reply(200, robots.encode(), {})))
    return portal.start()


def one_profile(portal: FakePortal, **overrides):
    values = {"name": "small", "start_urls": [portal.url("/list.html")], "report_title_patterns": TITLES,
              "delay": 0.001, "max_delay": 0.05, "timeout": 0.5, "retries": 2, **overrides}
    return profile_from_dict(values, "test")


def test_long_retry_after_ends_the_tries_for_this_run(tmp_path):
    from portal.server import Reply

    portal = small_portal({"/a.html": lambda request: Reply(503, b"busy", {"Retry-After": "3600"})})
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        started = time.monotonic()
        summary = run_crawl(settings, [one_profile(portal)])
        assert time.monotonic() - started < 3
        assert len(portal.hits_for("/a.html")) == 1 and summary.failed == 1
        assert "3600" in summary.problems[0][2]
    finally:
        portal.stop()


def test_forbidden_robots_txt_allows_everything_and_crawl_delay_is_honoured(tmp_path):
    from portal.server import Reply

    body = "<html><body><div id='zoom'>正文</div></body></html>"
    portal = small_portal({"/a.html": body, "/b.html": body}, robots=lambda request: Reply(403, b"no", {}))
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        assert run_crawl(settings, [one_profile(portal)]).new == 2
    finally:
        portal.stop()
    portal = small_portal({"/a.html": body, "/b.html": body}, robots="User-agent: *\nCrawl-delay: 0.3\n")
    try:
        settings = load_settings({"data_dir": str(tmp_path / "delay")}, environ={})
        assert run_crawl(settings, [one_profile(portal, max_delay=1.0)]).new == 2
        times = [hit.at for hit in portal.hits if hit.path != "/robots.txt"]
        assert all(later - earlier >= 0.28 for earlier, later in zip(times, times[1:]))
    finally:
        portal.stop()


def test_max_pages_and_a_host_that_keeps_challenging(tmp_path):
    from portal.server import Reply

    challenge = lambda request: Reply(412, b"<script>$_ts=window['$_ts']</script>", {})  # noqa: E731
    portal = small_portal({f"/c{n}.html": challenge for n in range(6)})
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        summary = run_crawl(settings, [one_profile(portal)])
        assert summary.blocked == 3 and summary.skipped == 3  # after three challenges the host is left alone
        assert sum(1 for hit in portal.hits if hit.path.startswith("/c")) == 3
    finally:
        portal.stop()
    body = "<html><body><div id='zoom'>正文</div></body></html>"
    portal = small_portal({f"/p{n}.html": body for n in range(5)})
    try:
        settings = load_settings({"data_dir": str(tmp_path / "budget")}, environ={})
        summary = run_crawl(settings, [one_profile(portal, max_pages=2)])
        assert summary.new == 2 and summary.skipped == 3
    finally:
        portal.stop()


def test_missing_start_page_is_a_failure_not_silence(tmp_path):
    portal = FakePortal().start()
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        summary = run_crawl(settings, [one_profile(portal)])
        assert summary.failed == 1 and "404" in summary.problems[0][2]
    finally:
        portal.stop()


def test_json_list_api_with_page_param(tmp_path):
    import json as jsonlib

    from portal.server import Reply
    from portal.site import article

    portal = FakePortal()

    def api(request):
        page = int(dict(pair.split("=") for pair in request.query.split("&"))["pageNo"])
        if page == 1:
            data = {"data": {"html": '<li><a href="/art/j1.html" title="某市2022年法治政府建设年度报告">某市…</a></li>'}}
        elif page == 2:
            data = {"data": {"list": [{"url": "/art/j2.html", "title": "某县2022年政府信息公开工作年度报告"}]}}
        else:
            data = {"data": {"html": ""}}
        return Reply(200, jsonlib.dumps(data, ensure_ascii=False).encode(), {"Content-Type": "application/json"})

    portal.add("/api/list", api)
    portal.page("/art/j1.html", article("某市2022年法治政府建设年度报告", "接口列表一"))
    portal.page("/art/j2.html", article("某县2022年政府信息公开工作年度报告", "接口列表二"))
    portal.start()
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        profile = profile_from_dict({"name": "api", "start_urls": [portal.url("/api/list?unitId=1&pageNo=1")],
                                     "page_param": "pageNo", "report_title_patterns": TITLES, "delay": 0.001},
                                    "test")
        summary = run_crawl(settings, [profile])
        assert summary.new == 2
        pages = [hit.path for hit in portal.hits if hit.path.startswith("/api/list")]
        assert pages == ["/api/list?unitId=1&pageNo=1", "/api/list?unitId=1&pageNo=2", "/api/list?unitId=1&pageNo=3"]
    finally:
        portal.stop()


def test_last_modified_conditional_get(tmp_path):
    from portal.server import Reply
    from portal.site import article

    stamp = "Wed, 01 Mar 2023 08:00:00 GMT"
    body = article("某区2022年法治政府建设年度报告", "只有 Last-Modified 的页面").encode()

    def route(request):
        if request.headers.get("If-Modified-Since") == stamp:
            return Reply(304, b"", {})
        return Reply(200, body, {"Content-Type": "text/html; charset=utf-8", "Last-Modified": stamp})

    portal = small_portal({"/lm.html": route})
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        assert run_crawl(settings, [one_profile(portal)]).new == 1
        mark_ingested(settings, [page.url for page in pending_pages(settings)])
        second = run_crawl(settings, [one_profile(portal)])
        assert second.unchanged == 1 and [h.status for h in portal.hits_for("/lm.html")] == [200, 304]
        assert list(pending_pages(settings)) == []
    finally:
        portal.stop()


def test_list_entry_that_is_the_document_itself(tmp_path):
    from portal.documents import make_pdf
    from portal.server import Reply

    pdf = make_pdf(["某区2022年法治政府建设年度报告", "一、主要举措和成效"])
    portal = small_portal({"/files/report.pdf": lambda request: Reply(200, pdf, {"Content-Type": "application/pdf"})})
    try:
        settings = load_settings({"data_dir": str(tmp_path)}, environ={})
        assert run_crawl(settings, [one_profile(portal)]).new == 1
        (page,) = list(pending_pages(settings))
        assert page.content_type == "application/pdf" and page.content == pdf
        assert page.headers["X-Govsearch-Link-Text"].startswith("2022年法治政府建设年度报告")
    finally:
        portal.stop()
