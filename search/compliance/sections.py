"""Which mandated sections a report has, found by the cues of the rules file.

Wording varies between reports (主要成效和举措, 2023年法治政府建设工作成效, 存在问题 …) and so
does the order, so each heading is scored against every section's cues: a strong cue (2)
beats a weak one (1, and only on a top-level heading); a heading may serve two sections when
it names both (存在的问题及下一步打算). Headings are the report's section paths (numbered,
unnumbered and run-in headings, as the structure stage found them) plus short lead clauses
that read like a heading (存在的不足和原因:一是…).

A section may also be **present by position** where the rules file says so: 主要举措和成效 is
often set out by topic (一、依法全面履行政府职能 … 六、…) before 存在的不足; the top-level
headings before every other mandated section then stand for it (``matched_by: position``).

A section is **present** when a heading of its own stands for it: at the top, or under
headings that belong to no other mandated section. A heading for it nested inside another
mandated section, or a paragraph that only talks about it (its mention cues), is recorded as
``mentioned_in`` (the top-level heading it sits under; 正文开头 for the opening), never as
present: researchers count a section, not a passing mention.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..models import Paragraph
from ..normalize import search_form
from ..structure import enumerator
from .rules import KindRules, SectionSpec

OPENING = "正文开头"  # mentioned_in for the paragraphs before the first heading
STRONG, WEAK = 2, 1
_LEAD_CLAUSE = re.compile(r"^([^。:;!?,]{2,20})[。:;]")
_HEADING_PUNCTUATION = re.compile(r"[。;!?]")
_MAX_PSEUDO_HEADING = 30


@dataclass(frozen=True)
class SectionCheck:
    """One mandated section of a report: present (with the heading that matched) or not."""

    name: str
    present: bool
    heading: str | None = None
    mentioned_in: str | None = None
    paragraph: int | None = None  # the first paragraph under its heading, or of the mention
    required: bool = True
    matched_by: str | None = None  # "heading": a heading names it; "position": the topical headings before the others

    def to_dict(self) -> dict:
        return {"name": self.name, "present": self.present, "heading": self.heading,
                "mentioned_in": self.mentioned_in, "paragraph": self.paragraph, "required": self.required,
                "matched_by": self.matched_by}


@dataclass(frozen=True)
class _Heading:
    path: tuple[str, ...]  # this heading and the ones above it (top first)
    text: str  # normalised, its number stripped
    paragraph: int  # first paragraph under it
    pseudo: bool = False  # a heading-like line or lead clause, not a heading the structure stage found


@functools.lru_cache(maxsize=8192)
def heading_words(heading: str) -> str:
    """A heading's words for matching: normalised, simplified, its number (一、/(一)/1.) dropped.

    >>> heading_words("三、黨政主要負責人履行推進法治建設第一責任人職責情況")
    '党政主要负责人履行推进法治建设第一责任人职责情况'
    """
    text = search_form(heading).strip()
    found = enumerator(text)
    if found:
        text = text[found[1]:]
    return text.strip(" .。:")


def _is_title(words: str) -> bool:
    """The report's own title repeated as a heading (…年度报告) names no section."""
    return words.endswith("报告") or "年度报告" in words


def _headings(paragraphs: tuple[Paragraph, ...], tables: tuple = ()) -> list[_Heading]:
    """Every heading in order of first appearance, plus heading-like lines the structure left as text.

    A heading may stand over a table alone (二、主动公开政府信息情况 over its statistics table):
    the tables' section paths count as headings where the tables stand (issue 15)."""
    found: dict[tuple[str, ...], _Heading] = {}
    last = max(len(paragraphs) - 1, 0)
    for seq, paragraph in enumerate([*paragraphs, None]):
        for table in tables:
            if table.position == seq or (paragraph is None and table.position > seq):
                for depth in range(len(table.section_path)):
                    key = tuple(table.section_path[: depth + 1])
                    if key not in found:
                        found[key] = _Heading(key, heading_words(key[-1]), min(seq, last))
        if paragraph is None:
            break
        path = paragraph.section_path
        for depth in range(len(path)):
            key = path[: depth + 1]
            if key not in found:
                found[key] = _Heading(key, heading_words(key[-1]), seq)
        text = paragraph.text.strip()
        if len(text) <= _MAX_PSEUDO_HEADING and not _HEADING_PUNCTUATION.search(text):
            key = path + (text,)  # an unnumbered heading line the structure kept as a paragraph
        else:
            lead = _LEAD_CLAUSE.match(text)
            key = path + (lead.group(1),) if lead else None  # a run-in heading: 存在的不足:一是…
        if key is not None and key not in found:
            found[key] = _Heading(key, heading_words(key[-1]), seq, pseudo=True)
    return list(found.values())


