"""The analyzer: user dictionary in effect, normalisation shared with queries, positions."""
import pytest

from search import schema
from search.engine.whoosh import fields


@pytest.mark.parametrize("term", ["综合查一次", "大综合一体化", "府院联动", "枫桥经验", "三项制度", "双随机一公开",
                                  "最多跑一次", "一件事"])
def test_user_dictionary_terms_are_single_tokens(term):
    text = f"全面推进{term}改革,取得成效"
    assert term in schema.words(text)


def test_every_user_dictionary_word_survives_in_context():
    lost = [w for w in schema.user_dictionary_words() if w not in schema.words(f"深化{w}工作")]
    assert lost == []


def test_text_and_query_share_normalisation():
    analyzer = fields.word_analyzer()
    assert [t.text for t in analyzer("國務院")] == [t.text for t in analyzer("国务院")]
    assert [t.text for t in analyzer("（一）２０２２年")] == ["一", "2022", "年"]


def test_positions_are_consecutive_so_phrases_work():
    # Whoosh reuses one Token object: read each position as it is produced.
    positions = [t.pos for t in fields.word_analyzer()("强化行政执法监督", positions=True)]
    assert positions == list(range(len(positions))) and len(positions) == 3


def test_numbers_with_units_stay_whole():
    assert "98.3%" in schema.words("一网通办率达98.3%")
    assert "5.89" in schema.words("新增5.89万家")


def test_bigrams_do_not_straddle_punctuation():
    pairs = schema.bigrams("市委,市政府")
    positions = dict(pairs)
    assert "委市" not in positions
    assert positions["市政"] - positions["市委"] > 1
