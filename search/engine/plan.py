"""Engine-neutral queries: what a query plan asks an engine to match, and to score.

``search.understand`` reads a query into a ``QueryPlan`` (required tree, clauses, optional
words). Here the plan becomes a small tree of query nodes over the index fields that both
engines hold with the same tokens (``search.schema`` analyses text once for both):

* ``body``: jieba words at consecutive positions; ``bigram``: character pairs of every
  Chinese run, runs two positions apart; ``title``, ``section``, ``about``: search-mode
  words without positions; ``counts``: measure words that follow a number (151场 → 场);
  ``report_year``: the year the report covers.

Each engine compiles the nodes its own way (``search.engine.whoosh.compile`` to Whoosh
queries, ``search.engine.opensearch.compile`` to query DSL), so both match the same
paragraphs and score them with the same formula (``search.engine.bm25``).

>>> words_query(Words("行政复议"))
Any(children=(Term(field='body', text='行政复议', boost=1.0), Term(field='section', text='行政复议', boost=1.0), \
Phrase(field='bigram', words=('行政', '复议'), offsets=(0, 2), boost=0.35)), boost=1.0)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from .. import schema
from ..normalize import search_form
from ..query import And, Must, Not, Or, ParsedQuery, Words
from ..understand import Clause, QueryPlan

NEAR_WINDOW = 12  # bigram positions between the starts of two parts (about one clause of a sentence)
NEAR_CREDIT = 0.8  # a near match counts this much of a whole one in ranking
ALIAS_CREDIT = 0.4  # another name of the word counts this much (the word itself ranks first)
PART_CREDIT = 0.5  # all parts present, but apart, count at most this much
DROPPABLE_SHARE = 0.25  # a near match may lack a part worth at most this share of the parts' weight
COMMON_SHARE = 0.2  # a clause in more than this share of paragraphs …
COMMON_MIN_DOCS = 5000  # … and more than this many admits no candidates alone
PART_BOOST = 0.3  # a part's BM25 counts this much of a whole clause's
REPORT_ONLY_SHARE = 0.5  # report metadata alone must cover this share of the query's weight …
REPORT_ONLY_CLAUSES = 2  # … and this many clauses, to bring in its paragraphs


# --- the nodes ----------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words at given relative positions of one positional field (consecutive by default).
    Scored as the sum of its words (the position check only selects documents)."""

    field: str
    words: tuple[str, ...]
    offsets: tuple[int, ...] = ()
    boost: float = 1.0

    @property
    def positions(self) -> tuple[int, ...]:
        return self.offsets or tuple(range(len(self.words)))


