"""BM25F scores of every matching document at once, from Whoosh postings.

Whoosh scores one document per Python call through every node of the query tree; for a
common word that is every paragraph of a province. The documents are already known
(``docsets``), so here each term's postings are read a block at a time (ids and
weights) and the field lengths once per index generation; the formula and the walk
over the query tree are the engine-neutral ones of ``search.engine.bm25`` (the
OpenSearch engine computes the same numbers from the paragraphs it fetched).
Statistics are those of live paragraphs (``LiveStatistics``); ``WhooshStatistics``
gives Whoosh's own (deleted documents included), for comparing with Whoosh's scorer.
"""
from __future__ import annotations

import threading

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher

from .docsets import deleted_docs, matching_docs, segments
from .. import bm25
from .postings import TermReads

# A stored byte 0 (empty field) reads as length 1, as Whoosh's scorer reads it.
_LENGTH_OF_BYTE = np.where(np.arange(256) == 0, 1, bm25.length_of_byte(np.arange(256))).astype(np.float64)
_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.empty(0, dtype=np.float64)


class SegmentLengths:
    """Field lengths of one segment's documents, read once (per index generation)."""

    MAX_ENTRIES = 256

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], np.ndarray] = {}

    def get(self, reader, fieldname: str) -> np.ndarray:
        # Segment ids are unique within an index folder and a segment's lengths never change.
        key = (str(getattr(reader._storage, "folder", "")), reader._segment.segment_id(), fieldname)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        lengths = _LENGTH_OF_BYTE[_read_codes(reader, fieldname)]
        with self._lock:
            if len(self._cache) >= self.MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = lengths
        return lengths


    def live_total(self, reader, fieldname: str) -> int:
        """Total length of a field over a segment's live documents: the exact total the
        segment keeps, less its deleted documents' exact lengths (the ``len_*`` column; a
        segment written without it knows them to one byte only)."""
        total = int(reader.field_length(fieldname))
        deleted = deleted_docs(reader)
        if deleted is None:
            return total
        key = (str(getattr(reader._storage, "folder", "")), reader._segment.segment_id(), fieldname,
               "deleted", len(deleted))  # deletions only grow: their count names them
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            exact = _length_column(reader, fieldname)
            if exact is not None and int(exact.sum()) == total:
                cached = int(exact[deleted[deleted < len(exact)]].sum())
            else:
                codes = _read_codes(reader, fieldname)
                cached = int(bm25.length_of_byte(codes[deleted[deleted < len(codes)]]).sum())
            with self._lock:
                if len(self._cache) >= self.MAX_ENTRIES:
                    self._cache.clear()
                self._cache[key] = cached
        return max(0, total - cached)


def _length_column(reader, fieldname: str) -> np.ndarray | None:
    """A segment's exact lengths of a field (None: the segment has no such column)."""
    name = f"len_{fieldname}"
    if name not in reader.schema or not reader._perdoc.has_column(name):
        return None
    column_reader = reader._perdoc.column_reader(name, reader.schema[name].column_type)
    count = min(column_reader._count, reader.doc_count_all())
    raw = bytes(column_reader._dbfile.get(column_reader._basepos, count * column_reader._fixedlen))
    values = np.zeros(reader.doc_count_all(), dtype=np.int64)
    values[:count] = np.frombuffer(raw, dtype=np.dtype(">" + column_reader._typecode))
    return values


def _read_codes(reader, fieldname: str) -> np.ndarray:
    size = reader.doc_count_all()
    perdoc = reader._perdoc
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    codes = np.zeros(size, dtype=np.uint8)
    if column is not None:
        raw = column._dbfile.get(column._basepos, min(size, column._doccount))
        stored = np.frombuffer(bytes(raw), dtype=np.uint8)
        codes[: len(stored)] = stored
    return codes


