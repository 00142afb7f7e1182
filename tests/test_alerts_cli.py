"""`govsearch alerts list|add|run|test-email` through click's CliRunner, SMTP settings from govsearch.toml."""
from __future__ import annotations

import email
import json
import shutil
import socket
from contextlib import contextmanager
from email import policy

import pytest
from aiosmtpd.controller import Controller

from search.cli import cli


@pytest.fixture
def data_dir(indexed_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, target)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server(port: int):
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller.handler
    finally:
        controller.stop()


def configure_smtp(data_dir, port: int) -> None:
    (data_dir / "govsearch.toml").write_text(
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_sender = "alerts@govsearch.test"\n'
        'base_url = "http://govsearch.test"\n', encoding="utf-8")


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_add_list_run_and_deliver_from_the_command_line(runner, data_dir, tmp_path):
    port = free_port()
    configure_smtp(data_dir, port)
    assert invoke(runner, "alerts", "run", "--data-dir", str(data_dir)).exit_code == 0  # first run: ledger only
    added = invoke(runner, "alerts", "add", "--data-dir", str(data_dir), "--user", "cli@example.org", "--name",
                   "命令行紫藤萝", "--query", "紫藤萝", "--year", "2024", "--json")
    assert added.exit_code == 0, added.output
    saved = json.loads(added.stdout)
    assert saved["filters"]["years"] == ["2024"] and saved["email"] and saved["frequency"] == "immediate"
    listed = [json.loads(line) for line in invoke(runner, "alerts", "list", "--data-dir", str(data_dir),
                                                  "--json").stdout.splitlines()]
    assert [row["name"] for row in listed] == ["命令行紫藤萝"] and listed[0]["user"] == "cli@example.org"

    page = tmp_path / "new.html"
    page.write_text("""<html><head><meta charset="utf-8"><title>甲县2024年法治政府建设年度报告</title></head><body>
<h1>甲县人民政府关于2024年度法治政府建设工作情况的报告</h1><div class="article-content">
<p>2024年,甲县坚持以习近平法治思想为指导,全面推进依法行政。</p><p>一、主要举措和成效</p>
<p>(一)推行紫藤萝调解机制,化解行政争议120件。</p><p>二、存在的不足和原因</p><p>基层执法力量不足。</p>
</div></body></html>""", encoding="utf-8")
    assert invoke(runner, "import", "--data-dir", str(data_dir), str(page)).exit_code == 0
    assert invoke(runner, "reindex", "--data-dir", str(data_dir), "--no-alerts").exit_code == 0

    down = invoke(runner, "alerts", "run", "--data-dir", str(data_dir), "--json")  # SMTP not up yet
    assert down.exit_code == 1 and json.loads(down.stdout)["items"] == 1
    with smtp_server(port) as mailbox:
        up = invoke(runner, "alerts", "run", "--data-dir", str(data_dir), "--json")
        again = invoke(runner, "alerts", "run", "--data-dir", str(data_dir), "--json")
    assert up.exit_code == 0 and json.loads(up.stdout)["emails_sent"] == 1
    assert again.exit_code == 0 and json.loads(again.stdout)["emails_sent"] == 0
    [message] = mailbox.messages
    assert "命令行紫藤萝" in message["Subject"] and message["From"].addresses[0].addr_spec == "alerts@govsearch.test"
    listed = json.loads(invoke(runner, "alerts", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert listed["items"] == 1 and listed["pending"] == 0


def test_add_needs_a_query_or_filter_and_a_public_webhook(runner, data_dir):
    empty = runner.invoke(cli, ["alerts", "add", "--data-dir", str(data_dir), "--user", "a@example.org", "--name", "x"])
    assert empty.exit_code == 2
    private = runner.invoke(cli, ["alerts", "add", "--data-dir", str(data_dir), "--user", "a@example.org",
                                  "--name", "x", "--query", "复议", "--webhook", "http://127.0.0.1:9/hook"])
    assert private.exit_code == 2 and "non-public" in private.output


def test_test_email_reports_success_and_failure(runner, data_dir):
    port = free_port()
    configure_smtp(data_dir, port)
    failed = runner.invoke(cli, ["alerts", "test-email", "me@example.org", "--data-dir", str(data_dir)])
    assert failed.exit_code == 1 and "sending failed" in failed.output
    with smtp_server(port) as mailbox:
        sent = invoke(runner, "alerts", "test-email", "me@example.org", "--data-dir", str(data_dir))
    assert sent.exit_code == 0 and len(mailbox.messages) == 1
    assert mailbox.messages[0]["To"] == "me@example.org"
    (data_dir / "govsearch.toml").unlink()
    unconfigured = runner.invoke(cli, ["alerts", "test-email", "me@example.org", "--data-dir", str(data_dir)])
    assert unconfigured.exit_code == 1 and "smtp_host" in unconfigured.output
