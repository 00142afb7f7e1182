"""Topics for the paragraphs of a report, each with a confidence and the words behind it.

Two taxonomies, chosen per report by what the report says (its kind is a prior, never a gate):
the 法治 taxonomy in ``search/data/topics.json`` (the 纲要 chapters, the mandated sections,
平安建设/社会治理) and the small 信息公开 taxonomy in ``search/data/topics_disclosure.json``.
Openings and overviews get a structural label (``overview``), kept apart from subject topics.

For a 法治 paragraph the evidence for each topic is (topic_evidence.py): its vocabulary in the
text, discounted when merely listed; the part of the text it fills; its weight in the first
sentence; the deepest heading (a prior, not a veto: text that is plainly about something else
wins over one word of the heading) and the outer headings. The mandated section a paragraph
sits in (存在的不足 → shortcomings, 第一责任人 → leadership, 下一年度 → next_year_plan) gives that
topic outright; under 第一责任人 and in openings a content topic must fill the text to count.
A logistic function turns the evidence into a confidence; the paragraph's ``topics`` are
those at or above ``scoring.confidence_level``, at most three. The weights are data
(topics.json ``scoring``). Measured by scripts/topic_agreement.py.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from search.enrich.topic_evidence import TopicEvidence, collect
from search.enrich.topic_lexicon import Lexicon, compile_lexicon, load_data, match_form
from search.models import DISCLOSURE_REPORT, LAW_REPORT, TopicScore

MAX_TOPICS = 3  # the section's topic included: more is a list, not a subject
LAW, DISCLOSURE = "law", "disclosure"
# Which mandated section (topics.json structure.fazhi_annual_report) gives which topic.
_SECTION_TOPIC = {"second": "shortcomings", "third": "leadership", "fourth": "next_year_plan"}
_KEEP_BELOW = 0.15  # candidates below this confidence are not worth showing at all


@dataclass(frozen=True)
class TopicResult:
    """A paragraph's confident subject topics and every topic considered (with the structural label)."""

    topics: tuple[str, ...]
    scores: tuple[TopicScore, ...]


@dataclass(frozen=True)
class _Taxonomy:
    names: dict[str, str]  # every id (法治, structural, 信息公开) → Chinese name
    order: dict[str, int]  # id → position: ties are broken the same way every time
    law: Lexicon
    disclosure: Lexicon
    overview: Lexicon
    overview_headings: tuple[str, ...]
    overview_strong: tuple[str, ...]
    disclosure_cues: tuple[tuple[str, str], ...]  # (heading cue, 信息公开 topic), longest first
    disclosure_strong: tuple[str, ...]
    disclosure_weak: tuple[str, ...]
    section_cues: tuple[tuple[str, str], ...]  # (cue, topic or "") of the mandated sections
    first_section_cues: tuple[str, ...]
    scoring: dict[str, float]


_DEFAULT_SCORING = {
    "confidence_level": 0.5, "bias": -2.6, "text": 0.9, "text_cap": 4.0, "share": 2.2, "heading": 1.7,
    "heading_cap": 2.0, "outer": 0.45, "outer_cap": 2.0, "lead": 0.5, "lead_cap": 2.0, "listed_only": -0.8,
    "runner_up": -1.2, "runner_up_ratio": 0.35, "overview": -1.6, "leader_section": -1.6, "plan_section": -0.3,
    "problem_section": -0.4, "section_confidence": 0.95, "overview_threshold": 2.0,
}


