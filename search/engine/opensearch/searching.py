"""One search on the cluster: the same candidates, tiers, facets and order as the Whoosh engine.

The query plan becomes, per clause, named queries for each way a paragraph can hold it
(whole, near, another name, in its report, each sub-word). The round trips:

1. **statistics** (one _msearch of counts): live paragraphs and mean field lengths; the
   document frequency of every term the ranking scores, of every part and sub-word of a
   clause, and of each clause as a whole (its weight).
2. **counts and facets** (one search, ``size`` 0): full matches with and without the
   filters, partial ones, distinct reports, facets (each counted under the *other*
   facets' filters, values of one facet OR-ed), and the best BM25F among the hits shown.
3. **the ranked head** (one _msearch): the best candidates of each tier by the relevance
   formula of ``search.engine.ranker``, computed on the cluster (float32), with their
   tokens and which named queries they match; grouped pages add each report's best
   paragraph (``collapse``). The shared ranker then orders these in float64, exactly as
   the Whoosh engine orders its candidates; only paragraphs past the head — which cannot
   reach the page unless the text bonus or folded copies push them up, checked below — are
   left to the cluster's order.
4. **the page's extras**: other matching paragraphs of the page's reports (grouped) and
   copies of its paragraphs.

Did-you-mean asks document frequencies of many candidate words at once (group testing:
one ``terms`` query per batch, halves of a batch only while it holds an indexed word).
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ...query import ParsedQuery, parse_query
from ...suggest import suggest
from ...understand import QueryPlan, plan_query
from .. import bm25, plan as nodes
from ..contract import FACETS, SearchRequest, SearchResult
from ..plan import REPORT_ONLY_CLAUSES, REPORT_ONLY_SHARE, allowed_near, clause_queries, names_hits
from ..ranker import (BM25_WEIGHT, COVERAGE_WEIGHT, RERANK_WINDOW, SUGGEST_BELOW, TEXT_COVERAGE_WEIGHT, Candidates,
                      base_scores, hit_from_fields, rank_page, rank_relevance)
from .compile import MATCH_ALL, MATCH_NONE, ScoreCompiler, all_of, and_not, any_of, match, named
from .mapping import TOKEN_FIELDS, bigram_tokens, stored_fields

HEAD_MARGIN = 100  # candidates fetched past the rerank window and the page
TOP_BM25 = 5  # best candidates by the cluster's BM25F whose exact score gives the normaliser
FACET_SIZE = 20000  # facet values counted (every county path fits)
CARDINALITY_PRECISION = 40000  # distinct reports counted exactly up to about this many
MAX_REPORT_CLAUSES = 14  # report-only candidates are enumerated as clause subsets up to this many clauses …
MAX_REPORT_SUBSET_CLAUSES = 200  # … and this many clause queries in all (past either, reports are found first)
SOURCE_FIELDS = ["paragraph_id", "report_id", "seq", "copy_key", "counts", "t_body", "t_title", "t_section", "t_about",
                 "body", "title", "section_path", "province", "city", "county", "region_code", "report_year",
                 "year_sort", "reuse", "bigram_text", "publish_date", "report_kind", "issuer", "topic", "quality"]
_FACET_FIELDS = {"region": ("region_province", "region_city", "region_county"), "report_year": ("report_year",),
                 "topic": ("topic",), "report_kind": ("report_kind",), "on_time": ("on_time",),
                 "missing_section": ("missing_section",)}


def filter_queries(request: SearchRequest) -> dict[str, dict]:
    """Each active filter as a query, keyed by the facet it belongs to (publish_date is no facet)."""
    filters = request.filters
    selected = filters.selected()
    found = {}
    if selected["region"]:
        found["region"] = {"terms": {"region": sorted(selected["region"])}}
    years, year_range = selected["report_year"], filters.year_range()
    if years or year_range is not None:
        parts = []
        if years:
            parts.append({"terms": {"report_year": sorted(years)}})
        if year_range is not None:
            bounds = {k: v for k, v in (("gte", year_range[0]), ("lte", year_range[1])) if v is not None}
            parts.append({"range": {"year": bounds}} if bounds else {"exists": {"field": "year"}})
        found["report_year"] = all_of(parts)
    if selected["topic"]:
        found["topic"] = {"terms": {"topic": sorted(selected["topic"])}}
    if selected["report_kind"]:
        found["report_kind"] = {"terms": {"report_kind": sorted(selected["report_kind"])}}
    for facet in ("on_time", "missing_section"):
        if selected[facet]:
            found[facet] = {"terms": {facet: sorted(selected[facet])}}
    published = filters.published_range()
    if published is not None:
        bounds = {k: v for k, v in (("gte", published[0]), ("lte", published[1])) if v is not None}
        found["publish_date"] = {"range": {"publish_date": bounds}}
    return found


class Statistics:
    """``bm25.Statistics`` of one search: counted on the cluster, then looked up."""

    def __init__(self, documents: int, totals: dict[str, float], frequencies: dict[tuple[str, str], int]):
        self.documents = max(1, documents)
        self.totals = totals
        self.frequencies = frequencies

    def idf(self, field: str, text: str) -> float:
        return bm25.idf(self.frequencies.get((field, text), 0), self.documents)

    def avg_length(self, field: str) -> float:
        return self.totals.get(field, 0.0) / self.documents


def scored_terms(node) -> set[tuple[str, str]]:
    """(field, term) of every term a scored query's BM25F needs the idf of."""
    if isinstance(node, nodes.Term):
        return {(node.field, node.text)} if node.field in bm25.SCORED_FIELDS else set()
    if isinstance(node, nodes.Phrase):
        return {(node.field, w) for w in node.words} if node.field in bm25.SCORED_FIELDS else set()
    if isinstance(node, (nodes.All, nodes.Any)):
        return set().union(*(scored_terms(c) for c in node.children)) if node.children else set()
    if isinstance(node, nodes.Without):
        return scored_terms(node.positive)
    return set()


