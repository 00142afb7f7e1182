"""The one ranker both engines use: per-candidate features in, a page of results out.

An engine finds the candidate paragraphs of a query plan and says, for each, how it
matches every clause (``Candidates``: whole, near, alias, in its report, share of the
clause's sub-words) and its BM25F (``search.engine.bm25``). From those numbers alone
this module ranks:

* **tiers**: a full match (every clause somewhere, one in the paragraph) before every
  partial one;
* **relevance** = the *base* (COVERAGE_WEIGHT × share of the query's weight in paragraph
  + report, + TEXT_COVERAGE_WEIGHT × share in the paragraph itself; clause weights are idf
  over live paragraphs) + BM25_WEIGHT × BM25F normalised to the best of the first page's
  contenders. BM25F is worth at most BM25_WEIGHT, so only *contenders* get it: candidates
  whose base is within BM25_WEIGHT of the base at the page's cut, in their tier;
* the best RERANK_WINDOW (or page-end) candidates get the text bonus of ``search.rerank``
  (read from their stored text), and the order is taken within twice as many;
* ties go to the report id, then the paragraph's position in its report;
* copies of one paragraph (a mirror, a traditional-script copy) fold into their best;
  grouping keeps each report's best paragraph.

The Whoosh engine hands over every candidate; the OpenSearch engine the candidates its
cluster ranks first (the same formula in a script, see ``search.engine.opensearch``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..highlight import snippet
from ..models import Hit, Region
from ..rerank import text_bonus
from ..tableview import TABLE_SEQ
from ..understand import QueryPlan
from .contract import UNKNOWN_REGION
from .plan import ALIAS_CREDIT, NEAR_CREDIT, PART_CREDIT

COVERAGE_WEIGHT = 15.0
TEXT_COVERAGE_WEIGHT = 1.5
BM25_WEIGHT = 2.0
RERANK_WINDOW = 50  # candidates whose text is read for the bonus (pages beyond read their own)
SUGGEST_BELOW = 3  # full matches below which "did you mean" is tried


@dataclass
class Candidates:
    """Candidate paragraphs of a plan (``docs``: the engine's ids) and how each matches each clause."""

    docs: np.ndarray
    whole: np.ndarray  # bool [doc, clause]
    near: np.ndarray  # bool [doc, clause]
    alias: np.ndarray  # bool [doc, clause]: another name of the clause, not the clause itself
    in_report: np.ndarray  # bool [doc, clause]
    part_share: np.ndarray  # float [doc, clause]: idf share of the clause's sub-words in the paragraph
    weights: np.ndarray  # float [clause]: how rare each clause is (BM25 idf)
    labels: tuple[str, ...]

    @classmethod
    def every(cls, docs: np.ndarray) -> "Candidates":
        """Every paragraph as a full match (an empty query: browse under the filters)."""
        empty = np.zeros((len(docs), 0), dtype=bool)
        return cls(docs, empty, empty, empty, empty, np.zeros((len(docs), 0)), np.zeros(0), ())

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

    def select(self, keep: np.ndarray) -> "Candidates":
        """The same candidates restricted to a boolean mask (or an index array)."""
        return Candidates(self.docs[keep], self.whole[keep], self.near[keep], self.alias[keep], self.in_report[keep],
                          self.part_share[keep], self.weights, self.labels)

    def concat(self, other: "Candidates") -> "Candidates":
        """These candidates followed by others of the same plan."""
        return Candidates(np.concatenate([self.docs, other.docs]), *(np.concatenate([a, b]) for a, b in (
            (self.whole, other.whole), (self.near, other.near), (self.alias, other.alias),
            (self.in_report, other.in_report), (self.part_share, other.part_share))), self.weights, self.labels)


def base_scores(candidates: Candidates) -> np.ndarray:
    """Relevance from clause coverage alone (before BM25F and the text bonus)."""
    return COVERAGE_WEIGHT * candidates.coverage() + TEXT_COVERAGE_WEIGHT * candidates.text_coverage()


def contender_cuts(base: np.ndarray, tier_rank: np.ndarray, wanted: int,
                   tier_sizes: tuple[int, int] | None = None) -> dict[int, float | None]:
    """Per tier (0 full, 1 partial) reached by the first ``wanted`` places: the negated base
    at the cut (a candidate with ``-base <= cut + BM25_WEIGHT`` contends), or None when the
    whole tier fits. With ``tier_sizes`` (an engine that holds only the best of each tier),
    the cut is read at that place among the candidates given."""
    cuts: dict[int, float | None] = {}
    for rank in (0, 1):
        members = np.flatnonzero(tier_rank == rank)
        size = tier_sizes[rank] if tier_sizes is not None else len(members)
        if not size:
            continue
        cuts[rank] = float(np.partition(-base[members], wanted - 1)[wanted - 1]) if size > wanted else None
        wanted -= size
        if wanted <= 0:
            break
    return cuts


def contenders(base: np.ndarray, tier_rank: np.ndarray, cuts: dict[int, float | None]) -> np.ndarray:
    """Candidates that can reach the first places once at most BM25_WEIGHT is added to their base."""
    found = np.zeros(len(base), dtype=bool)
    for rank, cut in cuts.items():
        members = tier_rank == rank
        found |= members if cut is None else members & (-base <= cut + BM25_WEIGHT)
    return found


@dataclass(frozen=True)
class Ranked:
    """The page: indexes into the candidates in page order, and every candidate's final
    score (for relevance also its BM25F — 0 unless it contended — and its base)."""

    chosen: np.ndarray
    scores: np.ndarray
    bm25: np.ndarray | None = None
    base: np.ndarray | None = None
    pooled: bool = False  # ordered within the best 2 × wanted candidates alone


def rank_relevance(candidates: Candidates, full: np.ndarray, report: np.ndarray, seq: np.ndarray,
                   copies: np.ndarray | None, plan: QueryPlan, page: int, per_page: int, grouped: bool,
                   bm25_of: Callable[[np.ndarray], np.ndarray], text_of: Callable[[int], tuple[str, str]], *,
                   cuts: dict[int, float | None] | None = None,
                   first_page_cuts: dict[int, float | None] | None = None,
                   top: float | None = None, size: int | None = None) -> Ranked:
    """The page by relevance. ``report``: report codes in report-id order; ``seq``: the
    paragraph's place in its report; ``copies``: copy keys (None: no folding);
    ``bm25_of(indexes)``: BM25F of those candidates; ``text_of(index)``: (text, report kind).

    An engine that hands over only some candidates (the best by the same formula) also
    gives what depends on all of them: the contender ``cuts`` of the page and of the first
    page (``contender_cuts`` with the tiers' sizes), the normaliser ``top`` and the number
    of candidates shown (``size``).
    """
    # Every full match before every partial one. (Near matches are not a tier of their
    # own: real pages often write a term's parts in another order, 信息主动公开 for
    # 主动公开信息, and a strict tier put those answers below weaker whole-word hits.)
    tier_rank = (~full).astype(np.int8)
    wanted = max(RERANK_WINDOW, page * per_page)
    base = base_scores(candidates)
    contending = contenders(base, tier_rank, cuts if cuts is not None else contender_cuts(base, tier_rank, wanted))
    picked = np.flatnonzero(contending)
    bm25 = np.zeros(len(base))
    if len(picked):
        bm25[picked] = bm25_of(picked)
    if top is None:
        # Scaled by the best score among the first page's contenders, which do not depend on
        # the page asked for: a candidate scores the same on every page.
        first_page = contending if wanted <= RERANK_WINDOW else contenders(
            base, tier_rank, first_page_cuts if first_page_cuts is not None
            else contender_cuts(base, tier_rank, RERANK_WINDOW))
        top = float(bm25[first_page].max()) if first_page.any() else 0.0
    scores = base + BM25_WEIGHT * (bm25 / top if top > 0 else bm25)
    # The window and as many candidates after it: the bonus moves window candidates (a
    # penalty may drop one below those after it), never the ones further down.
    pool = page_order((seq, report, -scores, tier_rank), report, 2 * wanted, False)
    for index in pool[:wanted].tolist():
        text, kind = text_of(index)
        scores[index] += text_bonus(plan, text, kind, table_row=bool(seq[index] >= TABLE_SEQ))
    keys = (seq, report, -scores, tier_rank)
    size = len(base) if size is None else size
    end = max(1, page) * per_page
    order = None
    if not grouped and len(pool) >= min(size, 2 * wanted):  # the pool alone; a short pool falls back to all
        local = without_copies(tuple(k[pool] for k in keys), report[pool], end, False,
                               copies[pool] if copies is not None else None, len(pool))
        if len(local) >= min(end, len(pool)) and len(pool) < size:
            order = pool[local]
    pooled = order is not None
    if order is None:
        order = without_copies(keys, report, end, grouped, copies, len(base))
    return Ranked(order[(max(1, page) - 1) * per_page : end], scores, bm25, base, pooled)


def relevance(candidates: Candidates, bm25_scores: np.ndarray, top: float | None = None) -> np.ndarray:
    """Base + normalised BM25F of every candidate (no contenders, no bonus): for tools."""
    if top is None:
        top = float(bm25_scores.max()) if len(bm25_scores) else 0.0
    return base_scores(candidates) + BM25_WEIGHT * (bm25_scores / top if top > 0 else bm25_scores)


def rank_page(sort: str, page: int, per_page: int, grouped: bool, full: np.ndarray, report: np.ndarray,
              seq: np.ndarray, copies: np.ndarray | None, date: np.ndarray, year: np.ndarray | None = None,
              reuse: np.ndarray | None = None) -> Ranked:
    """The page sorted by publish date (newest first), report year or reuse (最高重复率: the
    reports that repeat their previous report most first, then the newest), full matches
    first; ``date``: codes in date order (-1: none); ``year``: 0 when unknown; ``reuse``:
    the report's reuse rank (``search.engine.documents.reuse_rank``; None: an older index)."""
    tier_rank = (~full).astype(np.int8)
    if sort == "publish_date":  # newest first, a report's paragraphs in order
        keys = (seq, report, -date, tier_rank)
    elif sort == "reuse" and reuse is not None:  # most copied first, then the newest
        keys = (seq, report, -date, -reuse, tier_rank)
    else:
        keys = (seq, report, -date, -year, tier_rank)
    end = max(1, page) * per_page
    order = without_copies(keys, report, end, grouped, copies, len(full))
    return Ranked(order[(max(1, page) - 1) * per_page : end], np.zeros(len(full)))


def page_order(keys: tuple[np.ndarray, ...], reports: np.ndarray, end: int, grouped: bool) -> np.ndarray:
    """Indexes of the first ``end`` results in ``np.lexsort(keys)`` order (with
    ``grouped``: each report's first result only, reports in the order of those).

    Sorting every match of a common word is most of a page's cost at a million
    paragraphs; only the results whose leading key is within the first ``end`` can be on
    the page, so those (ties included) are found with a partition and sorted alone.
    """
    primary = keys[-1]
    pool = None
    if len(primary) > 4 * end + 1024 and (not grouped or reports.min() >= 0):
        if grouped:  # each report's best leading key, then the end-th best of those
            best = np.full(int(reports.max()) + 1, np.inf)
            np.minimum.at(best, reports, primary)
            candidates = best[np.isfinite(best)]
        else:
            candidates = primary
        if len(candidates) > end:
            threshold = np.partition(candidates, end - 1)[end - 1]
            pool = np.flatnonzero(primary <= threshold)
    if pool is None:
        order = np.lexsort(keys)
    else:
        order = pool[np.lexsort(tuple(key[pool] for key in keys))]
    if grouped:
        _, first = np.unique(reports[order], return_index=True)
        order = order[np.sort(first)]
    return order[:end]


def without_copies(keys, report, end: int, grouped: bool, copies, size: int) -> np.ndarray:
    """The first ``end`` results in order, each copy of a paragraph after its best one left
    out (copies: the same paragraph of a mirror or a traditional-script copy)."""
    want = end
    while True:
        order = page_order(keys, report, want, grouped)
        if copies is None:
            return order
        _, first = np.unique(copies[order], return_index=True)
        kept = order[np.sort(first)]
        if len(kept) >= end or len(order) < want or want >= size:  # enough, or every result read
            return kept[:end]
        want = min(size, want * 2 + 64)


def hit_from_fields(fields: dict, score: float, plan: QueryPlan, more: int, missing: tuple[str, ...] = (),
                    tier_name: str = "full", other_sources: int = 0) -> Hit:
    """A hit from a paragraph's stored fields (the same keys in both engines)."""
    province = fields.get("province") or None
    region = Region(
        province=None if province == UNKNOWN_REGION else province,
        city=fields.get("city") or None,
        county=fields.get("county") or None,
        code=fields.get("region_code") or None,
    )
    year = fields.get("report_year")
    text = fields.get("body", "")
    section_path = fields.get("section_path") or "[]"
    return Hit(
        report_id=fields["report_id"],
        paragraph_id=fields["paragraph_id"],
        title=fields.get("title", ""),
        region=region,
        report_year=int(year) if year and year.isdigit() else None,
        report_kind=fields.get("report_kind", ""),
        issuer=fields.get("issuer") or None,
        publish_date=fields.get("publish_date") or None,
        section_path=tuple(json.loads(section_path) if isinstance(section_path, str) else section_path),
        text=text,
        highlight=str(snippet(text, plan.highlight_terms)),
        score=score,
        topics=tuple(t for t in (fields.get("topic") or "").split(",") if t),
        quality=tuple(q for q in (fields.get("quality") or "").split(",") if q),
        more_in_report=more,
        missing=missing,
        tier=tier_name,
        other_sources=max(0, other_sources),
    )
