"""The search engine behind one small interface, with its Whoosh implementation.

The web app, the CLI and the alerts talk only to ``Engine``: add, replace and delete
reports, search with filters, facets, sort and pages, and stats. Another engine
(SQLite FTS5, tantivy) could stand behind the same interface.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from whoosh import query as wq
from whoosh import scoring

from . import index as idx
from .errors import IndexMissing
from .facets import FACETS, FacetTable, count_facets
from .highlight import snippet
from .models import Hit, Region, StoredReport
from .normalize import search_form
from .query import ParsedQuery, compile_tree, parse_query, title_boost_query

LOGGER = logging.getLogger(__name__)

SORTS = ("relevance", "publish_date", "report_year")


@dataclass(frozen=True)
class SearchRequest:
    """Everything that decides a result page (the web app keeps it all in the URL)."""

    query: str = ""
    regions: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    group_by_report: bool = False
    report_ids: tuple[str, ...] | None = None  # restrict to these reports (alerts)

    def selected(self) -> dict[str, set[str]]:
        return {"region": set(self.regions), "report_year": set(self.years),
                "topic": set(self.topics), "report_kind": set(self.kinds)}


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

    @property
    def pages(self) -> int:
        count = self.total_reports if self._grouped else self.total
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
        }


class Engine(Protocol):
    def apply(self, upserts: Iterable[StoredReport], deletions: Iterable[str]) -> None: ...
    def rebuild(self, reports: Iterable[StoredReport]) -> None: ...
    def indexed(self) -> dict[str, str]: ...
    def search(self, request: SearchRequest) -> SearchResult: ...
    def stats(self) -> dict: ...


class WhooshEngine:
    """Whoosh index generations in ``<data_dir>/indexes``; safe to share between threads."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._ix = None
        self._ix_path: Path | None = None
        self._facet_cache: tuple[object, FacetTable] | None = None

    # --- reading ------------------------------------------------------------
    def _index(self):
        """The live index, reopened when a full reindex swapped generations."""
        path = idx.current_generation(self.data_dir)
        if path is None:
            raise IndexMissing(f"no index in {idx.index_root(self.data_dir)}: run `govsearch reindex` first")
        with self._lock:
            if self._ix is None or path != self._ix_path:
                from whoosh import index as whoosh_index

                self._ix = whoosh_index.open_dir(str(path))
                self._ix_path = path
            return self._ix

    def _facet_table(self, searcher) -> FacetTable:
        key = (self._ix_path, searcher.reader().generation(), searcher.doc_count_all())
        with self._lock:
            if self._facet_cache is not None and self._facet_cache[0] == key:
                return self._facet_cache[1]
        table = FacetTable.build(searcher.reader())
        with self._lock:
            self._facet_cache = (key, table)
        return table

    def indexed(self) -> dict[str, str]:
        try:
            return idx.indexed_keys(self._index())
        except IndexMissing:
            return {}

    def search(self, request: SearchRequest) -> SearchResult:
        parsed = parse_query(request.query)
        main = compile_tree(parsed.tree)
        if request.report_ids is not None:
            restrict = wq.Or([wq.Term("report_id", r) for r in request.report_ids]) if request.report_ids else wq.NullQuery
            main = wq.And([main, restrict])
        boost = title_boost_query(parsed)
        scored = wq.AndMaybe(main, boost) if boost is not None else main
        filter_query = self._filter_query(request)
        ix = self._index()
        with ix.searcher(weighting=scoring.BM25F()) as searcher:
            table = self._facet_table(searcher)
            counts = count_facets(table, main.docs(searcher), request.selected(),
                                  _year_range(request))
            hits = self._hits(searcher, scored, filter_query, request, parsed, counts.per_report) if counts.total else ()
        return SearchResult(
            total=counts.total,
            total_reports=len(counts.per_report),
            hits=tuple(hits),
            facets={f: dict(counts.paragraphs[f].most_common()) for f in FACETS},
            facet_reports={f: counts.reports.get(f, {}) for f in FACETS},
            interpretation=parsed.interpretation,
            notice=parsed.notice,
            page=request.page,
            per_page=request.per_page,
            _grouped=request.group_by_report,
        )

    def _filter_query(self, request: SearchRequest):
        parts = []
        if request.regions:
            parts.append(wq.Or([wq.Term("region", search_form(v))
                                for v in request.regions]))
        if request.years:
            parts.append(wq.Or([wq.Term("report_year", y) for y in request.years]))
        if request.year_from is not None or request.year_to is not None:
            parts.append(wq.NumericRange("year_sort", request.year_from or 1, request.year_to))
        if request.topics:
            parts.append(wq.Or([wq.Term("topic", t) for t in request.topics]))
        if request.kinds:
            parts.append(wq.Or([wq.Term("report_kind", k) for k in request.kinds]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _hits(self, searcher, scored, filter_query, request, parsed: ParsedQuery, per_report) -> list[Hit]:
        options = {"filter": filter_query, "terms": False}
        if request.sort == "publish_date":
            options.update(sortedby=["publish_date", "seq"], reverse=True)
        elif request.sort == "report_year":
            options.update(sortedby=["year_sort", "publish_date"], reverse=True)
        if request.group_by_report:
            options.update(collapse="report_id", collapse_limit=1)
        page = max(1, request.page)
        results = searcher.search(scored, limit=page * request.per_page, **options)
        start = (page - 1) * request.per_page
        hits = []
        for result in results[start : start + request.per_page]:
            fields = result.fields()
            more = per_report.get(fields["report_id"], 1) - 1 if request.group_by_report else 0
            hits.append(_hit(fields, result.score or 0.0, parsed, more))
        return hits

    # --- writing (callers hold idx.writer_lock) ------------------------------
    def apply(self, upserts: Iterable[StoredReport], deletions: Iterable[str]) -> int:
        """Replace or add reports and delete others in the live index; one atomic commit."""
        path = idx.current_generation(self.data_dir)
        if path is None:
            raise IndexMissing("no live index to update")
        from whoosh import index as whoosh_index

        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=256)
        documents = 0
        try:
            for report_id in deletions:
                writer.delete_by_term("report_id", report_id)
            for stored in upserts:
                writer.delete_by_term("report_id", stored.report_id)
                for document in idx.paragraph_documents(stored):
                    writer.add_document(**document)
                    documents += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return documents

    def rebuild(self, reports: Iterable[StoredReport]) -> int:
        """Build a new generation from scratch and swap it in when it is complete."""
        path = idx.new_generation(self.data_dir)
        from whoosh import index as whoosh_index

        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=256)
        documents = 0
        try:
            for stored in reports:
                for document in idx.paragraph_documents(stored):
                    writer.add_document(**document)
                    documents += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=True)
        idx.publish_generation(self.data_dir, path)
        return documents

    def stats(self) -> dict:
        ix = self._index()
        with ix.searcher() as searcher:
            return {
                "paragraphs": searcher.doc_count(),
                "reports": len(idx.indexed_keys(ix)),
                "generation": self._ix_path.name if self._ix_path else None,
                "segments": len(ix._segments()) if hasattr(ix, "_segments") else None,
            }


def _year_range(request: SearchRequest):
    if request.year_from is None and request.year_to is None:
        return None
    return (request.year_from, request.year_to)


def _hit(fields: dict, score: float, parsed: ParsedQuery, more: int) -> Hit:
    province = fields.get("province") or None
    region = Region(
        province=None if province == idx.UNKNOWN_REGION else province,
        city=fields.get("city") or None,
        county=fields.get("county") or None,
        code=fields.get("region_code") or None,
    )
    year = fields.get("report_year")
    text = fields.get("body", "")
    return Hit(
        report_id=fields["report_id"],
        paragraph_id=fields["paragraph_id"],
        title=fields.get("title", ""),
        region=region,
        report_year=int(year) if year and year.isdigit() else None,
        report_kind=fields.get("report_kind", ""),
        issuer=fields.get("issuer") or None,
        publish_date=fields.get("publish_date") or None,
        section_path=tuple(json.loads(fields.get("section_path") or "[]")),
        text=text,
        highlight=str(snippet(text, parsed.highlight_terms)),
        score=score,
        topics=tuple(t for t in (fields.get("topic") or "").split(",") if t),
        quality=tuple(q for q in (fields.get("quality") or "").split(",") if q),
        more_in_report=more,
    )
