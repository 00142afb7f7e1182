"""The search engine behind one small interface, with its Whoosh implementation.

The web app, the CLI and the alerts talk only to ``Engine``: add, replace and delete
reports, search with filters, facets, sort and pages, and stats. Another engine
(SQLite FTS5, tantivy) could stand behind the same interface.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Iterable

import numpy as np
from whoosh import scoring
from whoosh import query as wq

from . import index as idx
from ...errors import IndexMissing
from .docsets import contains, matching_docs, segments
from .facets import FACETS, FacetTable, count_facets, filter_mask
from .postings import TermReads
from .ranking import Scorer, SegmentLengths
from .writer import LeanSegmentWriter, build_segments, write_documents
from ...locking import writer_lock
from ...models import Hit, StoredReport
from ...schema import analyzer_fingerprint
from ..contract import SearchRequest, SearchResult
from ...query import ParsedQuery, parse_query
from ...suggest import suggest, warm as warm_suggestions
from .vocabulary import may_hold, warm as warm_vocabulary
from .tiers import everything, tier
from .. import plan as plan_nodes
from ..ranker import SUGGEST_BELOW, Candidates, hit_from_fields, rank_page, rank_relevance
from ...understand import QueryPlan, plan_query

LOGGER = logging.getLogger(__name__)

def stored_fields(searcher, docnum: int) -> dict:
    """A paragraph's stored fields, read from its segment directly: Whoosh's own call
    checks every stored value's field against the schema, a third of the cost of the
    sixty reads a ranked page makes (every field stored here is in the schema: an index
    built with other fields is rebuilt, see ``outdated``)."""
    reader = searcher.reader()
    if not reader.is_atomic():
        number, docnum = reader._segment_and_docnum(docnum)
        reader = reader.readers[number]
    perdoc = getattr(reader, "_perdoc", None)
    return dict(perdoc.stored_fields(docnum)) if perdoc is not None else reader.stored_fields(docnum)


class WhooshEngine:
    """Whoosh index generations in ``<data_dir>/indexes``; safe to share between threads."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._ix = None
        self._ix_path: Path | None = None
        self._facet_cache: tuple[object, FacetTable] | None = None
        self._facet_build_lock = threading.Lock()
        self._lengths = SegmentLengths()
        self._local = threading.local()  # one open searcher per serving thread

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

    def _searcher(self):
        """This thread's searcher, opened once and refreshed when the index changed.

        Opening a searcher reads every segment's files (tens of milliseconds); a search
        must not pay that each time. A reindex is seen at the next search.
        """
        ix = self._index()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.ix is not ix or not searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers by segment id and so keeps
            # a segment's old deletions after an incremental reindex deleted documents.
            if searcher is not None:
                searcher.close()
            searcher = ix.searcher(weighting=scoring.BM25F())
        local.searcher, local.ix = searcher, ix
        return searcher

    def _facet_table(self, searcher) -> FacetTable:
        key = (self._ix_path, searcher.reader().generation(), searcher.doc_count_all())
        with self._lock:
            if self._facet_cache is not None and self._facet_cache[0] == key:
                return self._facet_cache[1]
        # One build at a time: searches arriving while the warming thread (or another
        # search) builds this table wait for it instead of building it again.
        with self._facet_build_lock:
            with self._lock:
                if self._facet_cache is not None and self._facet_cache[0] == key:
                    return self._facet_cache[1]
            table = FacetTable.build(searcher.reader())
            with self._lock:
                self._facet_cache = (key, table)
        return table

    def warm(self) -> bool:
        """Open the live index and build what searches share (facet table, field lengths)
        now, so that the first search after a reindex does not wait for them (two seconds
        at a million paragraphs). Returns False when there is no index yet."""
        try:
            searcher = self._searcher()
        except IndexMissing:
            return False
        self._facet_table(searcher)
        warm_suggestions()  # the pinyin table (two seconds) before the first typo, not during it
        warm_vocabulary(searcher)
        for segment, _ in segments(searcher):
            for name, field in searcher.schema.items():
                if field.scorable:
                    self._lengths.get(segment, name)
        return True

    def start_warming(self, every_seconds: float = 5.0) -> threading.Event:
        """Warm in a daemon thread whenever the index changed (checked every few seconds);
        set the returned event to stop it."""
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                try:
                    self.warm()
                except Exception:  # a reindex mid-swap: the next round retries
                    LOGGER.exception("warming the index failed")
                stop.wait(every_seconds)

        threading.Thread(target=loop, name="govsearch-warm", daemon=True).start()
        return stop

    def exists(self) -> bool:
        """Whether a live generation exists."""
        return idx.current_generation(self.data_dir) is not None

    def writing(self):
        """The data folder's writer lock (one writer at a time, across processes)."""
        return writer_lock(self.data_dir)

    def outdated(self) -> bool:
        """True when the live index lacks fields this version searches (reindex rebuilds it)."""
        try:
            ix = self._index()
            return idx.schema_outdated(ix, self._ix_path)
        except IndexMissing:
            return False

    def indexed(self) -> dict[str, str]:
        try:
            return idx.indexed_keys(self._index())
        except IndexMissing:
            return {}

    def search(self, request: SearchRequest) -> SearchResult:
        parsed = parse_query(request.query)
        plan = plan_query(parsed)
        searcher = self._searcher()
        table = self._facet_table(searcher)
        reads = TermReads()  # matching and ranking read each term's postings once
        tiering = tier(searcher, plan, reads) if not plan.empty else everything(searcher, reads)
        tiering = self._restricted(searcher, tiering, request, reads)
        selected, years, published = request.selected(), _year_range(request), _published_range(request)
        passing = filter_mask(table, tiering.docs, selected, years, published)
        if request.partial and plan.clauses and not passing.any():
            # Nothing with a word of the query under these filters: sub-words, rather than an empty page.
            tiering = self._restricted(searcher, tier(searcher, plan, reads, fragments=True), request, reads)
            passing = filter_mask(table, tiering.docs, selected, years, published)
        full = tiering.full
        counts = count_facets(table, tiering.docs[full], selected, years, published)
        partial = tiering.select(~full & passing) if request.partial \
            else tiering.select(np.zeros(len(tiering.docs), dtype=bool))
        facets, basis = counts, "full"
        if not counts.total and len(partial.docs):
            facets, basis = count_facets(table, tiering.docs[~full], selected, years, published), "partial"
        shown = tiering.select(full & contains(counts.matched, tiering.docs) | contains(partial.docs, tiering.docs))
        partial_reports = _distinct_reports(table, partial.docs)
        hits = self._hits(searcher, table, shown, plan, parsed, request, reads) if len(shown.docs) else ()
        suggestion = None
        if counts.total < SUGGEST_BELOW and plan.clauses:
            suggestion = suggest(request.query, plan, lambda field, terms: [
                _document_frequency(searcher, field, text, reads) for text in terms])
        return SearchResult(
            total=counts.total,
            total_reports=len(counts.per_report),
            hits=tuple(hits),
            facets={f: facets.paragraphs[f] for f in FACETS},
            facet_reports={f: facets.reports.get(f, {}) for f in FACETS},
            interpretation=parsed.interpretation,
            notice=parsed.notice,
            page=request.page,
            per_page=request.per_page,
            total_partial=len(partial.docs),
            total_partial_reports=partial_reports,
            hidden_by_filters=int(np.count_nonzero(full)) - counts.total,
            facet_basis=basis,
            understood=plan.describe(),
            query_words=tuple(c.label for c in plan.clauses),
            suggestion=suggestion,
            _grouped=request.group_by_report,
        )

    @staticmethod
    def _restricted(searcher, tiering: Candidates, request: SearchRequest, reads: TermReads) -> Candidates:
        """The candidates within ``request.report_ids`` (alerts), when given."""
        if request.report_ids is None:
            return tiering
        allowed = matching_docs(searcher, wq.Or([wq.Term("report_id", r) for r in request.report_ids])
                                if request.report_ids else wq.NullQuery, reads)
        return tiering.select(contains(allowed, tiering.docs))

    def _hits(self, searcher, table: FacetTable, shown: Candidates, plan: QueryPlan, parsed: ParsedQuery,
              request: SearchRequest, reads: TermReads) -> list[Hit]:
        """The requested page of hits, ordered by the shared ranker (search.engine.ranker)
        over every candidate at once."""
        docs = shown.docs
        full = shown.full
        report = table.report_id.codes[docs]
        seq = table.seq[docs]
        copies = table.copy_key[docs] if table.copy_key is not None else None
        if request.sort == "relevance":
            scored = plan_nodes.scored_query(plan, parsed, set(searcher.schema.names()))
            scorer = Scorer(searcher, self._lengths, reads)

            def text_of(index: int) -> tuple[str, str]:
                fields = stored_fields(searcher, int(docs[index]))
                return fields.get("body", ""), fields.get("report_kind", "")

            ranked = rank_relevance(shown, full, report, seq, copies, plan, request.page, request.per_page,
                                    request.group_by_report, lambda picked: scorer.scores(scored, docs[picked]),
                                    text_of)
        else:
            years = np.array([int(v) if v.isdigit() else 0 for v in table.report_year.values] + [0])
            ranked = rank_page(request.sort, request.page, request.per_page, request.group_by_report, full, report,
                               seq, copies, table.publish_date.codes[docs], years[table.report_year.codes[docs]],
                               table.reuse[docs] if table.reuse is not None else None)
        per_report = np.bincount(report[report >= 0], minlength=len(table.report_id.values)) \
            if request.group_by_report else None
        hits = []
        for index in ranked.chosen.tolist():
            fields = stored_fields(searcher, int(docs[index]))
            more = int(per_report[report[index]]) - 1 if per_report is not None and report[index] >= 0 else 0
            others = int(np.count_nonzero(copies == copies[index])) - 1 if copies is not None else 0
            hits.append(hit_from_fields(fields, float(ranked.scores[index]), plan, more, tuple(shown.missing(index)),
                                        "full" if full[index] else "partial", others))
        return hits

    # --- writing (callers hold ``writing()``) -----------------------------------
    def apply(self, upserts: Iterable[StoredReport], deletions: Iterable[str]) -> int:
        """Replace or add reports and delete others in the live index; one atomic commit."""
        path = idx.current_generation(self.data_dir)
        if path is None:
            raise IndexMissing("no live index to update")
        from whoosh import index as whoosh_index

        writer = LeanSegmentWriter(whoosh_index.open_dir(str(path)))
        try:
            for report_id in deletions:
                writer.delete_by_term("report_id", report_id)
            upserts = list(upserts)
            for stored in upserts:
                writer.delete_by_term("report_id", stored.report_id)
            documents = write_documents(writer, upserts)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return documents

    def rebuild(self, store) -> int:
        """Build a new generation from every report in the store, on all cores, and swap it
        in when it is complete."""
        path = idx.new_generation(self.data_dir)
        documents = build_segments(path, str(store.path.parent), store.report_ids(), analyzer_fingerprint())
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


def _distinct_reports(table: FacetTable, docs: np.ndarray) -> int:
    codes = table.report_id.codes[docs]
    return int(len(np.unique(codes[codes >= 0])))


def _document_frequency(searcher, field: str, text: str, reads: TermReads) -> int:
    """Live paragraphs containing a term (a term lookup; postings only for terms the index holds).
    Most look-alike spellings are in no segment: the segments' term hashes say so first."""
    if field not in searcher.schema or not may_hold(searcher, field, text):
        return 0
    try:
        if not searcher.doc_frequency(field, text):
            return 0
    except Exception:  # a term the field cannot encode
        return 0
    return len(matching_docs(searcher, wq.Term(field, text), reads))


def _year_range(request: SearchRequest):
    if request.year_from is None and request.year_to is None:
        return None
    return (request.year_from, request.year_to)


def _published_range(request: SearchRequest):
    if request.published_from is None and request.published_to is None:
        return None
    return (request.published_from, request.published_to)
