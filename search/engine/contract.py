"""What every search engine promises, and the values that cross the seam.

Everything above ``search.engine`` (web, CLI, pipeline, alerts, API, scripts) talks to an
engine only through these: ``Filters`` (the one list of filters: adding a filter is one
edit here, plus each engine's translation of it), ``SearchRequest``, ``SearchResult``,
``Hit`` and the ``Engine`` protocol. ``search.engine.open_engine`` picks the engine
from the settings.
"""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Protocol

from ..models import Hit, StoredReport
from ..normalize import search_form

__all__ = ["Engine", "Filters", "Hit", "SearchRequest", "SearchResult", "SORTS", "FACETS", "FILTER_FIELDS",
           "UNKNOWN_REGION", "UNKNOWN_YEAR"]

SORTS = ("relevance", "publish_date", "report_year", "reuse")  # reuse: 最高重复率 (search.reuse)
UNKNOWN_REGION = "未知地区"  # the region facet's value for a report of unknown place
UNKNOWN_YEAR = "未知"  # the report_year facet's value for a report of unknown year
# Facets every engine counts; keys of SearchResult.facets.
FACETS = ("region", "report_year", "topic", "report_kind", "on_time", "missing_section")


def _filter(default, param: str, label: str, option: str, kind: str, help: str):
    """A Filters field and how the edges spell it: URL parameter, Chinese label, CLI option
    and its help; ``kind``: "values" (repeatable, OR-ed), "year" or "date" (a range bound)."""
    return field(default=default, metadata={"param": param, "label": label, "option": option, "kind": kind,
                                            "help": help})


@dataclass(frozen=True)
class Filters:
    """The filters of a search: the same for the search page, the API, the CLI, saved
    queries and alerts. Values within one facet combine with OR, facets with AND."""

    regions: tuple[str, ...] = _filter((), "region", "地区", "--region", "values",
                                       "Province, city or county name, or a path such as 浙江省/杭州市 (repeat for OR).")
    years: tuple[str, ...] = _filter((), "year", "报告年度", "--year", "values",
                                     "Year the report covers (repeat for OR).")
    topics: tuple[str, ...] = _filter((), "topic", "主题", "--topic", "values",
                                      "Topic, by id or Chinese name (repeat for OR; `govsearch topics` lists them).")
    kinds: tuple[str, ...] = _filter((), "kind", "报告类型", "--kind", "values",
                                     "Report kind: 法治政府建设年度报告, 政府信息公开工作年度报告, 其他报告 or 非报告 "
                                     "(repeat for OR).")
    year_from: int | None = _filter(None, "from", "年度范围的起始年", "--year-from", "year", "Earliest report year.")
    year_to: int | None = _filter(None, "to", "年度范围的截止年", "--year-to", "year", "Latest report year.")
    published_from: str | None = _filter(None, "pub_from", "发布日期的起始日", "--published-from", "date",
                                         "Published on or after this date (YYYY-MM-DD, YYYY-MM or YYYY).")
    published_to: str | None = _filter(None, "pub_to", "发布日期的截止日", "--published-to", "date",
                                       "Published on or before this date (YYYY-MM-DD, YYYY-MM or YYYY).")
    # Compliance (search.compliance): 按时公开 yes/no/unknown; the mandated sections a report lacks.
    on_time: tuple[str, ...] = _filter((), "on_time", "按时公开取值", "--on-time", "values",
                                       "Published by the deadline: yes, no or unknown (repeat for OR).")
    missing_sections: tuple[str, ...] = _filter((), "missing_section", "法定章节", "--missing-section", "values",
                                                "Reports lacking this mandated section (canonical name; "
                                                "repeat for OR).")

    def selected(self) -> dict[str, set[str]]:
        """Picked facet values; region names normalised (full-width, traditional) like the index."""
        return {"region": {search_form(r) for r in self.regions}, "report_year": set(self.years),
                "topic": set(self.topics), "report_kind": set(self.kinds), "on_time": set(self.on_time),
                "missing_section": set(self.missing_sections)}

    def year_range(self) -> tuple[int | None, int | None] | None:
        """(from, to) of the report years, inclusive; None when neither is set."""
        return None if self.year_from is None and self.year_to is None else (self.year_from, self.year_to)

    def published_range(self) -> tuple[str | None, str | None] | None:
        """(from, to) publish dates as YYYY-MM-DD, inclusive; None when neither is set."""
        if self.published_from is None and self.published_to is None:
            return None
        return (self.published_from, self.published_to)

    def ordered(self) -> "Filters":
        """The same filters with a reversed range the right way round (2025–2019 means 2019–2025)."""
        found = self
        for low, high in (("year_from", "year_to"), ("published_from", "published_to")):
            a, b = getattr(found, low), getattr(found, high)
            if a is not None and b is not None and a > b:
                found = replace(found, **{low: b, high: a})
        return found

    @staticmethod
    def raw(getlist, get) -> dict[str, Any]:
        """Unchecked filter values read by URL parameter name (a query string, a form):
        ``getlist(param)`` for repeatable ones, ``get(param)`` for range bounds; the
        argument for ``search.filters.check_filters``."""
        return {f.name: getlist(f.metadata["param"]) if f.metadata["kind"] == "values" else get(f.metadata["param"])
                for f in fields(Filters)}

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: lists for the value filters (saved queries keep this)."""
        return {f.name: list(getattr(self, f.name)) if f.metadata["kind"] == "values" else getattr(self, f.name)
                for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Filters":
        """The inverse of ``to_dict``; unknown keys are ignored, missing ones are empty."""
        data = data or {}
        values = {}
        for f in fields(cls):
            raw = data.get(f.name)
            kind = f.metadata["kind"]
            if kind == "values":
                values[f.name] = tuple(str(v) for v in raw or () if v)
            elif kind == "year":
                values[f.name] = int(raw) if str(raw or "").strip().isdigit() else None
            else:
                values[f.name] = str(raw) if raw else None
        return cls(**values)

    def url_params(self) -> list[tuple[str, str]]:
        """The search page's URL parameters for these filters (region, year, …, pub_to)."""
        params = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata["kind"] == "values":
                params.extend((f.metadata["param"], v) for v in value)
            elif value not in (None, ""):
                params.append((f.metadata["param"], str(value)))
        return params


