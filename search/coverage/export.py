"""Both coverage views as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese; no cell
runs as a formula): the issuer list of one kind and year, and the region × year matrix."""
from __future__ import annotations

import csv
import io
from typing import Callable

from ..spreadsheet import spreadsheet_safe
from . import STATUS_LABELS, Coverage
from .issuers import LEVEL_LABELS
from .matrix import Matrix

ISSUER_COLUMNS = ("name", "code", "level", "province", "city", "county", "status", "status_label", "report_id",
                  "title", "publish_date", "days_late", "synthetic", "url")


def _write(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def issuers_csv(result: Coverage, report_url: Callable[[str], str] | None = None) -> str:
    """One row per expected issuer: who it is, its status and its report."""
    def rows():
        yield ISSUER_COLUMNS
        for status in result.issuers:
            issuer, report = status.issuer, status.report
            yield (issuer.name, issuer.code, LEVEL_LABELS[issuer.level], issuer.region.province, issuer.region.city,
                   issuer.region.county, status.status, STATUS_LABELS[status.status],
                   report.report_id if report else "", report.title if report else "",
                   report.publish_date if report else "", report.days_late if report and report.days_late else "",
                   "yes" if report and report.synthetic else "",
                   report_url(report.report_id) if report and report_url else "")
    return _write(rows())


def matrix_csv(matrix: Matrix) -> str:
    """One row per region: its status each year, and for a province or city how many of its
    region's issuers (itself included) published that year."""
    def rows():
        yield (("code", "name", "level", "province", "city", "county")
               + tuple(str(year) for year in matrix.years)
               + tuple(f"{year}_published_in_region" for year in matrix.years))
        for row in matrix.flat():
            issuer = row.issuer
            region = issuer.region
            yield ((issuer.code, issuer.name, LEVEL_LABELS[issuer.level], region.province, region.city, region.county)
                   + tuple(cell.status for cell in row.cells)
                   + tuple(f"{cell.published}/{cell.expected}" for cell in row.cells))
    return _write(rows())
