"""Routes: the search page, the report page, exports and the JSON API over the same engine.

The URL holds the whole search state (q, region, year, topic, kind, from, to, sort,
page, group, per_page), so a permalink can be shared and the back button works.
Everything the templates need is prepared here as plain values; templates only lay out.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace

from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   send_from_directory, url_for)

from search.compliance import ON_TIME_LABELS, ON_TIME_VALUES, assess
from search.engine import Filters, SearchRequest
from search.errors import GovsearchError, IndexMissing
from search.highlight import mark, match_spans
from search.models import Reuse
from search.query import parse_query
from search.store import Store

from . import export
from .coverage_views import compliance_panel, home_overview
from .report_extras import reuse_line, statistics_panel, table_items
from .search_state import MAX_PAGE, filter_notices, filter_problems, search_args, search_request_from_args, state_url

LOGGER = logging.getLogger(__name__)

blueprint = Blueprint("search", __name__)

FACET_VISIBLE = 8  # values shown before a facet folds the rest under 更多
YEARS_VISIBLE = 30  # the report-year facet is a histogram: all years, up to this many
REGION_TREE_MAX = 300  # past this many region values, closed branches are sent without their children
SORT_LABELS = {"relevance": "相关度", "publish_date": "发布日期", "report_year": "报告年度", "reuse": "最高重复率"}
QUALITY_LABELS = {  # the cleaner's quality flags, as a reader should understand them
    "mirror_spam": "镜像站副本(已删去插入的无关内容)",
    "traditional_script": "原文为繁体字",
    "synthetic": "合成示例(非真实政府文件)",
    "docshare": "文档分享站副本(已拼接分页)",
    "partial_text": "正文可能不完整",
    "pinyin_removed": "已删去夹杂的拼音",
    "region_inferred": "地区由所在网站推断(正文未写明)",
    "truncated": "页面过长,只收录了前面部分",
    "statistics_unbalanced": "统计表不平衡(表格数字不满足模板的勾稽关系)",
}
HIT_FLAGS = {"mirror_spam": "镜像站副本", "synthetic": "合成示例", "traditional_script": "繁体原文",
             "statistics_unbalanced": "统计表不平衡",
             "docshare": "文档分享站副本", "partial_text": "正文不完整"}
# facet name in the engine → (URL parameter, Chinese label, SearchRequest field)
FACETS = (
    ("region", "region", "地区", "regions"),
    ("report_year", "year", "报告年度", "years"),
    ("topic", "topic", "主题", "topics"),
    ("report_kind", "kind", "报告类型", "kinds"),
    ("on_time", "on_time", "按时公开", "on_time"),
    ("missing_section", "missing_section", "缺少章节", "missing_sections"),
)
SAFE_BACK = re.compile(r"^/(\?[^\s]*)?$")  # only this app's search page, never another site


def engine():
    """The app's one engine (it reopens the index itself after a reindex)."""
    return current_app.extensions["govsearch_engine"]


def settings():
    """The app's resolved settings."""
    return current_app.config["GOVSEARCH_SETTINGS"]


@functools.lru_cache(maxsize=1)
def structural_topics() -> frozenset[str]:
    """Labels that say what role a paragraph plays (an opening), shown apart from subject topics."""
    try:
        from search.enrich.topics import structural_labels

        return structural_labels()
    except (ImportError, OSError, ValueError, KeyError) as exc:
        LOGGER.warning("structural topic labels unavailable: %s", exc)
        return frozenset()


@functools.lru_cache(maxsize=1)
def topic_names() -> dict[str, str]:
    """Topic id → Chinese name (ids are shown as they are when the taxonomy cannot be read)."""
    try:
        from search.enrich.topics import topic_names as names

        return names()
    except (ImportError, OSError, ValueError, KeyError) as exc:
        LOGGER.warning("topic names unavailable, showing topic ids: %s", exc)
        return {}


