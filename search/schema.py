"""The Whoosh schema and the Chinese analyzers behind it.

Two analyses of the same text:

* ``words``: jieba's precise mode with our policy-term user dictionary, one token
  per word with *consecutive* positions. jieba's bundled ``ChineseAnalyzer`` uses
  search mode with character offsets as positions, which makes phrase queries
  return nothing and breaks highlighting on overlapping tokens (whoosh#532).
* ``bigrams``: overlapping character pairs of every Chinese run, so that any
  Chinese string of two or more characters finds a paragraph even when jieba cut
  the text differently (农业 inside 中国农业发展银行).

Both normalise first (NFKC, traditional → simplified, 〇 repair), exactly as
queries are normalised, so （一） and 國務院 find (一) and 国务院.

>>> [t.text for t in word_analyzer()("推进“大综合一体化”行政执法改革，實現綜合查一次")]
['推进', '大综合一体化', '行政执法', '改革', '实现', '综合查一次']
>>> [t.text for t in bigram_analyzer()("农业发展银行")]
['农业', '业发', '发展', '展银', '银行']
"""
from __future__ import annotations

import functools
import logging
import re
from importlib import resources

from array import array
from whoosh import columns, fields, formats
from whoosh.analysis import Token, Tokenizer
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint

from .normalize import search_form

LOGGER = logging.getLogger(__name__)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Tokens made only of punctuation or spaces carry no meaning and would break phrases
# typed with different punctuation (市委、市政府 vs 市委,市政府).
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff%‰]")


def user_dictionary_words() -> list[str]:
    """The policy terms shipped in search/data/userdict.txt."""
    text = resources.files("search").joinpath("data/userdict.txt").read_text(encoding="utf-8")
    return [line.split()[0] for line in text.lstrip("\ufeff").splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def segmenter():
    """A jieba tokenizer with our user dictionary, built once per process (~1 s)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    path = resources.files("search").joinpath("data/userdict.txt")
    with resources.as_file(path) as dict_path:
        tokenizer.load_userdict(str(dict_path))
    for word in user_dictionary_words():
        # Raise each term's frequency until jieba keeps it whole in context.
        tokenizer.suggest_freq(word, tune=True)
    return tokenizer


# Numbers with their decimal point, percent sign or separators stay one token:
# jieba would cut 98.3% into 98 / 3 / %, and a user types them whole.
_NUMBER = re.compile(r"\d+(?:[.:/\-]\d+)*%?")


def words(text: str) -> list[str]:
    """Meaningful words of already-normalised text, lower-cased (ASCII).

    >>> words("率达98.3%,新增5.89万家,2023-1717号")
    ['率', '达', '98.3%', '新增', '5.89', '万家', '2023-1717', '号']
    """
    cut = segmenter().cut
    tokens: list[str] = []
    start = 0
    for match in _NUMBER.finditer(text):
        tokens.extend(cut(text[start : match.start()], HMM=False))
        tokens.append(match.group())
        start = match.end()
    tokens.extend(cut(text[start:], HMM=False))
    return [token.lower() for token in tokens if _MEANINGFUL.search(token)]


@functools.lru_cache(maxsize=4096)
def query_words(text: str) -> tuple[str, ...]:
    """``words`` of a query's (normalised) text, cached: a search plans, matches and
    suggests on the same few words many times."""
    return tuple(words(text))


@functools.lru_cache(maxsize=4096)
def search_words(text: str) -> tuple[str, ...]:
    """Words plus their sub-words (jieba's search mode) for short fields such as titles and
    headings, so 法治 finds a heading that says 法治政府建设. Cached: every paragraph of a
    report repeats its title and headings."""
    tokens = segmenter().cut_for_search(search_form(text), HMM=False)
    return tuple(t.lower() for t in tokens if _MEANINGFUL.search(t))


# Bump when words() would cut the same text differently: tokens cached in the store
# (so that a reindex need not run jieba again) are then recomputed.
ANALYZER_VERSION = "1"


@functools.lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """Changes whenever cached tokens would differ: analyzer version or user dictionary."""
    import hashlib

    text = resources.files("search").joinpath("data/userdict.txt").read_bytes()
    return ANALYZER_VERSION + ":" + hashlib.sha256(text).hexdigest()[:16]


def paragraph_words(text: str) -> list[str]:
    """The body tokens of a paragraph (what the store caches and the index receives as a list)."""
    return words(search_form(text))


# Quotation and title marks sit inside terms all the time (“八五”普法, 《行政复议法》实施):
# they do not end a Chinese run, so 八五普法 finds “八五”普法.
_TRANSPARENT = re.compile(r"[“”‘’\"'「」『』《》〈〉]")


def chinese_runs(text: str) -> list[str]:
    """Runs of Chinese characters, read through quotation marks."""
    return _HAN.findall(_TRANSPARENT.sub("", text))


def bigrams(text: str) -> list[tuple[str, int]]:
    """(bigram, position) pairs for every Chinese run; runs are kept apart by a gap
    of two positions so that a phrase never straddles punctuation.

    >>> [pair for pair, _ in bigrams("“八五”普法,市委")]
    ['八五', '五普', '普法', '市委']
    """
    pairs = []
    position = 0
    for run in chinese_runs(text):
        for i in range(len(run) - 1):
            pairs.append((run[i : i + 2], position))
            position += 1
        position += 2
    return pairs


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


# Field weights for BM25F: a match in the report title or a section heading says
# more about a paragraph than a match in its body.
TITLE_BOOST = 3.0
SECTION_BOOST = 2.0
BIGRAM_WEIGHT = 0.35  # substring-only matches rank below word matches

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
