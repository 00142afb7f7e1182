"""Alerts end to end: a new report is imported and reindexed, and the saved query's owner hears of it.

Real servers on 127.0.0.1 only: aiosmtpd receives the emails, http.server the webhooks;
feedparser reads the Atom feed; links in the emails are followed with Flask's test client.
"""
from __future__ import annotations

import email
import json
import shutil
import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from aiosmtpd.controller import Controller

from search.alerts import run_alerts
from search.alerts.db import AlertsDB, Filters
from search.alerts.links import read_unsubscribe_token
from search.alerts.webhook import check_url
from search.pipeline import import_paths, reindex
from search.settings import load_settings
from search.store import utc_now

BASE_URL = "http://govsearch.test"


# --- fixtures and helpers -----------------------------------------------------------
@pytest.fixture(scope="module")
def base_data(indexed_data, tmp_path_factory):
    """The shared indexed seeds, copied, and one alerts run done (its ledger knows the seeds)."""
    data_dir = tmp_path_factory.mktemp("alerts-base") / "data"
    shutil.copytree(indexed_data.data_dir, data_dir)
    run_alerts(load_settings({"data_dir": str(data_dir)}, environ={}))
    return data_dir


@pytest.fixture
def data_dir(base_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(base_data, target)
    return target


def make_settings(data_dir: Path, **overrides):
    # The test webhook receivers listen on 127.0.0.1: allowed by name, the way an operator would.
    values = {"data_dir": str(data_dir), "base_url": BASE_URL, "webhook_allow_networks": "127.0.0.1/32", **overrides}
    return load_settings(values, environ={})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@contextmanager
def smtp_server(port: int):
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller.handler
    finally:
        controller.stop()


@contextmanager
def webhook_server(port: int = 0, status: int = 200):
    received: list[tuple[dict, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), json.loads(body)))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, received
    finally:
        server.shutdown()
        server.server_close()


def write_report(folder: Path, name: str, city: str, body: list[str]) -> Path:
    """A small report page, as a portal would publish it."""
    paragraphs = "\n".join(f"<p>{text}</p>" for text in body)
    page = folder / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f"""<html><head><meta charset="utf-8"><title>{city}2024年法治政府建设年度报告</title></head><body>
<h1>{city}人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年,{city}坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新进展。</p>
<p>一、主要举措和成效</p>
{paragraphs}
<p>二、存在的不足和原因</p>
<p>{city}基层执法队伍专业化水平有待提高,个别部门依法决策意识不强。</p>
</div></body></html>""", encoding="utf-8")
    return page


def new_user(settings, address="reader@example.org"):
    with AlertsDB.open(settings.data_dir) as db:
        return db.create_user(address, "not-a-real-hash", utc_now())


def save_query(settings, user, name, query, frequency="immediate", email=True, atom=True, webhook=None,
               filters=Filters()):
    with AlertsDB.open(settings.data_dir) as db:
        return db.add_saved_query(user.id, name, query, filters, frequency, email, atom, webhook, utc_now())


def import_and_reindex(settings, *pages):
    summary = import_paths(settings, pages)
    assert not summary.failed, summary.failed
    return reindex(settings)  # runs the alerts at its end


def app_client(settings):
    from web import create_app

    return create_app(settings, {"TESTING": True}).test_client()


