"""Statistics as rows of a table: one per report, every figure and the check results.

What ``govsearch statistics``, ``/api/statistics`` and the /statistics page's CSV files give.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

from ..models import DISCLOSURE_REPORT, Region, Statistics
from ..normalize import search_form
from ..store import Store
from .template import figure_keys

BASE_COLUMNS = ("report_id", "title", "issuer", "province", "city", "county", "report_year", "publish_date",
                "template", "checks_ok", "failed_checks")


@dataclass(frozen=True)
class StatisticsRow:
    """One report's statistics with what identifies the report."""

    report_id: str
    title: str | None
    issuer: str | None
    region: Region
    report_year: int | None
    publish_date: str | None
    statistics: Statistics

    def to_dict(self) -> dict:
        return {"report_id": self.report_id, "title": self.title, "issuer": self.issuer,
                "region": self.region.to_dict(), "report_year": self.report_year, "publish_date": self.publish_date,
                "template": self.statistics.template, **self.statistics.to_dict()}


def region_matches(region: Region, wanted: str | None) -> bool:
    """True when a region filter (a province, city or county name, or a path 浙江省/杭州市) names the region."""
    if not wanted:
        return True
    wanted = search_form(wanted).strip().strip("/")
    names = [search_form(name) for name in region.names()]
    paths = ["/".join(names[: depth + 1]) for depth in range(len(names))]
    return wanted in names or wanted in paths


def statistics_rows(store: Store, kind: str = DISCLOSURE_REPORT, year: int | None = None,
                    region: str | None = None, issuer: str | None = None) -> list[StatisticsRow]:
    """The reports of a kind (a year, a region, an issuer) that carry statistics, by year then region."""
    rows = []
    for stored in store.iter_reports(store.select_ids(kind, year, issuer)):
        report = stored.report
        if report.statistics is None or not region_matches(report.region, region):
            continue
        rows.append(StatisticsRow(stored.report_id, report.title, report.issuer, report.region, report.report_year,
                                  report.publish_date, report.statistics))
    rows.sort(key=lambda r: (r.report_year or 0, r.region.names(), r.issuer or "", r.report_id))
    return rows


def columns(rows: Iterable[StatisticsRow]) -> list[str]:
    """CSV columns: what identifies a report, the checks, then every documented figure key and
    any other key a report has."""
    keys = figure_keys()
    extra = sorted({key for row in rows for key in row.statistics.figures if key not in keys})
    return [*BASE_COLUMNS, *keys, *extra]


def to_csv(rows: list[StatisticsRow]) -> str:
    """The rows as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese); a figure a report
    does not state is an empty cell."""
    out = io.StringIO()
    out.write("\ufeff")
    header = columns(rows)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        region = row.region
        failed = [check.rule for check in row.statistics.checks if not check.ok]
        base = [row.report_id, _safe(row.title), _safe(row.issuer), region.province, region.city, region.county,
                row.report_year, row.publish_date, row.statistics.template,
                "" if not row.statistics.checks else ("yes" if not failed else "no"), " ".join(failed)]
        figures = [row.statistics.figures.get(key, "") for key in header[len(BASE_COLUMNS):]]
        writer.writerow(["" if value is None else value for value in base + figures])
    return out.getvalue()


def _safe(text: str | None) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
