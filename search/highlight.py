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
_QUOTES_BETWEEN = "[“”‘’\"'「」『』《》〈〉]*"


@functools.lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern | None:
    """A query word as a pattern over search-form text, built once per word.

    A phrase typed with spaces or other punctuation matches across any punctuation, and
    quotation marks may sit between any two characters (八五普法 → “八五”普法)."""
    pieces = [p for p in re.split(r"[\s\W_]+", search_form(term).lower()) if p]
    if not pieces:
        return None
    return re.compile(r"[\s\W_]*".join(_QUOTES_BETWEEN.join(re.escape(c) for c in p) for p in pieces))


def _aligned_form(text: str) -> str:
    """The text in search form, one character for one character (matching positions are
    positions in the text)."""
    folded = search_form(text).lower()
    if len(folded) != len(text):  # normalisation changed lengths: match in a per-character form
        folded = "".join(search_form(c).lower()[:1] or " " for c in text)
    return folded


def _first_match(text: str, terms) -> int | None:
    """Where the first match of any term starts (each pattern stops at its first match)."""
    folded = _aligned_form(text)
    starts = [m.start() for m in (p.search(folded) for p in map(_term_pattern, terms) if p is not None) if m]
    return min(starts) if starts else None


def match_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) character spans of every term in the text.

    >>> match_spans("马克思主义和马克思", ["马克思"])
    [(0, 3), (6, 9)]
    """
    if not terms or not text:
        return []
    folded = _aligned_form(text)
    spans = []
    for term in terms:
        pattern = _term_pattern(term)
        if pattern is not None:
            spans.extend((m.start(), m.end()) for m in pattern.finditer(folded) if m.end() > m.start())
    spans.sort()
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
