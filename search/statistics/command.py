"""``govsearch statistics``: 信息公开 figures and check results, one row per report (CSV or JSON)."""
from __future__ import annotations

import json

import click

from ..cli import data_dir_option, existing_data_dir, settings_from
from ..models import DISCLOSURE_REPORT, REPORT_KINDS
from ..store import Store
from .rows import statistics_rows, to_csv
from .template import figure_label


@click.command("statistics")
@data_dir_option
@click.option("--kind", default=DISCLOSURE_REPORT, show_default=True, type=click.Choice(REPORT_KINDS),
              help="Report kind (only 信息公开 reports carry the template's statistics).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Report year (the year the report covers).")
@click.option("--region", help="A province, city or county name, or a path such as 浙江省/杭州市.")
@click.option("--issuer", help="Only this issuer's reports (as the report names it), e.g. across years.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: one row per report, every figure a column (UTF-8 with BOM).")
@click.option("--json", "as_json", is_flag=True, help="JSON: {\"rows\": [{report_id, title, issuer, region, "
              "report_year, publish_date, template, figures, checks}]}.")
def statistics_command(data_dir, kind, year, region, issuer, as_csv, as_json):
    """Figures read from the reports' statistics tables (and prose) with the template's checks."""
    if as_csv and as_json:
        raise click.UsageError("choose one of --csv and --json")
    settings = settings_from(data_dir)
    existing_data_dir(settings)
    with Store.open(settings.data_dir) as store:
        rows = statistics_rows(store, kind, year, region, issuer)
    if as_csv:
        click.echo(to_csv(rows), nl=False)
    elif as_json:
        click.echo(json.dumps({"count": len(rows), "rows": [row.to_dict() for row in rows]}, ensure_ascii=False))
    else:
        for row in rows:
            failed = [check for check in row.statistics.checks if not check.ok]
            shown = ", ".join(f"{figure_label(key)} {row.statistics.figures[key]}"
                              for key in ("new_applications", "results_total", "review_total")
                              if key in row.statistics.figures)
            state = "统计表不平衡: " + "; ".join(check.detail for check in failed) if failed else \
                ("checks ok" if row.statistics.checks else "no table read")
            click.echo(f"{row.report_id}  {row.report_year or '?'}  {row.issuer or row.title or ''}  "
                       f"{len(row.statistics.figures)} figures  {shown}  [{state}]")
        click.echo(f"{len(rows)} reports", err=True)
