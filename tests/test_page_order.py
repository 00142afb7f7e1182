"""page_order (a partition, then a sort of the few that can be on the page) gives exactly
the page a full sort gives, ties and grouping included."""
import numpy as np
import pytest

from search.engine.ranker import page_order


def _full(keys, reports, end, grouped):
    order = np.lexsort(keys)
    if grouped:
        _, first = np.unique(reports[order], return_index=True)
        order = order[np.sort(first)]
    return order[:end]


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("end", [1, 10, 20, 200, 5000])
@pytest.mark.parametrize("distinct_scores", [3, 50, 100_000])
def test_page_order_equals_a_full_sort(grouped, end, distinct_scores):
    rng = np.random.default_rng(end * 7 + distinct_scores)
    n = 30_000
    reports = rng.integers(0, 900, size=n)
    seq = rng.integers(0, 60, size=n)
    scores = rng.integers(0, distinct_scores, size=n) / 7.0  # many exact ties when few distinct
    keys = (seq, reports, -scores)
    assert np.array_equal(page_order(keys, reports, end, grouped), _full(keys, reports, end, grouped))


def test_page_order_with_dates_and_years_as_leading_keys():
    rng = np.random.default_rng(3)
    n = 20_000
    reports = rng.integers(0, 500, size=n)
    keys = (rng.integers(0, 40, size=n), reports, -rng.integers(0, 30, size=n), -rng.integers(2015, 2025, size=n))
    for grouped in (False, True):
        for end in (20, 40, 400):
            assert np.array_equal(page_order(keys, reports, end, grouped), _full(keys, reports, end, grouped))


@pytest.mark.parametrize("end", [1, 5, 9, 10, 11, 30])
def test_without_copies_stops_when_fewer_distinct_results_than_the_page(end):
    """A page longer than the distinct results (copies folded) but shorter than all results:
    every result is read once, then the distinct ones come back (this used to loop forever)."""
    from search.engine.ranker import without_copies

    size = 12
    rng = np.random.default_rng(end)
    keys = (np.arange(size), rng.integers(0, 3, size), -rng.random(size))
    copies = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])  # six distinct paragraphs, each twice
    found = without_copies(keys, keys[1], end, False, copies, size)
    order = np.lexsort(keys)
    _, first = np.unique(copies[order], return_index=True)
    assert found.tolist() == order[np.sort(first)][:end].tolist()


@pytest.mark.parametrize("size", [1, 7, 300])
def test_copies_fewer_than_a_page_end_the_search_for_more(size):
    """Every candidate a copy of a few paragraphs: the page holds each once and the search
    for more stops at the last candidate (it once asked for more forever)."""
    from search.engine.ranker import without_copies as _without_copies

    rng = np.random.default_rng(size)
    reports = rng.integers(0, 5, size=size)
    keys = (rng.integers(0, 9, size=size), reports, -rng.random(size))
    copies = rng.integers(0, 3, size=size)
    order = _without_copies(keys, reports, 20, False, copies, size)
    assert len(order) == len(np.unique(copies))
    assert len(set(copies[order].tolist())) == len(order)
    # each kept candidate is its copy's best (first in the full order)
    full = np.lexsort(keys)
    best = {}
    for index in full.tolist():
        best.setdefault(int(copies[index]), index)
    assert sorted(order.tolist()) == sorted(best.values())