@functools.lru_cache(maxsize=1)
def _taxonomy() -> _Taxonomy:
    """Load the data files once and compile their vocabularies."""
    data, disclosure, vocab = load_data()
    swaps = data.get("variants", [])
    structural = data.get("structural", [])
    names = {t["id"]: t["zh"] for t in data["topics"]}
    names.update({t["id"]: t["zh"] for t in structural})
    names.update({t["id"]: t["zh"] for t in disclosure["topics"]})
    cues: list[tuple[str, str]] = []
    sections = data["structure"]["fazhi_annual_report"]["mandated_sections"]
    # Cues of the later sections first: a heading such as 党政主要负责人履行…职责,加强法治政府
    # 建设的有关情况 must read as the third section, not the first (建设情况).
    for section in sorted(sections, key=lambda s: s["key"] == "first"):
        topic = _SECTION_TOPIC.get(section["key"], "")
        cues.extend((match_form(cue), topic) for cue in section["cues"])
    first = tuple(match_form(c) for s in sections if s["key"] == "first" for c in s["cues"])
    overview = structural[0] if structural else {"id": "overview", "zh": "概述"}
    overview_lexicon = compile_lexicon([{"id": overview["id"], "keywords": overview.get("text_cues", ()),
                                         "patterns": overview.get("patterns", ())}])
    disclosure_cues = sorted(((match_form(cue), t["id"]) for t in disclosure["topics"] for cue in t["section_cues"]),
                             key=lambda pair: -len(pair[0]))
    return _Taxonomy(
        names=names,
        order={topic: i for i, topic in enumerate(names)},
        law=compile_lexicon(data["topics"], swaps, vocab.get("terms")),
        disclosure=compile_lexicon(disclosure["topics"], swaps),
        overview=overview_lexicon,
        overview_headings=tuple(match_form(c) for c in overview.get("heading_cues", ())),
        overview_strong=tuple(match_form(c) for c in overview.get("strong_text_cues", ())),
        disclosure_cues=tuple(disclosure_cues),
        disclosure_strong=tuple(match_form(m) for m in disclosure["markers"]["strong"]),
        disclosure_weak=tuple(match_form(m) for m in disclosure["markers"]["weak"]),
        section_cues=tuple(cues),
        first_section_cues=first,
        scoring={**_DEFAULT_SCORING, **data.get("scoring", {})},
    )


def topic_names() -> dict[str, str]:
    """Topic id → Chinese name for every label a paragraph can carry, for the UI.

    >>> topic_names()["enforcement"]
    '行政执法'
    """
    return dict(_taxonomy().names)


def structural_labels() -> frozenset[str]:
    """Ids of labels that say what role a paragraph plays (an opening), not what it is about."""
    data, _, _ = load_data()
    return frozenset(t["id"] for t in data.get("structural", ()))


def confidence_level() -> float:
    """The confidence at or above which a topic is the paragraph's (and counted by the facet)."""
    return float(_taxonomy().scoring["confidence_level"])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _section_topic(heading: str) -> str | None:
    """The mandated section a heading opens ("" for one without a topic), None if it opens none."""
    for cue, topic in _taxonomy().section_cues:
        if cue in heading:
            return topic
    return None


@dataclass(frozen=True)
class _Headings:
    section: tuple[str, ...]  # mandated-section topics, outermost first
    section_words: dict[str, str]
    deepest: dict[str, TopicEvidence]
    outer: dict[str, TopicEvidence]
    overview_heading: bool  # 总体情况 / 概述, or straight under the first mandated section


@functools.lru_cache(maxsize=4096)
def _read_headings(section_path: tuple[str, ...]) -> _Headings:
    """Section topics and per-topic heading evidence; cached per path (many paragraphs share one)."""
    tax = _taxonomy()
    headings = [h for h in (match_form(h) for h in section_path) if h]
    section: list[str] = []
    words: dict[str, str] = {}
    for heading in headings:
        topic = _section_topic(heading)
        if topic and topic not in section:
            section.append(topic)
            words[topic] = next(cue for cue, t in tax.section_cues if t == topic and cue in heading)
    deepest = collect(headings[-1], tax.law.find(headings[-1])) if headings else {}
    outer: dict[str, TopicEvidence] = {}
    for heading in headings[:-1]:
        for topic, evidence in collect(heading, tax.law.find(heading)).items():
            if topic not in outer or evidence.score > outer[topic].score:
                outer[topic] = evidence
    overview_heading = bool(headings) and (
        any(cue in headings[-1] for cue in tax.overview_headings)
        or (len(headings) == 1 and any(cue in headings[0] for cue in tax.first_section_cues)
            and _section_topic(headings[0]) == ""))
    return _Headings(tuple(section), words, deepest, outer, overview_heading)


