"""The search engine behind one small interface, with its Whoosh implementation.

The web app, the CLI and the alerts talk only to ``Engine``: add, replace and delete
reports, search with filters, facets, sort and pages, and stats. Another engine
(SQLite FTS5, tantivy) could stand behind the same interface.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from whoosh import collectors, scoring
from whoosh import query as wq

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
        """Picked facet values; region names normalised (full-width, traditional) like the index."""
        return {"region": {search_form(r) for r in self.regions}, "report_year": set(self.years),
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
        # A title match lifts a paragraph but never makes it match: score main OR title,
        # restricted to the documents that match main and the filters. (Whoosh's AndMaybe
        # returned a wrong top-N here: limit=5 missed the best-scoring hit.)
        boost = title_boost_query(parsed)
        scored = wq.Or([main, boost]) if boost is not None else main
        ix = self._index()
        with ix.searcher(weighting=scoring.BM25F()) as searcher:
            table = self._facet_table(searcher)
            counts = count_facets(table, main.docs(searcher), request.selected(), _year_range(request))
            hits = self._hits(searcher, scored, counts.matched, request, parsed, counts.per_report) if counts.total else ()
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

    def _hits(self, searcher, scored, matched: set, request, parsed: ParsedQuery, per_report) -> list[Hit]:
        sortedby = {"publish_date": ["publish_date", "seq"], "report_year": ["year_sort", "publish_date"]}.get(
            request.sort)
        page = max(1, request.page)
        start, wanted = (page - 1) * request.per_page, page * request.per_page
        if not request.group_by_report:
            results = _ranked(searcher, scored, matched, wanted, sortedby)
            chosen = [(r.docnum, r.score if not sortedby else 0.0) for r in results[start:wanted]]
        else:
            chosen = self._best_per_report(searcher, scored, matched, sortedby, wanted, len(per_report))[start:wanted]
        hits = []
        for docnum, score in chosen:
            fields = searcher.stored_fields(docnum)
            more = per_report.get(fields["report_id"], 1) - 1 if request.group_by_report else 0
            hits.append(_hit(fields, score or 0.0, parsed, more))
        return hits

    @staticmethod
    def _best_per_report(searcher, scored, matched, sortedby, wanted: int, reports: int) -> list[tuple[int, float]]:
        """The best paragraph of each report, in result order, until ``wanted`` reports.

        Done here because Whoosh's ``collapse`` ignores a docnum-set ``filter``. Fetches a
        growing window of ranked paragraphs; each report contributes its first one.
        """
        target = min(wanted, reports)
        limit = max(wanted * 4, 50)
        while True:
            results = _ranked(searcher, scored, matched, limit, sortedby)
            best: dict[str, tuple[int, float]] = {}
            for result in results:
                report_id = searcher.stored_fields(result.docnum)["report_id"]
                if report_id not in best:
                    best[report_id] = (result.docnum, result.score if not sortedby else 0.0)
                    if len(best) >= target:
                        break
            if len(best) >= target or len(results) < limit:
                return list(best.values())
            limit *= 4

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
        # Both cores: Whoosh's MpWriter hands batches of documents to worker processes,
        # each writing its own segment (kept as separate segments: merging would cost
        # as much again, and searching a handful of segments is cheap).
        procs = max(1, min(os.cpu_count() or 1, 4))
        writer = ix.writer(procs=procs, multisegment=True, limitmb=128) if procs > 1 else ix.writer(limitmb=256)
        documents = 0
        try:
            for stored in reports:
                for document in idx.paragraph_documents(stored):
                    writer.add_document(**document)
                    documents += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
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


def _ranked(searcher, query, matched: set, limit: int, sortedby):
    """Top ``limit`` documents among ``matched``, by score or by the sort keys.

    The scored collector is built with ``replace=0``: Whoosh's matcher replacement
    (dropping sub-matchers whose maximum quality seems too low) returned a wrong top-N
    for nested OR queries here (limit=5 missed the best hit). Block-quality skipping
    alone is exact and stays on. tests/test_engine.py compares top-N with full rankings.
    """
    if sortedby:
        collector = searcher.collector(limit=limit, sortedby=sortedby, reverse=True)
    else:
        collector = collectors.TopCollector(limit=limit, usequality=True, replace=0)
    collector = collectors.FilterCollector(collector, allow=matched)
    searcher.search_with_collector(query, collector)
    return collector.results()


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
