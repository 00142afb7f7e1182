"""The two more alert events, delivered exactly once through the same channels as matches:
a report newly reported by an expected issuer (or any issuer) of a region, kind and year; and a
report's source page changed or gone at its portal, as the crawler recorded it.

Real servers on 127.0.0.1: aiosmtpd receives the emails, http.server the webhooks.
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coverage_support import PAGES, Page, write_pages  # noqa: E402
from test_alerts import free_port, make_settings, new_user, save_query, smtp_server, webhook_server  # noqa: E402

from search.alerts import run_alerts  # noqa: E402
from search.alerts.db import AlertsDB, Filters  # noqa: E402
from search.alerts.events import event_settings, set_events  # noqa: E402
from search.crawl.state import CrawlState  # noqa: E402
from search.models import RawPage  # noqa: E402
from search.pipeline import import_paths, ingest_pages, reindex  # noqa: E402

LAW = "法治政府建设年度报告"


def stamp(minutes: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def choose(settings, saved, events, issuers="any"):
    with AlertsDB.open(settings.data_dir) as db:
        return set_events(db, saved.id, events, issuers)


def items_of(settings, user):
    with AlertsDB.open(settings.data_dir) as db:
        return [(item, db.delivery_states(item.id)) for item, _ in db.items(user.id, limit=1000)]


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


def test_newly_reported_by_expected_issuers_is_delivered_once(settings, tmp_path):
    smtp_port = free_port()
    settings = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp_port)
    user = new_user(settings)
    with webhook_server() as (server, received):
        hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
        saved = save_query(settings, user, "湖州谁发布了", "", webhook=hook,
                           filters=Filters(regions=("湖州市",), kinds=(LAW,)))
        choose(settings, saved, ["reported"], "expected")
        with smtp_server(smtp_port) as mailbox:
            assert not import_paths(settings, [write_pages(tmp_path / "pages")]).failed
            reindex(settings)  # runs the alerts
            again = run_alerts(settings)
            assert again.items == 0 and again.delivery.emails_sent == 0 and again.delivery.webhooks_sent == 0
            # Another copy of 吴兴区's 2023 report (same government, kind, year): nothing new.
            copy = Page("wuxing_2023_pdf_copy", "湖州市吴兴区人民政府", "330502", 2023, publish_date="2024-04-12", skip=(3,))
            assert not import_paths(settings, [write_pages(tmp_path / "more", [copy])]).failed
            reindex(settings)
            assert run_alerts(settings).items == 0

    found = items_of(settings, user)
    issuers = sorted(item.details["event"]["issuer"] for item, _ in found)
    # The governments' own 法治 reports in 湖州市 (not 德清县司法局, not the 信息公开 reports).
    assert issuers == sorted(["湖州市人民政府", "湖州市吴兴区人民政府", "湖州市南浔区人民政府", "长兴县人民政府",
                              "安吉县人民政府"])
    assert all(item.kind == "reported" and states == {"email": "delivered", "webhook": "delivered"}
               for item, states in found)
    # Email: one run brought five items for the saved query, so they go together, once.
    assert len(mailbox.messages) == 1
    ids = {item.id for item, _ in found}
    assert set(mailbox.messages[0]["X-Govsearch-Items"].split(", ")) == ids
    text = mailbox.messages[0].get_body(("plain",)).get_content()
    assert "新发布:湖州市吴兴区人民政府 · 逾期公开(期限 2024-03-31)" in text
    # Webhook: one POST per item, each once, with the item's id as its Idempotency-Key.
    assert sorted(headers["Idempotency-Key"] for headers, _ in received) == sorted(ids)
    late = next(body for _, body in received if body["event"]["issuer"] == "湖州市吴兴区人民政府")
    assert late["kind"] == "reported" and late["event"]["published_on_time"] is False


def test_newly_reported_by_any_issuer_includes_departments_and_only_new_reports(settings, tmp_path):
    user = new_user(settings)
    assert not import_paths(settings, [write_pages(tmp_path / "old", PAGES[:2])]).failed
    reindex(settings)  # these two are older than the saved query: they never fire
    saved = save_query(settings, user, "浙江新发布", "", email=False, filters=Filters(regions=("浙江省",), years=("2023",)))
    choose(settings, saved, ["reported"])
    assert not import_paths(settings, [write_pages(tmp_path / "new", PAGES[2:])]).failed
    reindex(settings)
    run_alerts(settings)
    found = items_of(settings, user)
    issuers = sorted(item.details["event"]["issuer"] for item, _ in found)
    assert issuers == sorted(["湖州市南浔区人民政府", "德清县司法局", "安吉县人民政府", "湖州市人民政府",
                              "湖州市发展和改革委员会"])  # 2023, any kind; 长兴 2022 and the two older reports do not fire
    with AlertsDB.open(settings.data_dir) as db:
        assert event_settings(db, saved.id).events == ("reported",)


def test_a_saved_query_that_asks_only_for_reports_gets_no_match_items(settings, tmp_path):
    user = new_user(settings)
    both = save_query(settings, user, "两种", "依法办理", email=False, filters=Filters(kinds=(LAW,)))
    only = save_query(settings, user, "只要新发布", "依法办理", email=False, filters=Filters(kinds=(LAW,)))
    choose(settings, both, ["matches", "reported"])
    choose(settings, only, ["reported"])
    assert not import_paths(settings, [write_pages(tmp_path / "pages", PAGES[:1])]).failed
    reindex(settings)
    kinds = {}
    for item, _ in items_of(settings, user):
        kinds.setdefault(item.saved_query_id, set()).add(item.kind)
    assert kinds == {both.id: {"new", "reported"}, only.id: {"reported"}}


def crawl_row(url: str) -> dict:
    return {"url": url, "kind": "report", "profile": "test", "referer": None, "link_text": None}


def test_source_changed_and_gone_are_delivered_once(settings, tmp_path):
    smtp_port = free_port()
    settings = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp_port)
    user = new_user(settings)
    pages = {page.name: page for page in PAGES}
    url_anji = "https://www.anji.gov.cn.example/art/2024/3/15/art_1_1.html"
    url_wuxing = "https://www.wuxing.gov.cn.example/art/2024/4/12/art_1_2.html"
    state = CrawlState(settings.data_dir)
    try:
        for url, page in ((url_anji, pages["anji_2023"]), (url_wuxing, pages["wuxing_2023"])):
            state.record_fetch(crawl_row(url), status=200, sha256=state.raw.put(page.html().encode()), headers={},
                               content_type="text/html", fetched_at=stamp(-60))
        summary = ingest_pages(settings, [RawPage(content=page.html().encode(), source=url, url=url,
                                                  content_type="text/html")
                                          for url, page in ((url_anji, pages["anji_2023"]),
                                                            (url_wuxing, pages["wuxing_2023"]))])
        assert len(summary.added) == 2
        reindex(settings)
        with webhook_server() as (server, received):
            hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
            # Only 安吉县's report is one this saved query finds.
            saved = save_query(settings, user, "安吉来源", "", webhook=hook, filters=Filters(regions=("安吉县",)))
            choose(settings, saved, ["source"])
            with smtp_server(smtp_port) as mailbox:
                assert run_alerts(settings).items == 0  # nothing changed since the saved query was made
                changed = pages["anji_2023"].html().replace("依法依规推进相关工作", "依法推进相关工作").encode()
                for url in (url_anji, url_wuxing):
                    state.record_fetch(crawl_row(url), status=200, sha256=state.raw.put(changed + url.encode()),
                                       headers={}, content_type="text/html", fetched_at=stamp(1))
                first = run_alerts(settings)
                assert first.items == 1
                assert run_alerts(settings).items == 0
                state.record_gone(crawl_row(url_anji), 404, stamp(2))
                second = run_alerts(settings)
                assert second.items == 1
                third = run_alerts(settings)
                assert third.items == 0 and third.delivery.emails_sent == 0 and third.delivery.webhooks_sent == 0
    finally:
        state.close()
    found = items_of(settings, user)
    assert sorted(item.kind for item, _ in found) == ["source_changed", "source_gone"]
    assert all(states == {"email": "delivered", "webhook": "delivered"} for _, states in found)
    assert all(item.details["event"]["url"] == url_anji for item, _ in found)
    assert len(mailbox.messages) == 2
    bodies = [message.get_body(("plain",)).get_content() for message in mailbox.messages]
    assert any("来源页面内容有变化" in body for body in bodies)
    assert any("来源页面已无法访问(HTTP 404)" in body for body in bodies)
    assert sorted(body["kind"] for _, body in received) == ["source_changed", "source_gone"]
    assert len({headers["Idempotency-Key"] for headers, _ in received}) == 2


def test_cli_sets_and_lists_events(settings, runner):
    from search.cli import cli

    result = runner.invoke(cli, ["alerts", "add", "--user", "me@example.org", "--name", "湖州", "--region", "湖州市",
                                 "--kind", LAW, "--event", "reported", "--issuers", "expected", "--json",
                                 "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["alerts", "list", "--data-dir", str(settings.data_dir)])
    assert "events=reported" in listed.output
    bad = runner.invoke(cli, ["alerts", "add", "--user", "me@example.org", "--name", "x", "--query", "y",
                              "--event", "everything", "--data-dir", str(settings.data_dir)])
    assert bad.exit_code == 2


def test_the_edit_page_chooses_the_events(indexed_data, tmp_path):
    import shutil

    from test_accounts import own_saved_query, token
    from web import create_app

    shutil.copytree(indexed_data.data_dir, tmp_path / "web-data")
    web_settings = make_settings(tmp_path / "web-data")
    app = create_app(web_settings, {"TESTING": True, "WTF_CSRF_ENABLED": True})
    client, saved, page = own_saved_query(app, web_settings, "owner@example.org", "/?q=行政复议&region=浙江省")
    assert "提醒哪些事件" in page and 'value="reported"' in page
    posted = client.post(f"/alerts/queries/{saved.id}", data={
        "csrf_token": token(page), "name": saved.name, "q": saved.query, "frequency": "immediate", "atom": "y",
        "region": "浙江省", "events_form": "1", "event": ["reported", "source", "bogus"], "issuers": "expected"})
    assert posted.status_code == 302
    with AlertsDB.open(web_settings.data_dir) as db:
        chosen = event_settings(db, saved.id)
    assert (chosen.events, chosen.issuers) == (("reported", "source"), "expected")
    again = client.get(f"/alerts/queries/{saved.id}").get_data(as_text=True)
    assert 'value="reported" checked' in again and 'value="matches">' in again
