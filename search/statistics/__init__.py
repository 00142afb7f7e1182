"""信息公开 statistics as data (issue 15): the template tables read into named figures, the
template's consistency checks, and figures stated in prose.

``read_statistics(tables, lines, texts)`` gives a ``Statistics`` (search.models): figures from
the 总计 column (and more, README "Statistics" lists every key), the checks (search.statistics.checks),
and the template generation the tables follow ("2021" or "2019").
"""
from __future__ import annotations

from typing import Iterable

from ..models import Statistics, Table
from .checks import run_checks
from .prose import prose_figures
from .reader import Read, generation_of, read_stream, read_tables
from .template import label_form, template


def _fill_blank_totals(read: Read) -> bool:
    """A report that left the whole 总计 column blank: each row's total is the sum of its columns."""
    rows = read.applications
    if not rows or any(row.get("total") is not None for row in rows.values()):
        return False
    for row in rows.values():
        row["total"] = sum(value or 0 for column, value in row.items() if column != "total")
    return True


def figures_of(read: Read) -> dict[str, float | int]:
    """Named figures: each application row's 总计 (and, for some rows, each applicant column),
    the 主动公开 figures, the 复议/诉讼 outcomes and totals; blank cells read as 0."""
    spec = template()
    figures: dict[str, float | int] = {}
    for pattern in spec.application_rows:
        row = read.applications.get(pattern.key)
        if row is None:
            continue
        figures[pattern.key] = row.get("total") or 0
        if pattern.per_column:
            for column, value in row.items():
                if column != "total":
                    figures[f"{pattern.key}_{column}"] = value or 0
    for group in spec.groups:
        members = [p.key for p in spec.application_rows if p.group == group and p.key in read.applications]
        if group not in figures and members:
            figures[group] = sum(figures[key] for key in members)
    for key, value in read.proactive.items():
        figures[key] = value or 0
    for key, value in read.review.items():
        figures[key] = value or 0
    litigation = [f"{group}_total" for group in ("litigation_direct", "litigation_after_review")]
    if any(key in figures for key in litigation):
        figures["litigation_total"] = sum(figures.get(key, 0) for key in litigation)
    return figures


def read_statistics(tables: Iterable[Table], lines: Iterable[str] = (), texts: Iterable[str] = ()) -> Statistics:
    """Figures and checks of one report: its tables first, then its lines (a text dump), then its prose."""
    read = read_tables(tuple(tables))
    read = read_stream(list(lines), read)
    derived = _fill_blank_totals(read)
    figures = figures_of(read)
    figures.update(prose_figures(texts))
    generation = generation_of(label_form(" ".join(read.words)), read) if not read.empty else None
    return Statistics(figures=figures, checks=run_checks(read, derived), template=generation)


__all__ = ["read_statistics", "figures_of", "Read"]
