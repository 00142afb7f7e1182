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
    assert set(payload["facets"]) == {"region", "report_year", "topic", "report_kind"}
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
