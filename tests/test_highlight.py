"""Highlighting: whole words where index tokens overlap, substrings, phrases, escaping, and
no re-tokenising of hits."""

from search import schema
from search.engine import SearchRequest
from search.highlight import match_spans, snippet


def test_overlapping_words_are_marked_whole():
    # jieba's search mode yields 马克 and 马克思 at the same place; whoosh#532 marked only 马克.
    assert str(snippet("学习马克思主义理论", ["马克思"])) == "学习<mark>马克思</mark>主义理论"


def test_substring_inside_a_longer_word_is_marked():
    assert str(snippet("中国农业发展银行", ["农业"])) == "中国<mark>农业</mark>发展银行"


def test_phrase_typed_with_spaces_marks_across_punctuation():
    assert match_spans("市委、市政府", ["市委 市政府"]) == [(0, 6)]


def test_traditional_text_marked_by_simplified_query():
    assert str(snippet("行政複議案件", ["行政复议"])) == "<mark>行政複議</mark>案件"


def test_markup_in_text_is_escaped_around_marks():
    html = str(snippet('<script>alert("复议")</script>', ["复议"]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<mark>复议</mark>" in html


def test_long_paragraph_snippet_is_centred_on_the_match():
    text = "甲" * 500 + "行政复议" + "乙" * 500
    html = str(snippet(text, ["行政复议"]))
    assert "<mark>行政复议</mark>" in html and html.startswith("…") and html.endswith("…")
    assert len(html) < 300


def test_search_does_not_retokenise_hits(engine, monkeypatch):
    """Segmenting cost must depend on the query, not on the number of hits."""
    calls = []
    tokenizer = schema.segmenter()
    original = tokenizer.cut

    def counting_cut(*args, **kwargs):
        calls.append(args[0] if args else "")
        return original(*args, **kwargs)

    monkeypatch.setattr(tokenizer, "cut", counting_cut)
    result = engine.search(SearchRequest(query="法治", per_page=50))
    assert len(result.hits) == 50
    assert len(calls) <= 5, calls
