"""Undecodable bytes on the command line (issue 13, defect 8): `govsearch search $'\\xff\\xfe法治'` searched
with the bytes replaced and a warning, never a UnicodeEncodeError from opencc or SQLite."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import click
import pytest

from search.cli import Text, cli

UNDECODABLE = "\udcff\udcfe法治"  # what Python makes of the bytes ff fe e6 b3 95 e6 b2 bb in a UTF-8 locale


def commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


def test_every_text_argument_and_option_of_every_command_is_decoded_safely():
    plain = [(name, param.name) for name, command in commands(cli) for param in command.params
             if type(param.type) is click.types.StringParamType]
    assert plain == []
    texts = {(name, param.name) for name, command in commands(cli) for param in command.params
             if isinstance(param.type, Text)}
    assert {("search", "query"), ("search", "regions"), ("alerts add", "name"), ("alerts add", "query"),
            ("crawl", "start_urls")} <= texts


@pytest.fixture
def data_dir(indexed_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, target)
    return str(target)


def test_search_with_undecodable_bytes_searches_the_rest(runner, data_dir):
    result = runner.invoke(cli, ["search", UNDECODABLE, "--json", "--data-dir", data_dir], catch_exceptions=False)
    assert result.exit_code == 0
    assert "replaced with \ufffd" in result.stderr and "\ufffd\ufffd法治" in result.stderr
    assert "法治" in json.loads(result.stdout)["interpretation"]
    # In a filter the replaced text is checked like any other value: a usage error that names it.
    region = runner.invoke(cli, ["search", "法治", "--region", "\udcff浙江省", "--data-dir", data_dir],
                           catch_exceptions=False)
    assert region.exit_code == 2 and "\ufffd浙江省" in region.stderr and "Traceback" not in region.output


def test_alerts_add_with_undecodable_bytes_stores_readable_text(runner, data_dir):
    result = runner.invoke(cli, ["alerts", "add", "--user", "x@example.org", "--name", "b\udcffad", "--query",
                                 UNDECODABLE, "--json", "--data-dir", data_dir], catch_exceptions=False)
    assert result.exit_code == 0
    saved = json.loads(result.stdout)
    assert (saved["name"], saved["query"]) == ("b\ufffdad", "\ufffd\ufffd法治")


def test_the_installed_command_given_raw_bytes(data_dir):
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    argv = [sys.executable, "-m", "search", "search", b"\xff\xfe\xe6\xb3\x95\xe6\xb2\xbb", "--data-dir", data_dir,
            "--limit", "1"]
    done = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr and "replaced with \ufffd".encode() in done.stderr
    assert "paragraphs in".encode() in done.stdout