@dataclass(frozen=True)
class Prefix:
    """Any term of the field that starts with ``text``; scored as a constant (its boost)."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class All:
    children: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class Any:
    children: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class Without:
    """``positive`` but not ``negative`` (scored as ``positive``)."""

    positive: object
    negative: object
    boost: float = 1.0


@dataclass(frozen=True)
class Exclude:
    """Every paragraph without ``child`` (a query that is only an exclusion)."""

    child: object


@dataclass(frozen=True)
class Everything:
    boost: float = 1.0


@dataclass(frozen=True)
class Nothing:
    """Matches nothing (a word with no searchable token); scores nothing."""


NOTHING = Nothing()


@dataclass(frozen=True)
class Near:
    """Every part starts within ``window`` positions of a start of the first part, in the
    ``bigram`` field. Parts are ``Term`` or ``Phrase`` nodes (consecutive bigrams). Only
    selects documents: never scored."""

    parts: tuple
    window: int


Node = Union[Term, Phrase, Prefix, All, Any, Without, Exclude, Everything, Nothing, Near]


# --- the query language --------------------------------------------------------
def word_query(field_name: str, text: str):
    """The words of ``text`` in a positional field: one term, or a phrase."""
    tokens = schema.query_words(search_form(text))
    if not tokens:
        return None
    return Term(field_name, tokens[0]) if len(tokens) == 1 else Phrase(field_name, tuple(tokens))


def bigram_cover(count: int) -> list[int]:
    """Offsets of the bigrams that pin down a run of ``count`` + 1 characters.

    Every second bigram and the last: two chosen bigrams are at most two positions apart,
    which the index's gap of two between Chinese runs keeps from matching across runs.

    >>> bigram_cover(3), bigram_cover(4), bigram_cover(1)
    ([0, 2], [0, 2, 3], [0])
    """
    offsets = list(range(0, count, 2))
    if offsets[-1] != count - 1:
        offsets.append(count - 1)
    return offsets


def _with_boost(node, boost: float):
    return node if boost == 1.0 else type(node)(**{**node.__dict__, "boost": boost})


def bigram_query(field_name: str, text: str, boost: float = 1.0):
    """Substring match: every Chinese run of the text as a phrase of bigrams; words
    outside the runs (numbers, Latin) must still be there as words (5.89万家 is not 1.4万家)."""
    form = search_form(text)
    runs = schema.chinese_runs(form)
    others = list(schema.query_words(schema._HAN.sub(" ", schema._TRANSPARENT.sub("", form))))
    parts = [Term("body", w) for w in others]
    for run in runs:
        if len(run) == 1:
            parts.append(Prefix(field_name, run))
        else:
            pairs = [run[i : i + 2] for i in range(len(run) - 1)]
            offsets = bigram_cover(len(pairs))
            chosen = tuple(pairs[i] for i in offsets)
            parts.append(Term(field_name, chosen[0]) if len(chosen) == 1 else Phrase(field_name, chosen, tuple(offsets)))
    if not parts:
        return None
    return _with_boost(parts[0], boost) if len(parts) == 1 else All(tuple(parts), boost)


def all_words_query(field_name: str, text: str):
    """Every word of the text in a short field indexed without positions (titles, headings)."""
    tokens = list(dict.fromkeys(schema.query_words(search_form(text))))
    if not tokens:
        return None
    return Term(field_name, tokens[0]) if len(tokens) == 1 else All(tuple(Term(field_name, t) for t in tokens))


def words_query(node: Words):
    """A word (or phrase) of the query: in the body, a heading, or as a substring."""
    if node.field in ("title", "section"):
        options = [all_words_query(node.field, node.text)]
    else:
        options = [word_query("body", node.text), all_words_query("section", node.text),
                   bigram_query("bigram", node.text, schema.BIGRAM_WEIGHT)]
    options = [o for o in options if o is not None]
    return Any(tuple(options)) if options else NOTHING


def tree_query(node):
    """The query of a parsed tree (None → every paragraph)."""
    if node is None:
        return Everything()
    if isinstance(node, Words):
        return words_query(node)
    if isinstance(node, Not):
        return Exclude(tree_query(node.child))
    if isinstance(node, Must):
        return tree_query(node.child)
    if isinstance(node, Or):
        return Any(tuple(tree_query(c) for c in node.children))
    if isinstance(node, And):
        positives = [tree_query(c) for c in node.children if not isinstance(c, Not)]
        negatives = [tree_query(c.child) for c in node.children if isinstance(c, Not)]
        base = All(tuple(positives)) if len(positives) > 1 else (positives[0] if positives else Everything())
        if negatives:
            return Without(base, Any(tuple(negatives)) if len(negatives) > 1 else negatives[0])
        return base
    raise TypeError(f"unknown query node {node!r}")


def title_boost(parsed: ParsedQuery):
    """What lifts paragraphs whose report title has the words (None: nothing to lift)."""
    parts = [q for q in (all_words_query("title", t) for t in parsed.highlight_terms) if q is not None]
    return Any(tuple(parts)) if parts else None


# --- clauses -------------------------------------------------------------------
@dataclass(frozen=True)
class ClauseQueries:
    """The queries of one clause."""

    text: object  # the clause in the paragraph (whole)
    report: object | None  # in the report's title / issuer / region / year
    parts: tuple  # each part anywhere in the paragraph (for near matches)
    near: tuple  # (Near, indexes of the parts it holds): the whole set, and each set without one part
    fragments: tuple  # every sub-word (search mode) anywhere in the paragraph: partial credit
    scored: object  # what the clause adds to the BM25 score
    variants: tuple = ()  # the clause's other names (synonyms.txt): counted as near matches


def clause_queries(clause: Clause, fields=None) -> ClauseQueries:
    """The queries of a clause. ``fields``: the index's fields when it may be older than
    this version (fields it lacks are left out); None: every field."""
    has = (lambda name: True) if fields is None else (lambda name: name in fields)
    if clause.group is not None:
        text = tree_query(clause.group)
        report = Any(tuple(q for q in (all_words_query("about", w.text) for w in clause.group.children) if q)) \
            if has("about") else None
        return ClauseQueries(text, report, (), (), (), text)
    if clause.measures:
        text = Any(tuple(Term("counts", m) for m in clause.measures)) if has("counts") else NOTHING
        return ClauseQueries(text, None, (), (), (), text)
    if clause.year is not None:  # 2023年 as written, or 2023 in any form (2023-12, 2023年度)
        text = Any((words_query(Words(clause.text)), Term("body", clause.year)))
        return ClauseQueries(text, Term("report_year", clause.year), (), (), (), text)
    text = words_query(Words(clause.text))
    parts = tuple(words_query(Words(p)) for p in clause.parts)
    fragments = tuple(q for q in (words_query(Words(f)) for f in _fragments(clause)) if q is not NOTHING)
    report = all_words_query("about", clause.text) if has("about") else None
    scored = Any((text, Any(fragments, PART_BOOST))) if fragments else text
    variants = tuple(q for q in (words_query(Words(v)) for v in clause.variants) if q is not NOTHING)
    if variants:
        scored = Any((scored, Any(variants, ALIAS_CREDIT)))
    return ClauseQueries(text, report, parts, near_queries(clause.parts), fragments, scored, variants)


def _fragments(clause: Clause) -> list[str]:
    """The clause's sub-words (法治政府建设示范创建 → 法治 政府 建设 示范 创建 …), without itself."""
    found = [w for w in schema.search_words(clause.text) if w != clause.text and len(w) >= 2]
    found.extend(p for p in clause.parts if p != clause.text)
    return list(dict.fromkeys(found))


