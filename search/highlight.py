"""Highlighting by matching the query's words in the stored text.

No re-tokenising: the paragraph is put in search form (NFKC + simplified, which keeps
one character for one character) and every positive query word is found as a
substring. This marks whole words where jieba's overlapping search-mode tokens
would mark only part of them (马克思 → 马克, whoosh#532), and marks substring and
phrase matches exactly as they were found.
"""
from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape

from .normalize import search_form

SNIPPET_CHARS = 220
WINDOW_MARGIN = 40  # characters matched beyond a long paragraph's snippet window on each side


_QUOTES = "“”‘’\"'「」『』《》〈〉"
_DROP_QUOTES = str.maketrans("", "", _QUOTES)


@functools.lru_cache(maxsize=4096)
def _term_pieces(term: str) -> tuple[str, ...]:
    """A query word in search form, cut at spaces and punctuation."""
    return tuple(p for p in re.split(r"[\s\W_]+", search_form(term).lower()) if p)


@functools.lru_cache(maxsize=4096)
def _pieces_pattern(pieces: tuple[str, ...]) -> re.Pattern:
    """Pieces typed apart match across any spaces or punctuation between them."""
    return re.compile(r"[\s\W_]*".join(re.escape(p) for p in pieces))


def _aligned_form(text: str) -> str:
    """The text in search form, one character for one character (matching positions are
    positions in the text)."""
    folded = search_form(text).lower()
    if len(folded) != len(text):  # normalisation changed lengths: match in a per-character form
        folded = "".join(_char_form(c) for c in text)
    return folded


@functools.lru_cache(maxsize=65536)
def _char_form(char: str) -> str:
    return search_form(char).lower()[:1] or " "


class _Searchable:
    """A text's search form without quotation marks, which may sit between any two
    characters of a word (八五普法 → “八五”普法), and where each character came from."""

    def __init__(self, text: str):
        folded = _aligned_form(text)
        self.text = folded.translate(_DROP_QUOTES)
        self.origin = None if len(self.text) == len(folded) else \
            [i for i, c in enumerate(folded) if c not in _QUOTES]

    def _span(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1

    def spans(self, term: str, first_only: bool = False):
        """(start, end) in the original text of each match of a query word."""
        pieces = _term_pieces(term)
        if not pieces:
            return
        if len(pieces) == 1:
            word, at = pieces[0], self.text.find(pieces[0])
            while at >= 0:
                yield self._span(at, at + len(word))
                if first_only:
                    return
                at = self.text.find(word, at + len(word))
            return
        for found in _pieces_pattern(pieces).finditer(self.text):
            if found.end() > found.start():
                yield self._span(found.start(), found.end())
                if first_only:
                    return


def _first_match(text: str, terms) -> int | None:
    """Where the first match of any term starts (each word stops at its first match)."""
    searchable = _Searchable(text)
    starts = [start for term in terms for start, _ in searchable.spans(term, first_only=True)]
    return min(starts) if starts else None


def match_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of every term in the text.

    >>> match_spans("马克思主义和马克思", ["马克思"])
    [(0, 3), (6, 9)]
    """
    if not terms or not text:
        return []
    searchable = _Searchable(text)
    spans = sorted(span for term in terms for span in searchable.spans(term))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]]) -> Markup:
    """Escaped text with <mark> around the spans."""
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, terms, width: int = SNIPPET_CHARS) -> Markup:
    """The part of a paragraph around its first match, highlighted and escaped.

    >>> str(snippet("<b>行政复议</b>案件", ["行政复议"]))
    '&lt;b&gt;<mark>行政复议</mark>&lt;/b&gt;案件'
    """
    if len(text) <= width:
        return mark(text, match_spans(text, terms))
    # A long paragraph (a flattened table runs to thousands of characters): find the first
    # match, then mark only the window shown.
    first = _first_match(text, terms) if terms else None
    start = max(0, first - width // 4) if first is not None else 0
    end = min(len(text), start + width)
    start = max(0, end - width)
    # Matched a little past both edges, then clipped: a word cut by the window stays marked.
    low, high = max(0, start - WINDOW_MARGIN), min(len(text), end + WINDOW_MARGIN)
    spans = [(s + low, e + low) for s, e in match_spans(text[low:high], terms)]
    window = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    body = mark(text[start:end], window)
    prefix = Markup("…") if start > 0 else Markup("")
    suffix = Markup("…") if end < len(text) else Markup("")
    return prefix + body + suffix
