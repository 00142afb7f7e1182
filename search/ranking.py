"""BM25F scores of every matching document at once, with numpy.

Whoosh scores one document per Python call through every node of the query tree; for a
common word that is every paragraph of a province. The documents are already known
(``docsets``), so here each term's postings are read a block at a time (ids and
weights), the field lengths once per index generation, and Whoosh's own ``bm25``
formula runs over arrays. The scores equal Whoosh's ``BM25F`` scores of the loose query
(see ``search.phrase``) up to the order of floating-point additions; a test compares them.
"""
from __future__ import annotations

import threading

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F, bm25
from whoosh.util.numeric import byte_to_length

from .docsets import segments
from .phrase import ExactPhrase
from .postings import TermReads

_LENGTH_OF_BYTE = np.array([byte_to_length(b) if b else 1 for b in range(256)], dtype=np.float64)
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
        lengths = _read_lengths(reader, fieldname)
        with self._lock:
            if len(self._cache) >= self.MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = lengths
        return lengths


def _read_lengths(reader, fieldname: str) -> np.ndarray:
    size = reader.doc_count_all()
    perdoc = reader._perdoc
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    codes = np.zeros(size, dtype=np.uint8)
    if column is not None:
        raw = column._dbfile.get(column._basepos, min(size, column._doccount))
        stored = np.frombuffer(bytes(raw), dtype=np.uint8)
        codes[: len(stored)] = stored
    return _LENGTH_OF_BYTE[codes]


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


class Scorer:
    """Scores a query over a sorted array of global docnums."""

    def __init__(self, searcher, lengths: SegmentLengths, reads: TermReads | None = None):
        self.searcher = searcher
        self.reads = reads or TermReads()
        self.weighting = searcher.weighting if isinstance(searcher.weighting, BM25F) else BM25F()
        self.lengths = lengths

    def scores(self, query, docs: np.ndarray) -> np.ndarray:
        out = np.zeros(len(docs), dtype=np.float64)
        reader = self.searcher.reader()
        for segment, offset in segments(reader):
            low = np.searchsorted(docs, offset)
            high = np.searchsorted(docs, offset + segment.doc_count_all())
            if high > low:
                local = docs[low:high] - offset
                out[low:high] = self._node(segment, query, local)[0]
        return out

    def _node(self, segment, query, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched mask) of a query node for the given local docnums."""
        if isinstance(query, ExactPhrase):
            total, present = self._sum(segment, [wq.Term(query.fieldname, w) for w in query.words], local, every=True)
            return total * query.boost, present
        if isinstance(query, wq.Term):
            return self._term(segment, query, local)
        if isinstance(query, wq.Prefix):  # Whoosh scores a prefix match as a constant
            terms = segment.expand_prefix(query.fieldname, query.text)
            present = np.zeros(len(local), dtype=bool)
            for term in terms:
                ids, _ = _postings(segment, query.fieldname, term, self.reads)
                present |= np.isin(local, ids)
            return np.where(present, query.boost, 0.0), present
        if isinstance(query, wq.AndNot):
            scores, present = self._node(segment, query.a, local)
            return scores * query.boost, present
        if isinstance(query, (wq.And, wq.Or)):
            total, present = self._sum(segment, query.subqueries, local, every=isinstance(query, wq.And))
            return total * query.boost, present
        if isinstance(query, wq.Every):  # Whoosh scores every document as the query's boost
            return np.full(len(local), float(query.boost)), np.ones(len(local), dtype=bool)
        # Not and anything else contribute no score of their own.
        return np.zeros(len(local)), np.ones(len(local), dtype=bool)

    def _sum(self, segment, subqueries, local, every: bool):
        total = np.zeros(len(local), dtype=np.float64)
        present = np.ones(len(local), dtype=bool) if every else np.zeros(len(local), dtype=bool)
        for sub in subqueries:
            scores, mask = self._node(segment, sub, local)
            total = total + np.where(mask, scores, 0.0)
            present = present & mask if every else present | mask
        return np.where(present, total, 0.0), present

    def _term(self, segment, query: wq.Term, local: np.ndarray):
        ids, weights = _postings(segment, query.fieldname, query.text, self.reads)
        if not len(ids):
            return np.zeros(len(local)), np.zeros(len(local), dtype=bool)
        term_weights, present = _weights_at(ids, weights, local, segment.doc_count_all())
        field = self.searcher.schema[query.fieldname]
        if not field.scorable:
            return term_weights * query.boost, present
        parent = self.searcher
        idf = parent.idf(query.fieldname, query.text)
        avgfl = parent.avg_field_length(query.fieldname) or 1
        B = self.weighting._field_B.get(query.fieldname, self.weighting.B)
        lengths = self.lengths.get(segment, query.fieldname)[local]
        scores = bm25(idf, term_weights, lengths, avgfl, B, self.weighting.K1)
        return np.where(present, scores, 0.0) * query.boost, present