@dataclass
class ClauseSets:
    """The cluster queries of one clause."""

    whole: dict
    near: dict
    alias: dict
    report: dict
    typed: list
    fragments: list
    fragment_weights: np.ndarray

    @property
    def in_text(self) -> dict:
        return any_of([self.whole, self.near, self.alias])

    @property
    def present(self) -> dict:
        return any_of([self.whole, self.near, self.alias, self.report])


class FetchedPostings:
    """``bm25.Postings`` over fetched paragraphs, from their tokens (the index's own)."""

    def __init__(self, sources: list[dict]):
        self.sources = sources
        self._counts: dict[str, list[Counter]] = {}

    def _field(self, field: str) -> list[Counter]:
        if field not in self._counts:
            if field == "bigram":
                self._counts[field] = [Counter(t for t in bigram_tokens(s.get("bigram_text") or s.get("body", "")) if t != "_")
                                       for s in self.sources]
            elif field == "counts":
                self._counts[field] = [Counter(s.get("counts") or ()) for s in self.sources]
            else:
                self._counts[field] = [Counter((s.get(f"t_{field}") or "").split()) for s in self.sources]
        return self._counts[field]

    def term(self, field: str, text: str):
        counts = np.array([c.get(text, 0) for c in self._field(field)], dtype=np.float64)
        present = counts > 0
        if field not in bm25.SCORED_FIELDS:
            return np.where(present, 1.0, 0.0), present
        return counts * bm25.FIELD_BOOSTS.get(field, 1.0), present

    def prefix(self, field: str, text: str) -> np.ndarray:
        return np.array([any(t.startswith(text) for t in c) for c in self._field(field)], dtype=bool)

    def lengths(self, field: str) -> np.ndarray:
        exact = np.array([sum(c.values()) for c in self._field(field)], dtype=np.int64)
        return np.maximum(1, bm25.quantized_length(exact)).astype(np.float64)

    def subset(self, picked: np.ndarray) -> "FetchedPostings":
        return FetchedPostings([self.sources[i] for i in picked.tolist()])