FILTER_FIELDS = tuple(f.name for f in fields(Filters))


@dataclass(frozen=True, init=False)
class SearchRequest:
    """Everything that decides a result page (the web app keeps it all in the URL).

    Filters are given as ``filters=Filters(...)`` or by their names
    (``SearchRequest(query="复议", regions=("浙江省",))``) and read either way
    (``request.regions`` is ``request.filters.regions``).
    """

    query: str = ""
    filters: Filters = Filters()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    group_by_report: bool = False
    report_ids: tuple[str, ...] | None = None  # restrict to these reports (alerts)
    partial: bool = True  # also list paragraphs with only some of the words, after the full matches

    def __init__(self, query: str = "", filters: Filters | None = None, sort: str = "relevance", page: int = 1,
                 per_page: int = 20, group_by_report: bool = False, report_ids: tuple[str, ...] | None = None,
                 partial: bool = True, **filter_values):
        unknown = set(filter_values) - set(FILTER_FIELDS)
        if unknown:
            raise TypeError(f"SearchRequest got unknown arguments {sorted(unknown)}")
        filters = filters or Filters()
        if filter_values:
            filters = replace(filters, **{k: tuple(v) if isinstance(v, list) else v for k, v in filter_values.items()})
        for name, value in (("query", query), ("filters", filters), ("sort", sort), ("page", page),
                            ("per_page", per_page), ("group_by_report", group_by_report),
                            ("report_ids", tuple(report_ids) if report_ids is not None else None),
                            ("partial", partial)):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        if name in FILTER_FIELDS:
            return getattr(self.filters, name)
        raise AttributeError(name)

    def selected(self) -> dict[str, set[str]]:
        return self.filters.selected()


@dataclass(frozen=True)
class SearchResult:
    total: int  # matching paragraphs (after filters)
    total_reports: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]  # facet → value → paragraphs
    facet_reports: dict[str, dict[str, int]]  # facet → value → reports
    interpretation: str
    notice: str | None
    page: int
    per_page: int
    total_partial: int = 0  # paragraphs with only some of the query's words (listed after the full ones)
    total_partial_reports: int = 0
    hidden_by_filters: int = 0  # full matches the filters leave out
    facet_basis: str = "full"  # facets count the full matches, or (none) the partial ones
    understood: str | None = None  # how the words were read: ignored words, count questions
    query_words: tuple[str, ...] = ()  # what a full match contains (the words "missing" names)
    suggestion: str | None = None  # a query the index can answer better (did you mean)

    @property
    def pages(self) -> int:
        count = (self.total_reports + self.total_partial_reports) if self._grouped else self.total + self.total_partial
        return max(1, -(-count // self.per_page))

    _grouped: bool = False

    def to_dict(self) -> dict:
        """The JSON of `govsearch search --json` and /api/search (a stable interface)."""
        return {
            "total": self.total,
            "total_reports": self.total_reports,
            "page": self.page,
            "per_page": self.per_page,
            "interpretation": self.interpretation,
            "notice": self.notice,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": self.facets,
            "facet_reports": self.facet_reports,
            "facet_unit": "paragraphs",
            "total_partial": self.total_partial,
            "total_partial_reports": self.total_partial_reports,
            "hidden_by_filters": self.hidden_by_filters,
            "facet_basis": self.facet_basis,
            "understood": self.understood,
            "query_words": list(self.query_words),
            "suggestion": self.suggestion,
        }


class Engine(Protocol):
    """A search engine over the paragraphs of the stored reports."""

    def search(self, request: SearchRequest) -> SearchResult:
        """One result page (hits, totals, facets) for a request."""

    def apply(self, upserts: Iterable[StoredReport], deletions: Iterable[str]) -> int:
        """Replace or add reports and delete others; returns the paragraphs written."""

    def rebuild(self, store) -> int:
        """A new index of every report in the store, made live only when complete."""

    def writing(self) -> AbstractContextManager:
        """Held around a reindex: one writer at a time (raises IndexLocked when taken)."""

    def exists(self) -> bool:
        """Whether there is a live index to search and update."""

    def outdated(self) -> bool:
        """True when the live index lacks what this version searches (a full rebuild fixes it)."""

    def indexed(self) -> dict[str, str]:
        """report_id → content hash of what the live index holds."""

    def warm(self) -> bool:
        """Prepare what searches share; False when there is no index yet."""

    def start_warming(self, every_seconds: float = 5.0) -> threading.Event:
        """Keep warming in the background; set the returned event to stop."""

    def stats(self) -> dict:
        """Paragraphs, reports and where the index lives."""
