"""The numpy BM25F scores equal Whoosh's own scores of the same (loose) query, and the
exact match sets equal what Whoosh's matchers find."""
import numpy as np
import pytest
from whoosh import scoring

from search.engine.whoosh.docsets import matching_docs
from search.engine import plan
from search.engine.whoosh.compile import compile_tree, to_whoosh
from search.engine.whoosh.phrase import loosen
from search.query import parse_query
from search.engine.whoosh.ranking import Scorer, SegmentLengths, WhooshStatistics

QUERIES = ["法治", "行政复议", '"行政执法"', "行政复议 调解", "综合查一次", "执法 OR 复议", "法治 -信访",
           "复议申请", "5.89万家", "title:法治 执法", "section:工作思路", "法队伍"]


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whoosh_bm25f(engine, text):
    """The engine-neutral tree walk (search.engine.bm25) with Whoosh's statistics gives
    Whoosh's BM25F scores."""
    parsed = parse_query(text)
    main = plan.tree_query(parsed.tree)
    boost = plan.title_boost(parsed)
    scored = plan.Any((main, boost)) if boost is not None else main
    ix = engine._index()
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        docs = matching_docs(searcher, to_whoosh(main))
        assert len(docs), text
        ours = Scorer(searcher, SegmentLengths(), statistics=WhooshStatistics(searcher)).scores(scored, docs)
        theirs = {hit.docnum: hit.score for hit in searcher.search(loosen(to_whoosh(scored)), limit=None,
                                                                   filter=set(docs.tolist()))}
    assert set(theirs) == set(docs.tolist())
    expected = np.array([theirs[d] for d in docs.tolist()])
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


def test_live_statistics_equal_whoosh_ones_without_deletions(engine):
    ix = engine._index()
    with ix.searcher() as searcher:
        assert not searcher.reader().has_deletions()
        lengths = SegmentLengths()
        live = Scorer(searcher, lengths).statistics
        native = WhooshStatistics(searcher)
        for field in ("body", "bigram", "title", "section", "about"):
            assert live.avg_length(field) == pytest.approx(native.avg_length(field), rel=1e-12)
        for field, term in (("body", "行政复议"), ("bigram", "复议"), ("title", "法治")):
            assert live.idf(field, term) == pytest.approx(native.idf(field, term), rel=1e-12)


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whoosh_matchers(engine, text):
    main = compile_tree(parse_query(text).tree)
    ix = engine._index()
    with ix.searcher() as searcher:
        ours = matching_docs(searcher, main).tolist()
        theirs = sorted(main.docs(searcher))
    assert ours == theirs
