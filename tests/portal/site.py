"""The fake portal's content: a Hanweb column, a TRS column and every awkward page a real portal has."""
from __future__ import annotations

import time
from html import escape

from .documents import LEGACY_DOC, make_docx, make_pdf
from .server import FakePortal, Reply, Request

DOCX_PHRASE = "综合查一次执法改革成效显著"
PDF_PHRASE = "府院联动机制全面建立"
GBK_PHRASE = "喆堃镕法治政府建设成效"  # 喆 堃 镕 are outside GB2312: only gb18030 decodes them
HANWEB_COLUMN = "/col/col1229/index.html"
TRS_COLUMN = "/xxgk/fzzfjs/index.html"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

CHALLENGE_412 = ("<html><head><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1234;</script>"
                 "</head><body></body></html>")
CHALLENGE_WZWS = ("<html><script>var wzwschallenge='abc';document.cookie='wzws_cid=1';"
                  "location.href='/WZWSREabc';</script></html>")


def report_paragraphs(phrase: str) -> list[str]:
    """The body of a 法治政府建设年度报告 in the mandated order, with ``phrase`` in its first section."""
    return [
        "一、主要举措和成效",
        f"（一）坚持依法全面履行政府职能。{phrase}。全年制定出台优化营商环境政策措施12项，"
        "推行涉企轻微违法行为免罚清单，办理行政许可事项3215件，按时办结率100%。",
        "（二）严格规范公正文明执法。深化行政执法三项制度，开展行政执法案卷评查两次，"
        "评查案卷186卷，发现并整改问题23个，行政复议纠错率保持在合理区间。",
        "二、存在的不足和原因",
        "一是部分执法人员法治意识有待提升；二是基层法治力量仍较薄弱，法律顾问作用发挥不够充分。",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "区政府主要负责人专题研究法治政府建设工作4次，带头开展学法活动，带头出庭应诉行政案件2件。",
        "四、下一年度主要安排",
        "持续推进法治政府建设示范创建，完善重大行政决策程序，加强行政执法监督，提升依法行政水平。",
    ]


def article(title: str, body: str, extra: str = "", charset: str | None = "utf-8") -> str:
    """An article page in the Hanweb/TRS manner: meta tags, a #zoom container, a report body."""
    meta = f'<meta charset="{charset}">' if charset else ""
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in report_paragraphs(body))
    return (f"<html><head>{meta}<title>{escape(title)}</title><meta name=\"ArticleTitle\" content=\"{escape(title)}\">"
            f"</head><body><div class=\"nav\">首页 &gt; 法治政府</div><h1>{escape(title)}</h1>"
            f"<div id=\"zoom\">{paragraphs}{extra}</div><div class=\"footer\">主办单位：某某区人民政府办公室</div>"
            f"</body></html>")


def link_only_article(title: str, links: str) -> str:
    """A report page that is only a link to the report as an attachment."""
    return (f"<html><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
            f"<div id=\"zoom\">{links}</div></body></html>")


def _li(href: str, title: str) -> str:
    return f'<li><a href="{href}" title="{escape(title)}" target="_blank">{escape(title[:12])}…</a><span>2023-03-01</span></li>'


# (slug, title): the Hanweb column's records in order; 9 records, 3 embedded, 6 via dataproxy.
HANWEB_RECORDS = [
    ("art_1229_1", "某某区人民政府2022年法治政府建设年度报告"),
    ("art_1229_2", "关于召开全区安全生产会议的通知"),  # not a report: never fetched
    ("art_1229_3", "某某区2022年政府信息公开工作年度报告"),
    ("dup_a", "某某区司法局2022年法治政府建设年度报告"),
    ("dup_b", "某某区司法局2022年法治政府建设年度报告（转载）"),
    ("flaky", "某某区城管局2022年法治政府建设年度报告"),
    ("slow", "某某区交通局2022年法治政府建设年度报告"),
    ("moved", "某某区水利局2022年法治政府建设年度报告"),
    ("cookie", "某某区民政局2022年法治政府建设年度报告"),
]
SPECIAL_LINKS = [  # extra report links on the first TRS page
    ("/private/secret.html", "某某区保密局2022年法治政府建设年度报告"),       # robots.txt disallows
    ("/art/challenge412.html", "某某区财政局2022年法治政府建设年度报告"),     # HTTP 412 challenge
    ("/art/challenge_wzws.html", "某某区审计局2022年法治政府建设年度报告"),   # WZWS challenge
    ("/art/huge.html", "某某区统计局2022年法治政府建设年度报告"),             # 20 MB, no length
    ("/art/huge_len.html", "某某区档案局2022年法治政府建设年度报告"),         # 20 MB, with length
    ("/art/busy.html", "某某区人社局2022年法治政府建设年度报告"),             # 503 + Retry-After
    ("/art/image.html", "某某区文旅局2022年法治政府建设年度报告"),            # image/png: wrong type
    ("ftp://127.0.0.1/ftp_report.html", "某某区林业局2022年法治政府建设年度报告"),  # not http(s)
    ("/art/stub.html", "某某区农业局2022年法治政府建设年度报告"),             # meta refresh to the report
]


