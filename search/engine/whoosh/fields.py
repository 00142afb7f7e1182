"""The Whoosh schema: the analyzer's tokens (``search.schema``) as Whoosh fields.

* ``body``: jieba words at consecutive positions (phrases work; jieba's bundled
  ``ChineseAnalyzer`` uses character offsets as positions, which makes phrase queries
  return nothing and breaks highlighting on overlapping tokens, whoosh#532);
* ``bigram``: character pairs, runs two positions apart;
* ``title``, ``section``, ``about``: search-mode words without positions.

>>> [t.text for t in word_analyzer()("推进“大综合一体化”行政执法改革，實現綜合查一次")]
['推进', '大综合一体化', '行政执法', '改革', '实现', '综合查一次']
>>> [t.text for t in bigram_analyzer()("农业发展银行")]
['农业', '业发', '发展', '展银', '银行']
"""
from __future__ import annotations

import functools
from array import array

from whoosh import columns, fields, formats
from whoosh.analysis import Token, Tokenizer
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint

from ...normalize import search_form
from ...schema import SECTION_BOOST, TITLE_BOOST, bigrams, search_words, words


class _TokenTextTokenizer(Tokenizer):
    """Turns ``token_texts(value, mode)`` into Whoosh tokens with consecutive positions."""

    def token_texts(self, value: str, mode: str) -> list[str] | tuple[str, ...]:
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, text in enumerate(self.token_texts(value, mode)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            yield token


class WordTokenizer(_TokenTextTokenizer):
    """jieba precise-mode words with consecutive positions (phrases work)."""

    def token_texts(self, value, mode):
        return words(search_form(value))


class SearchWordTokenizer(_TokenTextTokenizer):
    """jieba search-mode words and sub-words, for titles and headings (no positions)."""

    def token_texts(self, value, mode):
        return search_words(value) if mode == "index" else words(search_form(value))


class BigramTokenizer(_TokenTextTokenizer):
    """Overlapping Chinese character pairs (substring recall). Positions here are
    consecutive; the index itself keeps the gaps between runs (PositionalText.index)."""

    def token_texts(self, value, mode):
        return [pair for pair, _ in bigrams(search_form(value))]


def word_analyzer() -> WordTokenizer:
    return WordTokenizer()


def bigram_analyzer() -> BigramTokenizer:
    return BigramTokenizer()


def search_word_analyzer() -> SearchWordTokenizer:
    return SearchWordTokenizer()


class CompactPositions(formats.Positions):
    """Positions stored as a flat uint32 array instead of Whoosh's pickled delta list:
    cheaper to write at index time and to read in phrase queries."""

    def encode(self, poslist):
        return pack_uint(len(poslist)) + array("I", poslist).tobytes()

    def decode_positions(self, valuestring):
        positions = array("I")
        positions.frombytes(valuestring[_INT_SIZE:])
        return positions.tolist()

    def decode_frequency(self, valuestring):
        return unpack_uint(valuestring[:_INT_SIZE])[0]


class PositionalText(fields.TEXT):
    """A TEXT field whose postings use CompactPositions.

    ``positions`` is the hot loop of indexing (one call per field per paragraph): it
    accepts the cached token list (or text, analysed here); the segment writer
    (``search.engine.whoosh.writer``) takes its result as is, and ``index`` encodes it for Whoosh.
    """

    def __init__(self, **kwargs):
        super().__init__(phrase=True, **kwargs)
        self.format = CompactPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        return _encoded_items(self.positions(value), self.format.field_boost)

    def positions(self, value) -> dict[str, list[int]]:
        """Each distinct token of the value and its positions: the cached token list (or
        text, analysed here); bigrams keep their gaps between Chinese runs."""
        if isinstance(value, (list, tuple)):
            pairs = ((token, position) for position, token in enumerate(value))
        elif isinstance(self.analyzer, BigramTokenizer):
            pairs = bigrams(search_form(value))
        else:
            pairs = ((token, position) for position, token in enumerate(words(search_form(value))))
        return _position_lists(pairs)


def _position_lists(pairs) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for token, position in pairs:
        found = positions.get(token)
        if found is None:
            positions[token] = [position]
        else:
            found.append(position)
    return positions


def _encoded_items(positions: dict[str, list[int]], field_boost: float):
    """(term bytes, frequency, weight, encoded positions) per token, as Whoosh's
    Positions.word_values yields them."""
    for token, found in positions.items():
        count = len(found)
        yield token.encode("utf-8"), count, count * field_boost, pack_uint(count) + array("I", found).tobytes()


@functools.lru_cache(maxsize=8192)
def _frequency_items(text: str, field_boost: float) -> tuple:
    counts: dict[str, int] = {}
    for word in search_words(text):
        counts[word] = counts.get(word, 0) + 1
    return tuple((w.encode("utf-8"), n, n * field_boost, pack_uint(n)) for w, n in counts.items())


class ShortText(fields.TEXT):
    """Titles and headings: search-mode words without positions. Every paragraph of a
    report repeats them, so their postings are computed once per distinct text."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=search_word_analyzer(), phrase=False, **kwargs)

    def index(self, value, **kwargs):
        return _frequency_items(value, self.format.field_boost)


LENGTH_FIELDS = ("body", "bigram", "title", "section", "about")  # scored fields whose exact lengths are kept
FACET_FIELDS = ("province", "city", "county", "report_year", "topic", "report_kind", "report_id")


def build_schema() -> fields.Schema:
    """One document per paragraph, carrying its report's metadata."""
    return fields.Schema(
        paragraph_id=fields.ID(stored=True, unique=True),
        report_id=fields.ID(stored=True, sortable=True),
        report_key=fields.ID(),  # "report_id:content_hash" — lets reindex diff against the store cheaply
        # Sort keys only: a column, not indexed (NUMERIC would add 8 trie terms per document).
        seq=fields.COLUMN(columns.NumericColumn("I")),
        # Titles and headings: words and sub-words, no positions (short fields; a title is
        # repeated on every paragraph of its report, so it must stay cheap).
        title=ShortText(stored=True, field_boost=TITLE_BOOST),
        section=ShortText(field_boost=SECTION_BOOST),
        # What the report is: title, issuer, region names, year (天津 河东区 2022年 …). A
        # query word found only here is "in the report", not in the paragraph (search.engine.whoosh.tiers).
        about=ShortText(),
        # Copies of one paragraph (a mirror, a traditional-script copy of the report) share
        # this key: hits collapse to one with "另有 N 个来源" (search.copies).
        copy_key=fields.COLUMN(columns.NumericColumn("q")),
        # Measure words that follow a number in the paragraph (151场 → 场): count questions.
        counts=fields.KEYWORD(commas=True),
        body=PositionalText(analyzer=word_analyzer(), stored=True),
        bigram=PositionalText(analyzer=bigram_analyzer()),
        section_path=fields.STORED(),
        region=fields.KEYWORD(commas=True),  # every level's name and path, for filtering
        province=fields.ID(stored=True),
        city=fields.ID(stored=True),
        county=fields.ID(stored=True),
        region_code=fields.STORED(),
        report_year=fields.ID(stored=True),
        year_sort=fields.COLUMN(columns.NumericColumn("H")),  # 0 when unknown
        # The report's reused-sentence share ×10000 + 1 (0: unknown), for the 最高重复率 order (search.reuse)
        reuse=fields.COLUMN(columns.NumericColumn("H")),
        publish_date=fields.ID(stored=True, sortable=True),
        report_kind=fields.ID(stored=True),
        issuer=fields.STORED(),
        topic=fields.KEYWORD(stored=True, commas=True),
        quality=fields.STORED(),
        # Compliance (search.compliance): on time yes/no/unknown (empty for kinds no rule
        # covers), and the mandated sections the report lacks (comma-separated names).
        on_time=fields.ID(),
        missing_section=fields.KEYWORD(commas=True),
        # Exact token counts of the scored fields (Whoosh keeps them to one byte only): the
        # mean field length over live paragraphs, as the OpenSearch engine computes it.
        **{f"len_{name}": fields.COLUMN(columns.NumericColumn("I")) for name in LENGTH_FIELDS},
    )
