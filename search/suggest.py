"""Did you mean: the nearest query the index can answer, for homophone and look-alike typos.

Chinese typos are rarely missing letters: an input method offers every character with
the same pinyin (行政覆议 for 行政复议: 覆 and 复 are both fù), and hand-copied text
swaps look-alikes (己/已). A query word the index does not hold is tried with each of its
characters replaced by a same-pinyin or look-alike character, and the candidate the
index holds most often wins. Candidates are checked against the index's own vocabulary
(a term lookup each), so nothing is suggested that would not be found.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from typing import Callable

from .normalize import search_form
from .schema import query_words
from .understand import QueryPlan

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
MAX_WORD = 8  # longer words are not corrected (too many candidates, too little evidence)
PAIR_WORD = range(4, 7)  # two characters replaced at once only in words of 4-6 characters


def _toneless(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))


def _common(char: str) -> bool:
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


@functools.lru_cache(maxsize=1)
def _homophones() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(char → toneless readings, reading → common simplified chars), from pypinyin's table."""
    from pypinyin.pinyin_dict import pinyin_dict

    readings: dict[str, tuple[str, ...]] = {}
    chars: dict[str, list[str]] = {}
    for code, value in pinyin_dict.items():
        char = chr(code)
        syllables = tuple(dict.fromkeys(_toneless(s) for s in value.split(",")))
        readings[char] = syllables
        if _common(char):
            for syllable in syllables:
                chars.setdefault(syllable, []).append(char)
    return readings, {k: tuple(v) for k, v in chars.items()}


@functools.lru_cache(maxsize=1)
def _lookalikes() -> dict[str, str]:
    text = resources.files("search").joinpath("data/lookalikes.txt").read_text(encoding="utf-8")
    groups = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {char: group.replace(char, "") for group in groups for char in group}


def warm() -> None:
    """Load the character tables now (a server does this before its first search)."""
    _homophones()
    _lookalikes()


def alternatives(char: str) -> list[str]:
    """Characters a typist may have meant: same pinyin (any tone), then same shape.

    >>> "复" in alternatives("覆") and "已" in alternatives("己")
    True
    """
    readings, by_reading = _homophones()
    found = [c for r in readings.get(char, ()) for c in by_reading.get(r, ()) if c != char]
    found.extend(_lookalikes().get(char, ""))
    return list(dict.fromkeys(found))


def _best(candidates: list[str], counts: list[int]) -> str | None:
    """The first candidate with the highest count above zero."""
    best, best_count = None, 0
    for candidate, count in zip(candidates, counts):
        if count > best_count:
            best, best_count = candidate, count
    return best


def correct_word(word: str, frequencies: Callable[[list[str]], list[int]]) -> str | None:
    """The most frequent indexed word one (or, in short words, two) substitutions away.

    ``frequencies(words)`` counts the paragraphs holding each word (asked in batches: an
    engine behind a network answers many at once)."""
    if not _HAN.match(word) or len(word) > MAX_WORD or frequencies([word])[0] > 0:
        return None
    options = [alternatives(c) for c in word]
    singles = [word[:i] + char + word[i + 1 :] for i, chars in enumerate(options) for char in chars]
    best = _best(singles, frequencies(singles)) if singles else None
    if best is None and len(word) in PAIR_WORD:
        pairs = [word[:i] + a + word[i + 1 : j] + b + word[j + 1 :]
                 for i in range(len(word)) for j in range(i + 1, len(word))
                 for a in options[i][:30] for b in options[j][:30]]
        best = _best(pairs, frequencies(pairs)) if pairs else None
    return best


def suggest(query: str, plan: QueryPlan, frequencies: Callable[[str, list[str]], list[int]]) -> str | None:
    """The query with its unknown words corrected, or None when nothing was corrected.

    ``frequencies(field, terms)`` counts the paragraphs holding each term (field "body":
    jieba words). A word the segmenter cut into pieces is judged by its pieces.
    """
    body = lambda terms: frequencies("body", terms)  # noqa: E731
    corrected = form = search_form(query)
    changed = False
    for clause in plan.clauses:
        if clause.group is not None or clause.year is not None:
            continue
        pieces = list(query_words(clause.text)) if len(query_words(clause.text)) > 1 else [clause.text]
        # A mistyped character usually makes jieba cut the word apart (行政覆议 → 行政 覆议):
        # try the whole word first, then its pieces.
        fixed = correct_word(clause.text.replace(" ", ""), body)
        if fixed:
            corrected = corrected.replace(clause.text.replace(" ", ""), fixed)
            changed = True
            continue
        for piece in pieces:
            fixed = correct_word(piece, body) if len(piece) >= 2 else None
            if fixed:
                corrected = corrected.replace(piece, fixed)
                changed = True
    return corrected if changed and corrected != form else None
