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
