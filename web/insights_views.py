"""Routes for report insights (issue 15): statistics as data and charts, reports compared.

* ``/statistics``: one figure charted across the regions of a province (one year), or across
  the years of one issuer; server-side SVG (web/charts.py), each chart with a CSV download
  (``/statistics.csv``, same parameters);
* ``/api/statistics``: one row per report with every figure and the check results
  (``kind``, ``year``, ``region``, ``issuer``; ``format=csv`` for the CSV of ``govsearch statistics --csv``);
* ``/compare?report=A&with=B``: two reports of one issuer section by section (``with``
  defaults to the issuer's previous report), reused sentences marked;
* ``/compare?section=NAME&year=Y&region=R``: one mandated section across the reports of a region.
"""
from __future__ import annotations

import csv
import functools
import io
import logging
from collections import Counter

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from search.compare import canonical_names, compare_reports, kind_of_section, section_across
from search.compliance.issuers import level_of
from search.enrich.regions import region_code_names
from search.models import DISCLOSURE_REPORT, LAW_REPORT, REPORT_KINDS
from search.reuse_refresh import previous_reports
from search.statistics.rows import StatisticsRow, region_matches, statistics_rows, to_csv
from search.statistics.template import figure_keys, figure_label
from search.store import Store

from .charts import Bar, bar_chart

LOGGER = logging.getLogger(__name__)

blueprint = Blueprint("insights", __name__)

MODES = {"regions": "地区对比(同一年度)", "years": "历年变化(同一发布机关)"}
MAX_BARS = 60  # bars one chart draws (the CSV holds every row)
MAX_COLUMNS = 30  # reports one section comparison shows
NARROW = 300  # viewBox width of the chart drawn for phones (same bars, bigger text)
CHART_FIGURES = ("new_applications", "carried_over", "results_total", "disclosed", "partly_disclosed", "withheld",
                 "unavailable", "not_processed", "other_processing", "carried_forward", "review_total",
                 "review_corrected", "litigation_total", "regulations_issued", "normative_docs_issued",
                 "normative_docs_in_force", "licensing_decisions", "penalties_decisions", "enforcement_decisions",
                 "fees_amount", "proactive_items_prose", "applications_prose")


def _data_dir() -> str:
    return current_app.config["GOVSEARCH_SETTINGS"].data_dir


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


def is_government(issuer: str | None) -> bool:
    """A government's own report, not a department's (search.compliance's issuer levels)."""
    return level_of(issuer) == "government"


