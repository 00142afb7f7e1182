"""The blind set: pages labelled by hand before the cleaner ever ran on them (tests/data/cleaner/blind/)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _accuracy():
    spec = importlib.util.spec_from_file_location("govsearch_accuracy_blind", ROOT / "scripts" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ACCURACY = _accuracy()
CASES = [case for name, folder in ACCURACY.SETS.items() if name.startswith("blind")
         for case in ACCURACY.load_cases(folder)]


def test_blind_set_is_there_and_reviewed():
    assert len(CASES) >= 30
    assert all(case.get("reviewed") for case in CASES)
    assert all("BLIND" in case.get("note", "") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["golden"] for case in CASES])
def test_blind_page(case):
    if case.get("expect_error"):
        with pytest.raises(ACCURACY.ExtractError, match=case["expect_error"]):
            ACCURACY.clean_case(case)
        return
    report = ACCURACY.clean_case(case)
    actual = ACCURACY.actual_fields(report)
    expected = case.get("expected", {})
    checks = ACCURACY.compare(expected, actual)
    checks.update(ACCURACY.extra_checks(case, report))
    wrong = {name: (expected.get(name), actual.get(name)) for name, ok in checks.items() if not ok}
    assert not wrong
    assert ACCURACY.hygiene(report) == []


def test_accuracy_script_reports_both_sets(capsys):
    assert ACCURACY.main(["--set", "blind", "--set", "blind2", "--set", "development"]) == 0
    out = capsys.readouterr().out
    assert "development" in out and "blind" in out and "ALL FIELDS" in out
