"""Text as published: the cleaner reads a working form, the report keeps the page's own characters.

Every rule of the cleaner (metadata labels, report kinds, heading numbers) is written for
one form of text: NFKC (``(一)``, ``2022``, ``,``) and, on a traditional-script page,
simplified Chinese. Researchers quote what govsearch shows, so what it stores and shows
must be what the page printed: ``（一）``, ``，``, ``報告``. ``Published`` remembers, for
every working line it hands out, which characters of the page each working character came
from; ``original`` carries any working text (a paragraph, a heading, a title) back.

A working text is found in the working lines as one span (most paragraphs) or, after the
cleaner cut something out of it (a repeated sentence, an injected spam word, a page break
that split a sentence), as a few pieces in order. A character found nowhere (one the
cleaner wrote, such as the 。 an OCR repair restored) is kept as it is, or in the page's
own script.
"""
from __future__ import annotations

import logging
import re
from collections import Counter

from ..normalize import looks_traditional, normalize_with_map, to_simplified

LOGGER = logging.getLogger(__name__)

# NFKC turns ①② into 1 2 (①基层…;②部分… would read 1基层…;2部分…): the working form keeps them.
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Word's list numbering is followed by padding: (二)   加强执法监督 → (二)加强执法监督
_NUMBER_GAP = re.compile(r"^((?:\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、]|\(\d{1,2}\)))\s+(?=[\u4e00-\u9fff“《])")
_MIN_PIECE = 2  # a piece shorter than this is not looked up (a lone comma would match anywhere)
# Pinyin a converter wrote after characters (統(tǒng)籌): debris, not text
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,7}[1-5]?)[)）]")
_TONE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def strip_pinyin(lines: list[str]) -> tuple[list[str], bool]:
    """區(qū)域 → 區域, only when the page really annotates characters with pinyin.

    >>> strip_pinyin(["統(tǒng)籌發(fā)展", "區(qū)域"])
    (['統籌發展', '區域'], True)
    """
    text = "\n".join(lines)
    hits = _PINYIN.findall(text)
    if len(hits) < 3 or sum(1 for hit in hits if _TONE.search(hit)) * 2 < len(hits):
        return lines, False
    return [_PINYIN.sub("", line) for line in lines], True


class Published:
    """The page's own text behind the cleaner's working lines."""

    def __init__(self, traditional: bool = False):
        self.traditional = traditional
        self._work: list[str] = []  # working lines, in the order handed out
        self._origins: list[str] = []  # the page's line behind each
        self._spans: list[list[tuple[int, int]]] = []  # per working character: its span in the page's line
        self._joined: tuple[str, list[int], list[int]] | None = None
        self._cursor = 0
        self._chars: dict[str, str] | None = None
        self._known: dict[str, str] = {}

    @classmethod
    def detect(cls, lines: list[str]) -> "Published":
        """A registry for a page, traditional when its text has enough traditional-only characters."""
        return cls(traditional=looks_traditional("\n".join(lines)))

    # --- page text → working form ------------------------------------------------------

    def working(self, lines: list[str]) -> list[str]:
        """The working form of the page's lines (normalised; simplified on a traditional page)."""
        return [self.working_line(line) for line in lines]

    def working_line(self, line: str) -> str:
        known = self._known.get(line)
        if known is not None:
            return known
        text, spans = normalize_with_map(line, keep=CIRCLED)
        gap = _NUMBER_GAP.match(text)
        if gap:
            text, spans = text[:gap.end(1)] + text[gap.end():], spans[:gap.end(1)] + spans[gap.end():]
        if self.traditional:
            text = self._simplify(text)
        self._known[line] = text
        if text:
            self._work.append(text)
            self._origins.append(line)
            self._spans.append(spans)
            self._joined = None
        return text

    @staticmethod
    def _simplify(text: str) -> str:
        simplified = to_simplified(text)
        if len(simplified) == len(text):
            return simplified
        # a phrase conversion changed the length: convert character by character instead
        return "".join(c if len(c) == 1 else original for original, c in ((ch, to_simplified(ch)) for ch in text))

    # --- working text → the page's own --------------------------------------------------

    def _index(self) -> tuple[str, list[int], list[int]]:
        """All working lines as one string, with each character's line and position in it."""
        if self._joined is None:
            text = "\n".join(self._work)
            lines: list[int] = []
            positions: list[int] = []
            for number, work in enumerate(self._work):
                lines.extend([number] * (len(work) + 1))
                positions.extend(range(len(work) + 1))
            self._joined = (text, lines, positions)
        return self._joined

    def original(self, text: str) -> str:
        """The page's own characters for a working text (a paragraph, a heading, a title)."""
        if not text:
            return text
        joined, _, _ = self._index()
        out: list[str] = []
        position = 0
        while position < len(text):
            length, found = self._longest_piece(text, position, joined)
            if length >= _MIN_PIECE or (length == 1 and not text[position].isspace() and found >= 0
                                        and abs(found - self._cursor) < 200):
                out.append(self._emit(found, found + length))
                self._cursor = found + length
                position += length
            else:
                out.append(self._fallback(text[position]))
                position += 1
        return "".join(out).strip()

    def _longest_piece(self, text: str, position: int, joined: str) -> tuple[int, int]:
        """The longest prefix of text[position:] found in the working lines, and where (near the cursor first)."""
        def find(piece: str) -> int:
            at = joined.find(piece, self._cursor)
            return at if at >= 0 else joined.find(piece)

        rest = len(text) - position
        whole = find(text[position:])
        if whole >= 0:
            return rest, whole
        low, high, best = 0, rest - 1, (0, -1)
        while low <= high:  # found-ness is monotone in the length: a found prefix's prefixes are found
            middle = (low + high) // 2
            if middle == 0:
                low = 1
                continue
            at = find(text[position:position + middle])
            if at >= 0:
                best = (middle, at)
                low = middle + 1
            else:
                high = middle - 1
        return best

    def _emit(self, start: int, end: int) -> str:
        """The page's characters behind working characters start..end of the joined lines."""
        _, lines, positions = self._index()
        out: list[str] = []
        last: tuple[int, int] | None = None  # (line, end in the page's line) of the last span written
        for index in range(start, end):
            line, position = lines[index], positions[index]
            spans = self._spans[line]
            if position >= len(spans):
                out.append(" ")  # the line break between two working lines
                last = None
                continue
            span_start, span_end = spans[position]
            if last and last[0] == line and span_start < last[1]:
                continue  # one page character NFKC expanded into several working ones
            out.append(self._origins[line][span_start:span_end])
            last = (line, span_end)
        return "".join(out)

    def _fallback(self, char: str) -> str:
        """A working character found nowhere on the page: in the page's script when we know its reading."""
        if not self.traditional:
            return char
        if self._chars is None:
            counts: dict[str, Counter] = {}
            for work, origin, spans in zip(self._work, self._origins, self._spans):
                for working_char, (start, end) in zip(work, spans):
                    if end - start == 1:
                        counts.setdefault(working_char, Counter())[origin[start]] += 1
            self._chars = {simple: readings.most_common(1)[0][0] for simple, readings in counts.items()}
        return self._chars.get(char, char)
