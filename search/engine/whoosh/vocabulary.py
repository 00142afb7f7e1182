"""Whether a field of the index holds a word at all, answered from memory.

Did-you-mean tries dozens of homophone and look-alike spellings of every unknown word,
and almost none of them is in the index; a term-table lookup per spelling in every
segment was most of a slow question's time. Each segment keeps the hashes of its
field's terms (read in one pass over its term table), so a spelling no segment has costs
a set lookup per segment; a hash hit is confirmed by the term table.
"""
from __future__ import annotations

import threading

from .docsets import segments
from .postings import field_terms

_BUILD_LOCK = threading.Lock()


def _term_hashes(reader, field: str) -> frozenset[int] | None:
    """Hashes of a segment's terms in a field (None: an older segment format)."""
    cache = reader.__dict__.setdefault("_govsearch_term_hashes", {})
    found = cache.get(field)
    if found is None:
        with _BUILD_LOCK:
            found = cache.get(field)
            if found is None:
                terms = field_terms(reader, field, ids=False)
                if terms is None:
                    return None
                found = frozenset(hash(btext) for btext, _ in terms)
                cache[field] = found
    return found


def may_hold(searcher, field: str, text: str) -> bool:
    """False only when no segment has the term (True may still be a hash collision)."""
    try:
        btext = searcher.schema[field].to_bytes(text)
    except Exception:  # a word the field cannot encode
        return False
    key = hash(btext)
    for reader, _ in segments(searcher):
        hashes = _term_hashes(reader, field)
        if hashes is None:
            return True  # cannot tell: let the term table answer
        if key in hashes:
            return True
    return False


def document_frequency(searcher, field: str, text: str) -> int:
    """Paragraphs containing a term (deleted ones included: for suggestions only)."""
    if field not in searcher.schema or not may_hold(searcher, field, text):
        return 0
    try:
        return searcher.doc_frequency(field, text)
    except Exception:  # a term the field cannot encode
        return 0


def warm(searcher, field: str = "body") -> None:
    """Read every segment's term hashes now (a server does this before the first typo)."""
    if field in searcher.schema:
        for reader, _ in segments(searcher):
            _term_hashes(reader, field)