def topic_level() -> float:
    """The confidence at or above which a paragraph's topic counts (the facet's level)."""
    try:
        from search.enrich.topics import confidence_level

        return confidence_level()
    except (ImportError, OSError, ValueError, KeyError):
        return 0.5


# Everything is served by the app: the policy forbids outside assets, plugins, framing and
# inline scripts (templates carry no inline handlers: app.js wires data-* attributes).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
                           "form-action 'self'")


@blueprint.after_app_request
def security_headers(response):
    """Headers that keep pages self-contained and content types honest."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


@functools.lru_cache(maxsize=8)
def _zone(name: str):
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # no zone database on this machine
        LOGGER.warning("time zone %s unknown here (install tzdata); showing China Standard Time", name)
        return timezone(timedelta(hours=8), "CST")


@blueprint.app_template_filter("localtime")
def localtime(stamp: str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (ISO 8601) in the ``timezone`` setting's local time, e.g. 2025-03-01 16:00."""
    from datetime import datetime, timezone

    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_zone(settings().timezone)).strftime(pattern)


def _value_label(facet: str, value: str) -> str:
    if facet == "topic":
        return topic_names().get(value, value)
    if facet == "on_time":
        return ON_TIME_LABELS.get(value, value)
    if facet == "region":
        return value.rsplit("/", 1)[-1]
    return value


def _facet_value(facet: str, param: str, value: str, result, picked) -> dict:
    active = value in picked
    return {
        "value": value, "label": _value_label(facet, value), "active": active,
        "count": result.facets[facet].get(value, 0), "reports": result.facet_reports[facet].get(value, 0),
        "href": state_url(drop=((param, value),)) if active else state_url(add=((param, value),)),
    }


def region_tree(result, picked) -> list[dict]:
    """Nest path-shaped region facet keys: province → city → county, biggest first."""
    counts = dict(result.facets["region"])
    for path in picked:  # a picked region with no match stays visible, so it can be unpicked here too
        for depth in range(path.count("/") + 1):
            counts.setdefault("/".join(path.split("/")[: depth + 1]), 0)
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for path in sorted(counts, key=lambda p: (p.count("/"), -counts[p], p)):
        node = dict(_facet_value("region", "region", path, result, picked), path=path, children=[],
                    open=any(p == path or p.startswith(path + "/") for p in picked))
        nodes[path] = node
        parent = nodes.get(path.rsplit("/", 1)[0]) if "/" in path else None
        (parent["children"] if parent else roots).append(node)
    if len(nodes) > REGION_TREE_MAX:
        # A broad query over thousands of reports: keep the page small. Picking a province or
        # city opens its branch, which then lists its children.
        for node in nodes.values():
            if node["children"] and not node["open"]:
                node["hidden_children"] = len(node["children"])
                node["children"] = []
    return roots


def facet_panels(search: SearchRequest, result) -> list[dict]:
    """Each facet with its values (label, paragraph and report counts, toggle link, active)."""
    panels = []
    for facet, param, label, field_name in FACETS:
        picked = getattr(search, field_name)
        if facet == "region":
            panels.append({"facet": facet, "param": param, "label": label, "tree": region_tree(result, picked)})
            continue
        values = list(result.facets[facet])
        values += [v for v in picked if v not in values]  # a picked value with no match stays removable
        entries = [_facet_value(facet, param, v, result, picked) for v in values]
        visible = FACET_VISIBLE
        if facet == "report_year":  # a histogram: every year, newest first, each with a bar
            entries.sort(key=lambda e: (not e["value"].isdigit(), -int(e["value"]) if e["value"].isdigit() else 0))
            top = max((e["count"] for e in entries), default=0) or 1
            for entry in entries:
                entry["share"] = round(100 * entry["count"] / top)
            visible = YEARS_VISIBLE
        if facet == "on_time":  # 是 / 否 / 未知, always in that order
            entries.sort(key=lambda e: ON_TIME_VALUES.index(e["value"]) if e["value"] in ON_TIME_VALUES else 9)
        # Structural labels (an opening) are not subjects: listed apart, under the topics.
        structural = [e for e in entries if facet == "topic" and e["value"] in structural_topics()]
        entries = [e for e in entries if e not in structural]
        panels.append({"facet": facet, "param": param, "label": label, "structural": structural,
                       "shown": entries[:visible], "more": entries[visible:]})
    return panels


