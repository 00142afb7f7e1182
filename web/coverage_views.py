"""Coverage pages and API: who published a kind of report for a year, the region × year
matrix, their CSV exports, the home page's overview and the report page's compliance panel.

Everything is rendered on the server (no script needed, no outside assets); the matrix is
nested <details> rows that open province → city → county and scroll sideways on a phone.
"""
from __future__ import annotations

import logging
import threading
from datetime import date

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from search.compliance import LEVEL_LABELS, ON_TIME_LABELS, assess
from search.coverage import KIND_SHORT, KINDS, STATUS_LABELS, STATUSES, CoverageError, coverage, latest_complete_year, \
    resolve_kind
from search.coverage.export import issuers_csv, matrix_csv
from search.coverage.issuers import LEVEL_LABELS as UNIT_LEVELS, provinces
from search.coverage.matrix import build_matrix, matrix_years
from search.compliance.table import store_version
from search.coverage.overview import collection_overview
from search.store import Store

LOGGER = logging.getLogger(__name__)

blueprint = Blueprint("coverage", __name__)

BASIS_LABELS = {"publish_date": "按页面上的发布日期", "first_seen": "无发布日期;本站在期限前已收录,可证明按时"}
STATUS_MARKS = {"on_time": "✓", "late": "!", "date_unknown": "?", "missing": "—"}
LIST_LIMIT = 500  # issuers listed on the page; the CSV and the API have all of them
KIND_CODES = {KINDS[0]: "law", KINDS[1]: "disclosure"}  # short, ASCII kind names for links
LEGEND = (
    ("on_time", "按时公开:在期限前发布"),
    ("late", "逾期公开:发布日期晚于期限"),
    ("date_unknown", "已公开·时间不详:页面无发布日期且本站收录晚于期限,或当年无公开期限"),
    ("missing", "未找到:本站没有该政府本年度的此类报告"),
)


def _data_dir():
    return current_app.config["GOVSEARCH_SETTINGS"].data_dir


def _today() -> date:
    """Today, or the day the app was told it is (tests)."""
    forced = current_app.config.get("GOVSEARCH_TODAY")
    return date.fromisoformat(forced) if forced else date.today()


# --- results kept while the store is unchanged ---------------------------------------

_CACHE_SIZE = 32


def _memo(store: Store, key: tuple, compute):
    """``compute()``, remembered per store version and day: the home page and /coverage are read
    far more often than the store changes (a whole country's coverage and matrix take a few
    hundred milliseconds to build)."""
    cache = current_app.extensions.setdefault("govsearch_coverage_cache", {})
    lock = current_app.extensions.setdefault("govsearch_coverage_lock", threading.Lock())
    full_key = (store_version(store), _today(), key)
    with lock:
        if full_key in cache:
            return cache[full_key]
    value = compute()
    with lock:
        cache[full_key] = value
        while len(cache) > _CACHE_SIZE:
            cache.pop(next(iter(cache)))
    return value


# --- the report page's panel ---------------------------------------------------------

def compliance_panel(stored) -> dict:
    """What the report page shows of a report's compliance (labels in Chinese)."""
    result = assess(stored)
    report = stored.report
    value = result.on_time_value()
    coverage_link = None
    if report.report_kind in KINDS and report.report_year:
        params = {"kind": KIND_CODES[report.report_kind], "year": report.report_year}
        if report.region.province:
            params["province"] = report.region.province
        coverage_link = url_for("coverage.coverage_page", **params)
    return {
        "regulated": result.regulated,
        "deadline": result.deadline, "rule": result.deadline_rule, "reason": result.deadline_reason,
        "level": LEVEL_LABELS.get(result.issuer_level, result.issuer_level),
        "on_time": value, "on_time_label": ON_TIME_LABELS.get(value or "", ""),
        "days_late": result.days_late, "basis": BASIS_LABELS.get(result.date_basis or "", ""),
        "sections": result.sections, "complete": result.sections_complete, "mandated": result.sections_mandated,
        "missing": result.missing_sections(), "coverage_link": coverage_link,
    }


# --- the home page ---------------------------------------------------------------------

