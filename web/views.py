"""Routes: the search page, the report page, and the JSON API over the same engine."""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from search.engine import SORTS, SearchRequest
from search.errors import GovsearchError, IndexMissing
from search.highlight import mark, match_spans
from search.query import parse_query
from search.store import Store

blueprint = Blueprint("search", __name__)

MULTI_PARAMS = ("region", "year", "topic", "kind")
MAX_PAGE = 500


def engine():
    return current_app.extensions["govsearch_engine"]


def settings():
    return current_app.config["GOVSEARCH_SETTINGS"]


def _int_arg(name: str, low: int | None = None, high: int | None = None) -> int | None:
    value = request.args.get(name, "").strip()
    if not value.lstrip("-").isdigit():
        return None
    number = int(value)
    if low is not None:
        number = max(low, number)
    if high is not None:
        number = min(high, number)
    return number


def search_request_from_args(per_page: int | None = None) -> SearchRequest:
    """The whole page state lives in the URL: q, region, year, topic, kind, from, to, sort, page, group."""
    sort = request.args.get("sort", "relevance")
    return SearchRequest(
        query=request.args.get("q", "")[:500],
        regions=tuple(v for v in request.args.getlist("region") if v),
        years=tuple(v for v in request.args.getlist("year") if v),
        topics=tuple(v for v in request.args.getlist("topic") if v),
        kinds=tuple(v for v in request.args.getlist("kind") if v),
        year_from=_int_arg("from", 1949, 2100),
        year_to=_int_arg("to", 1949, 2100),
        sort=sort if sort in SORTS else "relevance",
        page=_int_arg("page", 1, MAX_PAGE) or 1,
        per_page=per_page or _int_arg("per_page", 1, 100) or settings().results_per_page,
        group_by_report=request.args.get("group") == "1",
    )


def state_url(endpoint: str = "search.search_page", drop: tuple[tuple[str, str], ...] = (),
              add: tuple[tuple[str, str], ...] = (), reset_page: bool = True, **replace) -> str:
    """This page's URL with some parameters toggled, added or replaced."""
    items = [(k, v) for k, v in request.args.items(multi=True) if (k, v) not in drop and k not in replace]
    if reset_page:
        items = [(k, v) for k, v in items if k != "page"]
    items += [pair for pair in add if pair not in items]
    items += [(k, str(v)) for k, v in replace.items() if v not in (None, "")]
    return url_for(endpoint) + ("?" + urlencode(items) if items else "")


@functools.lru_cache(maxsize=1)
def topic_names() -> dict[str, str]:
    try:
        from search.enrich.topics import topic_names as names
    except ImportError:
        return {}
    return names()


def region_tree(counts: dict[str, int]) -> list[dict]:
    """Nest path-shaped region facet keys: province → city → county."""
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for path in sorted(counts, key=lambda p: (p.count("/"), -counts[p], p)):
        node = {"path": path, "name": path.rsplit("/", 1)[-1], "count": counts[path], "children": []}
        nodes[path] = node
        parent = nodes.get(path.rsplit("/", 1)[0]) if "/" in path else None
        (parent["children"] if parent else roots).append(node)
    return roots


@blueprint.route("/")
def search_page():
    search = search_request_from_args()
    result, error = None, None
    has_input = bool(search.query.strip()) or any(search.selected().values()) or search.year_from or search.year_to
    if has_input:
        try:
            result = engine().search(search)
        except IndexMissing as exc:
            error = str(exc)
    return render_template(
        "search.html", search=search, result=result, error=error, state_url=state_url,
        topic_names=topic_names(), region_tree=region_tree(result.facets["region"]) if result else [],
        open_regions={r.rsplit("/", i)[0] for r in search.regions for i in range(r.count("/") + 1)},
        sorts={"relevance": "相关度", "publish_date": "发布日期", "report_year": "报告年度"},
    )


@blueprint.route("/report/<report_id>")
def report_page(report_id: str):
    with Store.open(settings().data_dir) as store:
        stored = store.get(report_id)
        if stored is None:
            abort(404)
        siblings = store.same_issuer(stored.report.issuer, exclude=report_id) if stored.report.issuer else []
    terms = parse_query(request.args.get("q", "")[:500]).highlight_terms
    paragraphs = []
    for seq, paragraph in enumerate(stored.report.paragraphs):
        spans = match_spans(paragraph.text, terms)
        paragraphs.append({"seq": seq, "anchor": f"p{seq}", "paragraph": paragraph,
                           "html": mark(paragraph.text, spans), "matched": bool(spans)})
    return render_template("report.html", stored=stored, report=stored.report, paragraphs=paragraphs,
                           toc=_toc(stored.report.paragraphs), siblings=siblings, query=request.args.get("q", ""),
                           target=request.args.get("p", ""), topic_names=topic_names())


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


@blueprint.route("/api/search")
def api_search():
    try:
        result = engine().search(search_request_from_args())
    except IndexMissing as exc:
        return jsonify({"error": str(exc)}), 503
    return jsonify(result.to_dict())


@blueprint.route("/api/reports/<report_id>")
def api_report(report_id: str):
    with Store.open(settings().data_dir) as store:
        stored = store.get(report_id)
    if stored is None:
        return jsonify({"error": "no such report"}), 404
    return jsonify(dict(stored.report.to_dict(), report_id=report_id, sources=list(stored.sources),
                        first_seen=stored.first_seen, last_seen=stored.last_seen, last_changed=stored.last_changed))


def register_error_pages(app) -> None:
    @app.errorhandler(404)
    def not_found(_error):
        if request.path.startswith("/api/"):
            return jsonify({"error": "not found"}), 404
        return render_template("error.html", status=404, message="页面不存在"), 404

    @app.errorhandler(GovsearchError)
    def govsearch_error(error):
        return render_template("error.html", status=500, message=str(error)), 500
