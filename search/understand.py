"""What a query asks for: the words a hit must have, the words it should have, and how.

Researchers type questions and paraphrases (全年主动公开政府信息多少条,
党政主要负责人履行推进法治建设第一责任人职责), not keyword lists. Requiring every
character string of such a query finds nothing. So the parsed query is read into a
``QueryPlan``:

* ``required``: what the user marked as strict — a quoted phrase, ``+word``, ``-word`` /
  NOT, ``title:`` / ``section:``. Every hit satisfies it.
* ``clauses``: the other words. A paragraph with all of them is a full match; one with
  some of them is a partial match, ranked below every full match and labelled with the
  words it lacks (Lucene's should-clauses with ``minimum_should_match``).
* question and filler words (多少, 哪些, 情况 …) are never required (``ignored``), nor are
  time spans a page often leaves out (全年, 一年: ``optional``, which only lift the rank);
* a count question (多少条, 几场, 场次, 件数) becomes a count clause: a number followed by
  that measure word (or one a page uses for the same count: 件/条/项) satisfies it
  (累计举行151场 answers 场次), and such paragraphs rank higher;
* a short compound the segmenter cuts (法治督察 → 法治 + 督察) is one clause whose
  ``parts`` also count when they stand near each other (法治政府建设实地督察);
* a long or question-like run of words becomes one clause per word;
* a year (2021年) is a clause that the report's year satisfies too;
* a word with other names in these reports (年报 for 年度报告, 复议 for 行政复议:
  search/data/synonyms.txt) also matches them, a little below itself.

The plan is engine-neutral: each engine turns clauses into its own queries.

>>> plan = plan_query(parse_query("全年主动公开政府信息多少条"))
>>> [c.text for c in plan.clauses], plan.ignored, plan.measures
(['主动公开', '政府', '信息', '多少条'], ('多少',), ('条',))
>>> [(c.text, c.parts) for c in plan_query(parse_query("法治督察 场次")).clauses]
[('法治督察', ('法治', '督察')), ('场次', ())]
>>> plan_query(parse_query('"综合查一次" -信访')).clauses
()
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from importlib import resources

from .normalize import search_form
from .query import And, Must, Not, Or, ParsedQuery, Words, parse_query
from .schema import query_words, search_words

_YEAR = re.compile(r"(19[5-9]\d|20\d\d)")
_HAN_CHAR = re.compile(r"^[\u3400-\u9fff]$")
_HAN = re.compile(r"[\u3400-\u9fff]")
# A run of words longer than this, or with question words in it, is read word by word.
COMPOUND_MAX_WORDS = 4
COMPOUND_MAX_CHARS = 10


@dataclass(frozen=True)
class QueryVocabulary:
    fillers: frozenset[str]
    count_markers: frozenset[str]
    count_nouns: dict[str, str]
    measures: frozenset[str]
    measure_classes: tuple[tuple[str, ...], ...]
    optional: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]  # word → the other words of its group (search/data/synonyms.txt)


@functools.lru_cache(maxsize=1)
def vocabulary() -> QueryVocabulary:
    """The word lists in search/data/query_words.json."""
    data = json.loads(resources.files("search").joinpath("data/query_words.json").read_text(encoding="utf-8"))
    lines = resources.files("search").joinpath("data/synonyms.txt").read_text(encoding="utf-8").splitlines()
    groups = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    synonyms = {search_form(w): tuple(search_form(o) for o in group if o != w) for group in groups for w in group}
    return QueryVocabulary(frozenset(data["fillers"]), frozenset(data["count_markers"]),
                           dict(data["count_nouns"]), frozenset(data["measures"]),
                           tuple(tuple(group) for group in data["measure_classes"]), frozenset(data["optional"]),
                           synonyms)


@dataclass(frozen=True)
class Clause:
    """One thing a full match must contain."""

    text: str  # search form; what "缺少: …" names
    parts: tuple[str, ...] = ()  # sub-words that also count when near each other
    parts_typed: bool = False  # the parts are words the user typed run together (示范创建 in
    # 法治政府建设示范创建), not pieces of one word (法治 of 法治督察): one alone makes a candidate
    year: str | None = None  # a year clause: the report's year satisfies it too
    group: object | None = None  # an OR group of the query tree, matched as written
    measures: tuple[str, ...] = ()  # a count clause: a number followed by one of these (151场)
    variants: tuple[str, ...] = ()  # other words for the same thing (复议 for 行政复议, 年报 for 年度报告)

    @property
    def label(self) -> str:
        return self.text


@dataclass(frozen=True)
class QueryPlan:
    required: object | None  # query tree every hit must satisfy (None: nothing)
    clauses: tuple[Clause, ...]
    ignored: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    highlight_terms: tuple[str, ...] = field(default_factory=tuple)
    phrases: tuple[str, ...] = ()  # runs of the query's words as typed; a paragraph with one ranks higher
    optional: tuple[str, ...] = ()  # words that lift a paragraph but are never required (全年)

    @property
    def empty(self) -> bool:
        return self.required is None and not self.clauses

    def describe(self) -> str | None:
        """How the query was read, for people ("检索词: …; 忽略: …")."""
        pieces = []
        if self.ignored:
            pieces.append("已忽略: " + "、".join(self.ignored))
        for clause in self.clauses:
            if clause.measures:
                pieces.append(f"“{clause.text}”按数字加量词(如 12{clause.measures[0]})匹配")
        return ";".join(pieces) or None


def plan_query(parsed: ParsedQuery) -> QueryPlan:
    """The plan of a parsed query (see the module docstring)."""
    tree = parsed.tree
    if tree is None:
        return QueryPlan(None, (), highlight_terms=parsed.highlight_terms)
    children = tree.children if isinstance(tree, And) else (tree,)
    required, clauses, ignored, measures, phrases, optional = [], [], [], [], [], []
    for child in children:
        if isinstance(child, Words) and not child.quoted and child.field is None:
            found, dropped, wanted, runs = _unit_clauses(child.text)
            optional.extend(c.text for c in found if c.text in vocabulary().optional)
            found = [c for c in found if c.text not in vocabulary().optional]
            clauses.extend(found)
            ignored.extend(dropped)
            measures.extend(wanted)
            phrases.extend(runs)
        elif isinstance(child, Or) and all(isinstance(c, Words) and c.field is None for c in child.children):
            clauses.append(Clause(text=child.render(), group=child))
        else:
            required.append(child)
    # Nothing but filler or optional words: search them after all rather than nothing.
    if not clauses and not required and (ignored or optional):
        clauses = [Clause(text=w) for w in dict.fromkeys(optional + ignored)]
        ignored, optional = [], []
    clauses = [_with_variants(c) for c in {c.text: c for c in clauses}.values()]
    req = None if not required else (required[0] if len(required) == 1 else And(tuple(required)))
    terms = list(parsed.highlight_terms)
    for clause in clauses:
        if clause.group is None and not clause.measures:
            terms.append(clause.text)
            terms.extend(clause.parts)
            terms.extend(clause.variants)
    terms.extend(optional)
    highlight = tuple(t for t in dict.fromkeys(terms) if t not in ignored or not clauses)
    return QueryPlan(req, tuple(clauses), tuple(dict.fromkeys(ignored)), tuple(dict.fromkeys(measures)), highlight,
                     tuple(dict.fromkeys(phrases)), tuple(dict.fromkeys(optional)))


def _unit_clauses(text: str) -> tuple[list[Clause], list[str], list[str], list[str]]:
    """Clauses, ignored words, measure words and word runs (for phrase ranking) of one
    space-separated unit."""
    vocab = vocabulary()
    form = search_form(text)
    tokens = list(query_words(form))
    if not tokens:
        return [], [], [], []
    kept: list[str] = []
    ignored: list[str] = []
    measures: list[str] = []
    count_words: list[str] = []  # what the user typed for the count (多少条, 场次): the clause's label
    years: list[str] = []
    question = False
    runs: list[list[str]] = [[]]  # consecutive kept words; anything else ends a run
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token in vocab.count_markers or token in vocab.count_nouns or token in vocab.fillers \
                or _YEAR.fullmatch(token) or (token[0] == "几" and token[1:] in vocab.measures):
            runs.append([])
        if token in vocab.count_markers or (token[0] == "几" and token[1:] in vocab.measures):
            question = True
            measure = token[1:] if token[0] == "几" and len(token) > 1 else None
            if measure is None:
                ignored.append(token)
            if measure is None and following in vocab.measures:
                measure = following
                i += 1
            if measure:
                measures.append(measure)
                count_words.append(token if token[0] == "几" else token + measure)
        elif token in vocab.count_nouns:
            measures.append(vocab.count_nouns[token])
            count_words.append(token)
            question = True
        elif token in vocab.measures and len(tokens) == 1:
            measures.append(token)
            count_words.append(token)
        elif token in vocab.fillers and len(tokens) > 1:
            question = True
            ignored.append(token)
        elif _YEAR.fullmatch(token) and following in ("年", "年度"):
            years.append(token)
            i += 1
        elif _YEAR.fullmatch(token):
            years.append(token)
        else:
            kept.append(token)
            runs[-1].append(token)
        i += 1
    phrases = [p for p in ("".join(r) for r in runs if len(r) > 1) if p in form.lower()]
    clauses = [Clause(text=f"{y}年", year=y) for y in years]
    counts = [Clause(text=word, measures=_measure_class(measure)) for word, measure in zip(count_words, measures)]
    groups = _merge_single_characters(kept, form)
    if not groups:
        return clauses + counts, ignored, measures, phrases
    long_run = len(groups) > COMPOUND_MAX_WORDS or sum(map(len, groups)) > COMPOUND_MAX_CHARS
    if question or long_run or years:
        clauses.extend(Clause(text=g, parts=_cover(g)) for g in groups)
    else:
        whole = "".join(groups) if "".join(groups) in form.lower() else " ".join(groups)
        parts = tuple(groups) if len(groups) > 1 else _cover(groups[0])
        clauses.append(Clause(text=whole, parts=parts, parts_typed=len(groups) > 1))
        phrases = []  # the clause is the phrase
    return clauses + counts, ignored, measures, phrases


def _with_variants(clause: Clause) -> Clause:
    found = vocabulary().synonyms.get(clause.text, ())
    return replace(clause, variants=found) if found and clause.group is None and not clause.measures else clause


def _measure_class(measure: str) -> tuple[str, ...]:
    for group in vocabulary().measure_classes:
        if measure in group:
            return tuple(group)
    return (measure,)


def _merge_single_characters(tokens: list[str], form: str) -> list[str]:
    """Join runs of one-character words with the next word when they stand together in
    the text (微 信 → 微信, 新 媒体 → 新媒体): a single character is no word to search."""
    groups: list[str] = []
    pending = ""
    for token in tokens:
        if _HAN_CHAR.match(token):
            pending += token
            continue
        if pending and (pending + token) in form.lower():
            groups.append(pending + token)
        else:
            if pending:
                groups.append(pending)
            groups.append(token)
        pending = ""
    if pending:
        if groups and len(pending) == 1 and (groups[-1] + pending) in form.lower():
            groups[-1] += pending
        else:
            groups.append(pending)
    return groups


def _cover(word: str) -> tuple[str, ...]:
    """Sub-words that together spell a long word (法治督察 → 法治, 督察); () when the
    word has no such split (it is matched whole only)."""
    if len(word) < 4 or not _HAN.search(word):
        return ()
    subs = sorted({s for s in search_words(word) if s != word and s in word and len(s) >= 2}, key=len, reverse=True)
    parts, at = [], 0
    while at < len(word):
        sub = next((s for s in subs if word.startswith(s, at)), None)
        if sub is None:
            return ()
        parts.append(sub)
        at += len(sub)
    return tuple(parts) if len(parts) > 1 else ()


def plan_text(query: str) -> QueryPlan:
    """Plan of a query string (parse then plan)."""
    return plan_query(parse_query(query))
