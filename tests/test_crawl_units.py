"""The crawler's small parts: profiles, link and pagination parsing, challenge detection, timing, the command."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.crawl.command import crawl_command
from search.crawl.fetch import challenge_reason, document_type_from_name, retry_after_seconds, sniff_document_type
from search.crawl.links import attachment_links, hanweb_pages, page_links, trs_pages
from search.crawl.politeness import HostSlot
from search.crawl.profiles import load_profile, one_off_profile, profile_from_dict
from search.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
BASE = {"start_urls": ["https://www.example.gov.cn/col/col1/index.html"], "report_title_patterns": ["报告"]}


@pytest.mark.parametrize("path", sorted((REPO / "profiles").glob("*.toml")), ids=lambda p: p.name)
def test_example_profiles_load(path):
    profile = load_profile(path)
    assert profile.name == path.stem and profile.start_urls and profile.allowed_hosts


def test_unknown_profile_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('start_urls = ["https://a.gov.cn/"]\nreport_title_patterns = ["报告"]\nmax_pagse = 3\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="max_pagse"):
        load_profile(path)


@pytest.mark.parametrize("change, message", [
    ({"cms": "drupal"}, "cms"),
    ({"start_urls": ["ftp://a.gov.cn/x"]}, "http/https"),
    ({"report_title_patterns": []}, "report_url_patterns"),
    ({"report_title_patterns": ["法治("]}, "regular expression"),
    ({"allowed_hosts": ["other.gov.cn"]}, "not on an allowed host"),
    ({"delay": "fast"}, "wrong type"),
])
def test_bad_profiles_are_rejected(change, message):
    with pytest.raises(ConfigError, match=message):
        profile_from_dict({**BASE, **change}, "test")


def test_report_link_rules():
    profile = profile_from_dict({**BASE, "report_url_patterns": ["/art/"],
                                 "report_title_patterns": ["法治政府建设.*报告"]}, "test")
    assert profile.is_report_link("https://www.example.gov.cn/art/2023/3/1/art_1_2.html", "2022年法治政府建设年度报告")
    assert not profile.is_report_link("https://www.example.gov.cn/art/2023/3/1/art_1_3.html", "会议通知")
    assert not profile.is_report_link("https://www.example.gov.cn/news/1.html", "2022年法治政府建设年度报告")
    one_off = one_off_profile(["https://www.example.gov.cn/"], [], [r"/art/\d+", "信息公开工作年度报告"])
    assert one_off.is_report_link("https://www.example.gov.cn/art/2023/x.html", "")
    assert one_off.is_report_link("https://www.example.gov.cn/x.html", "2022年政府信息公开工作年度报告")
    assert one_off.allows_host("WWW.EXAMPLE.GOV.CN") and not one_off.allows_host("evil.example.com")


def test_page_links_reads_hanweb_records_and_title_attributes():
    html = ('<html><body><a href="javascript:void(0)">x</a><a href="mailto:a@b">m</a>'
            '<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/art/2023/3/1/art_1_9.html" '
            'title="某区2022年法治政府建设年度报告">某区2022年法治…</a></li>]]></record></recordset></datastore></script>'
            '<a href="../files/报告.pdf#page=2">附件</a><a href="/down.jsp?filename=a.docx">下载</a></body></html>')
    links = {link.url: link.text for link in page_links(html, "https://x.gov.cn/col/col1/index.html")}
    assert links["https://x.gov.cn/art/2023/3/1/art_1_9.html"].startswith("某区2022年法治政府建设年度报告")
    assert not any(url.startswith(("javascript", "mailto")) for url in links)
    found = {link.url for link in attachment_links(page_links(html, "https://x.gov.cn/col/col1/index.html"))}
    assert found == {"https://x.gov.cn/col/files/%E6%8A%A5%E5%91%8A.pdf", "https://x.gov.cn/down.jsp?filename=a.docx"}


def test_link_text_is_normalised_for_title_patterns():
    html = ('<a href="/a.html">２０２２年法治政府建設年度報告</a>'
            '<a href="/%E6%8A%A5%E5%91%8A.html">x</a><a href="/报告.html">报告全文</a>')
    links = page_links(html, "https://X.gov.cn/")
    assert links[0].text == "２０２２年法治政府建設年度報告"  # kept as published
    profile = profile_from_dict({**BASE, "report_title_patterns": ["^2022年法治政府建设.*报告"]}, "test")
    assert profile.is_report_link(links[0].url, links[0].text)
    assert [link.url for link in links[1:]] == ["https://x.gov.cn/%E6%8A%A5%E5%91%8A.html"]
    assert links[1].text == "报告全文"  # the longer text of the two spellings is kept


def test_hanweb_pages_from_column_and_from_dataproxy():
    column = ('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?'
              'page=1&amp;webid=3&amp;path=/&amp;columnid=77&amp;unitid=9&amp;permissiontype=0"></a>]]></nextgroup>'
              '<recordset>' + "<record><![CDATA[<li>x</li>]]></record>" * 30 + '</recordset></datastore></script>'
              '<script>jpage({perPage:10,totalRecord:95})</script>')
    urls = hanweb_pages(column, "https://x.gov.cn/col/col77/index.html", max_pages=10)
    assert [u.split("?")[1].split("&")[:2] for u in urls] == [
        ["startrecord=31", "endrecord=60"], ["startrecord=61", "endrecord=90"], ["startrecord=91", "endrecord=95"]]
    assert all("columnid=77" in u and "unitid=9" in u and "webid=3" in u for u in urls)
    # Unknown total: one request at a time until an answer comes back empty.
    proxy = "https://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=31&endrecord=60&perpage=10&columnid=77"
    answer = "<datastore><recordset>" + "<record><![CDATA[<li>x</li>]]></record>" * 30 + "</recordset></datastore>"
    assert "startrecord=61&endrecord=90" in hanweb_pages(answer, proxy, max_pages=10)[0]
    assert hanweb_pages("<datastore><recordset></recordset></datastore>", proxy, max_pages=10) == []


def test_trs_pages_variants():
    assert trs_pages('createPageHTML(3, 0, "index", "shtml");', "https://x.gov.cn/a/b/") == [
        "https://x.gov.cn/a/b/index.shtml", "https://x.gov.cn/a/b/index_1.shtml", "https://x.gov.cn/a/b/index_2.shtml"]
    assert trs_pages("<span>共2页</span>", "https://x.gov.cn/a/index_1.html") == [
        "https://x.gov.cn/a/index.html", "https://x.gov.cn/a/index_1.html"]
    assert trs_pages("no paging here", "https://x.gov.cn/a/index.html") == []


def test_challenge_detection():
    assert "412" in challenge_reason(412, {}, b"")
    assert "WZWS" in challenge_reason(200, {"Set-Cookie": "wzws_cid=1"}, b"<html></html>")
    assert "瑞数" in challenge_reason(200, {}, b"<script>$_ts=window['$_ts'];</script>")
    assert challenge_reason(200, {"Content-Type": "text/html"}, "<p>2022年法治政府建设年度报告</p>".encode()) is None


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7.0
    now = time.time()
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert 25 <= retry_after_seconds(http_date, now) <= 31
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_document_types_by_name_and_bytes():
    assert document_type_from_name("/downfile.jsp?filename=a.PDF") == "application/pdf"
    assert document_type_from_name("/a/b.docx") .endswith("wordprocessingml.document")
    assert document_type_from_name("/a/b.html") is None
    assert sniff_document_type(b"%PDF-1.7 ...", None) == "application/pdf"
    assert sniff_document_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 10, "x.wps") == "application/kswps"
    assert sniff_document_type(b"<!DOCTYPE html><html>", "x.pdf") == "text/html"


def test_adaptive_delay_follows_latency_within_bounds():
    slot = HostSlot(min_delay=0.5, max_delay=4.0, delay=0.5)
    slot.after_response(latency=3.0, ok=True)
    assert 0.5 < slot.delay <= 4.0 and slot.delay >= 3.0
    for _ in range(10):
        slot.after_response(latency=0.01, ok=True)
    assert slot.delay == pytest.approx(0.5, abs=0.01)  # never below the profile's delay
    slot.after_response(latency=0.01, ok=False)
    assert slot.delay == pytest.approx(0.5, abs=0.01)  # a fast error does not shorten it
    slot.after_response(latency=20.0, ok=False)
    assert slot.delay == 4.0  # a timeout raises it to the latency, capped at max_delay
    assert slot.backoff(1, None) == 1.0 and slot.backoff(2, None) == 2.0 and slot.backoff(1, 9.0) == 9.0
    assert slot.backoff(10, None) == 16.0  # capped at 4 × max_delay


def test_command_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    result = runner.invoke(crawl_command, ["--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "PROFILE or --start" in result.output
    result = runner.invoke(crawl_command, ["--start", "https://a.gov.cn/", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--match" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('start_urls = ["https://a.gov.cn/"]\nreport_patterns = ["x"]\nspeed = 1\n', encoding="utf-8")
    result = runner.invoke(crawl_command, [str(bad), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "speed" in result.output


def test_one_crawler_per_data_folder(tmp_path):
    from search.crawl.crawler import _exclusive, run_crawl
    from search.errors import GovsearchError
    from search.settings import load_settings

    settings = load_settings({"data_dir": str(tmp_path)}, environ={})
    profile = one_off_profile(["http://127.0.0.1:9/"], [], ["报告"])
    with _exclusive(tmp_path / "crawl.lock"):
        with pytest.raises(GovsearchError, match="another crawl is running"):
            run_crawl(settings, [profile])


def test_links_written_by_javascript_are_found():
    html = ("<script>var dataStore = ['<li><a href=\\\"/art/2023/3/1/art_5_1.html\\\" title=\\\"某市2022年政府信息公开工作年度报告\\\">"
            "某市…</a></li>'];</script><script>document.write('<a href=\\'/art/2023/3/2/art_5_2.html\\'>2022年法治政府建设年度报告</a>');</script>")
    links = {link.url: link.text for link in page_links(html, "https://x.gov.cn/col/col5/index.html")}
    assert links["https://x.gov.cn/art/2023/3/1/art_5_1.html"].startswith("某市2022年政府信息公开工作年度报告")
    assert links["https://x.gov.cn/art/2023/3/2/art_5_2.html"] == "2022年法治政府建设年度报告"


def test_default_hosts_include_the_www_twin():
    profile = profile_from_dict({**BASE, "start_urls": ["https://example.gov.cn/col/col1/index.html"]}, "test")
    assert profile.allows_host("www.example.gov.cn") and profile.allows_host("example.gov.cn")
    assert not profile.allows_host("other.gov.cn")
    assert not profile_from_dict({**BASE, "allowed_hosts": ["www.example.gov.cn"]}, "test").allows_host("example.gov.cn")


def test_crawl_delay_parsing_prefers_our_group_and_accepts_fractions():
    from search.crawl.politeness import _crawl_delay

    robots = ["User-agent: *", "Crawl-delay: 2.5", "", "User-agent: Baiduspider", "User-agent: govsearch-crawler",
              "Disallow: /x", "Crawl-delay: 7"]
    assert _crawl_delay(robots, "govsearch-crawler/0.1 (+https://example.invalid)") == 7.0
    assert _crawl_delay(robots, "othercrawler/1.0") == 2.5
    assert _crawl_delay(["User-agent: *", "Disallow:"], "x") is None


def test_hanweb_prefers_the_pages_own_column_over_side_widgets():
    column = ('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?'
              'page=1&columnid=5&unitid=1"></a>]]></nextgroup><recordset></recordset></datastore></script>'
              '<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?'
              'page=1&columnid=77&unitid=9"></a>]]></nextgroup><recordset><record><![CDATA[<li>x</li>]]></record>'
              '</recordset></datastore></script><script>totalRecord:5,perPage:1</script>')
    urls = hanweb_pages(column, "https://x.gov.cn/col/col77/index.html", max_pages=10)
    assert urls and all("columnid=77" in u and "unitid=9" in u for u in urls)


def test_protection_markers_on_a_real_page_are_not_a_challenge():
    page = ("<html><script>var _$ts=1;</script><body><div id='zoom'>" + "一、主要举措和成效。深入推进依法行政，" * 10 +
            "</div></body></html>").encode("gb18030")
    assert challenge_reason(200, {"Set-Cookie": "__jsluid_h=abc; wzws_cid=1"}, page) is None
    assert challenge_reason(521, {"Set-Cookie": "__jsluid_s=abc"}, b"<script>document.cookie=...</script>")


def test_meta_refresh_target():
    from search.crawl.fetch import meta_refresh_target

    stub = b'<html><head><meta http-equiv="refresh" content="0; url=/art/2023/3/1/art_1_2.html"></head></html>'
    assert meta_refresh_target(stub) == "/art/2023/3/1/art_1_2.html"
    assert meta_refresh_target(b"<html><head><meta charset='utf-8'></head></html>") is None


@pytest.mark.parametrize("body, name", [
    (b"<script>document.cookie='yunsuo_session_verify=1';location.reload()</script>", "Yunsuo"),
    (b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script>", "Cloudflare"),
    ("<noscript>请开启JavaScript并刷新该页</noscript>".encode(), "JavaScript"),
    ("<noscript>请开启JavaScript并刷新该页</noscript>".encode("gbk"), "JavaScript"),
])
def test_other_challenge_pages(body, name):
    assert name in challenge_reason(200, {}, body)


def test_probable_attachments_need_attachment_text_and_a_download_url():
    from search.crawl.links import Link, probable_attachment_links

    links = [Link("https://x.gov.cn/xxgk/download?fileId=7", "附件1：年度报告"),
             Link("https://x.gov.cn/art/2023/3/1/art_1_2.html", "附件说明"),
             Link("https://x.gov.cn/download?fileId=8", "下一篇"),
             Link("https://x.gov.cn/attach/a.pdf", "附件.pdf")]
    assert [link.url for link in probable_attachment_links(links)] == ["https://x.gov.cn/xxgk/download?fileId=7"]
