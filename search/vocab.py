"""The cleaner's vocabulary, kept as data files in ``search/data/cleaner/`` (used by search.clean and search.structure).

Metadata labels, widget words, column names, kind cues and spam signs are words, not
code: adding one means editing a TOML file. Each file is read once, on first use.
"""
from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

_FOLDER = Path(__file__).resolve().parent / "data" / "cleaner"


@functools.lru_cache(maxsize=None)
def vocabulary(name: str) -> dict[str, Any]:
    """The parsed contents of ``search/data/cleaner/<name>.toml``."""
    with open(_FOLDER / f"{name}.toml", "rb") as handle:
        return tomllib.load(handle)


def section(name: str, *path: str) -> Any:
    """One table or list inside a vocabulary file: section("kinds", "body", "law")."""
    value: Any = vocabulary(name)
    for key in path:
        value = value[key]
    return value


@functools.lru_cache(maxsize=None)
def pattern(name: str, *path: str, flags: int = 0) -> re.Pattern[str]:
    """A list of regular-expression fragments from a vocabulary file, as one alternation."""
    entries = section(name, *path)
    return re.compile("|".join(f"(?:{entry})" for entry in entries), flags)


@functools.lru_cache(maxsize=None)
def patterns(name: str, *path: str, flags: int = 0) -> tuple[re.Pattern[str], ...]:
    """The same list compiled one pattern per entry (to count how many distinct cues match)."""
    return tuple(re.compile(entry, flags) for entry in section(name, *path))


@functools.lru_cache(maxsize=None)
def words(name: str, *path: str) -> tuple[str, ...]:
    """A plain word list from a vocabulary file, longest first (so 信息来源 wins over 来源)."""
    return tuple(sorted(section(name, *path), key=len, reverse=True))
