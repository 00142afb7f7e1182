"""The cleaner's vocabulary files: each parses, and every pattern in them compiles."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from search.vocab import vocabulary

FILES = sorted(path.stem for path in (Path(__file__).resolve().parents[1] / "search" / "data" / "cleaner").glob("*.toml"))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


@pytest.mark.parametrize("name", FILES)
def test_every_vocabulary_file_parses_and_its_patterns_compile(name):
    data = vocabulary(name)
    assert data
    for text in _strings(data):
        assert text.strip() == text and text, f"{name}: blank or padded entry {text!r}"
        re.compile(text)


def test_the_files_the_cleaner_reads_are_there():
    assert {"furniture", "kinds", "titles", "spam", "header", "sections"} <= set(FILES)
