"""Evidence in a paragraph's own text that index statistics miss, for the top of a ranking.

Run over the best few hundred candidates only (like Elasticsearch's rescore window):

* the query's words in the paragraph's own text rather than only in its section heading;
* the query's words as one run (党政主要负责人履行推进法治建设第一责任人职责 verbatim);
* the query's words within one sentence rather than scattered over a paragraph (a count
  question's number counts as one of them: 调处矛盾纠纷8522件);
* the parts of a compound close together (规范性文件进行全面清理 for 规范性文件清理);
* for a count question (多少条, 场次), a number followed by the measure word (151场);
* a word met only as one item of an enumeration (报告包括总体情况、…、行政复议…情况) is
  a passing mention, below a paragraph about it;
* a page *about* a report (news, an interpretation) below the report itself.

Engine-neutral: it reads the stored text, not the index.
"""
from __future__ import annotations

import re

from .measures import count_measures
from .models import NOT_A_REPORT
from .normalize import search_form
from .understand import QueryPlan

PHRASE_BONUS = 1.5
BODY_BONUS = 0.3
SENTENCE_BONUS = 1.0
COUNT_BONUS = 2.0
NOT_A_REPORT_PENALTY = 0.5
LIST_PENALTY = 1.5
NEAR_BONUS = 1.0  # parts of a compound written close together: the closer, the more (法治…督察)
NEAR_SPAN = 12  # characters between parts at which the bonus is gone
LIST_ITEMS = 4  # a sentence of this many 、-separated short items is an enumeration
LIST_ITEM_CHARS = 30

_NOT_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"[。！？；;!?\n]+")


def _fold(text: str) -> str:
    return _NOT_WORD.sub("", search_form(text)).lower()


def _clause_in(clause, folded: str, sentence: str | None = None) -> bool:
    if clause.measures:  # a count clause: a number with its measure word in this text
        return sentence is not None and bool(set(clause.measures) & set(count_measures(search_form(sentence))))
    if clause.group is not None:
        return any(_fold(child.text) in folded for child in clause.group.children)
    if _fold(clause.text) in folded or any(_fold(v) in folded for v in clause.variants):
        return True
    return bool(clause.parts) and all(_fold(part) in folded for part in clause.parts)


def _parts_gap(parts: tuple[str, ...], folded: str) -> int | None:
    """The fewest characters between the parts, in any order, over their occurrences (None: a part is absent)."""
    spots = []
    for part in parts:
        found = [m.start() for m in re.finditer(re.escape(_fold(part)), folded)]
        if not found:
            return None
        spots.append([(start, start + len(_fold(part))) for start in found])
    best = None
    for start, end in spots[0]:
        low, high = start, end
        for others in spots[1:]:
            nearest = min(others, key=lambda span: max(span[0] - end, start - span[1], 0))
            low, high = min(low, nearest[0]), max(high, nearest[1])
        gap = (high - low) - sum(len(_fold(p)) for p in parts)
        best = gap if best is None else min(best, gap)
    return max(0, best) if best is not None else None


def _is_enumeration(sentence: str) -> bool:
    items = [item for item in re.split(r"[、,，]", sentence) if item.strip()]
    return sentence.count("、") >= LIST_ITEMS - 1 and sum(map(len, items)) <= LIST_ITEM_CHARS * len(items)


def _only_listed(clause, text: str) -> bool:
    """True when every sentence holding the clause is an enumeration of short items."""
    holding = [s for s in _SENTENCE_END.split(search_form(text)) if _clause_in(clause, _fold(s))]
    return bool(holding) and all(_is_enumeration(s) for s in holding)


def text_bonus(plan: QueryPlan, text: str, report_kind: str) -> float:
    """Extra score from the paragraph's text (0 when nothing applies)."""
    bonus = 0.0
    folded = _fold(text)
    if plan.phrases:
        lengths = [len(_fold(p)) for p in plan.phrases]
        found = sum(n for p, n in zip(plan.phrases, lengths) if _fold(p) in folded)
        bonus += PHRASE_BONUS * found / max(1, sum(lengths))
    present = [c for c in plan.clauses if _clause_in(c, folded, text)]
    if plan.clauses:  # in the paragraph's own words, not only in its section heading
        bonus += BODY_BONUS * len(present) / len(plan.clauses)
    if len(present) >= 2:
        best = max(sum(1 for c in present if _clause_in(c, _fold(s), s)) for s in _SENTENCE_END.split(text))
        bonus += SENTENCE_BONUS * (best - 1) / (len(present) - 1)
    for clause in present:
        if clause.parts and _fold(clause.text) not in folded and not any(_fold(v) in folded for v in clause.variants):
            gap = _parts_gap(clause.parts, folded)
            if gap is not None:
                bonus += NEAR_BONUS * max(0.0, 1 - gap / NEAR_SPAN)
    if present and all(_only_listed(c, text) for c in present if not c.measures):
        bonus -= LIST_PENALTY
    wanted = {m for c in plan.clauses for m in c.measures}
    if wanted and wanted & set(count_measures(search_form(text))):
        bonus += COUNT_BONUS
    if report_kind == NOT_A_REPORT:
        bonus -= NOT_A_REPORT_PENALTY
    return bonus