def _overview_score(text: str, headings: _Headings, has_headings: bool) -> tuple[float, tuple[str, ...]]:
    """How much the paragraph reads like a report's opening or a section's overview."""
    tax = _taxonomy()
    if has_headings and not headings.overview_heading:
        return 0.0, ()
    matches = tax.overview.find(text[:400])
    score = sum(m.weight for m in matches) + sum(1.0 for cue in tax.overview_strong if cue in text)
    return score, tuple(dict.fromkeys(m.term for m in matches))


def _law_topics(text: str, section_path: tuple[str, ...]) -> TopicResult:
    tax = _taxonomy()
    weights = tax.scoring
    headings = _read_headings(section_path)
    evidence = collect(text, tax.law.find(text))
    overview_score, overview_words = _overview_score(text, headings, bool(section_path))
    is_overview = overview_score >= weights["overview_threshold"]
    section = headings.section
    in_leader_section = "leadership" in section
    # The strongest evidence of any topic, for the runner-up rule.
    totals = {}
    for topic in set(evidence) | set(headings.deepest) | set(headings.outer):
        text_ev = evidence.get(topic)
        totals[topic] = (text_ev.score if text_ev else 0.0) + 2 * (headings.deepest[topic].score if topic in headings.deepest else 0.0)
    best = max(totals.values(), default=0.0)

    scores: list[TopicScore] = []
    for topic in section:
        scores.append(TopicScore(topic, weights["section_confidence"], (headings.section_words[topic],)))
    for topic in sorted(totals, key=lambda t: tax.order.get(t, 99)):
        if topic in section:
            continue
        text_ev = evidence.get(topic)
        head_ev = headings.deepest.get(topic)
        outer_ev = headings.outer.get(topic)
        z = weights["bias"]
        if text_ev:
            z += weights["text"] * min(text_ev.score, weights["text_cap"]) + weights["share"] * text_ev.share
            z += weights["lead"] * min(text_ev.lead, weights["lead_cap"])
            if text_ev.listed_only:
                z += weights["listed_only"]
        if head_ev:
            z += weights["heading"] * min(head_ev.score, weights["heading_cap"])
        if outer_ev:
            z += weights["outer"] * min(outer_ev.score, weights["outer_cap"])
        if totals[topic] < weights["runner_up_ratio"] * best:
            z += weights["runner_up"]
        if is_overview and not head_ev:
            z += weights["overview"]
        if in_leader_section and topic != "leadership":
            z += weights["leader_section"]
        if "next_year_plan" in section:
            z += weights["plan_section"]
        if "shortcomings" in section:
            z += weights["problem_section"]
        confidence = round(_sigmoid(z), 3)
        if confidence < _KEEP_BELOW:
            continue
        words = (head_ev.words if head_ev else ()) + (text_ev.words if text_ev else ()) + (outer_ev.words if outer_ev else ())
        scores.append(TopicScore(topic, confidence, tuple(dict.fromkeys(words))[:8]))
    if is_overview:
        scores.append(TopicScore("overview", round(_sigmoid(overview_score - weights["overview_threshold"] + 1.0), 3),
                                 overview_words[:8], structural=True))
    return _result(scores, section)


def _result(scores: list[TopicScore], first: tuple[str, ...] = ()) -> TopicResult:
    """Order the scores (section topics first, then by confidence) and pick the confident ones."""
    tax = _taxonomy()
    level = tax.scoring["confidence_level"]
    subject = [s for s in scores if not s.structural]
    ranked = sorted(subject, key=lambda s: (s.topic not in first, -s.score, tax.order.get(s.topic, 99)))
    chosen = [s.topic for s in ranked if s.score >= level][:MAX_TOPICS]
    structural = [s for s in scores if s.structural]
    return TopicResult(tuple(chosen), tuple(ranked + structural))


