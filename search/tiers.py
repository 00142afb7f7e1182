"""Full and partial matches of a query plan over the Whoosh index, and what each lacks.

``search.understand`` says which clauses a query has; here each clause becomes Whoosh
queries, their documents are found as numpy sets (``search.docsets``), and every
candidate paragraph gets, per clause, whether it is

* ``whole``: the clause is in the paragraph (body words, a substring of it, or its
  section headings);
* ``near``: the clause's parts stand close together in the paragraph (法治…督察);
* ``alias``: one of its other names is there (年报 for 年度报告; search/data/synonyms.txt);
* ``in_report``: the words are in the report's title, issuer, region or year — the
  paragraph belongs to the report asked about (天津 河东区 2022年 …).

A **full** match has every clause somewhere (paragraph or report) and at least one in
the paragraph itself; every other candidate is **partial** and names what it lacks.
Candidates are paragraphs with a clause in their own text (or, when no paragraph has one,
with a sub-word of one), plus the paragraphs of reports whose metadata alone covers most
of the query.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from .docsets import contains, intersect, matching_docs, union
from .phrase import ExactPhrase, NearParts
from .postings import TermReads
from .query import And, Not, Words, _all_words_query, _compile_words, compile_tree
from .schema import chinese_runs, search_words
from .normalize import search_form
from .understand import Clause, QueryPlan

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


@dataclass(frozen=True)
class ClauseQueries:
    """The Whoosh queries of one clause."""

    text: object  # the clause in the paragraph (whole)
    report: object | None  # in the report's title / issuer / region / year
    parts: tuple  # each part anywhere in the paragraph (for near matches)
    near: tuple  # (NearParts, indexes of the parts it holds): the whole set, and each set without one part
    fragments: tuple  # every sub-word (search mode) anywhere in the paragraph: partial credit
    scored: object  # what the clause adds to the BM25 score
    variants: tuple = ()  # the clause's other names (synonyms.txt): counted as near matches


def clause_queries(clause: Clause, schema) -> ClauseQueries:
    """Whoosh queries for a clause (fields missing from an older index are left out)."""
    has_about = "about" in schema
    if clause.group is not None:
        text = compile_tree(clause.group)
        report = wq.Or([q for q in (_all_words_query("about", w.text) for w in clause.group.children) if q]) \
            if has_about else None
        return ClauseQueries(text, report, (), (), (), text)
    if clause.measures:
        text = wq.Or([wq.Term("counts", m) for m in clause.measures]) if "counts" in schema else wq.NullQuery
        return ClauseQueries(text, None, (), (), (), text)
    if clause.year is not None:  # 2023年 as written, or 2023 in any form (2023-12, 2023年度)
        text = wq.Or([_compile_words(Words(clause.text)), wq.Term("body", clause.year)])
        return ClauseQueries(text, wq.Term("report_year", clause.year), (), (), (), text)
    text = _compile_words(Words(clause.text))
    parts = tuple(_compile_words(Words(p)) for p in clause.parts)
    fragments = tuple(q for q in (_compile_words(Words(f)) for f in _fragments(clause)) if q is not wq.NullQuery)
    report = _all_words_query("about", clause.text) if has_about else None
    scored = wq.Or([text, wq.Or(list(fragments), boost=PART_BOOST)]) if fragments else text
    variants = tuple(q for q in (_compile_words(Words(v)) for v in clause.variants) if q is not wq.NullQuery)
    if variants:
        scored = wq.Or([scored, wq.Or(list(variants), boost=ALIAS_CREDIT)])
    return ClauseQueries(text, report, parts, _near_queries(clause.parts), fragments, scored, variants)


def _fragments(clause: Clause) -> list[str]:
    """The clause's sub-words (法治政府建设示范创建 → 法治 政府 建设 示范 创建 …), without itself."""
    found = [w for w in search_words(clause.text) if w != clause.text and len(w) >= 2]
    found.extend(p for p in clause.parts if p != clause.text)
    return list(dict.fromkeys(found))


def _bigram_part(part: str):
    runs = chinese_runs(search_form(part))
    if len(runs) != 1 or len(runs[0]) < 2:
        return None  # numbers and single characters: presence is checked by ``parts``
    run = runs[0]
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return wq.Term("bigram", pairs[0]) if len(pairs) == 1 else ExactPhrase("bigram", pairs, list(range(len(pairs))))


def _near_queries(parts: tuple[str, ...]) -> tuple:
    """Parts close together: all of them, and (for three or more) all but one — a generic
    part such as 政府 in 主动公开政府信息 is often left out (主动公开信息62.73万条)."""
    queries = [(i, q) for i, q in enumerate(_bigram_part(p) for p in parts) if q is not None]
    if len(queries) < 2:
        return ()
    variants = [(NearParts([q for _, q in queries], NEAR_WINDOW), frozenset(i for i, _ in queries))]
    if len(queries) >= 3:
        for drop in range(len(queries)):
            kept = [(i, q) for j, (i, q) in enumerate(queries) if j != drop]
            variants.append((NearParts([q for _, q in kept], NEAR_WINDOW), frozenset(i for i, _ in kept)))
    return tuple(variants)


