"""Reports side by side: sections aligned by their canonical names, reused sentences marked.

A report's top-level headings are read against the mandated sections of its kind (the
canonical names and heading cues of the compliance rules, search/data/compliance.json, read
by search.compliance.rules), so 二、主动公开政府信息情况 in one year and 二、主动公开情况 in the
next are one row. Headings that name no mandated section are aligned by their words; the
text before the first heading is the opening (正文开头).

* ``compare_reports``: two reports of one issuer, section by section; every sentence of
  each side is marked SAME (verbatim) or NEAR (near-verbatim) when the other side has it.
* ``section_across``: one mandated section in many reports (one year, one region), each
  sentence marked when another report of the set has it too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .compliance.rules import SectionSpec, load_rules
from .compliance.sections import heading_words
from .models import Report, StoredReport
from .reuse import SentenceIndex, counted, marked, sentence_key

OPENING = "正文开头"
STRONG, WEAK = 2, 1


def section_specs(kind: str) -> tuple[SectionSpec, ...]:
    """The mandated sections of a report kind (none for other kinds)."""
    rules = load_rules().for_kind(kind)
    return rules.sections if rules is not None else ()


def canonical_names() -> dict[str, list[str]]:
    """kind → its mandated section names, in order."""
    return {kind: list(rules.section_names()) for kind, rules in load_rules().kinds.items()}


def kind_of_section(name: str) -> str | None:
    """The report kind whose mandated sections include this name."""
    return next((kind for kind, names in canonical_names().items() if name in names), None)


def _score(words: str, spec: SectionSpec, year: int | None) -> int:
    if words.endswith("报告") or "年度报告" in words:
        return 0  # the report's title repeated as a heading names no section
    if any(cue in words for cue in spec.cues("strong", year)):
        return STRONG
    if any(cue in words for cue in spec.cues("weak", year)):
        return WEAK
    return 0


def name_heading(heading: str, kind: str, year: int | None) -> str | None:
    """The canonical section a top-level heading names, or None."""
    words = heading_words(heading)
    scored = [(_score(words, spec, year), index) for index, spec in enumerate(section_specs(kind))]
    best = max(scored, key=lambda pair: (pair[0], -pair[1]), default=(0, 0))  # the first of the strongest
    return section_specs(kind)[best[1]].name if best[0] else None


@dataclass
class Section:
    """A part of one report: a mandated section (by its canonical name), another top-level
    heading, or the opening; with the paragraphs and tables under it."""

    key: str  # the canonical name, "·" + heading words for another heading, or OPENING
    name: str  # what to call it: the canonical name, or the heading as printed
    heading: str | None = None  # the heading as this report printed it
    mandated: bool = False
    paragraphs: list[int] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)


def sections_of(report: Report) -> list[Section]:
    """The report's parts in order, each mandated one under its canonical name."""
    kind, year = report.report_kind, report.report_year
    specs = section_specs(kind)
    sections: dict[str, Section] = {}
    tops: list[str] = []
    for paragraph in report.paragraphs:
        if paragraph.section_path and paragraph.section_path[0] not in tops:
            tops.append(paragraph.section_path[0])
    for table in report.tables:
        if table.section_path and table.section_path[0] not in tops:
            tops.append(table.section_path[0])
    named = {top: name_heading(top, kind, year) for top in tops}
    leading = next((spec.name for spec in specs if spec.implicit == "leading_headings"), None)
    if leading and leading not in named.values():
        # topical headings (一、依法全面履行政府职能 …) before the first mandated one stand for it
        for top in tops:
            if named[top]:
                break
            named[top] = leading

    def section_for(path: tuple[str, ...]) -> Section:
        if not path:
            key, name, heading = OPENING, OPENING, None
        elif named.get(path[0]):
            key = name = named[path[0]]
            heading = path[0]
        else:
            key, name, heading = "·" + heading_words(path[0]), path[0], path[0]
        if key not in sections:
            sections[key] = Section(key, name, heading, mandated=key in {s.name for s in specs})
        elif heading and sections[key].heading and heading not in sections[key].heading.split(" / "):
            sections[key].heading += " / " + heading  # two topical headings standing for one section
        return sections[key]

    for index, paragraph in enumerate(report.paragraphs):
        section_for(paragraph.section_path).paragraphs.append(index)
    for index, table in enumerate(report.tables):
        section_for(table.section_path).tables.append(index)
    return list(sections.values())