def _disclosure_topics(text: str, section_path: tuple[str, ...]) -> TopicResult:
    """A 信息公开 paragraph: its section names the topic; keywords decide where the section does not."""
    tax = _taxonomy()
    headings = [match_form(h) for h in section_path if h]
    prior: dict[str, tuple[float, str]] = {}
    for depth, heading in enumerate(reversed(headings)):
        for cue, topic in tax.disclosure_cues:
            if cue in heading and topic not in prior:
                prior[topic] = (1.0 if depth == 0 else 0.6, cue)
        if prior:
            break  # the deepest heading that names a section decides
    evidence = collect(text, tax.disclosure.find(text))
    scores: list[TopicScore] = []
    best = max((e.score for e in evidence.values()), default=0.0)
    for topic in sorted(set(prior) | set(evidence), key=lambda t: tax.order.get(t, 99)):
        ev = evidence.get(topic)
        z = -2.4
        if topic in prior:
            z += 2.0 + 2.0 * prior[topic][0] if len(prior) == 1 else 1.6 + 1.0 * prior[topic][0]
        if ev:
            z += 0.8 * min(ev.score, 4.0) + 1.5 * ev.share
            if ev.score < 0.35 * best:
                z -= 1.0
        confidence = round(_sigmoid(z), 3)
        if confidence >= _KEEP_BELOW:
            words = ((prior[topic][1],) if topic in prior else ()) + (ev.words if ev else ())
            scores.append(TopicScore(topic, confidence, tuple(dict.fromkeys(words))[:8]))
    overview_score, overview_words = _overview_score(text, _read_headings(tuple(section_path)), bool(headings))
    if overview_score >= tax.scoring["overview_threshold"] and not prior:
        scores.append(TopicScore("overview", round(_sigmoid(overview_score - 1.0), 3), overview_words[:8], structural=True))
    return _result(scores)


def report_family(kind: str | None, texts: Iterable[str]) -> str:
    """Which taxonomy a report is read with: what its words say, its kind only breaking a tie.

    A page the kind classifier got wrong still gets the topics its text is about.
    """
    tax = _taxonomy()
    disclosure = law = 0.0
    for text in texts:
        text = match_form(text)
        disclosure += sum(2.0 for m in tax.disclosure_strong if m in text) + sum(0.5 for m in tax.disclosure_weak if m in text)
        law += sum(1.0 for cue in ("法治政府", "依法行政", "第一责任人", "法治建设", "行政执法", "普法") if cue in text)
    prior = 3.0 if kind == DISCLOSURE_REPORT else (-3.0 if kind == LAW_REPORT else 0.0)
    return DISCLOSURE if disclosure + prior > law * 1.5 + 1.0 else LAW


def classify_paragraph(text: str, section_path: Sequence[str] = (), family: str | None = None) -> TopicResult:
    """Topics of one paragraph with their confidences.

    Args: the paragraph text, the headings above it (outermost first), and the report's
    family (LAW or DISCLOSURE; None reads it from the paragraph's own headings and words).
    """
    path = tuple(section_path)
    if family is None:
        family = report_family(None, (*path, text))
    prepared = match_form(text or "")
    if family == DISCLOSURE:
        return _disclosure_topics(prepared, path)
    return _law_topics(prepared, path)


def classify_report(paragraphs: Sequence[tuple[str, Sequence[str]]], kind: str | None = None,
                    title: str | None = None) -> tuple[TopicResult, ...]:
    """Topics for every paragraph of one report: (text, section_path) pairs in order."""
    headings = {h for _, path in paragraphs for h in path}
    family = report_family(kind, [title or "", *headings, *(text[:300] for text, _ in paragraphs[:20])])
    return tuple(classify_paragraph(text, path, family) for text, path in paragraphs)


def assign_topics(text: str, section_path: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Confident topic ids for one paragraph, section topic first (at most three).

    >>> assign_topics("全面推行行政执法三项制度,深化综合行政执法改革。", ("四、2023年工作思路",))
    ('next_year_plan', 'enforcement')
    """
    return classify_paragraph(text, section_path).topics