def home_overview():
    """The home page's collection at a glance, or None when the store cannot be read."""
    try:
        with Store.open(_data_dir()) as store:
            return _memo(store, ("overview",), lambda: collection_overview(store, _today()))
    except Exception:  # the home page must open even when the overview cannot be built
        LOGGER.exception("home page overview failed")
        return None


# --- coverage ------------------------------------------------------------------------------

def _request_args():
    """kind, year, province from the URL (kind defaults to 法治, year to the latest complete one)."""
    kind = resolve_kind(request.args.get("kind") or KINDS[0])
    year_text = (request.args.get("year") or "").strip()
    if year_text and not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
        raise CoverageError(f"year must be a report year such as 2023, not {year_text!r}")
    province = (request.args.get("province") or "").strip() or None
    return kind, int(year_text) if year_text else None, province


def _error(exc: CoverageError, as_json: bool):
    if as_json:
        return jsonify({"error": str(exc)}), 400
    return render_template("error.html", status=400, message=str(exc)), 400


@blueprint.route("/api/coverage")
def api_coverage():
    """The JSON of ``govsearch coverage --json``."""
    try:
        kind, year, province = _request_args()
        with Store.open(_data_dir()) as store:
            result = _coverage(store, kind, year, province)
    except CoverageError as exc:
        return _error(exc, True)
    return jsonify(result.to_dict())


def _coverage(store: Store, kind: str, year: int | None, province: str | None):
    year = year or latest_complete_year(store, kind, _today())
    return _memo(store, ("coverage", kind, year, province), lambda: coverage(store, kind, year, province, _today()))


def _matrix(store: Store, kind: str, province: str | None):
    return _memo(store, ("matrix", kind, province), lambda: build_matrix(store, kind, province, today=_today()))


def _report_url(report_id: str) -> str:
    return url_for("search.report_page", report_id=report_id, _external=True)


def _csv(body: str, name: str) -> Response:
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.route("/coverage.csv")
def coverage_csv():
    """The issuer list of one kind and year as CSV."""
    try:
        kind, year, province = _request_args()
        with Store.open(_data_dir()) as store:
            result = _coverage(store, kind, year, province)
    except CoverageError as exc:
        return _error(exc, False)
    code = KIND_CODES[kind]
    return _csv(issuers_csv(result, _report_url), f"govsearch-coverage-{code}-{result.year}.csv")


@blueprint.route("/coverage/matrix.csv")
def matrix_export():
    """The region × year matrix as CSV."""
    try:
        kind, _year, province = _request_args()
        with Store.open(_data_dir()) as store:
            matrix = _matrix(store, kind, province)
    except CoverageError as exc:
        return _error(exc, False)
    code = KIND_CODES[kind]
    return _csv(matrix_csv(matrix), f"govsearch-coverage-matrix-{code}.csv")


@blueprint.route("/coverage")
def coverage_page():
    """Coverage of one kind and year: totals, per province (or city), the matrix, the issuer list."""
    try:
        kind, year, province = _request_args()
        with Store.open(_data_dir()) as store:
            today = _today()
            latest = latest_complete_year(store, kind, today)
            year = year or latest
            result = _coverage(store, kind, year, province)
            matrix = _matrix(store, kind, province)
            years = sorted(set(matrix_years(store, kind, today)) | {year, latest}, reverse=True)
    except CoverageError as exc:
        return _error(exc, False)
    status_filter = request.args.get("status")
    if status_filter not in STATUSES:
        status_filter = None
    listed = [s for s in result.issuers if status_filter is None or s.status == status_filter] \
        if result.province or status_filter else []
    params = {"kind": KIND_CODES[kind], "year": year, "province": result.province}
    return render_template(
        "coverage.html", result=result, matrix=matrix, kind=kind, year=year, latest=latest, years=years,
        kinds=KINDS, kind_short=KIND_SHORT, kind_code=KIND_CODES[kind], provinces=[p.unit for p in provinces()],
        listed=listed[:LIST_LIMIT], listed_total=len(listed),
        status_filter=status_filter, statuses=STATUSES, status_labels=STATUS_LABELS, marks=STATUS_MARKS,
        legend=LEGEND, unit_levels=UNIT_LEVELS, params={k: v for k, v in params.items() if v},
        groups=result.cities if result.province else result.provinces,
    )
