"""The command line through CliRunner, and the installed command once as a real subprocess."""
import json
import os
import subprocess
import sys
from pathlib import Path

from search.cli import cli


def _run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_import_reindex_search_json(runner, tmp_path, seed_dir):
    data = tmp_path / "d"
    result = _run(runner, "import", seed_dir, "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "5 new" in result.output
    again = _run(runner, "import", seed_dir, "--data-dir", data, "--json")
    assert json.loads(again.output)["unchanged"] and again.exit_code == 0
    assert _run(runner, "reindex", "--data-dir", data).exit_code == 0
    result = _run(runner, "search", "行政复议", "--data-dir", data, "--json", "--limit", "3")
    payload = json.loads(result.output)
    assert payload["total"] > 0 and len(payload["hits"]) == 3
    assert set(payload["facets"]) == {"region", "report_year", "topic", "report_kind", "on_time", "missing_section"}
    year = next(iter(payload["facets"]["report_year"]))
    narrowed = json.loads(_run(runner, "search", "行政复议", "--year", year, "--data-dir", data, "--json").output)
    assert narrowed["total"] == payload["facets"]["report_year"][year]


def test_search_text_output_marks_words(runner, tmp_path, seed_dir):
    data = tmp_path / "d"
    _run(runner, "import", seed_dir, "--data-dir", data, "--reindex")
    result = _run(runner, "search", "综合查一次", "--data-dir", data)
    assert "【综合查一次】" in result.output and "facets" in result.output


def test_import_failure_exit_code_1(runner, tmp_path, seed_dir):
    (seed_dir / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    result = _run(runner, "import", seed_dir, "--data-dir", tmp_path / "d")
    assert result.exit_code == 1
    assert "FAILED" in result.output and "broken.html" in result.output


def test_clean_json_contract(runner, seed_dir):
    result = _run(runner, "clean", *sorted(seed_dir.glob("*.txt")), "--json")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 5
    for report in lines:
        assert {"title", "report_kind", "issuer", "region", "report_year", "publish_date", "index_number",
                "source_url", "paragraphs"} <= set(report)
        assert set(report["region"]) == {"province", "city", "county", "code"}
        assert report["report_kind"] == "法治政府建设年度报告"
        assert all({"text", "section_path", "topics"} <= set(p) for p in report["paragraphs"])


def test_search_before_any_index_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(cli, ["search", "法治", "--data-dir", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "reindex" in result.output


def test_usage_error_exit_code_2(runner):
    assert runner.invoke(cli, ["search", "--limit", "0"]).exit_code == 2


def test_unknown_setting_in_config_is_a_usage_error(runner, tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "govsearch.toml").write_text('smtp_hots = "x"\n', encoding="utf-8")
    result = runner.invoke(cli, ["stats", "--data-dir", str(data)])
    assert result.exit_code == 2 and "smtp_hots" in result.output


def test_installed_command_runs_in_a_real_process(tmp_path, seed_dir):
    exe = Path(sys.executable).parent / "govsearch"
    env = dict(os.environ, GOVSEARCH_DATA_DIR=str(tmp_path / "d"))
    done = subprocess.run([str(exe), "import", str(seed_dir), "--reindex"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = subprocess.run([str(exe), "search", "府院联动", "--json"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert json.loads(found.stdout)["total"] > 0


# --- filters: names and ids, and values nothing can match --------------------------
def _indexed(runner, tmp_path, seed_dir):
    data = tmp_path / "d"
    assert _run(runner, "import", seed_dir, "--data-dir", data, "--reindex").exit_code == 0
    return data


def test_topic_by_chinese_name_is_the_topic_by_id(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    by_id = json.loads(_run(runner, "search", "行政复议", "--topic", "review_litigation", "--data-dir", data, "--json").output)
    by_name = json.loads(_run(runner, "search", "行政复议", "--topic", "行政复议与行政应诉", "--data-dir", data,
                              "--json").output)
    assert by_id["total"] > 0 and by_name["total"] == by_id["total"]


def test_topics_are_listed_in_help_and_by_the_topics_command(runner):
    help_text = _run(runner, "search", "--help").output
    listing = _run(runner, "topics").output
    as_json = json.loads(_run(runner, "topics", "--json").output)
    assert as_json["review_litigation"] == "行政复议与行政应诉" and len(as_json) >= 16
    for topic_id, name in as_json.items():
        assert topic_id in help_text and name in help_text
        assert f"{topic_id}" in listing and name in listing


def test_unknown_region_is_a_usage_error_naming_the_nearest(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    result = runner.invoke(cli, ["search", "行政复议", "--region", "浙江", "--data-dir", str(data)])
    assert result.exit_code == 2
    assert "'浙江'" in result.output and "nearest: 浙江省" in result.output
    wrong_parent = runner.invoke(cli, ["search", "法治", "--region", "北京/朝阳区", "--data-dir", str(data)])
    assert wrong_parent.exit_code == 2 and "北京市/朝阳区" in wrong_parent.output
    assert _run(runner, "search", "法治", "--region", "浙江省", "--data-dir", data).exit_code == 0


def test_unknown_kind_and_topic_are_usage_errors(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    kind = runner.invoke(cli, ["search", "法治", "--kind", "法治", "--data-dir", str(data)])
    assert kind.exit_code == 2 and "'法治'" in kind.output and "法治政府建设年度报告" in kind.output
    topic = runner.invoke(cli, ["search", "法治", "--topic", "复议", "--data-dir", str(data)])
    assert topic.exit_code == 2 and "review_litigation" in topic.output and "govsearch topics" in topic.output


def test_empty_year_range_is_a_usage_error(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    result = runner.invoke(cli, ["search", "法治", "--year-from", "2025", "--year-to", "2019", "--data-dir", str(data)])
    assert result.exit_code == 2 and "2025–2019" in result.output
    not_a_year = runner.invoke(cli, ["search", "法治", "--year", "20222", "--data-dir", str(data)])
    assert not_a_year.exit_code == 2 and "20222" in not_a_year.output


def test_alerts_add_checks_filters_too(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    result = runner.invoke(cli, ["alerts", "add", "--user", "a@example.org", "--name", "x", "--query", "复议",
                                 "--region", "浙江", "--data-dir", str(data)])
    assert result.exit_code == 2 and "浙江省" in result.output
    saved = _run(runner, "alerts", "add", "--user", "a@example.org", "--name", "x", "--query", "复议",
                 "--topic", "行政复议与行政应诉", "--data-dir", data, "--json")
    assert json.loads(saved.stdout.splitlines()[-1])["filters"]["topics"] == ["review_litigation"]


# --- output -------------------------------------------------------------------------
def test_text_hits_can_be_followed_up_by_report_id_and_path(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    hits = json.loads(_run(runner, "search", "综合查一次", "--data-dir", data, "--json").output)["hits"]
    text = _run(runner, "search", "综合查一次", "--data-dir", data).output
    for hit in hits:
        seq = hit["paragraph_id"].rsplit("-", 1)[1]
        assert f"report {hit['report_id']} ¶{seq} · /report/{hit['report_id']}#p{seq}" in text


def test_counts_read_as_english(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    payload = json.loads(_run(runner, "search", "府院联动", "--data-dir", data, "--json", "--group").output)
    text = _run(runner, "search", "府院联动", "--data-dir", data).output
    reports = payload["total_reports"]
    assert f"{reports} report{'s' if reports != 1 else ''} for" in text
    single = next(iter(payload["facets"]["region"]))
    one = _run(runner, "search", "府院联动", "--region", single, "--data-dir", data, "--limit", "1").output
    assert "1 reports" not in one and "1 paragraphs" not in one


def test_read_only_commands_create_no_data_folder_and_say_where_they_looked(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVSEARCH_DATA_DIR", raising=False)
    for command in (["stats"], ["search", "法治"], ["alerts", "list"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, (command, result.output)
        assert str(tmp_path / "index_data") in result.output
        assert not (tmp_path / "index_data").exists(), command


def test_stats_names_the_data_folder(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    result = json.loads(_run(runner, "stats", "--data-dir", data, "--json").output)
    assert result["data_dir"] == str(data.resolve()) and result["reports_in_store"] == 5 and result["reports"] == 5


def test_import_summary_counts_files_and_lists_each_failure_once(runner, tmp_path, seed_dir, caplog):
    (seed_dir / "broken.html").write_bytes(b"\x00\x01\x02" * 100)
    result = runner.invoke(cli, ["import", str(seed_dir), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert result.output.startswith("6 files: 5 new,") and "1 failed" in result.output
    assert result.output.count("broken.html") == 1, result.output
    assert "skipped" not in " ".join(r.getMessage() for r in caplog.records if "broken" in r.getMessage())


def test_reindex_says_what_the_alerts_step_did(runner, tmp_path, seed_dir):
    data = tmp_path / "d"
    _run(runner, "import", seed_dir, "--data-dir", data)
    first = _run(runner, "reindex", "--data-dir", data).output
    assert "alerts: run, 0 items for 0 saved queries, 0 deliveries" in first and "0 failures" in first
    assert "alerts: not run (no new or changed reports)" in _run(runner, "reindex", "--data-dir", data).output
    assert "alerts: not run (--no-alerts" in _run(runner, "reindex", "--no-alerts", "--data-dir", data).output
    payload = json.loads(_run(runner, "reindex", "--full", "--data-dir", data, "--json").output)
    assert payload["alerts"]["status"] == "nothing_new"


def test_publish_date_range(runner, tmp_path, seed_dir):
    data = _indexed(runner, tmp_path, seed_dir)
    everything = json.loads(_run(runner, "search", "法治", "--limit", "100", "--data-dir", data, "--json").output)
    dates = sorted({hit["publish_date"] for hit in everything["hits"] if hit["publish_date"]})
    low, high = dates[0], dates[-2]
    narrowed = json.loads(_run(runner, "search", "法治", "--limit", "100", "--published-from", low,
                               "--published-to", high, "--data-dir", data, "--json").output)
    assert 0 < narrowed["total"] < everything["total"]
    assert all(low <= hit["publish_date"] <= high for hit in narrowed["hits"])
    bad = runner.invoke(cli, ["search", "法治", "--published-from", "2023-02-30", "--data-dir", str(data)])
    assert bad.exit_code == 2 and "--published-from '2023-02-30'" in bad.output
    empty = runner.invoke(cli, ["search", "法治", "--published-from", "2024", "--published-to", "2023",
                                "--data-dir", str(data)])
    assert empty.exit_code == 2 and "2024-01-01–2023-12-31" in empty.output