@dataclass
class Tiering:
    """Every candidate paragraph of a plan and how it matches each clause."""

    docs: np.ndarray  # sorted global docnums
    whole: np.ndarray  # bool [doc, clause]
    near: np.ndarray  # bool [doc, clause]
    alias: np.ndarray  # bool [doc, clause]: another name of the clause, not the clause itself
    in_report: np.ndarray  # bool [doc, clause]
    part_share: np.ndarray  # float [doc, clause]: idf share of the clause's sub-words in the paragraph
    weights: np.ndarray  # float [clause]: how rare each clause is (BM25 idf)
    labels: tuple[str, ...]

    @property
    def in_text(self) -> np.ndarray:
        return self.whole | self.near | self.alias

    @property
    def present(self) -> np.ndarray:
        return self.in_text | self.in_report

    @property
    def full(self) -> np.ndarray:
        """Paragraphs with every clause (in them or their report), at least one in them."""
        if not len(self.labels):
            return np.ones(len(self.docs), dtype=bool)
        return self.present.all(axis=1) & self.in_text.any(axis=1)

    def coverage(self) -> np.ndarray:
        """Share of the query's weight a paragraph (with its report) has, in [0, 1]."""
        if not len(self.labels):
            return np.ones(len(self.docs))
        credit = np.where(self.present, 1.0, PART_CREDIT * self.part_share)
        return credit @ self.weights / self.weights.sum()

    def text_coverage(self) -> np.ndarray:
        """Share of the query's weight in the paragraph itself (whole words count most)."""
        if not len(self.labels):
            return np.ones(len(self.docs))
        credit = np.where(self.whole, 1.0, np.where(self.near, NEAR_CREDIT, np.where(
            self.alias, ALIAS_CREDIT, PART_CREDIT * self.part_share)))
        return credit @ self.weights / self.weights.sum()

    def missing(self, index: int) -> list[str]:
        """The clauses a candidate lacks (neither in the paragraph nor in its report)."""
        row = self.present[index]
        return [label for label, there in zip(self.labels, row) if not there]

    def select(self, keep: np.ndarray) -> "Tiering":
        """The same candidates restricted to a boolean mask."""
        return Tiering(self.docs[keep], self.whole[keep], self.near[keep], self.alias[keep], self.in_report[keep],
                       self.part_share[keep], self.weights, self.labels)


def _idf(document_frequency: int, documents: int) -> float:
    return float(np.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5)))


def tier(searcher, plan: QueryPlan, reads: TermReads, fragments: bool = False) -> Tiering:
    """Candidates of the plan (every required part satisfied) and their clause matches;
    ``fragments``: also paragraphs with only sub-words of the clauses."""
    schema = searcher.schema
    documents = max(1, searcher.doc_count())
    size = searcher.doc_count_all()
    required = matching_docs(searcher, compile_tree(plan.required), reads) if plan.required is not None else None
    clauses = [clause_queries(c, schema) for c in plan.clauses]
    labels = tuple(c.label for c in plan.clauses)
    if not clauses:
        docs = required if required is not None else np.empty(0, dtype=np.int64)
        empty = np.zeros((len(docs), 0), dtype=bool)
        return Tiering(docs, empty, empty, empty, empty, np.zeros((len(docs), 0)), np.zeros(0), labels)
    whole_sets, near_sets, alias_sets, report_sets, fragment_sets, typed_sets = [], [], [], [], [], []
    for clause, queries in zip(plan.clauses, clauses):
        whole = matching_docs(searcher, queries.text, reads)
        whole_sets.append(whole)
        alias_sets.append(union([matching_docs(searcher, v, reads) for v in queries.variants], size))
        if clause.parts_typed:
            typed_sets.extend(matching_docs(searcher, p, reads) for p in queries.parts)
        near_sets.append(_near_docs(searcher, queries, documents, size, reads, whole))
        # With one clause a paragraph must hold it itself: its report's words decide nothing.
        report_sets.append(matching_docs(searcher, queries.report, reads)
                           if queries.report is not None and len(clauses) > 1 else whole[:0])
        fragment_sets.append([matching_docs(searcher, f, reads) for f in queries.fragments])
    weights = np.array([_idf(len(union([w, n, a], size)), documents)
                        for w, n, a in zip(whole_sets, near_sets, alias_sets)])
    fragment_weights = [np.array([_idf(len(f), documents) for f in sets]) for sets in fragment_sets]
    # A candidate has a clause of the query in its text, or one of the words typed run
    # together in a clause; sub-words (行政 of a mistyped 行政覆议) bring in candidates only
    # when asked (``fragments``: the page would be empty otherwise).
    # On a large index a clause in a large share of its paragraphs (开展, 工作, a count of 件
    # in a question) brings in no candidates of its own while a rarer clause of the query
    # can (Lucene's common-terms cutoff): it still counts for full matches and ranking, but
    # the paragraphs it alone would add are the weakest partial matches and most of the work.
    common = max(COMMON_SHARE * documents, COMMON_MIN_DOCS)
    sizes = [len(whole_sets[i]) + len(near_sets[i]) for i in range(len(clauses))]
    admitting = [i for i in range(len(clauses)) if sizes[i] <= common]
    if not admitting:  # every clause is common: the rarest one brings in the candidates
        admitting = [int(np.argmin(sizes))]
    in_text = union([*(whole_sets[i] for i in admitting), *(near_sets[i] for i in admitting),
                     *(alias_sets[i] for i in admitting), *typed_sets], size)
    if fragments:
        in_text = union([in_text, *(f for sets in fragment_sets for f in sets)], size)
    docs = union([in_text, _report_candidates(report_sets, weights, size)], size)
    if required is not None:
        # What the user marked strict (a phrase, +word, a field) already names the hits: each
        # is a candidate even with none of the other words. Exclusions alone name nothing.
        docs = required if _names_hits(plan.required) else intersect(docs, required)
    shape = (len(docs), len(clauses))
    whole, near, alias, in_report, share = (np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool),
                                            np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool), np.zeros(shape))
    for c in range(len(clauses)):
        whole[:, c] = contains(whole_sets[c], docs)
        near[:, c] = contains(near_sets[c], docs) & ~whole[:, c]
        alias[:, c] = contains(alias_sets[c], docs) & ~whole[:, c] & ~near[:, c]
        in_report[:, c] = contains(report_sets[c], docs)
        if fragment_sets[c]:
            found = np.stack([contains(f, docs) for f in fragment_sets[c]], axis=1)
            share[:, c] = found @ fragment_weights[c] / max(fragment_weights[c].sum(), 1e-9)
    return Tiering(docs, whole, near, alias, in_report, share, weights, labels)


