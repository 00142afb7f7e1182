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
* a page *about* a report (news, an interpretation) below the report itself;
* a table row (its labels matched) below the paragraphs: a statistics table answers
  with its figures, and ranks after the text that talks about the words (issue 15).

Engine-neutral: it reads the stored text, not the index. Each paragraph is normalised
once; the query's forms are folded once per plan.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from .measures import count_measures
from .models import NOT_A_REPORT
from .normalize import search_form
from .understand import Clause, QueryPlan

PHRASE_BONUS = 1.5
BODY_BONUS = 0.3
SENTENCE_BONUS = 1.0
COUNT_BONUS = 2.0
NOT_A_REPORT_PENALTY = 0.5
TABLE_ROW_PENALTY = 3.0  # more than BM25 and the text bonuses can add: rows follow the full-match paragraphs
LIST_PENALTY = 1.5
NEAR_BONUS = 1.0  # parts of a compound written close together: the closer, the more (法治…督察)
NEAR_SPAN = 12  # characters between parts at which the bonus is gone
LIST_ITEMS = 4  # a sentence of this many 、-separated short items is an enumeration
LIST_ITEM_CHARS = 30
TEXT_CHARS = 1500  # characters of a paragraph read for the bonus

_NOT_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"[。！？；;!?\n]+")


def _strip(form: str) -> str:
    """Already-normalised text without spaces and punctuation, lower-cased."""
    return _NOT_WORD.sub("", form).lower()


def _fold(text: str) -> str:
    return _strip(search_form(text))


@dataclass(frozen=True)
class _ClauseForms:
    """A clause's strings folded once: what to look for in a folded paragraph."""

    clause: Clause
    names: tuple[str, ...]  # the clause, its group's words, its other names
    parts: tuple[str, ...]
    measures: frozenset[str]

    def within(self, folded: str, counted: frozenset[str] = frozenset()) -> bool:
        if self.measures:  # a count clause: a number with its measure word here
            return bool(self.measures & counted)
        if any(name in folded for name in self.names):
            return True
        return bool(self.parts) and all(part in folded for part in self.parts)


@functools.lru_cache(maxsize=256)
def _forms(plan: QueryPlan) -> tuple[tuple[_ClauseForms, ...], tuple[str, ...], frozenset[str]]:
    clauses = []
    for clause in plan.clauses:
        if clause.group is not None:
            names = tuple(_fold(child.text) for child in clause.group.children)
        else:
            names = (_fold(clause.text), *(_fold(v) for v in clause.variants))
        clauses.append(_ClauseForms(clause, tuple(n for n in names if n), tuple(_fold(p) for p in clause.parts),
                                    frozenset(clause.measures)))
    wanted = frozenset(m for c in plan.clauses for m in c.measures)
    return tuple(clauses), tuple(_fold(p) for p in plan.phrases), wanted


def _parts_gap(parts: tuple[str, ...], folded: str) -> int | None:
    """The fewest characters between the parts, in any order, over their occurrences (None: a part is absent)."""
    spots = []
    for part in parts:
        found, at = [], folded.find(part)
        while at >= 0:
            found.append(at)
            at = folded.find(part, at + 1)
        if not found:
            return None
        spots.append([(start, start + len(part)) for start in found])
    best = None
    for start, end in spots[0]:
        low, high = start, end
        for others in spots[1:]:
            nearest = min(others, key=lambda span: max(span[0] - end, start - span[1], 0))
            low, high = min(low, nearest[0]), max(high, nearest[1])
        gap = (high - low) - sum(map(len, parts))
        best = gap if best is None else min(best, gap)
    return max(0, best) if best is not None else None


def _is_enumeration(sentence: str) -> bool:
    items = [item for item in re.split(r"[、,，]", sentence) if item.strip()]
    return sentence.count("、") >= LIST_ITEMS - 1 and sum(map(len, items)) <= LIST_ITEM_CHARS * len(items)


def _sentences_holding(forms: _ClauseForms, folded: str, starts: list[int],
                       sentence_counts: list[frozenset[str]]) -> set[int]:
    """Indexes of the sentences (by their start in the folded paragraph) that hold the clause."""
    if forms.measures:
        return {i for i, counted in enumerate(sentence_counts) if forms.measures & counted}

    def where(word: str) -> set[int]:
        spots, at = set(), folded.find(word)
        while at >= 0:
            spots.add(bisect.bisect_right(starts, at) - 1)
            at = folded.find(word, at + 1)
        return spots

    found: set[int] = set()
    for name in forms.names:
        found |= where(name)
    if forms.parts:
        together = None
        for part in forms.parts:
            spots = where(part)
            together = spots if together is None else together & spots
            if not together:
                break
        found |= together or set()
    return found


def text_bonus(plan: QueryPlan, text: str, report_kind: str, table_row: bool = False) -> float:
    """Extra score from the paragraph's text (0 when nothing applies); ``table_row``: the unit is a table row."""
    clauses, phrases, wanted = _forms(plan)
    # The opening of a very long paragraph (a flattened table) carries the evidence, and
    # reading all of it would cost more than the rest of the search.
    form = search_form(text[:TEXT_CHARS])
    sentences = [s for s in _SENTENCE_END.split(form) if s.strip()]
    sentence_folds = [_strip(s) for s in sentences]
    folded = "".join(sentence_folds)  # a word never spans two sentences here
    starts, at = [], 0
    for piece in sentence_folds:
        starts.append(at)
        at += len(piece)
    sentence_counts = [frozenset(count_measures(s)) if wanted else frozenset() for s in sentences]
    counted = frozenset().union(*sentence_counts) if sentence_counts else frozenset()
    bonus = 0.0
    if phrases:
        found = sum(len(p) for p in phrases if p in folded)
        bonus += PHRASE_BONUS * found / max(1, sum(map(len, phrases)))
    present = [c for c in clauses if c.within(folded, counted)]
    if clauses:  # in the paragraph's own words, not only in its section heading
        bonus += BODY_BONUS * len(present) / len(clauses)
    if len(present) >= 2:
        holding = [_sentences_holding(c, folded, starts, sentence_counts) for c in present]
        per_sentence: dict[int, int] = {}
        for spots in holding:
            for index in spots:
                per_sentence[index] = per_sentence.get(index, 0) + 1
        best = max(per_sentence.values(), default=1)
        bonus += SENTENCE_BONUS * (best - 1) / (len(present) - 1)
    for forms in present:
        if forms.parts and not any(name in folded for name in forms.names):
            gap = _parts_gap(forms.parts, folded)
            if gap is not None:
                bonus += NEAR_BONUS * max(0.0, 1 - gap / NEAR_SPAN)
    words = [c for c in present if not c.measures]
    if words and all(_only_listed(c, sentences, sentence_folds) for c in words):
        bonus -= LIST_PENALTY
    if wanted & counted:
        bonus += COUNT_BONUS
    if report_kind == NOT_A_REPORT:
        bonus -= NOT_A_REPORT_PENALTY
    if table_row:
        bonus -= TABLE_ROW_PENALTY
    return bonus


def _only_listed(forms: _ClauseForms, sentences: list[str], folds: list[str]) -> bool:
    """True when every sentence holding the clause is an enumeration of short items."""
    holding = [s for s, f in zip(sentences, folds) if forms.within(f)]
    return bool(holding) and all(_is_enumeration(s) for s in holding)