class Search:
    """One request against the cluster (see the module docstring)."""

    def __init__(self, engine, request: SearchRequest):
        self.engine = engine
        self.cluster = engine.cluster
        self.index = engine.alias
        self.request = request
        self.parsed: ParsedQuery = parse_query(request.query)
        self.plan: QueryPlan = plan_query(self.parsed)
        self.scored = nodes.scored_query(self.plan, self.parsed)
        self.filters = filter_queries(request)
        self._report_query: dict | None = None

    # --- 1. statistics ----------------------------------------------------------
    def _statistics(self) -> None:
        plan = self.plan
        queries = [clause_queries(c) for c in plan.clauses]
        self.queries = queries
        wanted: dict[object, dict] = {}  # count key → query
        terms = scored_terms(self.scored)
        for field, text in terms:
            wanted[("term", field, text)] = match(nodes.Term(field, text))
        for c, q in enumerate(queries):
            if q.near:
                for k, part in enumerate(q.parts):
                    wanted[("part", c, k)] = match(part)
            for j, fragment in enumerate(q.fragments):
                wanted[("fragment", c, j)] = match(fragment)
        needs_parts = any(len(q.near) > 1 for q in queries)  # near sets depend on the parts' weights
        if not needs_parts:
            for c, q in enumerate(queries):
                wanted[("clause", c)] = self._clause_union(q, None)
                wanted[("whole_or_near", c)] = self._clause_union(q, None, variants=False)
        keys = list(wanted)
        bodies = [{"size": 0, "track_total_hits": True,
                   "aggs": {f: {"sum": {"field": f"len_{f}"}} for f in TOKEN_FIELDS}}]
        bodies += [{"size": 0, "track_total_hits": True, "query": wanted[k]} for k in keys]
        answers = self.cluster.msearch(self.index, bodies)
        documents = answers[0]["hits"]["total"]["value"]
        totals = {f: float(answers[0]["aggregations"][f]["value"]) for f in TOKEN_FIELDS}
        counts = {k: a["hits"]["total"]["value"] for k, a in zip(keys, answers[1:])}
        self.documents = max(1, documents)
        self.statistics = Statistics(documents, totals, {(k[1], k[2]): n for k, n in counts.items() if k[0] == "term"})
        self.part_weights = {c: [nodes.idf(counts[("part", c, k)], self.documents) for k in range(len(q.parts))]
                             for c, q in enumerate(queries) if q.near}
        if needs_parts:
            keys = [(kind, c) for c in range(len(queries)) for kind in ("clause", "whole_or_near")]
            answers = self.cluster.msearch(self.index, [
                {"size": 0, "track_total_hits": True,
                 "query": self._clause_union(queries[c], self.part_weights.get(c), variants=kind == "clause")}
                for kind, c in keys])
            counts.update({key: a["hits"]["total"]["value"] for key, a in zip(keys, answers)})
        self.admitting = nodes.admitting([counts[("whole_or_near", c)] for c in range(len(queries))], self.documents)
        self.weights = np.array([nodes.idf(counts[("clause", c)], self.documents) for c in range(len(queries))])
        self.sets = []
        for c, q in enumerate(queries):
            fragment_weights = np.array([nodes.idf(counts[("fragment", c, j)], self.documents)
                                         for j in range(len(q.fragments))])
            near = [match(n) for n in allowed_near(q, self.part_weights.get(c, []))] if q.near else []
            self.sets.append(ClauseSets(
                whole=match(q.text), near=any_of(near), alias=any_of([match(v) for v in q.variants]),
                # With one clause a paragraph must hold it itself: its report's words decide nothing.
                report=match(q.report) if q.report is not None and len(queries) > 1 else MATCH_NONE,
                typed=[match(p) for p in q.parts] if plan.clauses[c].parts_typed else [],
                fragments=[match(f) for f in q.fragments], fragment_weights=fragment_weights))

    def _clause_union(self, q, part_weights, variants: bool = True) -> dict:
        """The paragraphs holding a clause whole, near (or, with ``variants``, by another name)."""
        near = [match(n) for n in allowed_near(q, part_weights)] if part_weights is not None and q.near else \
            ([match(n) for n, _ in q.near[:1]] if q.near else [])
        return any_of([match(q.text), *near, *((match(v) for v in q.variants) if variants else ())])

    # --- the sets ------------------------------------------------------------------
    def _candidates(self, fragments: bool) -> dict:
        plan = self.plan
        required = match(nodes.tree_query(plan.required)) if plan.required is not None else None
        if not plan.clauses:
            found = required if required is not None else (MATCH_ALL if plan.empty else MATCH_NONE)
        else:
            # Only clauses under the common-terms cutoff bring in candidates alone (plan.admitting).
            in_text = [self.sets[c].in_text for c in self.admitting] + [t for s in self.sets for t in s.typed]
            if fragments:
                in_text += [f for s in self.sets for f in s.fragments]
            found = any_of(in_text + [self._report_candidates()])
            if required is not None:
                found = required if names_hits(plan.required) else all_of([found, required])
        if self.request.report_ids is not None:
            found = all_of([found, {"terms": {"report_id": list(self.request.report_ids)}}
                            if self.request.report_ids else MATCH_NONE])
        return found

    def _report_candidates(self) -> dict:
        """Paragraphs whose report's metadata alone covers most of the query: reports where
        at least REPORT_ONLY_CLAUSES clauses and REPORT_ONLY_SHARE of the weight are in the
        report (title, issuer, region, year), as the Whoosh engine keeps them
        (``search.engine.whoosh.tiers``). Written as every minimal set of such clauses when
        that query is small; otherwise the reports are found first (one aggregation) and
        named by id — a long query's subsets would pass the cluster's clause limit."""
        if self._report_query is None:
            self._report_query = self._report_query_for()
        return self._report_query

    def _report_query_for(self) -> dict:
        count = len(self.sets)
        usable = [c for c in range(count) if self.sets[c].report != MATCH_NONE]
        if len(usable) < REPORT_ONLY_CLAUSES:
            return MATCH_NONE
        total = max(self.weights.sum(), 1e-9)
        every = np.zeros(count)
        every[usable] = 1.0
        if every @ self.weights / total < REPORT_ONLY_SHARE:  # not even all of them together
            return MATCH_NONE
        qualifying = []
        if len(usable) <= MAX_REPORT_CLAUSES:
            for size in range(REPORT_ONLY_CLAUSES, len(usable) + 1):
                for subset in itertools.combinations(usable, size):
                    if any(set(q) <= set(subset) for q in qualifying):
                        continue
                    found = np.zeros(count)
                    found[list(subset)] = 1.0
                    if found @ self.weights / total >= REPORT_ONLY_SHARE:
                        qualifying.append(subset)
                if sum(len(q) for q in qualifying) > MAX_REPORT_SUBSET_CLAUSES:
                    break
        if sum(len(q) for q in qualifying) <= MAX_REPORT_SUBSET_CLAUSES:
            return any_of([all_of([self.sets[c].report for c in subset]) for subset in qualifying])
        reports = self._qualifying_reports(usable, total)
        return {"terms": {"report_id": reports}} if reports else MATCH_NONE

    def _qualifying_reports(self, usable: list[int], total: float) -> list[str]:
        """Ids of the reports whose metadata holds enough of the query (the rule above, in
        the same arithmetic as the Whoosh engine), read with a composite aggregation."""
        filters = {str(c): self.sets[c].report for c in usable}
        body = {"size": 0, "query": any_of(list(filters.values())),
                "aggs": {"reports": {"composite": {"size": 10000, "sources": [{"id": {"terms": {"field": "report_id"}}}]},
                                     "aggs": {"clauses": {"filters": {"filters": filters}}}}}}
        found: list[str] = []
        while True:
            answer = self.cluster.search(self.index, body)["aggregations"]["reports"]
            for bucket in answer["buckets"]:
                present = np.zeros(len(self.sets))
                for key, counted in bucket["clauses"]["buckets"].items():
                    present[int(key)] = 1.0 if counted["doc_count"] else 0.0
                if present.sum() >= REPORT_ONLY_CLAUSES and present @ self.weights / total >= REPORT_ONLY_SHARE:
                    found.append(bucket["key"]["id"])
            if not answer["buckets"] or "after_key" not in answer:
                return found
            body["aggs"]["reports"]["composite"]["after"] = answer["after_key"]

    def _full(self) -> dict:
        if not self.sets:
            return MATCH_ALL
        return all_of([s.present for s in self.sets] + [any_of([s.in_text for s in self.sets])])

    def _filtered(self, query: dict, leave_out: str | None = None) -> dict:
        return all_of([query, *(q for name, q in self.filters.items() if name != leave_out)])

    # --- 2. counts and facets ---------------------------------------------------------
    def _facet_aggs(self, base: dict) -> dict:
        aggs = {}
        for facet in FACETS:
            inner = {}
            for field in _FACET_FIELDS[facet]:
                inner[field] = {"terms": {"field": field, "size": FACET_SIZE},
                                "aggs": {"reports": {"cardinality": {"field": "report_id",
                                                                     "precision_threshold": CARDINALITY_PRECISION}}}}
            aggs[f"facet_{facet}"] = {"filter": self._filtered(base, facet), "aggs": inner}
        return aggs

    @staticmethod
    def _facet_counts(aggregations: dict) -> tuple[dict, dict]:
        paragraphs, reports = {}, {}
        for facet in FACETS:
            found, found_reports = {}, {}
            for field in _FACET_FIELDS[facet]:
                for bucket in aggregations[f"facet_{facet}"][field]["buckets"]:
                    found[bucket["key"]] = bucket["doc_count"]
                    found_reports[bucket["key"]] = bucket["reports"]["value"]
            paragraphs[facet] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
            reports[facet] = found_reports
        return paragraphs, reports

    def _bm25_query(self) -> dict | None:
        return ScoreCompiler(self.statistics).score(self.scored)

    def _counts(self, candidates: dict) -> dict:
        full = self._full()
        reports = {"cardinality": {"field": "report_id", "precision_threshold": CARDINALITY_PRECISION}}
        aggs = {"passing": {"filter": self._filtered(MATCH_ALL)},
                "full": {"filter": full},
                "full_shown": {"filter": self._filtered(full), "aggs": {"reports": reports}},
                **self._facet_aggs(full)}
        if self.request.partial:
            aggs["partial_shown"] = {"filter": self._filtered(and_not(MATCH_ALL, full)), "aggs": {"reports": reports}}
        return {"size": 0, "track_total_hits": True, "query": candidates, "aggs": aggs}

    def _shown(self, candidates: dict, full: dict) -> dict:
        """Candidates listed: full matches under the filters, and (partial) the others under them."""
        return self._filtered(candidates if self.request.partial else all_of([candidates, full]))

    def _tiers(self, candidates: dict, full: dict) -> list[dict]:
        """The listed candidates of each tier, full first."""
        tiers = [self._filtered(all_of([candidates, full]))]
        if self.request.partial:
            tiers.append(self._filtered(all_of([candidates, and_not(MATCH_ALL, full)])))
        return tiers

    # --- relevance on the cluster ---------------------------------------------------------
    def _base_should(self, names: bool = True) -> list[dict]:
        """Should-clauses whose sum is the shared ranker's base (clause coverage), one
        ``dis_max`` per clause over the ways a paragraph can hold it; ``names``: each way named
        (the features ``matched_queries`` reports per hit)."""
        should = []
        total = self.weights.sum() if len(self.weights) else 0.0
        label = (lambda name: name) if names else (lambda name: None)
        for c, s in enumerate(self.sets):
            share = self.weights[c] / total
            options = [
                named_score(s.whole, share * (COVERAGE_WEIGHT + TEXT_COVERAGE_WEIGHT), label(f"w{c}")),
                named_score(s.near, share * (COVERAGE_WEIGHT + TEXT_COVERAGE_WEIGHT * nodes.NEAR_CREDIT), label(f"n{c}")),
                named_score(s.alias, share * (COVERAGE_WEIGHT + TEXT_COVERAGE_WEIGHT * nodes.ALIAS_CREDIT),
                            label(f"a{c}"))]
            fragment_total = max(s.fragment_weights.sum(), 1e-9) if len(s.fragment_weights) else 1.0
            fragment_share = [w / fragment_total for w in s.fragment_weights]
            if s.report != MATCH_NONE:  # in the report only: full coverage, the sub-words' text credit
                report_only = [named_score(s.report, share * COVERAGE_WEIGHT, label(f"r{c}"))]
                report_only += [constant(f, share * TEXT_COVERAGE_WEIGHT * nodes.PART_CREDIT * fs)
                                for f, fs in zip(s.fragments, fragment_share)]
                options.append({"bool": {"must": report_only[:1], "should": report_only[1:],
                                         "must_not": [s.in_text] if s.in_text != MATCH_NONE else []}})
            absent = [named_score(f, share * (COVERAGE_WEIGHT + TEXT_COVERAGE_WEIGHT) * nodes.PART_CREDIT * fs,
                                  label(f"f{c}.{j}"))
                      for j, (f, fs) in enumerate(zip(s.fragments, fragment_share))]
            if absent:
                options.append({"bool": {"should": absent, "minimum_should_match": 1}})
            options = [o for o in options if o != MATCH_NONE]
            if options:
                should.append({"dis_max": {"queries": options, "tie_breaker": 0}})
        if not self.sets:
            should.append({"constant_score": {"filter": MATCH_ALL, "boost": COVERAGE_WEIGHT + TEXT_COVERAGE_WEIGHT}})
        return should

    def _contending(self, tier: dict, cut: float | None) -> dict:
        """The tier's candidates that contend for BM25F: base within BM25_WEIGHT of the cut
        (a hair lower on the cluster, which scores in float32; the ranker decides exactly)."""
        if cut is None:
            return tier
        return {"function_score": {"query": {"bool": {"filter": [tier], "should": self._base_should(names=False)}},
                                   "min_score": -cut - BM25_WEIGHT - SCORE_MARGIN}}

    def _relevance_should(self, contending: dict, top: float) -> list[dict]:
        """Should-clauses whose sum is the ranker's relevance before the text bonus."""
        should = self._base_should()
        bm25_query = self._bm25_query()
        if bm25_query is not None:
            # The boost on the BM25F query alone: a boost on the clause holding the contender
            # filter would reach that filter's min_score too (Lucene passes boosts down).
            boosted = {"bool": {"must": [bm25_query], "boost": BM25_WEIGHT / top if top > 0 else BM25_WEIGHT}}
            should.append({"bool": {"must": [boosted], "filter": [contending]}})
        return should

    def _feature_queries(self) -> list[dict]:
        """The named clause queries alone, scoring nothing (what a hit holds, when the
        score is something else: BM25F alone, or a sort by date or year)."""
        found = []
        for c, s in enumerate(self.sets):
            found += [named(s.whole, f"w{c}"), named(s.near, f"n{c}"), named(s.alias, f"a{c}"),
                      named(s.report, f"r{c}")]
            found += [named(f, f"f{c}.{j}") for j, f in enumerate(s.fragments)]
        return [q for q in found if q["bool"]["filter"][0] != MATCH_NONE]

    def _by_base(self, tier: dict, start: int, size: int) -> dict:
        """A tier's candidates by base alone, from place ``start`` (to read the cut there)."""
        return {"from": start, "size": size, "track_total_hits": False, "_source": False,
                "query": {"bool": {"filter": [tier], "should": self._base_should()}},
                "sort": [{"_score": "desc"}, {"report_id": "asc"}, {"seq": "asc"}]}

    # --- the whole search --------------------------------------------------------------
    def run(self) -> SearchResult:
        request, plan = self.request, self.plan
        if plan.empty:
            self._empty_statistics()
        else:
            self._statistics()
        candidates = self._candidates(False)
        answers = self._counts_and_cuts(candidates)
        aggregations = answers[0]["aggregations"]
        if request.partial and plan.clauses and not aggregations["passing"]["doc_count"]:
            # Nothing with a word of the query under these filters: sub-words, rather than an empty page.
            candidates = self._candidates(True)
            answers = self._counts_and_cuts(candidates)
            aggregations = answers[0]["aggregations"]
        total = aggregations["full_shown"]["doc_count"]
        total_reports = aggregations["full_shown"]["reports"]["value"]
        partial_total = aggregations["partial_shown"]["doc_count"] if request.partial else 0
        partial_reports = aggregations["partial_shown"]["reports"]["value"] if partial_total else 0
        facets, facet_reports = self._facet_counts(aggregations)
        basis = "full"
        full = self._full()
        if not total and partial_total:
            basis = "partial"
            partial_aggs = self.cluster.search(self.index, {"size": 0, "query": candidates,
                                                            "aggs": self._facet_aggs(and_not(MATCH_ALL, full))})
            facets, facet_reports = self._facet_counts(partial_aggs["aggregations"])
        hits = ()
        if total + partial_total:
            hits = self._hits(candidates, full, (total, partial_total), answers[1:])
        suggestion = None
        if total < SUGGEST_BELOW and plan.clauses:
            suggestion = suggest(request.query, plan, self._frequencies)
        return SearchResult(
            total=total, total_reports=total_reports, hits=tuple(hits), facets=facets, facet_reports=facet_reports,
            interpretation=self.parsed.interpretation, notice=self.parsed.notice, page=request.page,
            per_page=request.per_page, total_partial=partial_total, total_partial_reports=partial_reports,
            hidden_by_filters=aggregations["full"]["doc_count"] - total, facet_basis=basis,
            understood=plan.describe(), query_words=tuple(c.label for c in plan.clauses), suggestion=suggestion,
            _grouped=request.group_by_report)

    def _wanted(self) -> int:
        return max(RERANK_WINDOW, max(1, self.request.page) * self.request.per_page)

    def _counts_and_cuts(self, candidates: dict) -> list[dict]:
        """Counts and facets, and (relevance) each tier's candidates by base around the
        places where the page's and the first page's contender cuts can fall."""
        bodies = [self._counts(candidates)]
        if self.request.sort == "relevance":
            wanted = self._wanted()
            tiers = self._tiers(candidates, self._full())
            bodies.append(self._by_base(tiers[0], wanted - 1, 1))
            bodies.append(self._by_base(tiers[0], RERANK_WINDOW - 1, 1))
            if len(tiers) > 1:  # the partial tier's cut falls at (wanted - full matches)
                bodies.append(self._by_base(tiers[1], 0, wanted))
        return self.cluster.msearch(self.index, bodies)

    def _cuts(self, cut_answers: list[dict], sizes: tuple[int, int], wanted: int) -> dict[int, float | None]:
        """``ranker.contender_cuts`` from the candidates read at the cut places."""
        cuts: dict[int, float | None] = {}
        for rank in (0, 1):
            size = sizes[rank]
            if not size:
                continue
            if size > wanted:
                if rank == 0:
                    hits = cut_answers[0 if wanted == self._wanted() else 1]["hits"]["hits"][:1]
                else:
                    hits = cut_answers[2]["hits"]["hits"][wanted - 1 : wanted]
                cuts[rank] = float(-self._exact_base(hits)[0])
            else:
                cuts[rank] = None
            wanted -= size
            if wanted <= 0:
                break
        return cuts

    def _exact_base(self, hits: list[dict]) -> np.ndarray:
        matched = [set(h.get("matched_queries") or ()) for h in hits]
        return base_scores(clause_features(matched, self.sets, self.weights, self._labels()))

    def _labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.plan.clauses)

    def _empty_statistics(self) -> None:
        self.queries, self.sets, self.weights, self.admitting = [], [], np.zeros(0), []
        answer = self.cluster.search(self.index, {"size": 0, "track_total_hits": True,
                                                  "aggs": {f: {"sum": {"field": f"len_{f}"}} for f in TOKEN_FIELDS}})
        self.documents = max(1, answer["hits"]["total"]["value"])
        self.statistics = Statistics(self.documents, {f: float(answer["aggregations"][f]["value"])
                                                      for f in TOKEN_FIELDS}, {})

    def _hits(self, candidates: dict, full: dict, sizes: tuple[int, int], cut_answers: list[dict]) -> list:
        request = self.request
        wanted = self._wanted()
        end = max(1, request.page) * request.per_page
        tiers = list(zip(self._tiers(candidates, full), sizes, ("full", "partial")))  # rank = place in this list
        relevance_context = None
        if request.sort == "relevance":
            cuts = self._cuts(cut_answers, sizes, wanted)
            first_cuts = self._cuts(cut_answers, sizes, RERANK_WINDOW) if wanted > RERANK_WINDOW else cuts
            contending = [self._contending(query, cuts[rank]) if rank in cuts else MATCH_NONE
                          for rank, (query, _, _) in enumerate(tiers)]
            top = self._top(tiers, first_cuts)
            relevance_context = (cuts, first_cuts, top, contending)
            head = 2 * wanted + HEAD_MARGIN
        else:
            head = end + HEAD_MARGIN
        while True:
            fetched = self._fetch(tiers, head, relevance_context)
            ranked, enough = self._rank(fetched, relevance_context, sum(sizes))
            if enough:
                break
            head *= 2
        return self._page(fetched, ranked, candidates, full)

    def _top(self, tiers, first_cuts: dict[int, float | None]) -> float:
        """The normaliser: the best exact BM25F among the first page's contenders (the
        cluster's best few by its float32 BM25F, scored again exactly)."""
        bm25_query = self._bm25_query()
        contending = [self._contending(query, first_cuts[rank]) for rank, (query, _, _) in enumerate(tiers)
                      if rank in first_cuts]
        if bm25_query is None or not contending:
            return 0.0
        should = [bm25_query, *self._feature_queries(), named(tiers[0][0], "tier0")]  # the named ones score 0
        answer = self.cluster.search(self.index, {
            "size": TOP_BM25, "track_total_hits": False, "_source": SOURCE_FIELDS,
            "query": {"bool": {"filter": [any_of(contending)], "should": should}},
            "sort": [{"_score": "desc"}, {"report_id": "asc"}, {"seq": "asc"}]})
        hits = answer["hits"]["hits"]
        if not hits:
            return 0.0
        matched = [set(h.get("matched_queries") or ()) for h in hits]
        bases = base_scores(clause_features(matched, self.sets, self.weights, self._labels()))
        exact = bm25.scores(self.scored, FetchedPostings([h["_source"] for h in hits]), self.statistics, len(hits))
        keep = []
        for i, names in enumerate(matched):
            rank = 0 if "tier0" in names else 1
            if rank in first_cuts and (first_cuts[rank] is None or -bases[i] <= first_cuts[rank] + BM25_WEIGHT):
                keep.append(i)
        return float(max(exact[keep])) if keep else 0.0

    def _head_body(self, tier_query: dict, size: int, contending: dict | None, top: float, collapse: bool) -> dict:
        body = {"size": size, "track_total_hits": False, "_source": SOURCE_FIELDS}
        if self.request.sort == "relevance":
            body["query"] = {"bool": {"filter": [tier_query], "should": self._relevance_should(contending, top)}}
            body["sort"] = [{"_score": "desc"}, {"report_id": "asc"}, {"seq": "asc"}]
        else:
            body["query"] = {"bool": {"filter": [tier_query], "should": self._feature_queries()}}
            body["sort"] = _field_sort(self.request.sort)
        if collapse:
            body["collapse"] = {"field": "report_id"}
        return body

    def _fetch(self, tiers, head: int, relevance_context) -> "Fetched":
        """The best ``head`` candidates of the tiers needed to fill them (grouped: also each
        report's best), by the cluster's score (relevance) or the sort's keys."""
        bodies, kinds = [], []
        remaining = head
        contending = relevance_context[3] if relevance_context else [None] * len(tiers)
        top = relevance_context[2] if relevance_context else 0.0
        for rank, (query, count, name) in enumerate(tiers):
            if remaining <= 0:
                break
            if not count:
                continue
            size = min(count, remaining)
            bodies.append(self._head_body(query, size, contending[rank], top, False))
            kinds.append((name, False, count, size))
            if self.request.group_by_report:
                bodies.append(self._head_body(query, size, contending[rank], top, True))
                kinds.append((name, True, count, size))
            remaining -= count
        return Fetched.collect(_msearch_paged(self.cluster, self.index, bodies), kinds, [t[2] for t in tiers if t[1]])

    def _rank(self, fetched: "Fetched", relevance_context, shown: int) -> tuple:
        """Order what was fetched with the shared ranker; whether it surely holds the page."""
        request, plan = self.request, self.plan
        cands = fetched.candidates(self.sets, self.weights, self._labels())
        full = np.array([t == "full" for t in fetched.tiers], dtype=bool)
        report = np.unique(np.array(fetched.report_ids, dtype=object), return_inverse=True)[1].astype(np.int64)
        seq = np.array(fetched.seqs, dtype=np.int64)
        copies = np.array(fetched.copy_keys, dtype=np.int64)
        if request.sort == "relevance":
            cuts, first_cuts, top, _ = relevance_context
            postings = FetchedPostings(fetched.sources)

            def bm25_of(picked: np.ndarray) -> np.ndarray:
                return bm25.scores(self.scored, postings.subset(picked), self.statistics, len(picked))

            ranked = rank_relevance(cands, full, report, seq, copies, plan, request.page, request.per_page,
                                    request.group_by_report, bm25_of,
                                    lambda i: (fetched.sources[i].get("body", ""), fetched.sources[i].get("report_kind", "")),
                                    cuts=cuts, first_page_cuts=first_cuts, top=top, size=shown)
        else:
            dates = [s.get("publish_date") or "" for s in fetched.sources]
            codes = {d: i for i, d in enumerate(sorted({d for d in dates if d}))}
            date = np.array([codes.get(d, -1) for d in dates], dtype=np.int64)
            year = np.array([int(s.get("year_sort") or 0) for s in fetched.sources], dtype=np.int64)
            reuse = np.array([int(s.get("reuse") or 0) for s in fetched.sources], dtype=np.int64)
            ranked = rank_page(request.sort, request.page, request.per_page, request.group_by_report, full, report,
                               seq, copies, date, year, reuse)
        return ranked, fetched.holds_page(ranked, request, self._wanted())

    def _page(self, fetched: "Fetched", ranked, candidates: dict, full: dict) -> list:
        """Hits of the chosen paragraphs, with their report's other matches and their copies counted."""
        chosen = ranked.chosen.tolist()
        if not chosen:
            return []
        shown = self._shown(candidates, full)
        aggs = {"copies": {"filter": {"terms": {"copy_key": sorted({fetched.sources[i]["copy_key"] for i in chosen})}},
                           "aggs": {"keys": {"terms": {"field": "copy_key", "size": len(chosen)}}}}}
        if self.request.group_by_report:
            ids = sorted({fetched.sources[i]["report_id"] for i in chosen})
            aggs["reports"] = {"filter": {"terms": {"report_id": ids}},
                               "aggs": {"ids": {"terms": {"field": "report_id", "size": len(ids)}}}}
        answer = self.cluster.search(self.index, {"size": 0, "query": shown, "aggs": aggs})["aggregations"]
        copies = {b["key"]: b["doc_count"] for b in answer["copies"]["keys"]["buckets"]}
        per_report = {b["key"]: b["doc_count"] for b in answer["reports"]["ids"]["buckets"]} \
            if self.request.group_by_report else {}
        cands = fetched.candidates(self.sets, self.weights, self._labels())
        hits = []
        for index in chosen:
            source = fetched.sources[index]
            more = per_report.get(source["report_id"], 1) - 1 if self.request.group_by_report else 0
            hits.append(hit_from_fields(stored_fields(source), float(ranked.scores[index]), self.plan, more,
                                        tuple(cands.missing(index)), fetched.tiers[index],
                                        copies.get(source["copy_key"], 1) - 1))
        return hits

    # --- did you mean -----------------------------------------------------------------
    def _frequencies(self, field: str, terms: list[str]) -> list[int]:
        """Paragraphs holding each term: batches that hold none are dismissed with one query."""
        name = {"body": "t_body"}[field]
        found: dict[str, int] = {}
        pending = [list(dict.fromkeys(terms))]
        while pending:
            bodies = [{"size": 0, "track_total_hits": 1, "query": {"terms": {name: batch}}} for batch in pending]
            answers = self.cluster.msearch(self.index, bodies)
            next_round = []
            for batch, answer in zip(pending, answers):
                if not answer["hits"]["total"]["value"]:
                    found.update((t, 0) for t in batch)
                elif len(batch) == 1:
                    found[batch[0]] = -1  # counted below
                else:
                    half = len(batch) // 2
                    next_round += [batch[:half], batch[half:]]
            pending = next_round
        present = [t for t, n in found.items() if n < 0]
        if present:
            answers = self.cluster.msearch(self.index, [{"size": 0, "track_total_hits": True,
                                                         "query": {"term": {name: t}}} for t in present])
            found.update((t, a["hits"]["total"]["value"]) for t, a in zip(present, answers))
        return [found[t] for t in terms]


