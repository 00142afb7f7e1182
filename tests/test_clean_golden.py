"""Golden files: the expected report of every labelled page, compared field by field."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _accuracy():
    spec = importlib.util.spec_from_file_location("govsearch_accuracy", ROOT / "scripts" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ACCURACY = _accuracy()
CASES = ACCURACY.load_cases()


def test_every_golden_file_was_reviewed():
    assert len(CASES) >= 5
    assert all(case.get("reviewed") for case in CASES), "draft golden files must be reviewed by hand"


@pytest.mark.parametrize("case", CASES, ids=[case["golden"] for case in CASES])
def test_golden_page(case):
    if case.get("expect_error"):
        with pytest.raises(ACCURACY.ExtractError, match=case["expect_error"]):
            ACCURACY.clean_case(case)
        return
    report = ACCURACY.clean_case(case)
    actual = ACCURACY.actual_fields(report)
    expected = case["expected"]
    for name, ok in ACCURACY.compare(expected, actual).items():
        if name == "paragraphs" and not ok:
            # point at the first paragraph that differs, not at a wall of text
            for index, (want, got) in enumerate(zip(expected["paragraphs"], actual["paragraphs"])):
                assert want == got, f"paragraph {index} differs"
            assert len(expected["paragraphs"]) == len(actual["paragraphs"]), "paragraph count differs"
        assert ok, f"{name}: expected {expected.get(name)!r}, got {actual.get(name)!r}"
    assert ACCURACY.hygiene(report) == []


@pytest.mark.parametrize("case", CASES, ids=[case["golden"] for case in CASES])
def test_headings_are_not_paragraphs(case):
    if case.get("expect_error"):
        return
    report = ACCURACY.clean_case(case)
    headings = {heading for paragraph in report.paragraphs for heading in paragraph.section_path}
    assert not headings & {paragraph.text for paragraph in report.paragraphs}