def _postings(reader, fieldname: str, text: str, reads: TermReads) -> tuple[np.ndarray, np.ndarray]:
    """(local ids, weights) of a term in one segment, deleted documents included (the
    documents scored are live already)."""
    field = reader.schema[fieldname]
    btext = field.to_bytes(text)
    fast = reads.get(reader, fieldname, btext)
    if fast is not None:
        return fast.ids, fast.weights
    if (fieldname, btext) not in reader:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    ids, weights = [], []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_read_weights"):
        while matcher.is_active():  # whoosh3 leaf matcher: whole blocks (whoosh pinned <2.8)
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
        if not ids:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        return np.concatenate(ids), np.concatenate(weights)
    for docnum in matcher.all_ids():
        ids.append(docnum)
        weights.append(matcher.weight())
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def _weights_at(ids: np.ndarray, weights: np.ndarray, local: np.ndarray, size: int):
    """(the term's weight in each of ``local``, 0 where absent; presence mask). Many
    documents: scatter into a segment-sized array and gather (no binary search per
    document); few: binary search."""
    if len(local) * 16 > size:
        dense = np.zeros(size, dtype=np.float64)
        dense[ids] = weights
        present = np.zeros(size, dtype=bool)
        present[ids] = True
        return dense[local], present[local]
    index = np.minimum(np.searchsorted(ids, local), len(ids) - 1)
    present = ids[index] == local
    return np.where(present, weights[index], 0.0), present


class _SegmentPostings:
    """``bm25.Postings`` of some documents (local docnums) of one segment."""

    def __init__(self, segment, local: np.ndarray, lengths: SegmentLengths, reads: TermReads):
        self.segment, self.local, self._lengths, self.reads = segment, local, lengths, reads

    def term(self, field: str, text: str):
        if field not in self.segment.schema:
            return np.zeros(len(self.local)), np.zeros(len(self.local), dtype=bool)
        ids, weights = _postings(self.segment, field, text, self.reads)
        if not len(ids):
            return np.zeros(len(self.local)), np.zeros(len(self.local), dtype=bool)
        return _weights_at(ids, weights, self.local, self.segment.doc_count_all())

    def prefix(self, field: str, text: str) -> np.ndarray:
        present = np.zeros(len(self.local), dtype=bool)
        if field not in self.segment.schema:
            return present
        for term in self.segment.expand_prefix(field, text):
            ids, _ = _postings(self.segment, field, term, self.reads)
            present |= np.isin(self.local, ids)
        return present

    def lengths(self, field: str) -> np.ndarray:
        return self._lengths.get(self.segment, field)[self.local]


class LiveStatistics:
    """idf and mean field length over the live paragraphs (what both engines use)."""

    def __init__(self, searcher, lengths: SegmentLengths, reads: TermReads):
        self.searcher, self._lengths, self.reads = searcher, lengths, reads
        self.documents = max(1, searcher.doc_count())
        self._idf: dict[tuple[str, str], float] = {}

    def idf(self, field: str, text: str) -> float:
        key = (field, text)
        if key not in self._idf:
            found = len(matching_docs(self.searcher, wq.Term(field, text), self.reads)) \
                if field in self.searcher.schema else 0
            self._idf[key] = bm25.idf(found, self.documents)
        return self._idf[key]

    def avg_length(self, field: str) -> float:
        if field not in self.searcher.schema:
            return 0.0
        total = sum(self._lengths.live_total(segment, field) for segment, _ in segments(self.searcher))
        return total / self.documents


class WhooshStatistics:
    """Whoosh's own statistics (deleted documents included, exact length totals)."""

    def __init__(self, searcher):
        self.searcher = searcher

    def idf(self, field: str, text: str) -> float:
        return self.searcher.idf(field, text)

    def avg_length(self, field: str) -> float:
        return self.searcher.avg_field_length(field) or 0.0


class Scorer:
    """Scores a query node (``search.engine.plan``) over a sorted array of global docnums."""

    def __init__(self, searcher, lengths: SegmentLengths, reads: TermReads | None = None, statistics=None):
        self.searcher = searcher
        self.reads = reads or TermReads()
        self.lengths = lengths
        self.statistics = statistics or LiveStatistics(searcher, lengths, self.reads)

    def scores(self, node, docs: np.ndarray) -> np.ndarray:
        out = np.zeros(len(docs), dtype=np.float64)
        reader = self.searcher.reader()
        for segment, offset in segments(reader):
            low = np.searchsorted(docs, offset)
            high = np.searchsorted(docs, offset + segment.doc_count_all())
            if high > low:
                local = docs[low:high] - offset
                postings = _SegmentPostings(segment, local, self.lengths, self.reads)
                out[low:high] = bm25.scores(node, postings, self.statistics, len(local))
        return out
