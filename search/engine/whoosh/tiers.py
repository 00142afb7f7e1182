"""Full and partial matches of a query plan over the Whoosh index, and what each lacks.

``search.understand`` says which clauses a query has; ``search.engine.plan`` turns each
clause into engine-neutral queries; here they run as Whoosh queries, their documents are
found as numpy sets (``search.engine.whoosh.docsets``), and every candidate paragraph gets, per clause,
whether it is

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

import numpy as np
from whoosh import query as wq

from .docsets import contains, intersect, matching_docs, union
from .. import plan as neutral
from ..plan import REPORT_ONLY_CLAUSES, REPORT_ONLY_SHARE, ClauseQueries, allowed_near, names_hits
from ..ranker import Candidates
from .compile import to_whoosh
from .phrase import NearParts
from .postings import TermReads
from ...understand import QueryPlan


def clause_queries(clause, schema) -> ClauseQueries:
    """A clause's queries as Whoosh queries (fields the index lacks are left out)."""
    found = neutral.clause_queries(clause, set(schema.names()))
    compiled = lambda node: to_whoosh(node) if node is not None else None  # noqa: E731
    return ClauseQueries(compiled(found.text), compiled(found.report), tuple(map(to_whoosh, found.parts)),
                         tuple((to_whoosh(near), kept) for near, kept in found.near),
                         tuple(map(to_whoosh, found.fragments)), compiled(found.scored),
                         tuple(map(to_whoosh, found.variants)))


def _idf(document_frequency: int, documents: int) -> float:
    return neutral.idf(document_frequency, documents)


def tier(searcher, plan: QueryPlan, reads: TermReads, fragments: bool = False) -> Candidates:
    """Candidates of the plan (every required part satisfied) and their clause matches;
    ``fragments``: also paragraphs with only sub-words of the clauses."""
    schema = searcher.schema
    documents = max(1, searcher.doc_count())
    size = searcher.doc_count_all()
    required = matching_docs(searcher, to_whoosh(neutral.tree_query(plan.required)), reads) \
        if plan.required is not None else None
    clauses = [clause_queries(c, schema) for c in plan.clauses]
    labels = tuple(c.label for c in plan.clauses)
    if not clauses:
        docs = required if required is not None else np.empty(0, dtype=np.int64)
        empty = np.zeros((len(docs), 0), dtype=bool)
        return Candidates(docs, empty, empty, empty, empty, np.zeros((len(docs), 0)), np.zeros(0), labels)
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
    admitting = neutral.admitting([len(w) + len(n) for w, n in zip(whole_sets, near_sets)], documents)
    in_text = union([*(whole_sets[i] for i in admitting), *(near_sets[i] for i in admitting),
                     *(alias_sets[i] for i in admitting), *typed_sets], size)
    if fragments:
        in_text = union([in_text, *(f for sets in fragment_sets for f in sets)], size)
    docs = union([in_text, _report_candidates(report_sets, weights, size)], size)
    if required is not None:
        # What the user marked strict (a phrase, +word, a field) already names the hits: each
        # is a candidate even with none of the other words. Exclusions alone name nothing.
        docs = required if names_hits(plan.required) else intersect(docs, required)
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
    return Candidates(docs, whole, near, alias, in_report, share, weights, labels)


def _near_docs(searcher, queries: ClauseQueries, documents: int, size: int, reads: TermReads,
               whole: np.ndarray) -> np.ndarray:
    """Paragraphs with the clause's parts close together (a variant without one part counts
    when that part is common enough to be left out: at most DROPPABLE_SHARE of the weight)."""
    if not queries.near:
        return np.empty(0, dtype=np.int64)
    part_weights = [_idf(len(matching_docs(searcher, p, reads)), documents) for p in queries.parts]
    # Paragraphs with the whole word need no position check (most of them, for a compound of
    # common parts such as 法治政府建设): near matches are those without it.
    return union([matching_docs(searcher, NearParts(near.parts, near.window, skip=whole), reads)
                  for near in allowed_near(queries, part_weights)], size)


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


def everything(searcher, reads: TermReads) -> Candidates:
    """Every live paragraph as a full match (an empty query: browse under the filters)."""
    return Candidates.every(matching_docs(searcher, wq.Every(), reads))
