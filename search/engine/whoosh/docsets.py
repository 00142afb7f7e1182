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

from .phrase import ExactPhrase, NearParts
from .caches import SegmentCache, freeze_arrays, segment_token
from .postings import TermReads, field_terms

_EMPTY = np.empty(0, dtype=np.int64)
_START_BITS = 33  # a phrase start is (candidate index << 33) | (start + _START_BIAS)
_START_BIAS = 1 << 32  # starts may be negative (a word's position minus its offset)


def segments(searcher):
    """(reader, docnum offset) of every segment (of a searcher or a reader)."""
    reader = searcher.reader() if hasattr(searcher, "reader") else searcher
    return reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]


def contains(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether it is in ``sorted_ids`` (binary search: no sort)."""
    if not len(sorted_ids) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    top = max(int(sorted_ids[-1]), int(ids.max())) + 1
    if min(len(ids), len(sorted_ids)) * 16 > top:  # both large: a bitmap beats binary search
        seen = np.zeros(top, dtype=bool)
        seen[sorted_ids] = True
        return seen[ids]
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique a ∩ b."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return small[contains(large, small)]


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique a − b."""
    return a[~contains(b, a)] if len(b) and len(a) else a


def union(parts: list[np.ndarray], size: int) -> np.ndarray:
    """Sorted unique union of sorted arrays of docnums below ``size``: a bitmap when the
    parts are large (sorting them would cost more), a sort when they are small."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    total = sum(len(part) for part in parts)
    if total * 8 < size:
        return np.unique(np.concatenate(parts))
    seen = np.zeros(size, dtype=bool)
    for part in parts:
        seen[part] = True
    return np.flatnonzero(seen)


def _btext(reader, fieldname: str, text) -> bytes:
    return text if isinstance(text, bytes) else reader.schema[fieldname].to_bytes(text)


def deleted_docs(reader) -> np.ndarray | None:
    """A segment reader's deleted docnums, sorted (None: none); a reader's deletions never
    change, so they are kept on it."""
    if not reader.has_deletions():
        return None
    cached = reader.__dict__.get("_govsearch_deleted")
    if cached is None:
        deleted = reader.deleted_docs_set if hasattr(reader, "deleted_docs_set") else set(reader.deleted_docs())
        cached = reader.__dict__["_govsearch_deleted"] = np.sort(np.fromiter(deleted, dtype=np.int64))
    return cached if len(cached) else None


def _term_ids(reader, fieldname: str, text, reads: TermReads) -> np.ndarray:
    """Local docnums of a term's postings in one segment (deleted documents removed)."""
    btext = _btext(reader, fieldname, text)
    fast = reads.get(reader, fieldname, btext)
    if fast is not None:
        deleted = deleted_docs(reader)
        return fast.ids if deleted is None else difference(fast.ids, deleted)
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


def _phrase_ids(reader, query: ExactPhrase, reads: TermReads, known: np.ndarray = _EMPTY) -> np.ndarray:
    """Documents with the words at their offsets; ``known`` documents (already matched by
    a sibling in an OR) are left out without checking their positions."""
    sets = [_term_ids(reader, query.fieldname, word, reads) for word in query.words]
    if not sets:
        return _EMPTY
    candidates = sets[0]
    for ids in sets[1:]:
        if not len(candidates):
            return _EMPTY
        candidates = intersect(candidates, ids)
    if len(known) and len(candidates):
        candidates = difference(candidates, known)
    if not query.exact or len(query.words) < 2 or not len(candidates):
        return candidates
    starts = None
    for word, offset in zip(query.words, query.offsets):
        found = _phrase_starts(reader, query.fieldname, word, offset, candidates, reads)
        if found is None:
            return _checked_one_by_one(reader, query, candidates)
        starts = found if starts is None else intersect(starts, found)
        if not len(starts):
            return _EMPTY
    owners = starts >> _START_BITS
    return candidates[owners[np.concatenate(([True], owners[1:] != owners[:-1]))]]


def _phrase_starts(reader, fieldname: str, word: str, offset: int, candidates: np.ndarray,
                   reads: TermReads) -> np.ndarray | None:
    """Where the phrase would start if ``word`` sits at ``offset`` in it, in every
    candidate: (candidate index << 33) | (start + bias), sorted and unique; None when the segment
    is not in the fast format."""
    postings = reads.get(reader, fieldname, _btext(reader, fieldname, word), positions=True)
    if postings is None:
        return None
    chosen = np.searchsorted(postings.ids, candidates)  # every candidate has the word
    counts = postings.counts[chosen]
    first = postings.starts[chosen]
    gather = np.repeat(first - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(int(counts.sum()))
    starts = postings.positions[gather] - offset + _START_BIAS
    owner = np.repeat(np.arange(len(candidates), dtype=np.int64), counts)
    keys = (owner << _START_BITS) | starts  # sorted: candidates ascend, positions ascend within each
    if len(keys) > 1 and (keys[1:] <= keys[:-1]).any():
        keys = np.unique(keys)
    return keys


def _checked_one_by_one(reader, query: ExactPhrase, candidates: np.ndarray) -> np.ndarray:
    """The phrase check through Whoosh's matchers (segments in an older format)."""
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


def _start_keys(reader, part, candidates: np.ndarray, reads: TermReads) -> np.ndarray | None:
    """(candidate index << 33) | (start + bias) of every place a part (a Term or an
    ExactPhrase, present in every candidate) starts; None for older segment formats."""
    if isinstance(part, wq.Term):
        return _phrase_starts(reader, part.fieldname, part.text, 0, candidates, reads)
    starts = None
    for word, offset in zip(part.words, part.offsets):
        found = _phrase_starts(reader, part.fieldname, word, offset, candidates, reads)
        if found is None:
            return None
        starts = found if starts is None else intersect(starts, found)
    return starts


def _part_starts(reader, part, docnum: int) -> set[int]:
    """Where a part (Term or ExactPhrase) starts in one document, through Whoosh's matchers."""
    words, offsets = ([part.text], [0]) if isinstance(part, wq.Term) else (part.words, part.offsets)
    field = reader.schema[part.fieldname]
    starts = None
    for word, offset in zip(words, offsets):
        matcher = reader.postings(part.fieldname, field.to_bytes(word))
        matcher.skip_to(docnum)
        shifted = {position - offset for position in matcher.value_as("positions")}
        starts = shifted if starts is None else starts & shifted
    return starts or set()


def _near_one_by_one(reader, query: NearParts, candidates: np.ndarray) -> np.ndarray:
    kept = []
    for docnum in candidates.tolist():
        starts = [_part_starts(reader, part, docnum) for part in query.parts]
        if any(all(any(abs(other - anchor) <= query.window for other in others) for others in starts[1:])
               for anchor in starts[0]):
            kept.append(docnum)
    return np.asarray(kept, dtype=np.int64)


def _near_ids(reader, query: NearParts, reads: TermReads, offset: int = 0) -> np.ndarray:
    """Documents where every part starts within ``window`` positions of a start of the first
    (``query.skip``: global docnums not to check, already known to match otherwise)."""
    candidates = None
    for part in query.parts:
        ids = _segment_ids(reader, part, reads)
        candidates = ids if candidates is None else intersect(candidates, ids)
        if candidates is None or not len(candidates):
            return _EMPTY
    if query.skip is not None and len(query.skip):
        local = query.skip[(query.skip >= offset) & (query.skip < offset + reader.doc_count_all())] - offset
        candidates = difference(candidates, local)
        if not len(candidates):
            return _EMPTY
    if candidates is None or len(query.parts) < 2:
        return _EMPTY if candidates is None else candidates
    keys = [_start_keys(reader, part, candidates, reads) for part in query.parts]
    if any(k is None for k in keys):  # an older segment format: positions through Whoosh's matchers
        return _near_one_by_one(reader, query, candidates)
    anchors = keys[0]
    near = np.ones(len(anchors), dtype=bool)
    for other in keys[1:]:
        # The first start of ``other`` at or after anchor - window must be within anchor + window;
        # the candidate index in the high bits keeps the comparison inside one document.
        at = np.searchsorted(other, anchors - query.window)
        found = other[np.minimum(at, len(other) - 1)]
        near &= (at < len(other)) & (found <= anchors + query.window)
    owners = np.unique(anchors[near] >> _START_BITS)
    return candidates[owners]


def _segment_ids(reader, query, reads: TermReads) -> np.ndarray:
    if isinstance(query, NearParts):
        return _near_ids(reader, query, reads)
    if isinstance(query, ExactPhrase):
        return _phrase_ids(reader, query, reads)
    if isinstance(query, wq.Term):
        return _term_ids(reader, query.fieldname, query.text, reads)
    if isinstance(query, wq.Prefix):
        parts = [_term_ids(reader, query.fieldname, term, reads) for term in reader.expand_prefix(query.fieldname, query.text)]
        return union(parts, reader.doc_count_all())
    if isinstance(query, wq.And):
        result = None
        for sub in query.subqueries:
            ids = _segment_ids(reader, sub, reads)
            result = ids if result is None else intersect(result, ids)
            if not len(result):
                return _EMPTY
        return _EMPTY if result is None else result
    if isinstance(query, wq.Or):
        # Cheap children first; a phrase child then only checks positions in documents
        # no sibling matched (行政复议 as a word settles most documents before its bigrams).
        cheap = [sub for sub in query.subqueries if not isinstance(sub, ExactPhrase)]
        phrases = [sub for sub in query.subqueries if isinstance(sub, ExactPhrase)]
        parts = [_segment_ids(reader, sub, reads) for sub in cheap]
        if any(part is None for part in parts):
            return None
        known = union(parts, reader.doc_count_all())
        for phrase in phrases:
            found = _phrase_ids(reader, phrase, reads, known)
            known = union([known, found], reader.doc_count_all())
        return known
    if isinstance(query, wq.AndNot):
        return difference(_segment_ids(reader, query.a, reads), _segment_ids(reader, query.b, reads))
    if isinstance(query, wq.Not):
        return difference(_live(reader), _segment_ids(reader, query.query, reads))
    if isinstance(query, wq.Every):
        return _live(reader)
    if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
        return _EMPTY
    return None  # unknown: caller falls back


MATCH_CACHE_MB = 64  # match sets of sub-queries kept across searches (setting search_cache_mb shares its total)
MATCH_CACHE = SegmentCache(MATCH_CACHE_MB << 20, lambda ids: ids.nbytes, freeze_arrays)


class _QueryKey:
    """A query as a cache key, its hash computed once: Whoosh's compound queries hash
    their whole tree on every call, and a key is looked up once per segment."""

    __slots__ = ("query", "_hash")

    def __init__(self, query, hashed: int):
        self.query = query
        self._hash = hashed

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, _QueryKey) and self._hash == other._hash and self.query == other.query


def _cache_key(query):
    """What identifies a query's match set in a segment (None: not kept)."""
    if isinstance(query, NearParts):
        skip = query.skip
        fingerprint = None if skip is None else (len(skip), hash(skip.tobytes()))
        query = ("near", tuple(query.parts), query.window, fingerprint)
    try:
        return _QueryKey(query, hash(query))
    except TypeError:
        return None


def matching_docs(searcher, query, reads: TermReads | None = None) -> np.ndarray:
    """Sorted global docnums of every live document the query matches (``searcher`` may
    also be an index reader)."""
    reads = reads or TermReads()
    parts = []
    key = _cache_key(query)
    for reader, offset in segments(searcher):
        cache_key = (segment_token(reader), key) if key is not None else None
        ids = MATCH_CACHE.get(cache_key) if cache_key is not None else None
        if ids is None:
            ids = _near_ids(reader, query, reads, offset) if isinstance(query, NearParts) \
                else _segment_ids(reader, query, reads)
            if ids is None:
                return np.fromiter(sorted(query.docs(searcher)), dtype=np.int64)
            if cache_key is not None:
                MATCH_CACHE.put(cache_key, ids)
        if len(ids):
            parts.append(ids + offset)
    return np.concatenate(parts) if parts else _EMPTY


def field_postings(reader, field_name: str) -> dict[str, np.ndarray]:
    """Every value of a field with its live global docnums, values in sorted order.
    FastCodec segments are read in one pass over their term table (no lookup per term:
    at a million paragraphs the report_id field alone has 33,000 terms)."""
    if field_name not in reader.schema:
        return {}
    found: dict[bytes, list[np.ndarray]] = {}
    for leaf, offset in segments(reader):
        deleted = deleted_docs(leaf)
        terms = field_terms(leaf, field_name)
        if terms is None:  # an older segment format: a lookup per term
            terms = ((btext, matching_docs(leaf, wq.Term(field_name, btext))) for btext in leaf.lexicon(field_name))
            deleted = None  # matching_docs leaves deleted documents out already
        for btext, ids in terms:
            if deleted is not None:
                ids = difference(ids, deleted)
            if len(ids):
                found.setdefault(btext, []).append(ids + offset)
    return {btext.decode("utf-8"): (parts[0] if len(parts) == 1 else np.concatenate(parts))
            for btext, parts in sorted(found.items())}


def live_terms(reader, field_name: str) -> list[str]:
    """The values of a field that some live document has, sorted; postings are read
    only in segments with deletions."""
    found: set[bytes] = set()
    for leaf, _ in segments(reader):
        deleted = deleted_docs(leaf)
        terms = field_terms(leaf, field_name, ids=deleted is not None)
        if terms is None:  # an older segment format: a lookup per term
            found.update(btext for btext in leaf.lexicon(field_name)
                         if len(matching_docs(leaf, wq.Term(field_name, btext))))
            continue
        for btext, ids in terms:
            if ids is None or len(difference(ids, deleted)):
                found.add(btext)
    return [btext.decode("utf-8") for btext in sorted(found)]
