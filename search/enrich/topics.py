"""Topics for the paragraphs of a report, each with a confidence and the words behind it.

Two taxonomies, chosen per report by what the report says (its kind is a prior, never a gate):
the 法治 taxonomy in ``search/data/topics.json`` (the 纲要 chapters, the mandated sections,
平安建设/社会治理) and the small 信息公开 taxonomy in ``search/data/topics_disclosure.json``.
Openings and overviews get a structural label (``overview``), kept apart from subject topics.

For a 法治 paragraph, each candidate topic's evidence (topic_features.py: its words in the text,
discounted when merely listed; the part of the text it fills; the first sentence; the deepest
heading as a prior and the outer headings; the paragraph's place) is weighted and turned into a
confidence by a logistic function. The mandated section a paragraph sits in (存在的不足 →
shortcomings, 第一责任人 → leadership, 下一年度 → next_year_plan) gives that topic outright.
A paragraph's ``topics`` are those at or above ``scoring.confidence_level``, at most three.
The weights are data (topics.json ``scoring``); scripts/topic_model.py fits and cross-validates
them, and also tried a words + character n-gram model, which lost (see its docstring).
Measured by scripts/topic_agreement.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from search.enrich.topic_evidence import collect
from search.enrich.topic_features import (
    FEATURES, Candidate, Headings, candidates, overview_score, read_headings, with_run_in,
)
from search.enrich.topic_lexicon import match_form
from search.enrich.topic_taxonomy import taxonomy
from search.models import DISCLOSURE_REPORT, LAW_REPORT, TopicScore

MAX_TOPICS = 3  # the section's topic included: more is a list, not a subject
LAW, DISCLOSURE = "law", "disclosure"
_KEEP_BELOW = 0.15  # candidates below this confidence are not worth showing at all


@dataclass(frozen=True)
class TopicResult:
    """A paragraph's confident subject topics and every topic considered (with the structural label)."""

    topics: tuple[str, ...]
    scores: tuple[TopicScore, ...]


def topic_names() -> dict[str, str]:
    """Topic id → Chinese name for every label a paragraph can carry, for the UI.

    >>> topic_names()["enforcement"]
    '行政执法'
    """
    return dict(taxonomy().names)


def structural_labels() -> frozenset[str]:
    """Ids of labels that say what role a paragraph plays (an opening), not what it is about."""
    return taxonomy().structural


def confidence_level() -> float:
    """The confidence at or above which a topic is the paragraph's (and counted by the facet)."""
    return float(taxonomy().scoring["confidence_level"])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def confidence(candidate: Candidate, weights: dict[str, float] | None = None) -> float:
    """The candidate's confidence: the logistic of its weighted features."""
    weights = weights or taxonomy().weights
    return _sigmoid(sum(weights.get(name, 0.0) * value for name, value in zip(FEATURES, candidate.values)))


def _result(scores: list[TopicScore], first: tuple[str, ...] = ()) -> TopicResult:
    """Order the scores (section topics first, then by confidence) and pick the confident ones."""
    tax = taxonomy()
    level = tax.scoring["confidence_level"]
    subject = [s for s in scores if not s.structural]
    ranked = sorted(subject, key=lambda s: (s.topic not in first, -s.score, tax.order.get(s.topic, 99)))
    chosen = [s.topic for s in ranked if s.score >= level][:MAX_TOPICS]
    return TopicResult(tuple(chosen), tuple(ranked) + tuple(s for s in scores if s.structural))


def law_evidence(text: str, section_path: Sequence[str]) -> tuple[Headings, float, tuple[str, ...], list[Candidate]]:
    """What a 法治 paragraph's headings say, how much it reads as an opening (and the cues that
    did), and its candidate topics with their features (scripts/topic_model.py fits on these)."""
    path = tuple(section_path)
    text = match_form(text or "")
    headings = read_headings(with_run_in(text, path))
    opening, opening_words = overview_score(text, read_headings(path), bool(path))
    return headings, opening, opening_words, candidates(text, headings, opening)


def _law_topics(text: str, section_path: tuple[str, ...]) -> TopicResult:
    tax = taxonomy()
    headings, opening, opening_words, found = law_evidence(text, section_path)
    is_overview = opening >= tax.scoring["overview_threshold"]
    scores = [TopicScore(topic, tax.scoring["section_confidence"], (headings.section_words[topic],))
              for topic in headings.section]
    for candidate in found:
        value = round(confidence(candidate), 3)
        if value >= _KEEP_BELOW:
            scores.append(TopicScore(candidate.topic, value, candidate.words))
    if is_overview:
        value = round(_sigmoid(opening - tax.scoring["overview_threshold"] + 1.0), 3)
        scores.append(TopicScore(tax.overview_id, value, opening_words[:8], structural=True))
    return _result(scores, headings.section)


