"""The evidence features of each candidate 法治 topic of a paragraph, ready for weighting.

A candidate is any topic with vocabulary in the paragraph or its headings. Its features
(FEATURES, in this order) are what the confidence is a weighted sum of:

- ``text``, ``share``, ``lead``, ``listed_only``: what the paragraph's own words say
  (topic_evidence.py);
- ``heading``, ``outer``: the deepest heading's words and the outer headings' (a prior);
- ``dominant``: the topic has the strongest evidence and no other comes near (half of it): a
  paragraph of a report body is about something, and this is the only thing it is about (not
  said of openings, whose strongest words are the political formulae of the genre);
- ``runner_up``: the topic's evidence is far below the strongest topic's;
- ``overview``: the paragraph is an opening or overview (how strongly: its opening cues over the
  threshold, at most 3) and its heading does not name the topic;
- ``leader_section``, ``plan_section``, ``problem_section``: it sits in the mandated 第一责任人,
  下一年度 or 存在的不足 section, where other topics must fill the text to count.

The mandated section's own topic is not a candidate: it is given outright.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from search.enrich.topic_evidence import TopicEvidence, collect
from search.enrich.topic_lexicon import match_form
from search.enrich.topic_taxonomy import section_topic, taxonomy

FEATURES = ("bias", "text", "share", "lead", "listed_only", "heading", "outer", "dominant", "runner_up", "overview",
            "leader_section", "plan_section", "problem_section")


@dataclass(frozen=True)
class Headings:
    """What a paragraph's headings say, read once per section path."""

    section: tuple[str, ...]  # mandated-section topics, outermost first
    section_words: dict[str, str]  # topic → the cue that placed it
    deepest: dict[str, TopicEvidence]
    outer: dict[str, TopicEvidence]
    overview_heading: bool  # 总体情况 / 概述, or straight under the first mandated section


@dataclass(frozen=True)
class Candidate:
    """One candidate topic of a paragraph: its feature values and the words behind them."""

    topic: str
    values: tuple[float, ...]  # in FEATURES order
    words: tuple[str, ...]


# 在主动公开方面,… / 行政执法方面:… : a run-in heading that names the paragraph's subject.
_RUN_IN = re.compile(r"^\s*(?:在|关于)?([^,,。;;::、]{2,14}?)(?:方面|工作方面)[,,::]")


def with_run_in(text: str, section_path: tuple[str, ...]) -> tuple[str, ...]:
    """The section path, plus the paragraph's run-in heading (在X方面,) as its deepest heading."""
    found = _RUN_IN.match(text)
    return section_path + (found.group(1),) if found else section_path


@functools.lru_cache(maxsize=4096)
def read_headings(section_path: tuple[str, ...]) -> Headings:
    """Section topics and per-topic heading evidence; cached per path (many paragraphs share one)."""
    tax = taxonomy()
    headings = [h for h in (match_form(h) for h in section_path) if h]
    section: list[str] = []
    words: dict[str, str] = {}
    for heading in headings:
        topic = section_topic(heading)
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
        or (len(headings) == 1 and section_topic(headings[0]) == ""
            and any(cue in headings[0] for cue in tax.first_section_cues)))
    return Headings(tuple(section), words, deepest, outer, overview_heading)


def overview_score(text: str, headings: Headings, has_headings: bool) -> tuple[float, tuple[str, ...]]:
    """How much a (matched-form) paragraph reads like a report's opening or a section's overview."""
    tax = taxonomy()
    if has_headings and not headings.overview_heading:
        return 0.0, ()
    matches = tax.overview.find(text[:400])
    score = sum(m.weight for m in matches) + sum(1.0 for cue in tax.overview_strong if cue in text)
    return score, tuple(dict.fromkeys(m.term for m in matches))


def candidates(text: str, headings: Headings, opening: float) -> list[Candidate]:
    """Every candidate topic of a (matched-form) paragraph with its features, in taxonomy order."""
    tax = taxonomy()
    scoring = tax.scoring
    evidence = collect(text, tax.law.find(text))
    section = headings.section
    totals = {}
    for topic in set(evidence) | set(headings.deepest) | set(headings.outer):
        own = evidence[topic].score if topic in evidence else 0.0
        totals[topic] = own + 2 * (headings.deepest[topic].score if topic in headings.deepest else 0.0)
    ranked = sorted(totals.values(), reverse=True)
    best = ranked[0] if ranked else 0.0
    second = ranked[1] if len(ranked) > 1 else 0.0
    is_opening = opening >= scoring["overview_threshold"]
    found = []
    for topic in sorted(totals, key=lambda t: tax.order.get(t, 99)):
        if topic in section:
            continue
        text_ev, head_ev, outer_ev = evidence.get(topic), headings.deepest.get(topic), headings.outer.get(topic)
        values = (
            1.0,
            min(text_ev.score, scoring["text_cap"]) if text_ev else 0.0,
            text_ev.share if text_ev else 0.0,
            min(text_ev.lead, scoring["lead_cap"]) if text_ev else 0.0,
            1.0 if text_ev and text_ev.listed_only else 0.0,
            min(head_ev.score, scoring["heading_cap"]) if head_ev else 0.0,
            min(outer_ev.score, scoring["outer_cap"]) if outer_ev else 0.0,
            1.0 if totals[topic] == best and second <= 0.5 * best and best >= 0.8 and not is_opening else 0.0,
            1.0 if totals[topic] < scoring["runner_up_ratio"] * best else 0.0,
            min(opening / scoring["overview_threshold"], 3.0) if is_opening and not head_ev else 0.0,
            1.0 if "leadership" in section and topic != "leadership" else 0.0,
            1.0 if "next_year_plan" in section else 0.0,
            1.0 if "shortcomings" in section else 0.0,
        )
        words = (head_ev.words if head_ev else ()) + (text_ev.words if text_ev else ()) + (outer_ev.words if outer_ev else ())
        found.append(Candidate(topic, values, tuple(dict.fromkeys(words))[:8]))
    return found