def local(url: str) -> str:
    """An absolute link from an email or feed, as a path for the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- email --------------------------------------------------------------------------
def test_new_matching_report_is_emailed_once_with_working_links(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    saved = save_query(settings, user, "紫藤萝调解", "紫藤萝")
    page = write_report(tmp_path / "new", "a.html", "甲城市",
                        ["(一)深化行政复议体制改革。全年办理行政复议案件1200件,推行紫藤萝调解机制,纠错率12%。",
                         "(二)推进严格规范公正文明执法。开展综合查一次,减少对企业的打扰。"])
    with smtp_server(port) as mailbox:
        summary = import_and_reindex(settings, page)
        assert len(summary.added) == 1
        assert len(mailbox.messages) == 1
        again = run_alerts(settings)
        assert again.items == 0 and again.delivery.emails_sent == 0
        assert len(mailbox.messages) == 1

    message = mailbox.messages[0]
    assert "紫藤萝调解" in message["Subject"] and "甲城市人民政府" in message["Subject"]
    assert message["X-Rcpt-To"] == "reader@example.org"
    text = message.get_body(("plain",)).get_content()
    assert "紫藤萝调解" in text and "甲城市人民政府关于2024年度法治政府建设工作情况的报告" in text
    assert "推行紫藤萝调解机制" in text
    with AlertsDB.open(settings.data_dir) as db:
        [(item, _)] = db.items(user.id)
        assert db.delivery_states(item.id) == {"email": "delivered"}
    assert message["Message-ID"] == f"<{item.id}@govsearch.test>"

    links = [word for word in text.split() if word.startswith(BASE_URL + "/report/")]
    assert links and all(f"/report/{item.report_id}?" in link for link in links)
    client = app_client(settings)
    response = client.get(local(links[0]))
    assert response.status_code == 200
    seq = links[0].rsplit("#p", 1)[1]
    page_html = response.get_data(as_text=True)
    assert f'id="p{seq}"' in page_html and "<mark>紫藤萝</mark>" in page_html
    html = message.get_body(("html",)).get_content()
    assert "<mark>紫藤萝</mark>" in html and saved.name in html


def test_nothing_fires_for_unmatched_old_or_unchanged_reports(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "行政复议", "行政复议")  # matches the seeds, which are older than the query
    save_query(settings, user, "无关词", "龙舌兰")
    with smtp_server(port) as mailbox:
        first = run_alerts(settings)
        full = reindex(settings, full=True)  # unchanged reports: nothing new
        assert not full.added and not full.updated
        third = run_alerts(settings)
        other = write_report(tmp_path / "new", "b.html", "乙城市", ["(一)推进政务公开,主动公开政府信息3200条。"])
        fourth_summary = import_and_reindex(settings, other)
        fourth = run_alerts(settings)
    assert first.items == third.items == fourth.items == 0
    assert len(fourth_summary.added) == 1
    assert mailbox.messages == []


def test_filters_and_pause_are_respected(data_dir, tmp_path):
    settings = make_settings(data_dir)
    user = new_user(settings)
    save_query(settings, user, "浙江限定", "紫藤萝", email=False, filters=Filters(regions=("浙江省",)))
    paused = save_query(settings, user, "已暂停", "紫藤萝", email=False)
    live = save_query(settings, user, "全国", "紫藤萝", email=False, filters=Filters(years=("2024",)))
    with AlertsDB.open(settings.data_dir) as db:
        db.update_saved_query(paused.id, utc_now(), active=False)
    page = write_report(tmp_path / "new", "c.html", "丙城市", ["(一)推行紫藤萝调解机制,化解行政争议。"])
    import_and_reindex(settings, page)
    with AlertsDB.open(settings.data_dir) as db:
        fired = {query.name for _item, query in db.items(user.id)}
    assert fired == {live.name}


def test_smtp_down_then_up_sends_exactly_one_email(data_dir, tmp_path):
    port = free_port()  # nothing listens here yet: connection refused
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝")
    page = write_report(tmp_path / "new", "d.html", "丁城市", ["(一)推行紫藤萝调解机制,化解行政争议。"])
    import_and_reindex(settings, page)
    down = run_alerts(settings)
    assert not down.ok and down.delivery.emails_sent == 0
    with AlertsDB.open(settings.data_dir) as db:
        [(item, _)] = db.items(user.id)
        assert db.delivery_states(item.id) == {"email": "pending"}
    with smtp_server(port) as mailbox:
        up = run_alerts(settings)
        later = run_alerts(settings)
    assert up.ok and up.delivery.emails_sent == 1 and later.delivery.emails_sent == 0
    assert len(mailbox.messages) == 1 and "丁城市" in mailbox.messages[0]["Subject"]


def test_items_recorded_before_a_crash_are_delivered_by_the_next_run(data_dir, tmp_path, monkeypatch):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝")
    import_paths(settings, [write_report(tmp_path / "new", "e.html", "戊城市", ["(一)推行紫藤萝调解机制。"])])
    reindex(settings, run_alerts=False)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed after the items were recorded")

    monkeypatch.setattr("search.alerts.runner.deliver_pending", killed)
    with pytest.raises(KeyboardInterrupt):
        run_alerts(settings)
    monkeypatch.undo()
    with smtp_server(port) as mailbox:
        resumed = run_alerts(settings)
    assert resumed.items == 0 and resumed.delivery.emails_sent == 1
    assert len(mailbox.messages) == 1


def test_daily_digest_waits_then_sends_one_email_for_several_reports(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "每日紫藤萝", "紫藤萝", frequency="daily")
    pages = [write_report(tmp_path / "new", f"f{n}.html", city, [f"(一){city}推行紫藤萝调解机制,第{n}批。"])
             for n, city in enumerate(["庚城市", "辛城市"])]
    with smtp_server(port) as mailbox:
        import_and_reindex(settings, *pages)
        now = datetime.now(timezone.utc)
        assert run_alerts(settings, now=now).delivery.waiting == 2
        assert mailbox.messages == []
        digest = run_alerts(settings, now=now + timedelta(days=1, minutes=1))
        after = run_alerts(settings, now=now + timedelta(days=1, minutes=2))
    assert digest.delivery.emails_sent == 1 and digest.delivery.items_emailed == 2
    assert after.delivery.emails_sent == 0
    [message] = mailbox.messages
    assert "每日摘要" in message["Subject"] and "2 份报告" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "庚城市" in text and "辛城市" in text
    assert len(message["X-Govsearch-Items"].split(",")) == 2


def test_changed_report_fires_updated_only_for_new_matching_text(data_dir, tmp_path):
    settings = make_settings(data_dir)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝", email=False)
    body = ["(一)推行紫藤萝调解机制,化解行政争议。", "(二)推进政务公开,主动公开政府信息。"]
    page = write_report(tmp_path / "new", "g.html", "壬城市", body)
    import_and_reindex(settings, page)
    # Punctuation and an unrelated paragraph change: the report changed, but not what the query matches.
    write_report(tmp_path / "new", "g.html", "壬城市", ["(一)推行紫藤萝调解机制;化解行政争议!", body[1] + "全年公开3200条。"])
    cosmetic = import_and_reindex(settings, page)
    assert len(cosmetic.updated) == 1
    # A new paragraph about the query: an "updated" alert carrying just that paragraph.
    write_report(tmp_path / "new", "g.html", "壬城市", body + ["(三)紫藤萝调解机制推广到全部乡镇街道。"])
    changed = import_and_reindex(settings, page)
    assert len(changed.updated) == 1
    with AlertsDB.open(settings.data_dir) as db:
        items = [item for item, _query in db.items(user.id)]
    assert [item.kind for item in items] == ["updated", "new"]
    assert [p["text"] for p in items[0].details["paragraphs"]] == ["(三)紫藤萝调解机制推广到全部乡镇街道。"]


# --- unsubscribe, Atom, webhook -----------------------------------------------------------
def test_one_click_unsubscribe_stops_the_emails(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    saved = save_query(settings, user, "紫藤萝", "紫藤萝")
    with smtp_server(port) as mailbox:
        import_and_reindex(settings, write_report(tmp_path / "new", "h.html", "癸城市", ["(一)推行紫藤萝调解机制。"]))
        [message] = mailbox.messages
        header_url = message["List-Unsubscribe"].strip("<>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert header_url in message.get_body(("plain",)).get_content()
        assert read_unsubscribe_token(settings, header_url.rsplit("/", 1)[1]) == saved.id
        client = app_client(settings)
        shown = client.get(local(header_url))  # a GET (a link scanner) must not unsubscribe
        assert shown.status_code == 200 and "退订" in shown.get_data(as_text=True)
        with AlertsDB.open(settings.data_dir) as db:
            assert db.saved_query(saved.id).email
        done = client.post(local(header_url), data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF token
        assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
        import_and_reindex(settings, write_report(tmp_path / "new", "i.html", "子城市", ["(一)推行紫藤萝调解机制。"]))
        assert len(mailbox.messages) == 1
    with AlertsDB.open(settings.data_dir) as db:
        assert not db.saved_query(saved.id).email and len(db.items(user.id)) == 2
    assert client.get("/alerts/unsubscribe/forged-token").status_code == 404


def test_atom_feed_is_valid_and_lists_the_alerts(data_dir, tmp_path):
    settings = make_settings(data_dir)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝订阅", "紫藤萝", email=False)
    save_query(settings, user, "不进订阅源", "紫藤萝", email=False, atom=False)
    import_and_reindex(settings, write_report(tmp_path / "new", "j.html", "丑城市", ["(一)推行紫藤萝调解机制。"]))
    client = app_client(settings)
    response = client.get(f"/feeds/{user.feed_token}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    [entry] = feed.entries
    assert "紫藤萝订阅" in entry.title and "丑城市" in entry.title
    assert "<strong>紫藤萝</strong>" in entry.content[0].value
    assert client.get(local(entry.link)).status_code == 200
    assert user.feed_token not in feed.feed.id
    assert client.get("/feeds/not-the-token.atom").status_code == 404


def test_webhook_gets_json_with_idempotency_key_and_is_retried(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝钩子", "紫藤萝", email=False, webhook=f"http://127.0.0.1:{port}/hook")
    import_and_reindex(settings, write_report(tmp_path / "new", "k.html", "寅城市", ["(一)推行紫藤萝调解机制。"]))
    down = run_alerts(settings)  # nothing listens yet
    assert not down.ok and down.delivery.webhooks_sent == 0
    with webhook_server(port) as (_server, received):
        up = run_alerts(settings)
        again = run_alerts(settings)
    assert up.delivery.webhooks_sent == 1 and again.delivery.webhooks_sent == 0
    [(headers, body)] = received
    with AlertsDB.open(settings.data_dir) as db:
        [(item, _)] = db.items(user.id)
    assert headers["Idempotency-Key"] == body["id"] == item.id
    assert body["saved_query"]["name"] == "紫藤萝钩子" and body["kind"] == "new"
    assert "寅城市" in body["report"]["title"]
    assert body["paragraphs"][0]["url"].startswith(f"{BASE_URL}/report/{item.report_id}?q=")


def test_webhook_error_status_keeps_the_item_pending(data_dir, tmp_path):
    settings = make_settings(data_dir)
    user = new_user(settings)
    with webhook_server(status=503) as (server, received):
        save_query(settings, user, "钩子", "紫藤萝", email=False,
                   webhook=f"http://127.0.0.1:{server.server_address[1]}/hook")
        import_and_reindex(settings, write_report(tmp_path / "new", "l.html", "卯城市", ["(一)推行紫藤萝调解机制。"]))
        run_alerts(settings)
    assert len(received) == 2  # once after the reindex, once more on the explicit run
    with AlertsDB.open(settings.data_dir) as db:
        [(item, _)] = db.items(user.id)
        assert db.delivery_states(item.id) == {"webhook": "pending"}


def test_webhooks_to_private_addresses_are_refused_unless_allowed():
    with pytest.raises(ValueError):
        check_url("http://127.0.0.1:8080/hook")
    with pytest.raises(ValueError):
        check_url("http://10.1.2.3/hook")
    with pytest.raises(ValueError):
        check_url("file:///etc/passwd", allow_private=True)
    check_url("http://127.0.0.1:8080/hook", allow_private=True)


def test_an_item_for_a_saved_query_deleted_during_the_run_is_dropped(data_dir):
    from search.alerts.db import AlertItem, LedgerEntry

    settings = make_settings(data_dir)
    user = new_user(settings)
    saved = save_query(settings, user, "将被删除", "紫藤萝")
    with AlertsDB.open(settings.data_dir) as db:
        db.delete_saved_query(saved.id)
        item = AlertItem(id="a-gone", saved_query_id=saved.id, report_id="r1", content_hash="h1", kind="new",
                         title="t", details={}, created_at=utc_now())
        created = db.record_run([(item, ("email",))], {"r1": LedgerEntry("h1")}, [], utc_now())
        assert created == 0 and db.ledger()["r1"] == "h1"


def test_two_runs_at_once_send_one_email(data_dir, tmp_path):
    """Cron and a reindex may start runs together: the run lock makes the second find nothing left."""
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝")
    import_paths(settings, [write_report(tmp_path / "new", "m.html", "辰城市", ["(一)推行紫藤萝调解机制。"])])
    reindex(settings, run_alerts=False)
    results = []
    with smtp_server(port) as mailbox:
        runs = [threading.Thread(target=lambda: results.append(run_alerts(settings))) for _ in range(3)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=30)
    assert len(results) == 3 and sum(r.items for r in results) == 1
    assert sum(r.delivery.emails_sent for r in results) == 1 and len(mailbox.messages) == 1


def test_a_big_batch_of_immediate_alerts_comes_as_one_email(data_dir, tmp_path):
    port = free_port()
    settings = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝")
    cities = ["巳城市", "午城市", "未城市", "申城市"]
    pages = [write_report(tmp_path / "new", f"n{n}.html", city, [f"(一){city}推行紫藤萝调解机制,化解争议{n}0件。"])
             for n, city in enumerate(cities)]
    with smtp_server(port) as mailbox:
        import_and_reindex(settings, *pages)
    [message] = mailbox.messages
    assert "4 份报告" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert all(city in text for city in cities)
    assert len(message["X-Govsearch-Items"].split(",")) == 4 and message["Message-ID"].startswith("<digest-")


def test_matching_lists_every_paragraph_even_past_one_page(data_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("search.alerts.matching._HITS_PER_SEARCH", 1)  # force the per-report path
    settings = make_settings(data_dir)
    user = new_user(settings)
    save_query(settings, user, "紫藤萝", "紫藤萝", email=False)
    pages = [write_report(tmp_path / "new", "o1.html", "酉城市", ["(一)推行紫藤萝调解机制。", "(二)紫藤萝调解覆盖全部乡镇。"]),
             write_report(tmp_path / "new", "o2.html", "戌城市", ["(一)戌城市推行紫藤萝调解机制。"])]
    import_and_reindex(settings, *pages)
    with AlertsDB.open(settings.data_dir) as db:
        matches = sorted((item.title[:3], item.details["matches"]) for item, _query in db.items(user.id))
    assert matches == [("戌城市", 1), ("酉城市", 2)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_comes_from_settings_and_a_refused_login_keeps_the_item(data_dir, tmp_path):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd then answers 535 itself on failure
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"alerts", b"s3cret"), handled=False)

    port = free_port()
    wrong = make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port, smtp_user="alerts", smtp_password="nope")
    user = new_user(wrong)
    save_query(wrong, user, "紫藤萝", "紫藤萝")
    import_paths(wrong, [write_report(tmp_path / "new", "p.html", "亥城市", ["(一)推行紫藤萝调解机制。"])])
    reindex(wrong, run_alerts=False)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)  # plain AUTH on loopback, test only
    controller.start()
    try:
        refused = run_alerts(wrong)
        right = run_alerts(make_settings(data_dir, smtp_host="127.0.0.1", smtp_port=port, smtp_user="alerts",
                                         smtp_password="s3cret"))
    finally:
        controller.stop()
    assert not refused.ok and "SMTPAuthenticationError" in refused.delivery.failures[0]
    assert right.ok and right.delivery.emails_sent == 1 and len(mailbox.messages) == 1
