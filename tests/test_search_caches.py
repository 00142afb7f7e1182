"""The Whoosh searching process's caches (postings and match sets kept across searches):
bounded by their budget, shared arrays read-only, and never changing a result."""
from __future__ import annotations


import numpy as np
import pytest

from search.engine import SearchRequest, open_engine
from search.engine.whoosh import caches
from search.engine.whoosh.caches import SegmentCache, freeze_arrays, set_budget
from search.settings import load_settings

QUERIES = ["行政复议", "法治政府建设领导小组会议做了哪些工作", "政府信息公开申请多少件", "\"依法行政\"", "行政执法 -复议"]


def test_least_recently_used_go_first_past_the_budget():
    cache = SegmentCache(8 * 80, lambda ids: ids.nbytes, freeze_arrays)
    arrays = [np.arange(10, dtype=np.int64) for _ in range(9)]  # 80 bytes each: eight fit
    for key in range(8):
        cache.put(key, arrays[key])
    cache.get(0)  # 0 is now the most recent: 1 goes first
    cache.put(8, arrays[8])
    assert [k for k in range(9) if cache.get(k) is None] == [1]
    with pytest.raises(ValueError):
        arrays[0][0] = 7  # shared with later searches: read-only


def test_an_entry_larger_than_an_eighth_of_the_budget_is_not_kept():
    cache = SegmentCache(8 * 800 - 1, lambda ids: ids.nbytes, freeze_arrays)
    cache.put("big", np.arange(100, dtype=np.int64))
    assert cache.get("big") is None


def _plain(result):
    return [(hit.paragraph_id, round(hit.score, 9), hit.highlight, hit.missing) for hit in result.hits], \
        result.total, result.total_partial, result.suggestion


def test_results_are_the_same_cold_cached_and_without_caches(indexed_data):
    engine = open_engine(indexed_data)
    requests = [SearchRequest(query=q, per_page=10) for q in QUERIES]
    caches.clear_all()
    cold = [_plain(engine.search(r)) for r in requests]
    cached = [_plain(engine.search(r)) for r in requests]
    try:
        engine = open_engine(load_settings({"data_dir": str(indexed_data.data_dir), "search_cache_mb": 0}, environ={}))
        caches.clear_all()
        without = [_plain(engine.search(r)) for r in requests]
        assert all(cache._bytes == 0 for cache in caches._ALL)  # nothing kept with no budget
    finally:
        set_budget(load_settings({"data_dir": str(indexed_data.data_dir)}, environ={}).search_cache_mb)
    assert cold == cached == without
    assert any(total for _, total, _, _ in cold)  # the requests find something
