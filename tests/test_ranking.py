"""The numpy BM25F scores equal Whoosh's own scores of the same (loose) query, and the
exact match sets equal what Whoosh's matchers find."""
import numpy as np
import pytest
from whoosh import scoring

from search.docsets import matching_docs
from search.phrase import loosen
from search.query import compile_tree, parse_query, title_boost_query
from search.ranking import Scorer, SegmentLengths
from whoosh import query as wq

QUERIES = ["法治", "行政复议", '"行政执法"', "行政复议 调解", "综合查一次", "执法 OR 复议", "法治 -信访",
           "复议申请", "5.89万家", "title:法治 执法", "section:工作思路", "法队伍"]


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whoosh_bm25f(engine, text):
    parsed = parse_query(text)
    main = compile_tree(parsed.tree)
    boost = title_boost_query(parsed)
    scored = loosen(wq.Or([main, boost]) if boost is not None else main)
    ix = engine._index()
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        docs = matching_docs(searcher, main)
        assert len(docs), text
        ours = Scorer(searcher, SegmentLengths()).scores(scored, docs)
        theirs = {hit.docnum: hit.score for hit in searcher.search(scored, limit=None, filter=set(docs.tolist()))}
    assert set(theirs) == set(docs.tolist())
    expected = np.array([theirs[d] for d in docs.tolist()])
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whoosh_matchers(engine, text):
    main = compile_tree(parse_query(text).tree)
    ix = engine._index()
    with ix.searcher() as searcher:
        ours = matching_docs(searcher, main).tolist()
        theirs = sorted(main.docs(searcher))
    assert ours == theirs