def _order(kind: str, *reports: list[Section]) -> list[str]:
    """Section keys in the order rows are shown: the opening, the mandated sections in the
    template's order, then the others as the first report has them."""
    keys = [OPENING] + [spec.name for spec in section_specs(kind)]
    for sections in reports:
        keys += [s.key for s in sections if s.key not in keys]
    present = {s.key for sections in reports for s in sections}
    return [key for key in keys if key in present]


Pieces = list[tuple[str, str | None]]  # a paragraph as (sentence, SAME | NEAR | None)


@dataclass
class Side:
    """One report's part of a row: its heading and its paragraphs with sentences marked."""

    heading: str | None
    paragraphs: list[tuple[int, Pieces]]  # (paragraph seq, pieces)
    tables: list[int]


@dataclass
class Row:
    key: str
    name: str
    mandated: bool
    sides: list[Side | None]  # one per report compared, None where a report lacks the section


@dataclass
class Comparison:
    """Two reports section by section (older first), with how much each repeats the other."""

    reports: list[StoredReport]
    rows: list[Row]
    counts: list[dict[str, int]]  # per report: sentences, same, near


def _side(report: Report, section: Section, index: SentenceIndex, counts: dict[str, int]) -> Side:
    paragraphs = []
    for seq in section.paragraphs:
        pieces = marked(report.paragraphs[seq].text, index)
        for sentence, mark in pieces:
            if counted(sentence_key(sentence)):
                counts["sentences"] += 1
                if mark:
                    counts[mark] += 1
        paragraphs.append((seq, pieces))
    return Side(section.heading, paragraphs, list(section.tables))


def compare_reports(first: StoredReport, second: StoredReport) -> Comparison:
    """Two reports side by side, the older (by report year) first."""
    pair = sorted([first, second], key=lambda s: (s.report.report_year or 0, s.report_id))
    parts = [sections_of(s.report) for s in pair]
    indexes = [SentenceIndex.of(p.text for p in s.report.paragraphs) for s in pair]
    counts = [{"sentences": 0, "same": 0, "near": 0} for _ in pair]
    rows = []
    for key in _order(pair[-1].report.report_kind, parts[1], parts[0]):
        sides: list[Side | None] = []
        found = [next((s for s in sections if s.key == key), None) for sections in parts]
        for position, section in enumerate(found):
            other = indexes[1 - position]
            sides.append(_side(pair[position].report, section, other, counts[position]) if section else None)
        named = next(s for s in found if s is not None)
        rows.append(Row(key, named.name, named.mandated, sides))
    return Comparison(pair, rows, counts)


@dataclass
class Column:
    """One report's text of a section, in a comparison across a region."""

    stored: StoredReport
    side: Side | None
    counts: dict[str, int]


def section_across(reports: list[StoredReport], name: str) -> list[Column]:
    """One section in each report; a sentence is marked when another report of the set has it."""
    found = []
    for stored in reports:
        section = next((s for s in sections_of(stored.report) if s.key == name), None)
        found.append((stored, section))
    columns = []
    for position, (stored, section) in enumerate(found):
        others = SentenceIndex.of(stored_other.report.paragraphs[seq].text
                                  for index, (stored_other, other) in enumerate(found)
                                  if index != position and other is not None for seq in other.paragraphs)
        counts = {"sentences": 0, "same": 0, "near": 0}
        side = _side(stored.report, section, others, counts) if section else None
        columns.append(Column(stored, side, counts))
    return columns
