"""Topics for one paragraph of a 法治政府建设年度报告, from its words and the headings above it.

The taxonomy lives in ``search/data/topics.json`` (16 topics tied to the chapters of
《法治政府建设实施纲要(2021-2025年)》, plus the report's mandated sections). Scoring is plain
and deterministic: weighted keyword hits in the paragraph, hits in its headings weighted more
(a heading names what everything under it is about), and the mandated section a paragraph sits
in (存在的不足 → shortcomings, 第一责任人 → leadership, 下一年度安排 → next_year_plan)
assigns that topic outright. Keyword counting alone mis-assigns (DOMAIN.md, Topics); the
heading signal is what fixes most of it. Measured against hand labels by
scripts/topic_agreement.py.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from search.normalize import looks_traditional, normalize_text, to_simplified

LOGGER = logging.getLogger(__name__)

_TOPICS_FILE = Path(__file__).resolve().parent.parent / "data" / "topics.json"
MAX_TOPICS = 3  # content topics per paragraph, besides the mandated-section topic
_MIN_SCORE = 2.0  # a single passing mention is not what a paragraph is about
_RELATIVE = 0.4  # keep runners-up only when they are a real part of the paragraph
_DEEPEST_HEADING = 3.0  # weight of keyword hits in the paragraph's own heading
_OUTER_HEADING = 1.0  # …and in the headings above it, which cover several topics
_REPEAT_CAP = 3  # the tenth 执法 in a paragraph adds nothing the third did not
# Which mandated section (topics.json structure.fazhi_annual_report) gives which topic.
_SECTION_TOPIC = {"second": "shortcomings", "third": "leadership", "fourth": "next_year_plan"}
# Characters only traditional script uses: a cheap test before the full looks_traditional().
_TRADITIONAL_HINT = re.compile("[國與務執為區會發當從來們說時對於關這還將進過權機開號聯條報縣鄉鎮廳]")


@dataclass(frozen=True)
class _Taxonomy:
    names: dict[str, str]  # id → Chinese name, in file order
    order: dict[str, int]  # id → position, to break score ties the same way every time
    weights: dict[str, tuple[tuple[str, float], ...]]  # keyword → (topic, weight) pairs
    lengths: dict[str, tuple[int, ...]]  # first character → keyword lengths, longest first
    starts: re.Pattern[str]  # any character a keyword begins with: skips the rest in C
    prefixes: frozenset[str]  # the first two characters of every keyword: prunes most starts
    section_cues: tuple[tuple[str, str], ...]  # (cue, topic or "") for the mandated sections


@functools.lru_cache(maxsize=1)
def _taxonomy() -> _Taxonomy:
    """Load topics.json once and index every keyword by its first character."""
    data = json.loads(_TOPICS_FILE.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    weights: dict[str, list[tuple[str, float]]] = {}
    for topic in data["topics"]:
        names[topic["id"]] = topic["zh"]
        # Every keyword counts 1.0 unless keyword_weights says otherwise (generic words less).
        own = {normalize_text(k): 1.0 for k in topic.get("keywords", ())}
        own.update({normalize_text(k): float(w) for k, w in topic.get("keyword_weights", {}).items()})
        for keyword, weight in own.items():
            if keyword and weight > 0:
                weights.setdefault(keyword, []).append((topic["id"], weight))
    lengths: dict[str, set[int]] = {}
    for keyword in weights:
        lengths.setdefault(keyword[0], set()).add(len(keyword))
    # Cues of the later sections first: a heading such as 党政主要负责人履行…职责,加强法治政府
    # 建设的有关情况 must read as the third section, not the first (建设情况).
    cues: list[tuple[str, str]] = []
    sections = data["structure"]["fazhi_annual_report"]["mandated_sections"]
    for section in sorted(sections, key=lambda s: s["key"] == "first"):
        topic = _SECTION_TOPIC.get(section["key"], "")
        cues.extend((normalize_text(cue), topic) for cue in section["cues"])
    return _Taxonomy(
        names=names,
        order={topic: i for i, topic in enumerate(names)},
        weights={k: tuple(v) for k, v in weights.items()},
        lengths={char: tuple(sorted(sizes, reverse=True)) for char, sizes in lengths.items()},
        starts=re.compile("[" + re.escape("".join(sorted(lengths))) + "]"),
        prefixes=frozenset(keyword[:2] for keyword in weights),
        section_cues=tuple(cues),
    )


def topic_names() -> dict[str, str]:
    """Topic id → Chinese name, for the UI's facet labels.

    >>> topic_names()["enforcement"]
    '行政执法'
    """
    return dict(_taxonomy().names)


def _keyword_scores(text: str, scale: float, scores: dict[str, float]) -> None:
    """Add weighted keyword hits in text to scores.

    Every keyword is found at every position (执法监督 inside 行政执法监督), longest first; a
    hit overlapping an earlier hit of the same topic (行政执法 inside 综合行政执法, 出庭应诉
    overlapping 负责人出庭) is not counted again.
    """
    tax = _taxonomy()
    counts: dict[tuple[str, str], int] = {}
    covered: dict[str, int] = {}
    lengths, weights, prefixes = tax.lengths, tax.weights, tax.prefixes
    for found in tax.starts.finditer(text):
        start = found.start()
        if text[start : start + 2] not in prefixes:
            continue
        for length in lengths[found.group()]:
            keyword = text[start : start + length]
            pairs = weights.get(keyword)
            if pairs is None:
                continue
            end = start + length
            for topic, weight in pairs:
                if start < covered.get(topic, -1):
                    continue
                covered[topic] = end
                seen = counts.get((topic, keyword), 0)
                if seen < _REPEAT_CAP:
                    counts[(topic, keyword)] = seen + 1
                    scores[topic] = scores.get(topic, 0.0) + weight * scale


def _section_topic(heading: str) -> str | None:
    """The mandated section a heading opens ("" for one without a topic), None if it opens none."""
    for cue, topic in _taxonomy().section_cues:
        if cue in heading:
            return topic
    return None


def _prepare(text: str) -> str:
    """NFKC (keywords are written with ASCII parentheses) and simplified script, cheaply when already so."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _TRADITIONAL_HINT.search(text) and looks_traditional(text):
        text = to_simplified(text)
    return text