@functools.lru_cache(maxsize=256)
def _pattern(section: SectionSpec, which: str, report_year: int | None) -> re.Pattern[str] | None:
    """One regex for a section's strong, weak or mention cues (None when it has none)."""
    cues = section.cues(which, report_year)
    return re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True)))) if cues else None


def _has(words: str, section: SectionSpec, which: str, report_year: int | None) -> bool:
    pattern = _pattern(section, which, report_year)
    return pattern is not None and pattern.search(words) is not None


def _score(words: str, section: SectionSpec, report_year: int | None, top: bool) -> int:
    if _is_title(words):
        return 0
    if _has(words, section, "strong", report_year):
        return STRONG
    if top and _has(words, section, "weak", report_year):
        return WEAK
    return 0


def _assign(headings: list[_Heading], sections: tuple[SectionSpec, ...],
            report_year: int | None) -> dict[tuple[str, ...], set[str]]:
    """heading path → the sections it stands for (those scoring highest, if any score)."""
    assigned = {}
    for heading in headings:
        scores = {s.name: _score(heading.text, s, report_year, len(heading.path) == 1) for s in sections}
        best = max(scores.values(), default=0)
        if best:
            assigned[heading.path] = {name for name, score in scores.items() if score == best}
    return assigned


def _owner(path: tuple[str, ...], assigned: dict[tuple[str, ...], set[str]], name: str) -> bool:
    """True when some heading above this one belongs to another mandated section."""
    return any(assigned.get(path[:depth], set()) - {name} and name not in assigned.get(path[:depth], set())
               for depth in range(1, len(path)))


def _top(path: tuple[str, ...]) -> str:
    return path[0] if path else OPENING


def _mention(texts: list[str], paragraphs: tuple[Paragraph, ...], section: SectionSpec,
             report_year: int | None) -> tuple[str, int] | None:
    if _pattern(section, "mention", report_year) is None:
        return None
    for seq, text in enumerate(texts):
        if _has(text, section, "mention", report_year):
            return _top(paragraphs[seq].section_path), seq
    return None


def _leading(headings: list[_Heading], assigned: dict[tuple[str, ...], set[str]]) -> _Heading | None:
    """The first top-level heading, when the top-level headings before every mandated one name none."""
    leading = []
    for heading in headings:
        if len(heading.path) != 1 or heading.pseudo or _is_title(heading.text):
            continue
        if heading.path in assigned:
            break
        leading.append(heading)
    return leading[0] if leading else None


def check_sections(paragraphs: tuple[Paragraph, ...], rules: KindRules, report_year: int | None,
                   traditional: bool = False, tables: tuple = ()) -> tuple[SectionCheck, ...]:
    """Each mandated section of the kind: present with its heading, or missing (with where it is mentioned).

    ``traditional``: the text is in traditional script (its words are simplified before the
    cues are looked for; simplified text is matched as it is, which is much cheaper).
    ``tables``: the report's tables (their section paths are headings too)."""
    headings = _headings(paragraphs, tables)
    texts: list[str] | None = None
    assigned = _assign(headings, rules.sections, report_year)
    checks = []
    for section in rules.sections:
        own = [h for h in headings if section.name in assigned.get(h.path, ())]
        independent = sorted((h for h in own if not _owner(h.path, assigned, section.name)),
                             key=lambda h: (len(h.path), h.paragraph))
        if independent:
            chosen = independent[0]
            checks.append(SectionCheck(section.name, True, heading=chosen.path[-1], paragraph=chosen.paragraph,
                                       required=section.required, matched_by="heading"))
            continue
        leading = _leading(headings, assigned) if section.implicit == "leading_headings" and not own else None
        if leading is not None:
            checks.append(SectionCheck(section.name, True, heading=leading.path[-1], paragraph=leading.paragraph,
                                       required=section.required, matched_by="position"))
            continue
        if own:
            mentioned = (_top(own[0].path), own[0].paragraph)
        else:
            if texts is None:
                texts = [search_form(p.text) if traditional else p.text for p in paragraphs]
            mentioned = _mention(texts, paragraphs, section, report_year)
        checks.append(SectionCheck(section.name, False, mentioned_in=mentioned[0] if mentioned else None,
                                   paragraph=mentioned[1] if mentioned else None, required=section.required))
    return tuple(checks)
