"""The judged query set (tests/data/relevance.json) over the bundled samples: floors for
recall@10 and MRR, and full recall: every string that occurs is found."""
from pathlib import Path

import pytest

from search.engine import WhooshEngine
from search.evaluation import evaluate, load_judgments, summary
from search.pipeline import import_paths, reindex
from search.settings import load_settings
from search.store import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("relevance") / "data")
    settings = load_settings({"data_dir": data_dir}, environ={})
    import_paths(settings, [REPO / "samples"])
    reindex(settings, run_alerts=False)
    with Store.open(data_dir) as store:
        return evaluate(WhooshEngine(data_dir), store, load_judgments(REPO / "tests" / "data" / "relevance.json"))


def test_every_occurring_string_is_found(scores):
    missed = [(s.query, s.recall_all) for s in scores if s.recall_all < 1.0]
    assert missed == []


def test_recall_at_10_and_mrr_floors(scores):
    totals = summary(scores)
    assert totals["queries"] >= 30
    assert totals["recall_at_10"] >= 0.95, totals
    assert totals["mrr"] >= 0.85, totals
