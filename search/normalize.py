"""Text normalisation shared by the cleaner, the index and the query parser.

The same function must run on page text and on what a user types, or a query in
full-width forms (（一）, ２０２２) or traditional script would miss the index.
"""
from __future__ import annotations

import functools
import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# NFKC leaves 〇 alone but pages often type it as 。/○/O/0 between Chinese numerals:
# 二。三五年 → 二〇三五年.
_NUMERAL = "一二三四五六七八九十〇零"
_ZERO_CONFUSION = re.compile(rf"(?<=[{_NUMERAL}])[。○◯OoＯ0](?=[{_NUMERAL}]+年)")
_SPACED_DATE = re.compile(r"(\d{4})\s*([-./])\s*(\d{1,2})\s*\2\s*(\d{1,2})")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def normalize_text(text: str) -> str:
    """NFKC, invisible characters dropped, 〇 repaired, spaced dates joined, spaces collapsed.

    >>> normalize_text("（一）２０２２年 二。三五年远景目标\u200b 2022- 02- 28")
    '(一)2022年 二〇三五年远景目标 2022-02-28'
    """
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    text = _ZERO_CONFUSION.sub("〇", text)
    text = _SPACED_DATE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{m[2]}{m[4]}", text)
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # loaded lazily: only needed when text is not already simplified

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s); simplified text comes back unchanged.

    >>> to_simplified("政府資訊公開工作年度報告")
    '政府资讯公开工作年度报告'
    """
    return _t2s().convert(text)


_TRADITIONAL_MARKERS = set("國與業務執為區會發張當從來們說時對於關並門們麼這還將進過權機開號聯頁條報導縣鄉鎮廳")


def looks_traditional(text: str) -> bool:
    """True when the text has enough traditional-only characters to be traditional script."""
    sample = text[:5000]
    hits = sum(1 for char in sample if char in _TRADITIONAL_MARKERS)
    return hits >= 5 and hits * 200 >= len(sample)


def search_form(text: str) -> str:
    """The form text is indexed and queried in: normalised and simplified."""
    return to_simplified(normalize_text(text))