def named_score(query: dict, boost: float, name: str | None) -> dict:
    if query == MATCH_NONE:
        return MATCH_NONE
    found = {"constant_score": {"filter": query, "boost": float(boost)}}
    if name:
        found["constant_score"]["_name"] = name
    return found


def constant(query: dict, boost: float) -> dict:
    return {"constant_score": {"filter": query, "boost": float(boost)}}


def _field_sort(sort: str) -> list[dict]:
    date = {"publish_date": {"order": "desc", "missing": "_last"}}
    if sort == "publish_date":
        return [date, {"report_id": "asc"}, {"seq": "asc"}]
    if sort == "reuse":  # most copied first, then the newest (search.engine.ranker.rank_page)
        return [{"reuse": {"order": "desc", "missing": "_last"}}, date, {"report_id": "asc"}, {"seq": "asc"}]
    return [{"year_sort": "desc"}, date, {"report_id": "asc"}, {"seq": "asc"}]


def _msearch_paged(cluster, index: str, bodies: list[dict]) -> list[dict]:
    """_msearch, with bodies past the cluster's result window read in pages (search_after)."""
    window = 10000
    small = [b if b["size"] <= window else {**b, "size": window} for b in bodies]
    answers = cluster.msearch(index, small)
    for body, answer in zip(bodies, answers):
        hits = answer["hits"]["hits"]
        while len(hits) < body["size"] and hits and len(hits) % window == 0:
            more = cluster.search(index, {**body, "size": min(window, body["size"] - len(hits)),
                                          "search_after": hits[-1]["sort"]})
            if not more["hits"]["hits"]:
                break
            hits.extend(more["hits"]["hits"])
    return answers


