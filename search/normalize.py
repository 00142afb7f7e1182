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


Span = tuple[int, int]


def normalize_with_map(text: str, keep: str = "") -> tuple[str, list[Span]]:
    """normalize_text(text), and for each of its characters the span of ``text`` it came from.

    What the cleaner reads is the normalised form; what it stores is the page's own text.
    The spans carry a normalised paragraph back to the characters the page printed: a
    character NFKC expanded (㈠ → (一)) maps each part to the one it came from, a run of
    spaces collapsed to one maps to the first of them, a dropped character maps to nothing.
    Characters in ``keep`` are not NFKC-normalised (the cleaner keeps ①②, which NFKC turns
    into digits).

    >>> normalize_with_map("（一）２０２２年")
    ('(一)2022年', [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8)])
    >>> normalize_with_map("2022- 02- 28")[0]
    '2022-02-28'
    """
    chars: list[str] = []
    spans: list[Span] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE_CHARS:
            continue
        form = char if char in keep else unicodedata.normalize("NFKC", char)
        for part in form:
            chars.append(part)
            spans.append((index, index + 1))
    working = "".join(chars)
    working = _ZERO_CONFUSION.sub("〇", working)  # one character for one: spans unchanged
    drop: set[int] = set()
    for match in _SPACED_DATE.finditer(working):
        drop.update(i for i in range(match.start(), match.end()) if working[i].isspace())
    run_start = None
    for index, char in enumerate(working):
        if char in " \t\u3000\u00a0" and index not in drop:
            if run_start is not None:
                drop.add(index)  # a run of spaces: the first stands for all
            else:
                run_start = index
            continue
        run_start = None
    kept = [i for i in range(len(working)) if i not in drop]
    chars = [" " if working[i] in "\t\u3000\u00a0" else working[i] for i in kept]
    spans = [spans[i] for i in kept]
    while chars and chars[0] == " ":
        chars.pop(0)
        spans.pop(0)
    while chars and chars[-1] == " ":
        chars.pop()
        spans.pop()
    working = "".join(chars)
    expected = normalize_keeping(text, keep)
    if working != expected:
        # NFKC composed across characters (a combining mark): spans shared out proportionally
        return expected, _proportional(expected, text)
    return working, spans


_INVISIBLE_CHARS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def normalize_keeping(text: str, keep: str = "") -> str:
    """normalize_text, sparing the characters in ``keep`` (①② stay ①②)."""
    if not keep:
        return normalize_text(text)
    shield = {ord(c): chr(0xF0000 + i) for i, c in enumerate(keep)}  # private use: NFKC leaves them
    unshield = {0xF0000 + i: c for i, c in enumerate(keep)}
    return normalize_text(text.translate(shield)).translate(unshield)


def _proportional(working: str, text: str) -> list[Span]:
    """A coarse map for text NFKC recomposes across characters: each character to its share of the original."""
    if not working:
        return []
    ratio = len(text) / len(working)
    return [(min(int(i * ratio), len(text) - 1), min(max(int((i + 1) * ratio), int(i * ratio) + 1), len(text)))
            for i in range(len(working))]


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
