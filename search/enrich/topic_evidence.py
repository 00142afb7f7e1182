"""What a paragraph's words say about each topic: how much, where, and whether merely listed.

A topic is what a paragraph is *about*, not every area it names. Three measures tell the two
apart, for each topic:

- ``score``: the weighted vocabulary hits, except that the items of an enumeration
  (行政立法、规范性文件管理、行政复议、行政应诉) count as one weak mention per topic: a list of
  work items names areas without being about any of them;
- ``share``: the part of the text (in characters) in clauses where the topic is present,
  so that a topic which is a quarter of the text counts and a passing clause does not;
- ``lead``: the hits in the first sentence, which in these reports states the subject
  (深入学习贯彻党的二十大精神。部党组先后召开…).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from search.enrich.topic_lexicon import Match

LIST_FACTOR = 0.4  # one listed item: a weak mention, however many items of a topic the list has
_SUPPORT = 0.5  # a clause is about a topic when its hits weigh this much
_SENTENCE_END = re.compile(r"[。;;!?!?]+|\n+")
_CLAUSE_END = re.compile(r"[。;;!?!?,,::]+|\n+")
# An enumeration: three or more short items joined by 、 (the last item stops before 的/等/和
# so that the head noun after it, 重大决策程序, is not taken for a listed item).
_ENUMERATION = re.compile(r"(?:[^,,。;;::、()《》\s]{1,16}、){2,}[^,,。;;::、()《》\s的等及和]{1,14}")


@dataclass(frozen=True)
class TopicEvidence:
    """The text's evidence for one topic."""

    score: float
    share: float
    lead: float
    listed_only: bool  # every hit was an item of an enumeration
    words: tuple[str, ...]  # the terms that counted, heaviest first


def sentence_spans(text: str, clauses: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence (or clause), its closing punctuation included."""
    spans, start = [], 0
    for end_mark in (_CLAUSE_END if clauses else _SENTENCE_END).finditer(text):
        if end_mark.end() > start:
            spans.append((start, end_mark.end()))
        start = end_mark.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def enumeration_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each 、-list of three or more short items."""
    return [m.span() for m in _ENUMERATION.finditer(text)]


def _inside(match: Match, spans: list[tuple[int, int]]) -> int:
    """Index of the span that holds the match whole, or -1."""
    for index, (start, end) in enumerate(spans):
        if start <= match.start and match.end <= end:
            return index
    return -1


def collect(text: str, matches: list[Match]) -> dict[str, TopicEvidence]:
    """Evidence per topic from the hits in one paragraph's (matched-form) text."""
    if not matches:
        return {}
    lists = enumeration_spans(text) if "、" in text else []
    sentences = sentence_spans(text, clauses=True) or [(0, len(text))]
    starts = [start for start, _ in sentences]
    total_chars = sum(end - start for start, end in sentences) or 1
    first = _SENTENCE_END.search(text)
    first_end = first.end() if first else len(text)
    # Listed hits: only the heaviest per (list, topic) counts, and at LIST_FACTOR.
    best_listed: dict[tuple[int, str], Match] = {}
    weighted: list[tuple[Match, float, bool]] = []  # (hit, its weight here, merely listed)
    for match in matches:
        where = _inside(match, lists) if lists else -1
        if where < 0:
            weighted.append((match, match.weight, False))
            continue
        key = (where, match.topic)
        if key not in best_listed or match.weight > best_listed[key].weight:
            best_listed[key] = match
    weighted += [(m, m.weight * LIST_FACTOR, True) for m in best_listed.values()]

    score: dict[str, float] = {}
    lead: dict[str, float] = {}
    unlisted: set[str] = set()
    words: dict[str, dict[str, float]] = {}
    per_sentence: dict[tuple[int, str], float] = {}
    for match, weight, is_listed in weighted:
        topic = match.topic
        score[topic] = score.get(topic, 0.0) + weight
        if not is_listed:
            unlisted.add(topic)
        if match.start < first_end:
            lead[topic] = lead.get(topic, 0.0) + weight
        bucket = words.setdefault(topic, {})
        bucket[match.term] = bucket.get(match.term, 0.0) + weight
        index = max(0, bisect.bisect_right(starts, match.start) - 1)
        per_sentence[(index, topic)] = per_sentence.get((index, topic), 0.0) + weight
    share: dict[str, float] = {}
    for (index, topic), weight in per_sentence.items():
        if weight >= _SUPPORT:
            start, end = sentences[index]
            share[topic] = share.get(topic, 0.0) + (end - start) / total_chars
    return {
        topic: TopicEvidence(
            score=round(value, 4),
            share=round(min(1.0, share.get(topic, 0.0)), 4),
            lead=round(lead.get(topic, 0.0), 4),
            listed_only=topic not in unlisted,
            words=tuple(term for term, _ in sorted(words[topic].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for topic, value in score.items()
    }
