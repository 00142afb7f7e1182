"""Text as published, end to end (issue 18): what a researcher quotes is what the page printed.

A page with full-width punctuation is imported; its paragraph must come back with the same
characters from /api/reports/<id>, on the report page, in the CSV export and in an alert
email, and a query typed with half-width punctuation must still find it.
"""
from __future__ import annotations

import csv
import email
import io
import socket
from contextlib import contextmanager
from email import policy
from html import unescape

from aiosmtpd.controller import Controller

from search.alerts.db import AlertsDB, Filters
from search.engine import SearchRequest, WhooshEngine
from search.pipeline import import_paths, reindex
from search.settings import load_settings
from search.store import utc_now

PUBLISHED = "全年办理行政复议案件１２００件，推行“紫藤萝调解”机制（含诉前调解）；纠错率12%：较上年提高３个百分点。"
PAGE = f"""<html><head><meta charset="utf-8"><title>甲城市2024年法治政府建设年度报告</title></head><body>
<h1>甲城市人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年，甲城市坚持以习近平法治思想为指导，全面推进依法行政，法治政府建设取得新进展。</p>
<p>一、主要举措和成效</p>
<p>{PUBLISHED}</p>
<p>二、存在的不足和原因</p>
<p>基层执法队伍专业化水平有待提高，个别部门依法决策意识不强。</p>
</div></body></html>"""


def unmarked(html: str) -> str:
    return html.replace("<mark>", "").replace("</mark>", "")


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, controller.handler
    finally:
        controller.stop()


def test_a_paragraph_keeps_its_own_characters_everywhere_it_is_shown(tmp_path):
    page = tmp_path / "pages" / "a.html"
    page.parent.mkdir()
    page.write_text(PAGE, encoding="utf-8")
    with smtp_server() as (port, mailbox):
        settings = load_settings({"data_dir": str(tmp_path / "data"), "base_url": "http://govsearch.test",
                                  "smtp_host": "127.0.0.1", "smtp_port": port}, environ={})
        with AlertsDB.open(settings.data_dir) as db:
            user = db.create_user("reader@example.org", "not-a-real-hash", utc_now())
            db.add_saved_query(user.id, "紫藤萝", "紫藤萝调解", Filters(), "immediate", True, False, None, utc_now())
        summary = import_paths(settings, [page])
        assert len(summary.added) == 1
        reindex(settings)  # runs the alerts
        assert len(mailbox.messages) == 1

    # the engine: a query typed with half-width punctuation finds the full-width text
    engine = WhooshEngine(settings.data_dir)
    for query in ('"1200件,推行"', "紫藤萝调解 (含诉前调解)", '"纠错率12%:较上年"'):
        hits = engine.search(SearchRequest(query=query)).hits
        assert hits and hits[0].text == PUBLISHED, query
    hit = engine.search(SearchRequest(query="紫藤萝调解")).hits[0]
    assert "<mark>紫藤萝调解</mark>" in hit.highlight and "，推行“" in unescape(hit.highlight)

    from web import create_app

    client = create_app(settings, {"TESTING": True}).test_client()
    report = client.get(f"/api/reports/{hit.report_id}").get_json()
    assert PUBLISHED in [paragraph["text"] for paragraph in report["paragraphs"]]
    assert report["paragraphs"][0]["text"].startswith("2024年，甲城市坚持")

    html = client.get(f"/report/{hit.report_id}?q=紫藤萝调解").get_data(as_text=True)
    assert "推行“<mark>紫藤萝调解</mark>”机制（含诉前" in html
    assert PUBLISHED in unmarked(html)

    exported = client.get("/export.csv?q=紫藤萝调解").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0]["text"] == PUBLISHED

    message = mailbox.messages[0]
    assert PUBLISHED[:60] in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<mark>紫藤萝调解</mark>”机制（含诉前" in html and PUBLISHED in unmarked(html)