def hanweb_path(slug: str) -> str:
    return f"/art/2023/3/1/{slug}.html"


def _record(slug: str, title: str) -> str:
    return f"<record><![CDATA[{_li(hanweb_path(slug), title)}]]></record>"


def _hanweb_column() -> str:
    first = "".join(_record(slug, title) for slug, title in HANWEB_RECORDS[:3])
    return (
        "<html><head><meta charset=\"utf-8\"><title>法治政府建设</title></head><body>"
        "<div id=\"4523\"><script type=\"text/xml\"><datastore>"
        "<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1229"
        "&unitid=4523&webname=%E6%9F%90%E6%9F%90%E5%8C%BA&permissiontype=0\"></a>]]></nextgroup>"
        f"<recordset>{first}</recordset></datastore></script>"
        "<script>$('#4523').jpage({dataStore:dataStore,perPage:1,totalRecord:9,groupSize:3});</script>"
        "</div></body></html>")


def _dataproxy(request: Request) -> Reply:
    params = dict(pair.split("=", 1) for pair in request.query.split("&") if "=" in pair)
    start, end = int(params.get("startrecord", 1)), int(params.get("endrecord", 3))
    assert params.get("columnid") == "1229" and params.get("unitid") == "4523", params
    records = "".join(_record(slug, title) for slug, title in HANWEB_RECORDS[start - 1:end])
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>9</totalrecord><recordset>{records}</recordset></datastore>"
    return Reply(200, body.encode("utf-8"), {"Content-Type": "text/xml;charset=UTF-8"})


def _trs_list(page: int) -> bytes:
    """TRS list page, GBK bytes, no charset anywhere."""
    items = [_li(f"./202303/t20230301_{page}{n}.html", f"某某县{page}{n}号2022年法治政府建设年度报告") for n in (1, 2)]
    if page == 0:
        items += [_li(href, title) for href, title in SPECIAL_LINKS]
    html = ("<html><head><title>法治政府建设</title></head><body><ul>" + "".join(items) + "</ul>"
            "<script>createPageHTML(3, %d, \"index\", \"html\");</script></body></html>" % page)
    return html.encode("gbk")