def _names_hits(required) -> bool:
    """True when the strict part of a query requires some word (not only exclusions)."""
    children = required.children if isinstance(required, And) else (required,)
    return any(not isinstance(child, Not) for child in children)


def _near_docs(searcher, queries: ClauseQueries, documents: int, size: int, reads: TermReads,
               whole: np.ndarray) -> np.ndarray:
    """Paragraphs with the clause's parts close together (a variant without one part counts
    when that part is common enough to be left out: at most DROPPABLE_SHARE of the weight)."""
    found = []
    if not queries.near:
        return np.empty(0, dtype=np.int64)
    part_weights = np.array([_idf(len(matching_docs(searcher, p, reads)), documents) for p in queries.parts])
    total = part_weights.sum()
    for near, kept in queries.near:
        dropped = total - part_weights[list(kept)].sum()
        if dropped <= DROPPABLE_SHARE * total + 1e-9:
            # Paragraphs with the whole word need no position check (most of them, for a
            # compound of common parts such as 法治政府建设).
            found.append(matching_docs(searcher, NearParts(near.parts, near.window, skip=whole), reads))
    return union(found, size)


def _report_candidates(report_sets: list[np.ndarray], weights: np.ndarray, size: int) -> np.ndarray:
    """Paragraphs whose report's metadata alone covers most of the query (the paragraphs of
    天津市河东区's report for 天津河东区法治政府建设做了哪些工作)."""
    if len(report_sets) < REPORT_ONLY_CLAUSES:
        return np.empty(0, dtype=np.int64)
    docs = union(report_sets, size)
    if not len(docs):
        return docs
    found = np.stack([contains(s, docs) for s in report_sets], axis=1)
    share = found @ weights / max(weights.sum(), 1e-9)
    keep = (found.sum(axis=1) >= REPORT_ONLY_CLAUSES) & (share >= REPORT_ONLY_SHARE)
    return docs[keep]


def scored_query(plan: QueryPlan, schema):
    """What ranks candidates by BM25F: every clause (its parts lightly), report words as a lift."""
    parts = [clause_queries(c, schema).scored for c in plan.clauses]
    parts.extend(wq.Or([q], boost=PART_BOOST) for q in (_compile_words(Words(w)) for w in plan.optional)
                 if q is not wq.NullQuery)
    if plan.required is not None:
        parts.append(compile_tree(plan.required))
    return wq.Or(parts) if len(parts) > 1 else (parts[0] if parts else wq.Every())


def everything(searcher, reads: TermReads) -> Tiering:
    """Every live paragraph as a full match (an empty query: browse under the filters)."""
    docs = matching_docs(searcher, wq.Every(), reads)
    empty = np.zeros((len(docs), 0), dtype=bool)
    return Tiering(docs, empty, empty, empty, empty, np.zeros((len(docs), 0)), np.zeros(0), ())