def active_chips(search: SearchRequest) -> list[dict]:
    """The active filters as removable chips."""
    chips = []
    for facet, param, label, field_name in FACETS:
        for value in getattr(search, field_name):
            text = value.replace("/", " ") if facet == "region" else _value_label(facet, value)
            chips.append({"label": f"{label}:{text}", "href": state_url(drop=((param, value),))})
    if search.year_from or search.year_to:
        span = f"{search.year_from or '…'}–{search.year_to or '…'}"
        chips.append({"label": f"年度范围:{span}", "href": state_url(**{"from": None, "to": None})})
    if search.published_from or search.published_to:
        span = f"{search.published_from or '…'}–{search.published_to or '…'}"
        chips.append({"label": f"发布日期:{span}", "href": state_url(pub_from=None, pub_to=None)})
    return chips


def _count(search: SearchRequest) -> int:
    try:
        return engine().search(replace(search, page=1, per_page=1)).total
    except GovsearchError:
        return 0


def loosen_suggestions(search: SearchRequest) -> list[dict]:
    """When nothing matched: what to drop, each with how many paragraphs it would find."""
    suggestions = []
    chips = active_chips(search)
    if chips:
        loose = replace(search, filters=Filters())
        suggestions.append({"label": "去掉所有筛选条件", "count": _count(loose),
                            "href": url_for("search.search_page", q=search.query) if search.query else url_for("search.search_page")})
        if len(chips) > 1:
            suggestions += [{"label": f"只去掉「{chip['label']}」", "count": None, "href": chip["href"]} for chip in chips]
    words = search.query.split()
    if len(words) > 1:
        for index in range(min(len(words), 4)):
            fewer = " ".join(words[:index] + words[index + 1:])
            suggestions.append({"label": f"去掉检索词「{words[index]}」:{fewer}", "count": _count(replace(search, query=fewer)),
                                "href": state_url(q=fewer)})
    if re.search(r'["“”「」]', search.query):
        plain = re.sub(r'["“”「」]', " ", search.query).strip()
        suggestions.append({"label": f"不用引号(不要求精确短语):{plain}", "count": _count(replace(search, query=plain)),
                            "href": state_url(q=plain)})
    return suggestions


def page_links(current: int, pages: int) -> list[int | None]:
    """Page numbers to show around the current one; None marks a gap.

    >>> page_links(5, 12)
    [1, None, 3, 4, 5, 6, 7, None, 12]
    """
    pages = min(pages, MAX_PAGE)
    wanted = {1, pages} | set(range(max(1, current - 2), min(pages, current + 2) + 1))
    out: list[int | None] = []
    for number in sorted(wanted):
        if out and out[-1] is not None and number > out[-1] + 1:
            out.append(None)
        out.append(number)
    return out


def paragraph_seq(hit) -> str:
    """The paragraph's position in its report (the anchor is #p<seq>)."""
    return hit.paragraph_id.rsplit("-", 1)[-1]


@blueprint.route("/")
def search_page():
    """The search page: box, facets, chips, hits, pages; the intro when nothing is asked."""
    search = search_request_from_args()
    result, error, status = None, None, 200
    has_input = bool(search.query.strip()) or not search.filters.is_empty()
    if has_input:
        try:
            result = engine().search(search)
        except IndexMissing as exc:
            error, status = f"还没有索引:{exc}", 503
    back = request.full_path.rstrip("?")
    return render_template(
        "search.html", search=search, result=result, error=error, state_url=state_url,
        filter_notices=filter_notices(lambda topic: topic_names().get(topic, topic)), search_args=search_args(),
        facets=facet_panels(search, result) if result else [], chips=active_chips(search),
        suggestions=loosen_suggestions(search) if result is not None and not result.total else [],
        pages=page_links(search.page, result.pages) if result else [], sorts=SORT_LABELS,
        hit_flags=HIT_FLAGS, topic_names=topic_names(), structural_topics=structural_topics(),
        paragraph_seq=paragraph_seq, back=back,
        overview=home_overview() if not has_input and error is None else None,
    ), status