def bigram_part(part: str):
    """A part of a compound as consecutive bigrams (None: numbers and single characters,
    whose presence ``parts`` checks)."""
    runs = schema.chinese_runs(search_form(part))
    if len(runs) != 1 or len(runs[0]) < 2:
        return None
    run = runs[0]
    pairs = tuple(run[i : i + 2] for i in range(len(run) - 1))
    return Term("bigram", pairs[0]) if len(pairs) == 1 else Phrase("bigram", pairs)


def near_queries(parts: tuple[str, ...]) -> tuple:
    """Parts close together: all of them, and (for three or more) all but one — a generic
    part such as 政府 in 主动公开政府信息 is often left out (主动公开信息62.73万条)."""
    queries = [(i, q) for i, q in enumerate(bigram_part(p) for p in parts) if q is not None]
    if len(queries) < 2:
        return ()
    variants = [(Near(tuple(q for _, q in queries), NEAR_WINDOW), frozenset(i for i, _ in queries))]
    if len(queries) >= 3:
        for drop in range(len(queries)):
            kept = [(i, q) for j, (i, q) in enumerate(queries) if j != drop]
            variants.append((Near(tuple(q for _, q in kept), NEAR_WINDOW), frozenset(i for i, _ in kept)))
    return tuple(variants)


def allowed_near(queries: ClauseQueries, part_weights) -> list:
    """The near variants that count: one without a part only when that part is common
    enough to be left out (at most DROPPABLE_SHARE of the parts' weight)."""
    total = float(sum(part_weights))
    found = []
    for near, kept in queries.near:
        dropped = total - float(sum(part_weights[i] for i in kept))
        if dropped <= DROPPABLE_SHARE * total + 1e-9:
            found.append(near)
    return found


def scored_query(plan: QueryPlan, parsed: ParsedQuery | None = None, fields=None):
    """What ranks candidates by BM25F: every clause (its parts lightly), optional words as
    a lift, the strict part, and (given ``parsed``) the words in the report title."""
    parts = [clause_queries(c, fields).scored for c in plan.clauses]
    parts.extend(Any((q,), PART_BOOST) for q in (words_query(Words(w)) for w in plan.optional) if q is not NOTHING)
    if plan.required is not None:
        parts.append(tree_query(plan.required))
    scored = Any(tuple(parts)) if len(parts) > 1 else (parts[0] if parts else Everything())
    boost = title_boost(parsed) if parsed is not None else None
    return Any((scored, boost)) if boost is not None else scored


def admitting(whole_or_near: list[int], documents: int) -> list[int]:
    """The clauses that bring in candidates alone: on a large index a clause in a large share
    of its paragraphs (开展, 工作, a count of 件 in a question) does not while a rarer clause of
    the query can (Lucene's common-terms cutoff); it still counts for full matches and
    ranking. ``whole_or_near``: each clause's paragraphs holding it whole or near."""
    common = max(COMMON_SHARE * documents, COMMON_MIN_DOCS)
    found = [i for i, count in enumerate(whole_or_near) if count <= common]
    if found or not whole_or_near:
        return found
    # Every clause is common: the rarest one (the first of equals) brings in the candidates.
    return [min(range(len(whole_or_near)), key=whole_or_near.__getitem__)]


def names_hits(required) -> bool:
    """True when the strict part of a query requires some word (not only exclusions)."""
    children = required.children if isinstance(required, And) else (required,)
    return any(not isinstance(child, Not) for child in children)


def idf(document_frequency: int, documents: int) -> float:
    """How rare a clause is (BM25's idf over the live paragraphs): its weight in coverage."""
    return float(np.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5)))