@functools.lru_cache(maxsize=4096)
def _province_of(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return region_code_names(code).province
    except (KeyError, ValueError):
        return None


def _choices(store: Store) -> dict:
    """What the pickers offer: years, provinces and issuers of the 信息公开 reports."""
    facts = store.facts(DISCLOSURE_REPORT)
    per_year = Counter(row["report_year"] for row in facts if row["report_year"])
    provinces = Counter(p for p in (_province_of(row["region_code"]) for row in facts) if p)
    issuers = Counter(row["issuer"] for row in facts if row["issuer"])
    busiest = max(per_year, key=lambda year: (per_year[year], year), default=None)
    return {"years": sorted(per_year, reverse=True), "provinces": [name for name, _ in provinces.most_common()],
            "issuers": sorted(issuers, key=lambda name: (-issuers[name], name)),
            # the year with most reports (all years while none has a few to compare)
            "default_year": busiest if busiest is not None and per_year[busiest] >= MIN_DEFAULT_BARS else None}


MIN_DEFAULT_BARS = 3


def _chart_request(choices: dict) -> dict:
    """The chart asked for, with defaults: the first figure, every region, the year with most
    reports, the issuer with most reports. An empty province or year means all of them."""
    args = request.args
    figure = args.get("figure") if args.get("figure") in figure_keys() else "new_applications"
    mode = args.get("mode") if args.get("mode") in MODES else "regions"
    province = args.get("province", "")
    year = _int(args.get("year")) if "year" in args else choices["default_year"]
    issuer = args.get("issuer") or (choices["issuers"][0] if choices["issuers"] else "")
    return {"figure": figure, "mode": mode, "province": province[:40], "year": year, "issuer": issuer[:80],
            "government": args.get("government") == "1"}


def _chart_rows(store: Store, asked: dict) -> list[StatisticsRow]:
    if asked["mode"] == "years":
        return statistics_rows(store, DISCLOSURE_REPORT, issuer=asked["issuer"] or None)
    rows = statistics_rows(store, DISCLOSURE_REPORT, year=asked["year"], region=asked["province"] or None)
    return [row for row in rows if not asked["government"] or is_government(row.issuer)]


def _bar_label(row: StatisticsRow, mode: str, year: int | None = 0) -> str:
    """A bar's name: the year (one issuer's years), or the issuer (with the year when the chart spans years)."""
    if mode == "years":
        return f"{row.report_year}年度" if row.report_year else "年度不详"
    name = row.issuer or row.title or row.region.label()
    return name if year else f"{name} {row.report_year or ''}".strip()


def chart_points(rows: list[StatisticsRow], asked: dict) -> list[tuple[StatisticsRow, float | int]]:
    """The reports that state the figure, with its value: the biggest first (regions) or by year."""
    points = [(row, row.statistics.figures[asked["figure"]]) for row in rows if asked["figure"] in row.statistics.figures]
    if asked["mode"] == "years":
        return sorted(points, key=lambda point: (point[0].report_year or 0, point[0].report_id))
    return sorted(points, key=lambda point: (-point[1], _bar_label(point[0], "regions", asked["year"])))


def _title(asked: dict) -> str:
    where = (f"{asked['province'] or '全部地区'} · {asked['year'] or '全部'}年度"
             + (" · 政府本级" if asked["government"] else "")) if asked["mode"] == "regions" else asked["issuer"]
    return f"{figure_label(asked['figure'])} — {where}"


@blueprint.route("/statistics")
def statistics_page():
    """A chart of one figure (regions of a province in one year, or one issuer's years), its table and CSV link."""
    with Store.open(_data_dir()) as store:
        choices = _choices(store)
        asked = _chart_request(choices)
        rows = _chart_rows(store, asked)
    points = chart_points(rows, asked)
    bars = [Bar(_bar_label(row, asked["mode"], asked["year"]), value, url_for("search.report_page", report_id=row.report_id),
                "统计表不平衡" if not row.statistics.balanced else None) for row, value in points[:MAX_BARS]]
    title = _title(asked)
    description = f"{len(points)} 份报告:" + "、".join(f"{bar.label} {bar.value}" for bar in bars[:20])
    chart = bar_chart(bars, title, description, chart_id="figure-chart")
    narrow = bar_chart(bars, title, description, chart_id="figure-chart-narrow", width=NARROW)
    params = {key: value for key, value in asked.items() if value not in (None, False)}
    params["year"] = asked["year"] if asked["year"] is not None else ""
    params["government"] = "1" if asked["government"] else None
    figures = [(key, figure_label(key)) for key in CHART_FIGURES] + \
              [(key, figure_label(key)) for key in figure_keys() if key not in CHART_FIGURES]
    return render_template("statistics.html", asked=asked, choices=choices, modes=MODES, figures=figures,
                           chart=chart, narrow=narrow, title=title, points=points, shown=len(bars), total=len(points),
                           reports=len(rows), csv_url=url_for("insights.statistics_csv", **params),
                           figure_label=figure_label, bar_label=functools.partial(_bar_label, year=asked["year"]))


@blueprint.route("/statistics.csv")
def statistics_csv():
    """The chart's data as CSV: one row per report that states the figure."""
    with Store.open(_data_dir()) as store:
        asked = _chart_request(_choices(store))
        points = chart_points(_chart_rows(store, asked), asked)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["label", asked["figure"], "report_id", "title", "issuer", "province", "city", "county",
                     "report_year", "checks_ok"])
    for row, value in points:
        region = row.region
        writer.writerow([_bar_label(row, asked["mode"], asked["year"]), value, row.report_id, row.title, row.issuer,
                         region.province, region.city, region.county, row.report_year,
                         "yes" if row.statistics.balanced else "no"])
    name = f"statistics-{asked['figure']}-{asked['mode']}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.route("/api/statistics")