def _failing_then(times: int, body: str):
    def route(request: Request) -> Reply:
        if request.hit_number <= times:
            return Reply(500, b"server error", {"Content-Type": "text/plain"})
        return Reply(200, body.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    return route


def _slow(seconds: float, body: str):
    def route(request: Request) -> Reply:
        time.sleep(seconds)
        return Reply(200, body.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    return route


def _huge(with_length: bool):
    size = 20 * 1024 * 1024

    def chunks():
        block = b"<p>" + "填充".encode("utf-8") * 10_000 + b"</p>"
        sent = 0
        while sent < size:
            yield block
            sent += len(block)

    def route(request: Request) -> Reply:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if with_length:
            headers["Content-Length"] = str(size)
        return Reply(200, chunks(), headers)
    return route


def _cookie_gate(body: str):
    def route(request: Request) -> Reply:
        if "verified=1" not in request.headers.get("Cookie", ""):
            return Reply(302, b"", {"Location": hanweb_path("cookie"), "Set-Cookie": "verified=1; Path=/"})
        return Reply(200, body.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    return route


def _busy(body: str):
    def route(request: Request) -> Reply:
        if request.hit_number == 1:
            return Reply(503, b"busy", {"Retry-After": "1", "Content-Type": "text/plain"})
        return Reply(200, body.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    return route


def build_portal(portal: FakePortal) -> FakePortal:
    """Register every route; returns the portal for chaining."""
    portal.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    portal.page(HANWEB_COLUMN, _hanweb_column())
    portal.add("/module/web/jpage/dataproxy.jsp", _dataproxy)
    attachments = ('<p>附件：<a href="/picture/0/report_2022.docx">2022年法治政府建设年度报告.docx</a></p>'
                   '<p><a href="/module/download/downfile.jsp?classid=0&filename=report_2022.pdf">'
                   '2022年法治政府建设年度报告.pdf</a></p>'
                   '<p><a href="/picture/0/old_report.doc">旧版报告.doc</a></p>'
                   '<p><a href="/picture/0/broken.pdf">损坏的附件.pdf</a></p>'
                   '<p><a href="/xxgk/download?fileId=77">附件2：统计表</a></p>'
                   '<p><a href="/xxgk/download?fileId=78">附件3：说明（网页）</a></p>')
    portal.page(hanweb_path("art_1229_1"), link_only_article(HANWEB_RECORDS[0][1], attachments))
    portal.page(hanweb_path("art_1229_2"), article(HANWEB_RECORDS[1][1], "会议通知。"))
    portal.page(hanweb_path("art_1229_3"), article(HANWEB_RECORDS[2][1], "一、总体情况。本年度主动公开政府信息。"))
    duplicated = article(HANWEB_RECORDS[3][1], "一、主要举措和成效。同一份报告发在两个地址。")
    portal.page(hanweb_path("dup_a"), duplicated)
    portal.page(hanweb_path("dup_b"), duplicated)
    portal.add(hanweb_path("flaky"), _failing_then(2, article(HANWEB_RECORDS[5][1], "第三次才取到。")))
    portal.add(hanweb_path("slow"), _slow(1.0, article(HANWEB_RECORDS[6][1], "太慢了。")))
    portal.add(hanweb_path("moved"), lambda request: Reply(302, b"", {"Location": f"http://localhost:{portal.port}/evil.html"}))
    portal.page("/evil.html", article("外站", "不应被请求。"))
    portal.add(hanweb_path("cookie"), _cookie_gate(article(HANWEB_RECORDS[8][1], "带 cookie 才能看到。")))
    docx_bytes = make_docx(["某某区人民政府2022年法治政府建设年度报告", *report_paragraphs(DOCX_PHRASE)],
                           [["项目", "数量"], ["行政复议", "12"]])

    def hotlink_guarded(request: Request) -> Reply:
        # Download servers commonly refuse a file asked for without the page that links it.
        if not request.headers.get("Referer", "").endswith(hanweb_path("art_1229_1")):
            return Reply(403, b"forbidden", {"Content-Type": "text/plain"})
        if request.headers.get("If-None-Match") == '"docx-1"':
            return Reply(304, b"", {"ETag": '"docx-1"'})
        return Reply(200, docx_bytes, {"Content-Type": DOCX_TYPE, "ETag": '"docx-1"'})

    portal.add("/picture/0/report_2022.docx", hotlink_guarded)
    # Download servlets often label everything application/octet-stream; the bytes decide.
    portal.add("/module/download/downfile.jsp", lambda request: Reply(
        200, make_pdf(["某某区2022年法治政府建设年度报告", *report_paragraphs(PDF_PHRASE)]),
        {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=report_2022.pdf"}))
    portal.page("/picture/0/old_report.doc", LEGACY_DOC, "application/msword")
    # No extension anywhere: only the bytes say 77 is a .docx and 78 an HTML page.
    stats_docx = make_docx(["2022年法治政府建设工作统计表", "行政复议案件12件"])
    portal.add("/xxgk/download", lambda request: Reply(
        200, stats_docx, {"Content-Type": "application/octet-stream"}) if "fileId=77" in request.query else Reply(
        200, "<html><body>说明</body></html>".encode(), {"Content-Type": "text/html; charset=utf-8"}))
    portal.page("/picture/0/broken.pdf", "<html><body>文件不存在</body></html>", "text/html; charset=utf-8")
    for page in range(3):
        name = "index.html" if page == 0 else f"index_{page}.html"
        portal.page(f"/xxgk/fzzfjs/{name}", _trs_list(page), "text/html")
        for n in (1, 2):
            title = f"某某县{page}{n}号2022年法治政府建设年度报告"
            body = article(title, f"{GBK_PHRASE}第{page}{n}号。", charset=None).encode("gb18030")
            portal.page(f"/xxgk/fzzfjs/202303/t20230301_{page}{n}.html", body, "text/html")
    portal.page("/private/secret.html", article("保密", "robots.txt 不许抓。"))
    portal.add("/art/challenge412.html", lambda request: Reply(412, CHALLENGE_412.encode(), {"Content-Type": "text/html"}))
    portal.add("/art/challenge_wzws.html", lambda request: Reply(
        200, CHALLENGE_WZWS.encode(), {"Content-Type": "text/html", "Set-Cookie": "wzws_cid=abc; Path=/"}))
    portal.add("/art/huge.html", _huge(with_length=False))
    portal.add("/art/huge_len.html", _huge(with_length=True))
    portal.add("/art/busy.html", _busy(article(SPECIAL_LINKS[5][1], "稍后再来。")))
    portal.page("/art/stub.html", '<html><head><meta http-equiv="refresh" content="0;url=/art/real.html"></head></html>')
    portal.page("/art/real.html", article(SPECIAL_LINKS[8][1], "跳转后的正文。"))
    portal.page("/art/image.html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
    return portal
