"""Every document a query matches, as a sorted numpy array, without scoring anything.

Facet counts and exact totals need the full match set. Walking Whoosh matchers yields
one document per Python call through every OR/AND node; here term postings are read a
block at a time and combined with numpy set operations, and only phrase candidates
(already intersected) have their positions checked. Handles the query types that
``search.query`` builds; anything else falls back to Whoosh's own ``docs()``.
"""
from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher

from .phrase import ExactPhrase

_EMPTY = np.empty(0, dtype=np.int64)


def _segments(searcher):
    """(reader, docnum offset) of every segment."""
    reader = searcher.reader()
    return reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]


def _term_ids(reader, fieldname: str, text) -> np.ndarray:
    """Local docnums of a term's postings in one segment (deleted documents removed)."""
    field = reader.schema[fieldname]
    btext = field.to_bytes(text) if not isinstance(text, bytes) else text
    if (fieldname, btext) not in reader:
        return _EMPTY
    matcher = reader.postings(fieldname, btext)
    deleted = None
    if isinstance(matcher, FilterMatcher):
        deleted, matcher = matcher._ids, matcher.child
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # whoosh3 leaf matcher: take whole blocks of ids (private API, pinned whoosh <2.8).
        chunks = []
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            chunks.append(np.asarray(matcher._ids[matcher._i:], dtype=np.int64))
            matcher._next_block()
        ids = np.concatenate(chunks) if chunks else _EMPTY
    else:
        ids = np.fromiter(matcher.all_ids(), dtype=np.int64)
    if deleted:
        ids = ids[~np.isin(ids, np.fromiter(deleted, dtype=np.int64))]
    return ids


def _live(reader) -> np.ndarray:
    ids = np.arange(reader.doc_count_all(), dtype=np.int64)
    deleted = reader.deleted_docs_set if reader.has_deletions() else None
    if deleted:
        ids = ids[~np.isin(ids, np.fromiter(deleted, dtype=np.int64))]
    return ids


def _phrase_ids(reader, query: ExactPhrase, known: np.ndarray = _EMPTY) -> np.ndarray:
    """Documents with the words at their offsets; ``known`` documents (already matched by
    a sibling in an OR) are left out without checking their positions."""
    sets = [_term_ids(reader, query.fieldname, word) for word in query.words]
    if not sets:
        return _EMPTY
    candidates = sets[0]
    for ids in sets[1:]:
        if not len(candidates):
            return _EMPTY
        candidates = np.intersect1d(candidates, ids, assume_unique=True)
    if len(known) and len(candidates):
        candidates = np.setdiff1d(candidates, known, assume_unique=True)
    if not query.exact or len(query.words) < 2 or not len(candidates):
        return candidates
    field = reader.schema[query.fieldname]
    matchers = [reader.postings(query.fieldname, field.to_bytes(word)) for word in query.words]
    kept = []
    for docnum in candidates.tolist():
        starts = None
        for matcher, offset in zip(matchers, query.offsets):
            matcher.skip_to(docnum)
            shifted = {position - offset for position in matcher.value_as("positions")}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                break
        if starts:
            kept.append(docnum)
    return np.asarray(kept, dtype=np.int64)


def _segment_ids(reader, query) -> np.ndarray:
    if isinstance(query, ExactPhrase):
        return _phrase_ids(reader, query)
    if isinstance(query, wq.Term):
        return _term_ids(reader, query.fieldname, query.text)
    if isinstance(query, wq.Prefix):
        parts = [_term_ids(reader, query.fieldname, term) for term in reader.expand_prefix(query.fieldname, query.text)]
        return np.unique(np.concatenate(parts)) if parts else _EMPTY
    if isinstance(query, wq.And):
        result = None
        for sub in query.subqueries:
            ids = _segment_ids(reader, sub)
            result = ids if result is None else np.intersect1d(result, ids, assume_unique=True)
            if not len(result):
                return _EMPTY
        return _EMPTY if result is None else result
    if isinstance(query, wq.Or):
        # Cheap children first; a phrase child then only checks positions in documents
        # no sibling matched (行政复议 as a word settles most documents before its bigrams).
        cheap = [sub for sub in query.subqueries if not isinstance(sub, ExactPhrase)]
        phrases = [sub for sub in query.subqueries if isinstance(sub, ExactPhrase)]
        parts = [_segment_ids(reader, sub) for sub in cheap]
        if any(part is None for part in parts):
            return None
        known = np.unique(np.concatenate(parts)) if parts else _EMPTY
        for phrase in phrases:
            found = _phrase_ids(reader, phrase, known)
            known = np.union1d(known, found) if len(found) else known
        return known
    if isinstance(query, wq.AndNot):
        return np.setdiff1d(_segment_ids(reader, query.a), _segment_ids(reader, query.b), assume_unique=True)
    if isinstance(query, wq.Not):
        return np.setdiff1d(_live(reader), _segment_ids(reader, query.query), assume_unique=True)
    if isinstance(query, wq.Every):
        return _live(reader)
    if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
        return _EMPTY
    return None  # unknown: caller falls back


def matching_docs(searcher, query) -> np.ndarray:
    """Sorted global docnums of every live document the query matches."""
    parts = []
    for reader, offset in _segments(searcher):
        ids = _segment_ids(reader, query)
        if ids is None:
            return np.fromiter(sorted(query.docs(searcher)), dtype=np.int64)
        if len(ids):
            parts.append(ids + offset)
    return np.concatenate(parts) if parts else _EMPTY
