"""Counts in text: a number followed by a measure word (累计举行151场, 公开信息62.73万条).

A count question (多少条, 场次) is answered by such a count, whatever the words around
it; the index keeps, per paragraph, the measure words that follow a number (field
``counts``), so "has a count of 场" is a term lookup, not a scan of text.
"""
from __future__ import annotations

import functools
import re

from .understand import vocabulary

_NUMBER = r"(?<![第\d一二三四五六七八九十百千两.])(?:\d[\d,，]*(?:\.\d+)?|[一二三四五六七八九十百千两]+)"


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    measures = sorted(vocabulary().measures, key=len, reverse=True)
    # Not an ordinal (第二十条 is an article, not twenty items); 万/亿 and 余/多 may stand between.
    return re.compile(_NUMBER + r"\s*(?:万|亿|千|百)?\s*(?:余|多)?\s*(" + "|".join(map(re.escape, measures)) + ")")


def count_measures(text: str) -> list[str]:
    """Measure words that follow a number in already-normalised text, each once.

    >>> count_measures("累计举行151场,发布信息62.73万条,依照第二十条")
    ['场', '条']
    """
    return list(dict.fromkeys(m.group(1) for m in _pattern().finditer(text)))
