"""One saved query's failure never stops the others: it is recorded on that query, shown to its owner,
and the run goes on. Also: an alerts.sqlite made before these columns existed is brought up to date."""
from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from account_support import register  # noqa: E402

from search.alerts import run_alerts  # noqa: E402
from search.alerts.db import AlertsDB, Filters  # noqa: E402
from search.cli import cli  # noqa: E402
from search.engine import WhooshEngine  # noqa: E402
from search.pipeline import import_paths, reindex  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import utc_now  # noqa: E402

BROKEN = "紫藤萝 坏检索"  # the saved query our fault injection makes the engine choke on

REPORT = """<html><head><meta charset="utf-8"><title>{city}2024年法治政府建设年度报告</title></head><body>
<h1>{city}人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年,{city}坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新进展。</p>
<p>一、主要举措和成效</p><p>(一)推行紫藤萝调解机制,化解行政争议120件,法治宣传覆盖全县。</p>
<p>二、存在的不足和原因</p><p>{city}基层执法队伍专业化水平有待提高。</p>
</div></body></html>"""


@pytest.fixture(scope="module")
def base_data(indexed_data, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("isolation-base") / "data"
    shutil.copytree(indexed_data.data_dir, data_dir)
    run_alerts(load_settings({"data_dir": str(data_dir)}, environ={}))  # the ledger knows the seeds
    return data_dir


@pytest.fixture
def settings(base_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(base_data, target)
    return load_settings({"data_dir": str(target), "base_url": "http://govsearch.test"}, environ={})


@pytest.fixture
def broken_engine(monkeypatch):
    """The engine raises for one saved query's text only (any bug a query could trigger)."""
    original = WhooshEngine.search

    def search(self, request):
        if request.query == BROKEN:
            raise RuntimeError("injected failure for this query")
        return original(self, request)

    monkeypatch.setattr(WhooshEngine, "search", search)


def new_report(tmp_path: Path, name: str, city: str) -> Path:
    page = tmp_path / "new" / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(REPORT.format(city=city), encoding="utf-8")
    return page


def add_query(settings, user_id: int, name: str, query: str):
    with AlertsDB.open(settings.data_dir) as db:
        return db.add_saved_query(user_id, name, query, Filters(), "immediate", False, True, None, utc_now())


def items_of(settings, saved_query_id: int, user_id: int) -> int:
    with AlertsDB.open(settings.data_dir) as db:
        return len(db.items(user_id, saved_query_id))


def test_a_failing_saved_query_is_recorded_and_the_others_still_fire(settings, tmp_path, broken_engine):
    from web import create_app

    app = create_app(settings, {"TESTING": True})
    owner, other = app.test_client(), app.test_client()
    register(owner, "owner@example.org")
    register(other, "other@example.org")
    with AlertsDB.open(settings.data_dir) as db:
        owner_id = db.user_by_email("owner@example.org").id
        other_id = db.user_by_email("other@example.org").id
    before = add_query(settings, other_id, "先保存的", "紫藤萝")
    broken = add_query(settings, owner_id, "出错的", BROKEN)
    after = add_query(settings, other_id, "后保存的", "调解机制")

    reindex_with(settings, new_report(tmp_path, "a.html", "甲县"))  # the alerts run at its end
    assert items_of(settings, before.id, other_id) == 1 and items_of(settings, after.id, other_id) == 1
    assert items_of(settings, broken.id, owner_id) == 0
    with AlertsDB.open(settings.data_dir) as db:
        recorded = db.saved_query(broken.id)
        assert db.saved_query(before.id).last_error is None
    assert "injected failure" in recorded.last_error and recorded.last_error_at

    listing = owner.get("/alerts/queries").get_data(as_text=True)
    assert "检索出错" in listing and "injected failure" in listing
    assert "injected failure" in owner.get(f"/alerts/queries/{broken.id}").get_data(as_text=True)
    assert "检索出错" not in other.get("/alerts/queries").get_data(as_text=True)

    # The next run goes on too, and the error stays until the query is searched successfully.
    again = run_alerts(settings)
    assert again.query_errors == {} and not again.items  # no new report: nothing searched, nothing changed
    with AlertsDB.open(settings.data_dir) as db:
        assert db.saved_query(broken.id).last_error
        db.update_saved_query(broken.id, utc_now(), query="紫藤萝")  # the owner edits it: a fresh chance
        assert db.saved_query(broken.id).last_error is None


def reindex_with(settings, *pages, run_alerts=True):
    summary = import_paths(settings, pages)
    assert not summary.failed, summary.failed
    reindex(settings, run_alerts=run_alerts)


def test_when_every_saved_query_fails_the_reports_wait_for_the_next_run(settings, tmp_path, broken_engine,
                                                                         monkeypatch):
    with AlertsDB.open(settings.data_dir) as db:
        user = db.create_user("solo@example.org", "", utc_now())
    broken = add_query(settings, user.id, "出错的", BROKEN)
    reindex_with(settings, new_report(tmp_path, "b.html", "乙县"), run_alerts=False)
    summary = run_alerts(settings)
    assert summary.query_errors.keys() == {broken.id} and not summary.ok
    with AlertsDB.open(settings.data_dir) as db:
        assert db.saved_query(broken.id).last_error
        db.update_saved_query(broken.id, utc_now(), query="紫藤萝")
    monkeypatch.undo()  # the fault is gone (say, the index was repaired)
    later = run_alerts(settings)
    assert later.ok and later.items == 1  # the report was not skipped while nothing could be searched


def test_the_original_repro_from_the_command_line(runner, settings, tmp_path):
    """`alerts add --query '法治」'`, import, reindex: every saved query still fires (issue 13, defect 1)."""
    data_dir = settings.data_dir

    def invoke(*args):
        result = runner.invoke(cli, [*args, "--data-dir", data_dir], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    invoke("alerts", "add", "--user", "x@example.org", "--name", "bad", "--query", "法治」", "--no-email")
    invoke("alerts", "add", "--user", "y@example.org", "--name", "good", "--query", "紫藤萝", "--no-email")
    invoke("import", str(new_report(tmp_path, "c.html", "丙县")))
    invoke("reindex")
    rows = [json.loads(line) for line in invoke("alerts", "list", "--json").stdout.splitlines()]
    assert {row["name"]: (row["items"], row["last_error"]) for row in rows} == {"bad": (1, None), "good": (1, None)}


OLD_SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    feed_token TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE saved_queries (id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL, query TEXT NOT NULL,
    filters TEXT NOT NULL, frequency TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly')),
    email INTEGER NOT NULL, atom INTEGER NOT NULL, webhook_url TEXT, active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_email_at TEXT);
INSERT INTO users VALUES (1, 'old@example.org', 'scrypt:x', 'feed-token-1', '2025-01-01T00:00:00+00:00');
INSERT INTO saved_queries VALUES (1, 1, '旧订阅', '行政复议', '{}', 'daily', 1, 1, NULL, 1,
    '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00', NULL);
"""


def test_an_alerts_file_from_before_gets_the_new_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "alerts.sqlite"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_SCHEMA)
    with AlertsDB.open(tmp_path) as db:
        [saved] = db.saved_queries()
        assert (saved.name, saved.query, saved.last_error) == ("旧订阅", "行政复议", None)
        db.record_query_errors({saved.id: "RuntimeError: x"}, [], utc_now())
        assert db.saved_query(saved.id).last_error == "RuntimeError: x"
        token = db.session_token(1)
        assert token and db.session_token(1) == token  # made once, then kept
    with AlertsDB.open(tmp_path) as db:  # opening again changes nothing
        assert db.user(1).email == "old@example.org" and db.session_token(1) == token
