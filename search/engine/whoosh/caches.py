"""Memory kept across searches, keyed by index segment.

A segment and its deletions never change (a reindex or an update opens new segment
readers), so what a search learns about one — a term's postings, a query's match set —
holds for every later search of it. Questions repeat their clauses' words (法治, 政府,
行政 …) from one query to the next; keeping these is Lucene's LRUQueryCache idea.
Each cache has a byte budget and lets the least recently used entries go first.
"""
from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Callable

import numpy as np

_SEGMENT_TOKENS = itertools.count()
_ALL: list["SegmentCache"] = []


def segment_token(reader) -> int:
    """A number for this segment reader alone (ids of dead objects are reused; this is not)."""
    token = reader.__dict__.get("_govsearch_token")
    if token is None:
        token = reader.__dict__.setdefault("_govsearch_token", next(_SEGMENT_TOKENS))
    return token


class SegmentCache:
    """Least recently used values within a byte budget; values are frozen (read-only
    numpy arrays) because later searches share them."""

    def __init__(self, budget_bytes: int, size_of: Callable[[object], int], freeze: Callable[[object], None]):
        self.budget = budget_bytes
        self._size_of = size_of
        self._freeze = freeze
        self._entries: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        size = self._size_of(value)
        if size > self.budget // 8:
            return  # one huge entry would push out everything else
        self._freeze(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:  # a fuller value (postings now with positions) replaces it
                self._bytes -= self._size_of(old)
            self._entries[key] = value
            self._bytes += size
            while self._bytes > self.budget and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= self._size_of(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def set_budget(total_mb: int) -> None:
    """Share ``total_mb`` among the caches (0 turns them off); a smaller budget takes effect now."""
    for cache in _ALL:
        cache.budget = (max(0, total_mb) << 20) // max(1, len(_ALL))
        with cache._lock:
            while cache._bytes > cache.budget and cache._entries:
                _, dropped = cache._entries.popitem(last=False)
                cache._bytes -= cache._size_of(dropped)


def clear_all() -> None:
    """Empty every cache (the benchmark times searches that did not run before)."""
    for cache in _ALL:
        cache.clear()


def freeze_arrays(*arrays) -> None:
    for array in arrays:
        if isinstance(array, np.ndarray):
            array.setflags(write=False)