SCORE_MARGIN = 1e-4  # the cluster scores in float32: a margin before trusting its order against ours


@dataclass
class Fetched:
    """Candidates fetched from the cluster, first come first kept (a paragraph is in one tier)."""

    tier_names: list  # in tier order
    ids: list
    sources: list
    tiers: list
    matched: list
    report_ids: list
    seqs: list
    copy_keys: list
    extra_sources: list  # fetched for the BM25F normaliser only
    exhausted: dict  # (tier, collapsed) → every candidate (or report) of it was fetched
    last_scores: dict  # (tier, collapsed) → the cluster's score of the last paragraph returned

    @classmethod
    def collect(cls, answers, kinds, tier_names: list[str]) -> "Fetched":
        """``tier_names``: the tiers with candidates, in order."""
        found = cls(list(tier_names), [], [], [], [], [], [], [], [], {}, {})
        seen = set()
        for answer, (kind, collapsed, count, size) in zip(answers, kinds):
            hits = answer["hits"]["hits"]
            if kind == "bm25":
                found.extra_sources.extend(h["_source"] for h in hits)
                continue
            found.exhausted[(kind, collapsed)] = len(hits) >= count or len(hits) < size
            found.last_scores[(kind, collapsed)] = hits[-1].get("_score") if hits else None
            for hit in hits:
                if hit["_id"] in seen:
                    continue
                seen.add(hit["_id"])
                source = hit["_source"]
                found.ids.append(hit["_id"])
                found.sources.append(source)
                found.tiers.append(kind)
                found.matched.append(set(hit.get("matched_queries") or ()))
                found.report_ids.append(source["report_id"])
                found.seqs.append(int(source["seq"]))
                found.copy_keys.append(int(source["copy_key"]))
        return found

    def candidates(self, sets: list[ClauseSets], weights: np.ndarray, labels: tuple[str, ...]) -> Candidates:
        return clause_features(self.matched, sets, weights, labels)

    def holds_page(self, ranked, request: SearchRequest, wanted: int) -> bool:
        """Whether the fetched head surely holds the page. By relevance, ungrouped, the
        ranker orders within the best 2 × wanted of every candidate, which the head holds
        by construction. Otherwise unfetched candidates of a tier rank below everything
        fetched of it; they could reach the page only where it ends in that tier, and (by
        relevance) where the text bonus or folded copies moved fetched ones below the
        cluster's score of the last one."""
        if ranked.pooled:
            return True
        chosen = ranked.chosen
        grouped, by_score = request.group_by_report, request.sort == "relevance"
        if len(chosen) < request.per_page:  # a short page: right only when nothing was left behind
            return all(self._tier_done(name, grouped) for name in self.tier_names)
        last = int(chosen[-1])
        tier = self.tiers[last]
        before = self.tier_names[: self.tier_names.index(tier)]
        if not all(self._tier_done(name, grouped) for name in before):
            return False
        if self._tier_done(tier, grouped) or not by_score:
            return True
        scores = [self.last_scores.get((tier, c)) for c in ((False, True) if grouped else (False,))]
        final = float(ranked.scores[last])
        return all(s is not None and s < final - SCORE_MARGIN * max(1.0, abs(final)) for s in scores)

    def _tier_done(self, tier: str, grouped: bool) -> bool:
        keys = [(tier, False), (tier, True)] if grouped else [(tier, False)]
        return all(self.exhausted.get(key, False) for key in keys)


def clause_features(matched: list[set], sets: list[ClauseSets], weights: np.ndarray,
                    labels: tuple[str, ...]) -> Candidates:
    """The ranker's features of paragraphs from the named queries each matched."""
    size, count = len(matched), len(sets)
    whole, near, alias, report = (np.zeros((size, count), dtype=bool) for _ in range(4))
    fragments = [np.zeros((size, len(s.fragments)), dtype=bool) for s in sets]
    tables = {"w": whole, "n": near, "a": alias, "r": report}
    for row, names in enumerate(matched):
        for name in names:
            if name[0] == "f" and "." in name:
                c, j = name[1:].split(".")
                fragments[int(c)][row, int(j)] = True
            elif name[0] in tables and name[1:].isdigit():
                tables[name[0]][row, int(name[1:])] = True
    share = np.zeros((size, count))
    for c, s in enumerate(sets):
        if len(s.fragments):
            share[:, c] = fragments[c] @ s.fragment_weights / max(s.fragment_weights.sum(), 1e-9)
    near &= ~whole
    alias &= ~whole & ~near
    return Candidates(np.arange(size), whole, near, alias, report, share, weights, labels)
