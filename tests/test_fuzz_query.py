"""Promises for any input (hypothesis): whatever is typed, the query parser and a real search
give a result, never an exception.

"Any string" is any Unicode text: control characters, astral planes, unpaired brackets and
quotes, operators in every position, full-width forms, and the query syntax's own
characters packed densely. Lone surrogates are not text; they are undecodable bytes, which
the edges turn into U+FFFD (the CLI's Text parameters, werkzeug's URL decoding).

Bounded for CI: max_examples and a per-example deadline keep each test to a few seconds.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search.engine import SORTS, SearchRequest, WhooshEngine
from search.query import parse_query

# The query language's own characters and words, and text the seeds contain.
SYNTAX = ['"', "“", "”", "「", "」", "『", "』", "(", ")", "（", "）", "-", "－", "|", "｜", ":", "：",
          "OR", "AND", "NOT", "or", "title:", "section:", "标题:", " ", "\u3000", "\t", "\n", "*", "?", "~", "^",
          "\\", "\x00", "\u200b", "\ufeff", "行政复议", "法治", "政府", "浙江省", "國務院", "（一）", "2022", "年"]

queries = st.one_of(
    st.text(max_size=80),  # any text
    st.lists(st.sampled_from(SYNTAX), max_size=14).map("".join),  # syntax-dense
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=4)), max_size=10).map(" ".join),
)
filters = st.lists(st.one_of(st.sampled_from(["浙江省", "杭州市", "浙江省/杭州市", "2022", "行政复议", ""]),
                             st.text(max_size=12)), max_size=3).map(tuple)

FUZZ = dict(deadline=5000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def search_engine(indexed_data):
    engine = WhooshEngine(indexed_data.data_dir)
    engine.search(SearchRequest(query="法治 行政复议"))  # the first search loads the index: not a fuzz example's time
    return engine


@settings(max_examples=600, **FUZZ)
@given(text=queries)
def test_any_string_parses_to_a_query_or_an_empty_one(text):
    parsed = parse_query(text)
    assert isinstance(parsed.interpretation, str)
    assert parsed.tree is not None or not parsed.highlight_terms
    assert parse_query(parsed.interpretation).interpretation == parsed.interpretation  # how it was read, read again


@settings(max_examples=200, **FUZZ)
@given(text=queries, regions=filters, topics=filters, kinds=filters,
       sort=st.sampled_from(sorted(SORTS) + ["evil"]), group=st.booleans(),
       page=st.integers(min_value=1, max_value=600), year_from=st.none() | st.integers(-5, 3000))
def test_any_string_searches_to_a_result(search_engine, text, regions, topics, kinds, sort, group, page, year_from):
    result = search_engine.search(SearchRequest(query=text, regions=regions, topics=topics, kinds=kinds, sort=sort,
                                                group_by_report=group, page=page, year_from=year_from, per_page=5))
    listed = (result.total_reports + result.total_partial_reports) if group else (result.total + result.total_partial)
    assert len(result.hits) <= 5 and (not result.hits or (page - 1) * 5 + len(result.hits) <= listed)
    assert result.total_reports <= result.total and result.total_partial_reports <= result.total_partial
    json.dumps(result.to_dict(), ensure_ascii=False)  # what the API and --json print
