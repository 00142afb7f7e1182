"""Text as published: the cleaner reads a normalised form, the report keeps the page's characters."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from search.clean.published import CIRCLED, Published
from search.normalize import normalize_keeping, normalize_text, normalize_with_map

_PAGE_CHARS = st.sampled_from(list("，；：（）。、“”《》〔〕【】　 \u00a0２０２３年报告法治政府國務院區縣①②㈠ABC abc-./\t") + ["\u200b"])


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=50), st.sampled_from(["", CIRCLED]))
def test_the_map_gives_exactly_the_normalised_text_and_spans_inside_the_page(text, keep):
    working, spans = normalize_with_map(text, keep)
    assert working == normalize_keeping(text, keep)
    assert len(spans) == len(working)
    assert all(0 <= start < end <= len(text) for start, end in spans)
    assert [start for start, _ in spans] == sorted(start for start, _ in spans)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=_PAGE_CHARS, max_size=40), min_size=1, max_size=5), st.data())
def test_any_piece_of_working_text_comes_back_in_the_pages_own_characters(lines, data):
    published = Published()
    working = published.working(lines)
    line = data.draw(st.integers(0, len(lines) - 1))
    start = data.draw(st.integers(0, len(working[line])))
    end = data.draw(st.integers(start, len(working[line])))
    piece = working[line][start:end]
    shown = published.original(piece)
    # read again, what is shown is what the cleaner read (spaces aside), in the page's characters;
    # a piece that cuts through a character NFKC expanded (㈠ → (一)) shows that whole character
    read = normalize_keeping(shown, CIRCLED).replace(" ", "")
    if "㈠" in lines[line]:
        assert piece.strip().replace(" ", "") in read
    else:
        assert read == piece.strip().replace(" ", "")
    if piece.strip():
        assert shown in lines[line] or " " in piece or "\u200b" in lines[line]


def test_full_width_punctuation_and_traditional_script_are_kept():
    published = Published(traditional=True)
    [working] = published.working(["（一）２０２２年，區政府堅持依法行政；成效明顯。"])
    assert working == "(一)2022年,区政府坚持依法行政;成效明显。"
    assert published.original("区政府坚持依法行政;成效明显。") == "區政府堅持依法行政；成效明顯。"
    assert published.original(working) == "（一）２０２２年，區政府堅持依法行政；成效明顯。"


def test_text_the_cleaner_cut_is_carried_back_piece_by_piece():
    published = Published()
    published.working(["一、主要举措和成效【范文网】（一）依法履职，", "全面推进。", "坚持以习近平pg电子思想为指导。"])
    assert published.original("一、主要举措和成效 (一)依法履职,全面推进。") == "一、主要举措和成效 （一）依法履职，全面推进。"
    assert published.original("坚持以习近平思想为指导。") == "坚持以习近平思想为指导。"


def test_word_padding_after_a_heading_number_is_not_shown():
    published = Published()
    [working] = published.working(["（二）\u00a0\u00a0 加强行政执法监督"])
    assert working == "(二)加强行政执法监督"
    assert published.original(working) == "（二）加强行政执法监督"
    assert normalize_text(published.original(working)) == working