def _toc(paragraphs) -> list[dict]:
    """Section headings in order, each with its depth and the first paragraph under it."""
    seen, toc = set(), []
    for seq, paragraph in enumerate(paragraphs):
        for depth in range(len(paragraph.section_path)):
            key = paragraph.section_path[: depth + 1]
            if key not in seen:
                seen.add(key)
                toc.append({"title": key[-1], "depth": depth, "anchor": f"p{seq}"})
    return toc


def _body(paragraphs, terms, tables=()) -> list[dict]:
    """Paragraphs with highlight, and tables where they stood, plus the section headings to print before each."""
    items, previous = [], ()

    def headings_for(path):
        common = 0
        while common < min(len(path), len(previous)) and path[common] == previous[common]:
            common += 1
        return [{"text": path[d], "level": min(d + 2, 6)} for d in range(common, len(path))]

    for seq, paragraph in enumerate([*paragraphs, None]):
        for table in (t for t in tables if t["position"] == seq or (paragraph is None and t["position"] > seq)):
            path = tuple(table["section_path"])
            items.append({"table": table, "headings": headings_for(path), "matched": bool(table["matched"])})
            previous = path
        if paragraph is None:
            break
        path = paragraph.section_path
        headings = headings_for(path)
        spans = match_spans(paragraph.text, terms)
        items.append({"seq": seq, "anchor": f"p{seq}", "headings": headings, "html": mark(paragraph.text, spans),
                      "matched": bool(spans), "topics": paragraph.topics, "topic_scores": paragraph.topic_scores})
        previous = path
    return items


def same_region_reports(store: Store, report, exclude: set[str]) -> list[dict]:
    """Other reports of the same kind for exactly this region (issuer names vary between years)."""
    if not report.region.code:
        return []
    rows = store.same_region(report.region.code, report.report_kind)
    return [{"report_id": rid, "year": year, "issuer": issuer} for rid, year, issuer in rows if rid not in exclude]


@blueprint.route("/report/<report_id>")
def report_page(report_id: str):
    """One whole cleaned report with its TOC and metadata; ``q`` marks words, ``p`` the hit paragraph."""
    with Store.open(settings().data_dir) as store:
        stored = store.get(report_id)
        if stored is None:
            abort(404)
        siblings = store.same_issuer(stored.report.issuer, exclude=report_id) if stored.report.issuer else []
        same_region = same_region_reports(store, stored.report, {report_id} | {other for other, _, _ in siblings})
    query = request.args.get("q", "")[:500]
    parsed = parse_query(query)
    target = request.args.get("p", "")
    tables = [dict(item, position=table.position)
              for item, table in zip(table_items(stored.report, parsed.highlight_terms, target), stored.report.tables)]
    paragraphs = _body(stored.report.paragraphs, parsed.highlight_terms, tables)
    back = request.args.get("back", "")
    if not SAFE_BACK.match(back):
        back = url_for("search.search_page", q=query) if query else url_for("search.search_page")
    return render_template(
        "report.html", stored=stored, report=stored.report, paragraphs=paragraphs,
        compliance=compliance_panel(stored),
        toc=_toc(stored.report.paragraphs), siblings=siblings, query=query, back=back,
        same_region=same_region,
        matched=[entry for item in paragraphs if item.get("matched")
                 for entry in (item["table"]["matched"] if item.get("table") else
                               [{"anchor": item["anchor"], "label": f"第{item['seq'] + 1}段"}])],
        target=target, topic_names=topic_names(), quality_labels=QUALITY_LABELS, topic_level=topic_level(),
        statistics=statistics_panel(stored.report), reuse=reuse_line(stored.report),
    )


