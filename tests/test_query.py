"""The query language: operators, fields, phrases, and never an error on bad syntax."""
import pytest

from search.engine.whoosh.compile import compile_tree
from search.query import And, Not, Or, Words, parse_query


def test_space_is_and_with_not_and_or():
    parsed = parse_query('行政复议 -信访 (title:法治 OR "综合查一次")')
    assert parsed.notice is None
    assert parsed.tree == And((Words("行政复议"), Not(Words("信访")),
                               Or((Words("法治", "title"), Words("综合查一次", quoted=True)))))
    assert parsed.highlight_terms == ("行政复议", "综合查一次")


def test_not_keyword_and_pipe_or():
    assert parse_query("执法 NOT 信访").tree == And((Words("执法"), Not(Words("信访"))))
    assert parse_query("复议 | 诉讼").tree == Or((Words("复议"), Words("诉讼")))


def test_full_width_input_is_normalised():
    parsed = parse_query("（行政复议　ＯＲ　诉讼）")
    assert parsed.tree == Or((Words("行政复议"), Words("诉讼")))


def test_chinese_quotes_make_a_phrase():
    assert parse_query("“综合查一次”").tree == Words("综合查一次", quoted=True)


def test_hyphen_inside_a_word_is_not_negation():
    assert parse_query("2023-1717").tree == Words("2023-1717")


@pytest.mark.parametrize("broken", ['行政复议 AND (', '"综合查一次', 'OR 执法', '执法 OR', '(执法))', 'foo:执法', '-'])
def test_broken_syntax_is_searched_as_plain_words(broken):
    parsed = parse_query(broken)
    assert parsed.notice, broken
    if parsed.tree is not None:
        compile_tree(parsed.tree)  # still runnable


def test_broken_query_keeps_its_words():
    parsed = parse_query('行政复议 AND (')
    assert parsed.tree == Words("行政复议")
    assert "行政复议" in parsed.notice


def test_empty_query_means_everything():
    parsed = parse_query("   ")
    assert parsed.tree is None and parsed.notice is None


@pytest.mark.parametrize("query, tree", [("法治」", Words("法治")), ("』", None), ("法治』 OR 复议", Or((Words("法治"), Words("复议")))),
                                         ("「法治」", Words("法治", quoted=True))])
def test_a_stray_closing_mark_is_read_as_a_space(query, tree):
    """A closing 」 or 』 with no opener once crashed the lexer (and every alerts run)."""
    parsed = parse_query(query)
    assert parsed.tree == tree
    if tree is not None:
        compile_tree(parsed.tree)


def test_a_lone_surrogate_is_searched_as_a_replacement_character():
    """Undecodable bytes passed on as text (surrogateescape) never reach opencc or SQLite."""
    parsed = parse_query("法治\udc80复议")
    assert parsed.tree is not None and "\udc80" not in parsed.interpretation
