"""The topic taxonomies, loaded once from the data files and compiled for matching.

- 法治 topics (``search/data/topics.json`` ``topics``): the 纲要 chapters, the mandated sections
  of a 法治政府建设年度报告 and 平安建设/社会治理; ids are a stable interface (stored paragraphs,
  saved queries), so new topics are appended.
- the structural label (``structural``): ``overview``, for openings and overviews.
- 信息公开 topics (``search/data/topics_disclosure.json``).
- the scoring weights (``scoring``): the confidence is a logistic function of named evidence
  features (see topic_features.FEATURES), with these weights.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from search.enrich.topic_lexicon import Lexicon, compile_lexicon, load_data, match_form

# Which mandated section (topics.json structure.fazhi_annual_report) gives which topic.
SECTION_TOPIC = {"second": "shortcomings", "third": "leadership", "fourth": "next_year_plan"}

@dataclass(frozen=True)
class Taxonomy:
    names: dict[str, str]  # every id (法治, structural, 信息公开) → Chinese name
    order: dict[str, int]  # id → position: ties are broken the same way every time
    law: Lexicon
    disclosure: Lexicon
    overview: Lexicon
    overview_id: str
    overview_headings: tuple[str, ...]
    overview_strong: tuple[str, ...]
    disclosure_cues: tuple[tuple[str, str], ...]  # (heading cue, 信息公开 topic), longest first
    disclosure_strong: tuple[str, ...]
    disclosure_weak: tuple[str, ...]
    disclosure_headings: tuple[str, ...]
    law_markers: tuple[str, ...]
    section_cues: tuple[tuple[str, str], ...]  # (cue, topic or "") of the mandated sections
    first_section_cues: tuple[str, ...]
    scoring: dict[str, float]
    weights: dict[str, float]
    structural: frozenset[str]


@functools.lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
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
        topic = SECTION_TOPIC.get(section["key"], "")
        cues.extend((match_form(cue), topic) for cue in section["cues"])
    first = tuple(match_form(c) for s in sections if s["key"] == "first" for c in s["cues"])
    overview = structural[0] if structural else {"id": "overview", "zh": "概述与总体情况"}
    disclosure_cues = sorted(((match_form(cue), t["id"]) for t in disclosure["topics"] for cue in t["section_cues"]),
                             key=lambda pair: -len(pair[0]))
    scoring = {k: float(v) for k, v in data["scoring"].items() if not isinstance(v, (dict, str))}
    weights = {k: float(v) for k, v in data["scoring"]["weights"].items()}
    return Taxonomy(
        names=names,
        order={topic: i for i, topic in enumerate(names)},
        law=compile_lexicon(data["topics"], swaps, vocab.get("terms")),
        disclosure=compile_lexicon(disclosure["topics"], swaps),
        overview=compile_lexicon([{"id": overview["id"], "keywords": overview.get("text_cues", ()),
                                   "patterns": overview.get("patterns", ())}]),
        overview_id=overview["id"],
        overview_headings=tuple(match_form(c) for c in overview.get("heading_cues", ())),
        overview_strong=tuple(match_form(c) for c in overview.get("strong_text_cues", ())),
        disclosure_cues=tuple(disclosure_cues),
        disclosure_strong=tuple(match_form(m) for m in disclosure["markers"]["strong"]),
        disclosure_weak=tuple(match_form(m) for m in disclosure["markers"]["weak"]),
        disclosure_headings=tuple(match_form(m) for m in disclosure["markers"].get("headings", ())),
        law_markers=tuple(match_form(m) for m in disclosure["markers"].get("law", ())),
        section_cues=tuple(cues),
        first_section_cues=first,
        scoring=scoring,
        weights=weights,
        structural=frozenset(t["id"] for t in structural),
    )


def section_topic(heading: str) -> str | None:
    """The mandated section a heading opens ("" for one without a topic), None if it opens none."""
    for cue, topic in taxonomy().section_cues:
        if cue in heading:
            return topic
    return None