@blueprint.route("/favicon.ico")
def favicon():
    """The site icon where browsers and crawlers look for it (pages also link favicon.svg)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@blueprint.route("/api/search")
def api_search():
    """The JSON of ``govsearch search --json`` for the same parameters as the search page.

    A filter value nothing can match is a 400 naming it and the nearest valid values (the
    CLI's usage error); the page instead drops it with a notice.
    """
    problems = [p for p in filter_problems() if p.reason != "empty_range"]
    if problems:
        return jsonify({"error": "; ".join(problem.text(problem.param) for problem in problems),
                        "problems": [{"param": p.param, "value": p.value, "reason": p.reason, "nearest": list(p.nearest)}
                                     for p in problems]}), 400
    try:
        result = engine().search(search_request_from_args())
    except IndexMissing as exc:
        return jsonify({"error": str(exc)}), 503
    return jsonify(result.to_dict())


@blueprint.route("/api/reports/<report_id>")
def api_report(report_id: str):
    """A report as in ``clean --json`` plus its id, sources and history."""
    with Store.open(settings().data_dir) as store:
        stored = store.get(report_id)
    if stored is None:
        return jsonify({"error": "no such report"}), 404
    report = stored.report
    statistics = report.statistics.to_dict() if report.statistics is not None else None
    reuse = (report.reuse or Reuse()).to_dict()
    return jsonify(dict(report.to_dict(), report_id=report_id, sources=list(stored.sources),
                        first_seen=stored.first_seen, last_seen=stored.last_seen, last_changed=stored.last_changed,
                        compliance=assess(stored).to_dict(),
                        tables=[{"caption": table.caption, "rows": [list(row) for row in table.rows]}
                                for table in report.tables],
                        statistics=statistics, reuse=reuse))


# --- export ---------------------------------------------------------------------
def _export_result():
    search = search_request_from_args(per_page=export.EXPORT_LIMIT, page=1)
    return search, engine().search(search)


def _hit_url(hit, query: str = "") -> str:
    """The paragraph's link as the result page makes it: the query's words marked, the paragraph targeted."""
    seq = paragraph_seq(hit)
    return url_for("search.report_page", report_id=hit.report_id, q=query or None, p=seq, _external=True) + f"#p{seq}"


@blueprint.route("/export.csv")
def export_csv():
    """The current result list (up to EXPORT_LIMIT hits, not just this page) as CSV."""
    try:
        search, result = _export_result()
    except IndexMissing as exc:
        return Response(str(exc), status=503, mimetype="text/plain")
    return Response(export.csv_body(result.hits, functools.partial(_hit_url, query=search.query), topic_names()),
                    mimetype="text/csv", headers={
        "Content-Disposition": export.content_disposition(search.query, "csv"), "X-Total-Hits": str(result.total)})


@blueprint.route("/export.json")
def export_json():
    """The current result list (up to EXPORT_LIMIT hits) as JSON, hits shaped as in /api/search."""
    try:
        search, result = _export_result()
    except IndexMissing as exc:
        return jsonify({"error": str(exc)}), 503
    return Response(export.json_body(result, search.query, search.group_by_report,
                                     functools.partial(_hit_url, query=search.query)),
                    mimetype="application/json",
                    headers={"Content-Disposition": export.content_disposition(search.query, "json")})


def register_error_pages(app) -> None:
    """Error pages in Chinese (JSON under /api/), with the right status."""

    @app.errorhandler(404)
    def not_found(_error):
        if request.path.startswith("/api/"):
            return jsonify({"error": "not found"}), 404
        return render_template("error.html", status=404, message="页面不存在"), 404

    @app.errorhandler(GovsearchError)
    def govsearch_error(error):
        LOGGER.warning("request %s failed: %s", request.path, error)
        if request.path.startswith("/api/"):
            return jsonify({"error": str(error)}), 500
        return render_template("error.html", status=500, message=str(error)), 500