def _disclosure_topics(text: str, section_path: tuple[str, ...]) -> TopicResult:
    """A 信息公开 paragraph: its section names the topic; keywords decide where the section does not."""
    tax = taxonomy()
    headings = [match_form(h) for h in with_run_in(text, section_path) if h]
    prior: dict[str, tuple[float, str]] = {}
    for depth, heading in enumerate(reversed(headings)):
        for cue, topic in tax.disclosure_cues:
            if cue in heading and topic not in prior:
                prior[topic] = (1.0 if depth == 0 else 0.6, cue)
        if prior:
            break  # the deepest heading that names a section decides
    evidence = collect(text, tax.disclosure.find(text))
    best = max((e.score for e in evidence.values()), default=0.0)
    scores: list[TopicScore] = []
    for topic in sorted(set(prior) | set(evidence), key=lambda t: tax.order.get(t, 99)):
        ev = evidence.get(topic)
        z = -2.4
        if topic in prior:
            # one section named: it is the subject; two (存在的主要问题及改进情况): the text picks
            z += 2.0 + 2.0 * prior[topic][0] if len(prior) == 1 else 0.5 + 1.5 * prior[topic][0]
        elif prior:
            z -= 1.0  # a section's paragraph names other areas in passing (问题: 主动公开内容不全)
        if ev:
            z += 0.8 * min(ev.score, 4.0) + 1.5 * ev.share + 0.6 * min(ev.lead, 2.0)
            if ev.score < 0.35 * best:
                z -= 1.0
        value = round(_sigmoid(z), 3)
        if value >= _KEEP_BELOW:
            words = ((prior[topic][1],) if topic in prior else ()) + (ev.words if ev else ())
            scores.append(TopicScore(topic, value, tuple(dict.fromkeys(words))[:8]))
    headings_read = read_headings(section_path)
    opening, opening_words = overview_score(text, headings_read, bool(section_path))
    if headings_read.overview_heading and not prior:
        opening += tax.scoring["overview_threshold"]  # straight under 一、总体情况: an overview by the format
        opening_words = (headings[-1][:12],) + opening_words
    if opening >= tax.scoring["overview_threshold"] and not prior:
        value = round(_sigmoid(opening - tax.scoring["overview_threshold"] + 1.0), 3)
        scores.append(TopicScore(tax.overview_id, value, opening_words[:8], structural=True))
    return _result(scores)


def report_family(kind: str | None, texts: Iterable[str], headings: Iterable[str] = (), prepared: bool = False) -> str:
    """Which taxonomy a report is read with: what its words say, its kind only tipping a close call.

    A page the kind classifier got wrong still gets the topics its text is about. Headings
    that only a 信息公开 report has (主动公开, 依申请公开, 政府信息管理 …) weigh most.
    """
    tax = taxonomy()
    disclosure = law = 0.0
    for heading in headings:
        heading = match_form(heading)
        disclosure += 2.0 if any(m in heading for m in tax.disclosure_headings) else 0.0
        law += sum(1.0 for m in tax.law_markers if m in heading)
    for text in texts:
        text = text if prepared else match_form(text)
        disclosure += sum(1.0 for m in tax.disclosure_strong if m in text) + sum(0.25 for m in tax.disclosure_weak if m in text)
        law += sum(1.0 for m in tax.law_markers if m in text)
    prior = 3.0 if kind == DISCLOSURE_REPORT else (-3.0 if kind == LAW_REPORT else 0.0)
    return DISCLOSURE if disclosure + prior > law * 1.5 + 1.5 else LAW


def classify_paragraph(text: str, section_path: Sequence[str] = (), family: str | None = None) -> TopicResult:
    """Topics of one paragraph with their confidences.

    Args: the paragraph text, the headings above it (outermost first), and the report's
    family (LAW or DISCLOSURE; None reads it from the paragraph's own headings and words).
    """
    path = tuple(section_path)
    prepared = match_form(text or "")
    if family is None:
        family = report_family(None, (prepared,), path, prepared=True)
    if family == DISCLOSURE:
        return _disclosure_topics(prepared, path)
    return _law_topics(prepared, path)


def classify_report(paragraphs: Sequence[tuple[str, Sequence[str]]], kind: str | None = None,
                    title: str | None = None) -> tuple[TopicResult, ...]:
    """Topics for every paragraph of one report, given as (text, section_path) pairs in order.

    The report's family is read once from its title, headings and first paragraphs.
    """
    headings = {h for _, path in paragraphs for h in path}
    family = report_family(kind, [title or "", *(text[:300] for text, _ in paragraphs[:20])], headings)
    return tuple(classify_paragraph(text, path, family) for text, path in paragraphs)


def assign_topics(text: str, section_path: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Confident topic ids for one paragraph, section topic first (at most three).

    >>> assign_topics("全面推行行政执法三项制度,深化综合行政执法改革。", ("四、2023年工作思路",))
    ('next_year_plan', 'enforcement')
    """
    return classify_paragraph(text, section_path).topics
