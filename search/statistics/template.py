"""The 信息公开 template's tables as data: row and column patterns from search/data/statistics.toml."""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..normalize import search_form

_FILE = Path(__file__).resolve().parent.parent / "data" / "statistics.toml"
_SPACES = re.compile(r"\s+")


def label_form(text: str) -> str:
    """A label as the patterns read it: normalised, simplified, without spaces (商业 企业 → 商业企业).

    >>> label_form("（七）总　计")
    '(七)总计'
    """
    return _SPACES.sub("", search_form(text))


@dataclass(frozen=True)
class Pattern:
    """A key and the pattern that finds it."""

    key: str
    pattern: re.Pattern[str]
    group: str | None = None
    result: bool = False  # an item of 三、本年度办理结果 (adds up to (七)总计)
    per_column: bool = False  # keep the row's figure for each applicant column too

    def finds(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def first(patterns: tuple[Pattern, ...], text: str) -> Pattern | None:
    """The first pattern that finds something in the text."""
    return next((p for p in patterns if p.finds(text)), None)


@dataclass(frozen=True)
class Template:
    """Everything the statistics reader knows of the two template generations."""

    application_table: re.Pattern[str]
    applicant_columns: tuple[Pattern, ...]
    application_rows: tuple[Pattern, ...]
    groups: tuple[str, ...]
    proactive_table: re.Pattern[str]
    proactive_rows: tuple[Pattern, ...]
    proactive_columns: tuple[Pattern, ...]
    proactive_positions: dict[str, dict[str, tuple[str, ...]]]  # generation → row key → column keys
    review_table: re.Pattern[str]
    review_groups: tuple[Pattern, ...]
    review_outcomes: tuple[Pattern, ...]
    review_order: tuple[str, ...]
    generations: dict[str, re.Pattern[str]]  # "2019"/"2021" → words only that generation prints
    prose: dict[str, tuple[re.Pattern[str], ...]]

    @property
    def result_rows(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.application_rows if p.result)


def _patterns(entries: list[dict]) -> tuple[Pattern, ...]:
    return tuple(Pattern(entry["key"], re.compile(entry["pattern"]), entry.get("group"), bool(entry.get("result")),
                         bool(entry.get("per_column"))) for entry in entries)


@functools.lru_cache(maxsize=1)
def template() -> Template:
    """The template vocabulary, read once."""
    with open(_FILE, "rb") as handle:
        data = tomllib.load(handle)
    applications, proactive, review = data["applications"], data["proactive"], data["review"]
    return Template(
        application_table=re.compile(applications["table"]),
        applicant_columns=_patterns(applications["columns"]),
        application_rows=_patterns(applications["rows"]),
        groups=tuple(applications["groups"]),
        proactive_table=re.compile(proactive["table"]),
        proactive_rows=_patterns(proactive["rows"]),
        proactive_columns=_patterns(proactive["columns"]),
        proactive_positions={generation: {row: tuple(columns) for row, columns in rows.items()}
                             for generation, rows in proactive["positions"].items()},
        review_table=re.compile(review["table"]),
        review_groups=_patterns(review["groups"]),
        review_outcomes=_patterns(review["outcomes"]),
        review_order=tuple(review["order"]),
        generations={generation: re.compile(words) for generation, words in data["template"].items()},
        prose={key: tuple(re.compile(p) for p in patterns) for key, patterns in data["prose"].items()},
    )


@functools.lru_cache(maxsize=1)
def _labels() -> tuple[dict[str, str], dict[str, str]]:
    with open(_FILE, "rb") as handle:
        data = tomllib.load(handle)
    return dict(data["labels"]), dict(data["column_labels"])


def figure_keys() -> list[str]:
    """Every documented figure key, in the order pages and CSV files list them (per-column keys
    after their row)."""
    labels, columns = _labels()
    keys = []
    per_column = {p.key for p in template().application_rows if p.per_column}
    for key in labels:
        keys.append(key)
        if key in per_column:
            keys.extend(f"{key}_{column}" for column in columns)
    return keys


def figure_label(key: str) -> str:
    """The Chinese name of a figure key (本年新收申请数(总计), 本年新收 · 自然人 …); the key itself when unknown."""
    labels, columns = _labels()
    if key in labels:
        return labels[key]
    for column, name in columns.items():
        if key.endswith("_" + column) and key[: -len(column) - 1] in labels:
            return f"{labels[key[: -len(column) - 1]].split('(')[0]} · {name}"
    return key