def api_statistics():
    """One row per report: {report_id, title, issuer, region, report_year, publish_date, template, figures, checks}."""
    args = request.args
    kind = args.get("kind") or DISCLOSURE_REPORT
    if kind not in REPORT_KINDS:
        return jsonify({"error": f"unknown kind {kind!r}", "kinds": list(REPORT_KINDS)}), 400
    year = _int(args.get("year"))
    if args.get("year") and year is None:
        return jsonify({"error": f"year must be a year, not {args.get('year')!r}"}), 400
    with Store.open(_data_dir()) as store:
        rows = statistics_rows(store, kind, year, args.get("region") or None, args.get("issuer") or None)
    if args.get("format") == "csv":
        return Response(to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="statistics.csv"'})
    return jsonify({"count": len(rows), "rows": [row.to_dict() for row in rows]})


# --- comparisons ------------------------------------------------------------------------------


@blueprint.route("/compare")
def compare_page():
    """Two reports section by section, or one section across a region's reports; else the forms."""
    if request.args.get("report"):
        return _compare_reports()
    if request.args.get("section"):
        return _compare_section()
    with Store.open(_data_dir()) as store:
        years = sorted({row["report_year"] for row in store.facts() if row["report_year"]}, reverse=True)
    return render_template("compare_section.html", columns=None, sections=canonical_names(), years=years,
                           asked={"section": "", "year": None, "region": ""}, total=0, kind=None)


def _previous_id(store: Store, report_id: str) -> str | None:
    stored = store.get(report_id)
    if stored is not None and stored.report.reuse is not None and stored.report.reuse.previous_report_id:
        return stored.report.reuse.previous_report_id
    return previous_reports(store.reuse_basis()).get(report_id)


def _compare_reports():
    report_id = request.args.get("report", "")[:64]
    with Store.open(_data_dir()) as store:
        first = store.get(report_id)
        if first is None:
            abort(404)
        other_id = request.args.get("with", "")[:64] or _previous_id(store, report_id)
        second = store.get(other_id) if other_id else None
        if other_id and second is None:
            abort(404)
        siblings = store.same_issuer(first.report.issuer, exclude=report_id) if first.report.issuer else []
    comparison = compare_reports(first, second) if second is not None else None
    figures = _figure_changes(comparison) if comparison else []
    return render_template("compare.html", first=first, comparison=comparison, siblings=siblings, figures=figures,
                           figure_label=figure_label)


KEY_CHANGES = ("new_applications", "carried_over", "disclosed", "partly_disclosed", "withheld", "unavailable",
               "not_processed", "other_processing", "results_total", "carried_forward", "review_total",
               "litigation_total", "regulations_issued", "normative_docs_issued", "normative_docs_in_force",
               "licensing_decisions", "penalties_decisions", "proactive_items_prose")


def _figure_changes(comparison) -> list[dict]:
    """The key figures of two 信息公开 reports side by side, with the change."""
    stats = [stored.report.statistics for stored in comparison.reports]
    if any(s is None for s in stats):
        return []
    rows = []
    for key in KEY_CHANGES:
        values = [s.figures.get(key) for s in stats]
        if all(v is None for v in values):
            continue
        change = values[1] - values[0] if None not in values else None
        rows.append({"key": key, "label": figure_label(key), "numbers": values, "change": change})
    return rows


def _compare_section():
    name = request.args.get("section", "")[:60]
    kind = request.args.get("kind") if request.args.get("kind") in (LAW_REPORT, DISCLOSURE_REPORT) else \
        kind_of_section(name)
    region = request.args.get("region", "")[:60].strip()
    with Store.open(_data_dir()) as store:
        years = sorted({row["report_year"] for row in store.facts(kind) if row["report_year"]}, reverse=True) \
            if kind else []
        # the latest year unless one (or 全部: an empty year) is asked for: a region's reports of one year
        year = _int(request.args.get("year")) if "year" in request.args else (years[0] if years else None)
        chosen = []
        if kind is not None:
            for stored in store.iter_reports(store.select_ids(kind, year)):
                if region_matches(stored.report.region, region or None):
                    chosen.append(stored)
    chosen.sort(key=lambda s: (s.report.region.names(), s.report.issuer or "", s.report_id))
    columns = section_across(chosen[:MAX_COLUMNS], name) if kind is not None else []
    return render_template("compare_section.html", columns=columns, sections=canonical_names(), years=years,
                           asked={"section": name, "year": year, "region": region}, total=len(chosen), kind=kind,
                           unknown=kind is None)
