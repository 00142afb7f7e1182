"""The Chinese analyzer both engines index with (the Whoosh fields that use it are in
``search.engine.whoosh.fields``; the OpenSearch engine indexes its tokens as they are).

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

>>> paragraph_words("推进“大综合一体化”行政执法改革，實現綜合查一次")
['推进', '大综合一体化', '行政执法', '改革', '实现', '综合查一次']
>>> [pair for pair, _ in bigrams("农业发展银行")]
['农业', '业发', '发展', '展银', '银行']
"""
from __future__ import annotations

import functools
import logging
import re
from importlib import resources

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


# Field weights for BM25F: a match in the report title or a section heading says
# more about a paragraph than a match in its body.
TITLE_BOOST = 3.0
SECTION_BOOST = 2.0
BIGRAM_WEIGHT = 0.35  # substring-only matches rank below word matches



# Field classes an index written before format 3 names under this module; they moved to
# search.engine.whoosh.fields (see search.engine.whoosh.legacy).
MOVED_FIELD_CLASSES = ("WordTokenizer", "SearchWordTokenizer", "BigramTokenizer", "CompactPositions",
                       "PositionalText", "ShortText")


def __getattr__(name: str):
    if name not in MOVED_FIELD_CLASSES:  # checked first: also called while this module is half imported
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .engine.whoosh import fields

    return getattr(fields, name)
