"""``govsearch coverage``: who published a kind of report for a year, and who did not."""
from __future__ import annotations

import json

import click

from ..cli import data_dir_option, settings_from
from ..store import Store
from . import STATUS_LABELS, CoverageError, coverage, latest_complete_year, resolve_kind
from .export import issuers_csv, matrix_csv
from .matrix import build_matrix


def _kind(ctx, param, value):
    try:
        return resolve_kind(value)
    except CoverageError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("coverage")
@data_dir_option
@click.option("--kind", required=True, callback=_kind,
              help="法治政府建设年度报告 or 政府信息公开工作年度报告 (or 法治 / 信息公开).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Report year (default: the latest complete year).")
@click.option("--province", help="Only this province (name, short name or code).")
@click.option("--matrix", "as_matrix", is_flag=True, help="The region x year matrix instead of one year's list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the /api/coverage shape).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per issuer, or per region with --matrix).")
def coverage_command(data_dir, kind, year, province, as_matrix, as_json, as_csv):
    """Every county-level-and-above government's status for a kind and year: on time, late,
    date unknown or not found."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = settings_from(data_dir)
    try:
        with Store.open(settings.data_dir) as store:
            if as_matrix:
                matrix = build_matrix(store, kind, province)
                if as_json:
                    click.echo(json.dumps(_matrix_dict(matrix), ensure_ascii=False))
                elif as_csv:
                    click.echo(matrix_csv(matrix), nl=False)
                else:
                    _print_matrix(matrix)
                return
            year = year or latest_complete_year(store, kind)
            result = coverage(store, kind, year, province)
    except CoverageError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    elif as_csv:
        click.echo(issuers_csv(result), nl=False)
    else:
        _print(result)


def _matrix_dict(matrix) -> dict:
    return {"kind": matrix.kind, "province": matrix.province, "years": list(matrix.years),
            "rows": [{"name": row.issuer.name, "code": row.issuer.code, "level": row.issuer.level, "depth": row.depth,
                      "statuses": {str(c.year): c.status for c in row.cells},
                      "published_in_region": {str(c.year): c.published for c in row.cells},
                      "expected_in_region": row.cells[0].expected if row.cells else 1}
                     for row in matrix.flat()]}


def _print(result) -> None:
    tally = result.tally
    where = result.province or "全国"
    click.echo(f"{where} {result.year}年度 {result.kind}: {tally.expected} expected, {tally.published} published "
               f"({tally.percent(tally.published)}%), {tally.on_time} on time, {tally.late} late, "
               f"{tally.date_unknown} date unknown, {tally.missing} not found; deadline {result.deadline or '-'}")
    groups = result.cities if result.province else result.provinces
    for group in groups:
        t = group.tally
        click.echo(f"  {_pad(group.name, 20)}{t.published:>4}/{t.expected:<4} {t.percent(t.published):>5}%  on time {t.on_time}")
    for status in result.issuers:
        report = status.report
        detail = f"  {report.report_id} {report.publish_date or ''}" if report else ""
        click.echo(f"{_pad(STATUS_LABELS[status.status], 16)}{status.issuer.code} {status.issuer.name}{detail}")


def _pad(text: str, width: int) -> str:
    """Pad to a display width (Chinese characters take two columns)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(1, width - used)


def _print_matrix(matrix) -> None:
    marks = {"on_time": "●", "late": "◐", "date_unknown": "○", "missing": "·"}
    click.echo(f"{matrix.province or '全国'} {matrix.kind}  ● on time  ◐ late  ○ date unknown  · not found")
    click.echo(" " * 24 + " ".join(str(year)[2:] for year in matrix.years))
    for row in matrix.flat():
        click.echo(_pad("  " * row.depth + row.issuer.unit, 24) + "  ".join(marks[c.status] for c in row.cells))
