"""Reused text: which sentences of a report repeat another report, and the share they make.

Researchers criticise annual reports copied from year to year; ``reuse`` measures it as
the share of a report's sentences found in the same issuer's previous report:

* a sentence is a run of text ending in 。！？；(or a paragraph's end), compared in search
  form (normalised, simplified) without spaces and punctuation; sentences shorter than
  MIN_CHARS word characters (一是加强领导。) are not counted;
* **verbatim**: the same characters;
* **near-verbatim**: with every number read as the same number (2022年 → 2023年, 34152条 →
  36001条), character bigrams overlap by at least NEAR_DICE (Dice coefficient): a sentence
  with a word or two changed.

Tables are not sentences. The same measure marks sentences on the comparison pages.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from .models import Report, Reuse
from .normalize import search_form

MIN_CHARS = 10
NEAR_DICE = 0.8
SAME, NEAR = "same", "near"
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")
_NOT_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def split_sentences(text: str) -> list[str]:
    """A paragraph cut after each sentence end, every character kept (joined, they give the text back).

    >>> split_sentences("全年主动公开信息1865条。其中政策解读42篇；另有图解。")
    ['全年主动公开信息1865条。', '其中政策解读42篇；', '另有图解。']
    """
    return _SENTENCE.findall(text) or ([text] if text else [])


def sentence_key(sentence: str) -> str:
    """What two sentences are compared by: search form, no spaces or punctuation, lower case."""
    return _NOT_WORD.sub("", search_form(sentence)).lower()


def _folded(key: str) -> str:
    return _NUMBER.sub("#", key)


def _bigrams(text: str) -> Counter:
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def counted(key: str) -> bool:
    """Whether a sentence is long enough to count."""
    return len(key) >= MIN_CHARS


@dataclass
class SentenceIndex:
    """The sentences of one or more texts, to look others up in (verbatim, then near-verbatim)."""

    exact: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)
    grams: list[Counter] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str]) -> "SentenceIndex":
        index = cls()
        for text in texts:
            for sentence in split_sentences(text):
                index.add(sentence_key(sentence))
        return index

    def add(self, key: str) -> None:
        if not counted(key) or key in self.exact:
            return
        self.exact.add(key)
        folded = _folded(key)
        if folded in self.folded:
            return
        self.folded.add(folded)
        grams = _bigrams(folded)
        number = len(self.grams)
        self.grams.append(grams)
        for gram in grams:
            self.postings.setdefault(gram, []).append(number)

    def match(self, key: str) -> str | None:
        """SAME, NEAR or None for a sentence key (see sentence_key)."""
        if not counted(key):
            return None
        if key in self.exact:
            return SAME
        folded = _folded(key)
        if folded in self.folded:
            return NEAR
        grams = _bigrams(folded)
        size = sum(grams.values())
        if not size:
            return None
        shared: Counter = Counter()
        for gram, count in grams.items():
            for number in self.postings.get(gram, ()):
                shared[number] += min(count, self.grams[number][gram])
        for number, overlap in shared.most_common(3):
            other = sum(self.grams[number].values())
            if 2 * overlap / (size + other) >= NEAR_DICE:
                return NEAR
        return None


def report_sentences(report: Report) -> list[str]:
    """The counted sentence keys of a report's paragraphs (tables excluded)."""
    keys = []
    for paragraph in report.paragraphs:
        for sentence in split_sentences(paragraph.text):
            key = sentence_key(sentence)
            if counted(key):
                keys.append(key)
    return keys


def measure(report: Report, previous: Report | None, previous_id: str | None) -> Reuse:
    """The share of the report's sentences found (verbatim or near-verbatim) in the previous report."""
    keys = report_sentences(report)
    if previous is None or previous_id is None:
        return Reuse(None, None, len(keys), 0)
    index = SentenceIndex.of(paragraph.text for paragraph in previous.paragraphs)
    reused = sum(1 for key in keys if index.match(key))
    ratio = round(reused / len(keys), 4) if keys else None
    return Reuse(previous_id, ratio, len(keys), reused)


def marked(text: str, index: SentenceIndex) -> list[tuple[str, str | None]]:
    """A paragraph as (sentence, SAME | NEAR | None) pieces, for the comparison pages."""
    return [(sentence, index.match(sentence_key(sentence))) for sentence in split_sentences(text)]