@functools.lru_cache(maxsize=4096)
def _heading_signal(section_path: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, float], ...], bool]:
    """Section topics, heading keyword scores and whether only the section counts; cached per path."""
    headings = tuple(_prepare(h) for h in section_path if h)
    section: list[str] = []
    scores: dict[str, float] = {}
    for depth, heading in enumerate(headings):
        topic = _section_topic(heading)
        if topic and topic not in section:
            section.append(topic)
        deepest = depth == len(headings) - 1
        _keyword_scores(heading, _DEEPEST_HEADING if deepest else _OUTER_HEADING, scores)
    # Straight under 存在的不足: a list of one-line problems across every area, which is about
    # shortcomings as such; a sub-heading (行政执法规范化有待改进) names the area.
    section_only = bool(headings) and _section_topic(headings[-1]) == "shortcomings"
    return tuple(section), tuple(scores.items()), section_only


def assign_topics(text: str, section_path: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Topic ids for one paragraph, most relevant first (at most ~3 plus its section's topic).

    Args: the paragraph text and the headings above it, outermost first.
    Returns: a tuple of topic ids from topics.json; empty when nothing stands out.

    >>> assign_topics("全面推行行政执法三项制度,深化综合行政执法改革。", ("四、2023年工作思路",))
    ('next_year_plan', 'enforcement')
    """
    tax = _taxonomy()
    section, heading_scores, section_only = _heading_signal(tuple(section_path))
    if section_only:
        return section
    scores = dict(heading_scores)
    _keyword_scores(_prepare(text or ""), 1.0, scores)

    ranked = sorted(
        ((score, topic) for topic, score in scores.items() if topic not in section),
        key=lambda item: (-item[0], tax.order.get(item[1], 99)),
    )
    content: list[str] = []
    if ranked:
        best = ranked[0][0]
        for score, topic in ranked[:MAX_TOPICS]:
            if score >= _MIN_SCORE and score >= _RELATIVE * best:
                content.append(topic)
    return tuple(section) + tuple(content)
