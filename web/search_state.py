"""The search state the URL holds, read once per request: the SearchRequest, the filter
values that were left out (with a notice for each), and links to variations of the page.

Filter values go through ``search.filters.check_filters``, as on the command line. Where
the CLI stops with a usage error, the page drops the value, says so (naming the nearest
valid values as links) and searches with the rest: a shared link with a typo still
shows results. Topic names in the URL become ids, so facet links toggle them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from flask import current_app, g, request, url_for
from werkzeug.datastructures import MultiDict

from search.compliance import ON_TIME_LABELS
from search.engine import SORTS, Filters, SearchRequest
from search.filters import CheckedFilters, Problem, check_filters, resolve_topic

MAX_PAGE = 500
# URL parameters and labels of the filters, from the one list (search.engine.Filters).
FILTER_PARAMS = tuple(f.metadata["param"] for f in fields(Filters) if f.metadata["kind"] == "values")
PARAM_LABELS = {f.metadata["param"]: f.metadata["label"] for f in fields(Filters)}


@dataclass(frozen=True)
class FilterNotice:
    """A filter value the page left out: what to say, and links to the nearest valid values."""

    text: str
    options: tuple[tuple[str, str], ...] = ()  # (label, href)


def _checked() -> tuple[CheckedFilters, MultiDict]:
    """This request's checked filters and its URL arguments without the values left out."""
    cached = g.get("govsearch_search_state")
    if cached is not None:
        return cached
    args = request.args
    checked = check_filters(**Filters.raw(args.getlist, args.get))
    dropped = {(p.param, p.value) for p in checked.problems if p.reason != "empty_range"}
    swapped = {}  # links carry the ranges the page searched: reversed ones the right way round
    reversed_ranges = {p.param for p in checked.problems if p.reason == "empty_range"}
    if "from" in reversed_ranges:
        swapped.update({"from": str(checked.year_to), "to": str(checked.year_from)})
    if "pub_from" in reversed_ranges:
        swapped.update({"pub_from": checked.published_to, "pub_to": checked.published_from})
    seen_topics: set[str] = set()
    kept = []
    for key, value in args.items(multi=True):
        if (key, value) in dropped or (key in FILTER_PARAMS and not value.strip()):
            continue
        if key == "topic":  # a name or a differently spelt id: the id it resolved to, once
            topic_id = resolve_topic(value)
            if topic_id in seen_topics:
                continue
            seen_topics.add(topic_id)
            value = topic_id
        kept.append((key, swapped.get(key, value)))
    g.govsearch_search_state = (checked, MultiDict(kept))
    return g.govsearch_search_state


def search_args() -> MultiDict:
    """The URL arguments with invalid filter values left out (for links and hidden fields)."""
    return _checked()[1]


def filter_problems() -> tuple[Problem, ...]:
    """The filter values of this URL that were left out (or, for a reversed range, swapped)."""
    return _checked()[0].problems


def _int_arg(name: str, low: int | None = None, high: int | None = None) -> int | None:
    value = request.args.get(name, "").strip()
    if not re.fullmatch(r"-?[0-9]{1,9}", value):  # not isdigit(): '²' and '--5' are digits to it, not to int()
        return None
    number = int(value)
    if low is not None:
        number = max(low, number)
    if high is not None:
        number = min(high, number)
    return number


def search_request_from_args(per_page: int | None = None, page: int | None = None) -> SearchRequest:
    """The SearchRequest the URL describes; bad values are left out or fall back to defaults, never an error."""
    checked, _ = _checked()
    sort = request.args.get("sort", "relevance")
    return SearchRequest(
        query=request.args.get("q", "")[:500],
        filters=checked.filters.ordered(),  # a reversed range means the same years (with a notice)
        sort=sort if sort in SORTS else "relevance",
        page=page or _int_arg("page", 1, MAX_PAGE) or 1,
        per_page=per_page or _int_arg("per_page", 1, 100) or current_app.config["GOVSEARCH_SETTINGS"].results_per_page,
        group_by_report=request.args.get("group") == "1",
    )


def state_url(endpoint: str = "search.search_page", drop: tuple[tuple[str, str], ...] = (),
              add: tuple[tuple[str, str], ...] = (), reset_page: bool = True, **replace_args) -> str:
    """This page's URL with some parameters dropped, added or replaced (page reset by default)."""
    items = [(k, v) for k, v in search_args().items(multi=True)
             if (k, v) not in drop and k not in replace_args and v != ""]
    if reset_page:
        items = [(k, v) for k, v in items if k != "page"]
    items += [pair for pair in add if pair not in items]
    items += [(k, str(v)) for k, v in replace_args.items() if v not in (None, "")]
    return url_for(endpoint) + ("?" + urlencode(items) if items else "")


def filter_notices(topic_label=lambda topic_id: topic_id) -> list[FilterNotice]:
    """One notice per filter value left out, in Chinese, with the nearest valid values as links."""
    notices = []
    for problem in filter_problems():
        label = PARAM_LABELS.get(problem.param, problem.param)
        if problem.reason == "empty_range":
            low, high = problem.value.split("–")
            what = "发布日期范围" if problem.param == "pub_from" else "年度范围"
            notices.append(FilterNotice(f"{what} {low}–{high} 的起止颠倒,已按 {high}–{low} 检索。"))
            continue
        if problem.reason in ("not_a_year", "not_a_date"):
            kind = "年份" if problem.reason == "not_a_year" else "日期(如 2023-06-30、2023-06 或 2023)"
            notices.append(FilterNotice(f"{label}「{problem.value}」不是{kind},已忽略此条件。"))
            continue
        options = tuple((topic_label(value) if problem.param == "topic" else
                         ON_TIME_LABELS.get(value, value) if problem.param == "on_time" else value.replace("/", " "),
                         state_url(add=((problem.param, value),))) for value in problem.nearest)
        text = f"没有名为「{problem.value}」的{label},已忽略此条件。"
        notices.append(FilterNotice(text + ("相近的有:" if options else ""), options))
    return notices
