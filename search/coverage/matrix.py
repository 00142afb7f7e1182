"""The region × year matrix: each expected issuer's status in each year, nested province →
city → county, with how much of each region's subtree published.

Built from the same stored assessments as a coverage list, for several years at once. The
whole country is provinces with their cities (and the county-level units directly under a
province); a province also lists its cities' counties.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ..compliance.table import assessments, refresh, years_of
from ..store import Store
from . import CoverageError, best_reports, latest_complete_year, resolve_kind, status_of
from .issuers import ExpectedIssuer, expected_issuers, find_province

MAX_YEARS = 10


class Cell(NamedTuple):
    """One year of one row (a NamedTuple: a country's matrix has tens of thousands)."""

    year: int
    status: str  # on_time | late | date_unknown | missing
    report_id: str | None
    published: int  # issuers of this row's subtree (itself included) that published this year
    expected: int

    @property
    def percent(self) -> int:
        return round(100 * self.published / self.expected) if self.expected else 0


@dataclass
class Row:
    issuer: ExpectedIssuer
    depth: int  # 0 province, 1 city (or a unit directly under its province), 2 county
    cells: list[Cell] = field(default_factory=list)
    children: list["Row"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Matrix:
    kind: str
    years: tuple[int, ...]
    province: str | None
    rows: tuple[Row, ...]  # top level: provinces (whole country) or the one province

    def flat(self) -> list[Row]:
        return [row for top in self.rows for row in top.walk()]


def matrix_years(store: Store, kind: str, today: date | None = None) -> tuple[int, ...]:
    """The years to show: those the store holds for the kind up to the latest complete one
    (gaps filled), the latest MAX_YEARS of them."""
    kind = resolve_kind(kind)
    latest = latest_complete_year(store, kind, today)
    held = [year for year in years_of(store, kind) if year <= latest + 1]
    first = min(held + [latest])
    last = max(held + [latest])
    return tuple(range(max(first, last - MAX_YEARS + 1), last + 1))


def build_matrix(store: Store, kind: str, province: str | None = None, years: tuple[int, ...] | None = None,
                 today: date | None = None) -> Matrix:
    """Statuses per expected issuer and year (one province with its counties, or every province with its cities)."""
    kind = resolve_kind(kind)
    chosen = find_province(province) if province else None
    if province and chosen is None:
        raise CoverageError(f"unknown province {province!r}")
    refresh(store)
    years = years or matrix_years(store, kind, today)
    best = {year: best_reports([a for a in found if a.report_year == year])
            for found in [assessments(store, kind, list(years), ("government",))] for year in years}
    issuers = [i for i in expected_issuers() if chosen is None or i.province_code == chosen.code]
    rows: dict[str, Row] = {}
    tops: list[Row] = []
    for issuer in issuers:
        if issuer.level == "province":
            row = Row(issuer, 0)
            tops.append(row)
        elif issuer.level == "city" or issuer.city_code is None:
            row = Row(issuer, 1)
            rows[issuer.province_code].children.append(row)
        else:
            row = Row(issuer, 2)
            rows[issuer.city_code].children.append(row)
        rows[issuer.code] = row
    for top in tops:
        _fill(top, years, best)
        if chosen is None:  # the whole country: cities, without their counties
            for child in top.children:
                child.children = []
    return Matrix(kind, tuple(years), chosen.unit if chosen else None, tuple(tops))


def _fill(row: Row, years, best) -> tuple[list[int], int]:
    """Set the row's cells (and its children's); returns published counts per year and the
    number of expected issuers in its subtree."""
    published = [0] * len(years)
    expected = 1
    for child in row.children:
        child_published, child_expected = _fill(child, years, best)
        published = [a + b for a, b in zip(published, child_published)]
        expected += child_expected
    cells = []
    code = row.issuer.code
    for index, year in enumerate(years):
        hit = best[year].get(code)
        if hit is None:
            cells.append(Cell(year, "missing", None, published[index], expected))
            continue
        published[index] += 1
        cells.append(Cell(year, status_of(hit[0]), hit[0].report_id, published[index], expected))
    row.cells = cells
    return published, expected
