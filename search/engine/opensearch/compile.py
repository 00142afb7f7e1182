"""Engine-neutral query nodes (``search.engine.plan``) as OpenSearch query DSL.

Two translations of the same node:

* ``match``: which paragraphs it selects (filter context, no scores). Phrases are
  phrase queries on positional fields (a bigram phrase that skips bigrams becomes a
  ``span_near`` with ``span_gap``s); ``Near`` becomes a chain of ``span_within`` (below).
* ``score``: its BM25F, computed on the cluster with the formula of ``search.engine.bm25``:
  every scored term is a ``script_score`` over a term query whose similarity returns the
  raw term frequency (``FREQ_SIMILARITY`` in the mapping), with the idf and the mean field
  length sent as parameters and the paragraph's quantised field length read from a
  numeric field. The cluster scores in float32; the exact float64 scores of the
  paragraphs fetched are computed again by ``search.engine.bm25`` itself.

``Near`` (every part starts within ``window`` positions of a start of the first part):
for each other part B, ``S_B`` = the spans "A then B with at most window − len(A)
positions between" or "B then A with at most window − len(B)"; A's occurrences that lie
within some ``S_B`` are exactly those within ``window`` of a B, and chaining
``span_within`` over every B keeps the A occurrences near all of them.
"""
from __future__ import annotations

from .. import bm25, plan

# neutral field → index field
FIELDS = {"body": "t_body", "bigram": "t_bigram", "title": "t_title", "section": "t_section",
          "about": "t_about", "counts": "counts", "report_year": "report_year", "report_id": "report_id"}
LENGTH_FIELDS = {"body": "ql_body", "bigram": "ql_bigram", "title": "ql_title", "section": "ql_section",
                 "about": "ql_about"}
POSITIONAL = {"body", "bigram"}

BM25_SCRIPT = ("double tf = _score * params.fb; double fl = doc[params.len].value; "
               "return params.idf * ((tf * (params.k1 + 1)) / (tf + params.k1 * ((1 - params.b) + params.b * fl / params.avg)));")

MATCH_ALL = {"match_all": {}}
MATCH_NONE = {"match_none": {}}


def field(name: str) -> str:
    return FIELDS[name]


def any_of(queries: list[dict]) -> dict:
    queries = [q for q in queries if q != MATCH_NONE]
    if not queries:
        return MATCH_NONE
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def all_of(queries: list[dict]) -> dict:
    queries = [q for q in queries if q != MATCH_ALL]
    if any(q == MATCH_NONE for q in queries):
        return MATCH_NONE
    if not queries:
        return MATCH_ALL
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"filter": queries}}


def none_of(query: dict) -> dict:
    if query == MATCH_NONE:
        return MATCH_ALL
    return {"bool": {"must_not": [query]}}


def and_not(positive: dict, negative: dict) -> dict:
    if negative == MATCH_NONE or positive == MATCH_NONE:
        return positive
    return {"bool": {"filter": [positive], "must_not": [negative]}}


def named(query: dict, name: str) -> dict:
    """The query with a name (reported per hit in ``matched_queries``)."""
    return {"bool": {"filter": [query], "_name": name}}


# --- matching ----------------------------------------------------------------
def match(node) -> dict:
    """The filter-context query of a node."""
    if isinstance(node, plan.Term):
        return {"term": {field(node.field): node.text}}
    if isinstance(node, plan.Phrase):
        return _phrase(node)
    if isinstance(node, plan.Prefix):
        return {"prefix": {field(node.field): node.text}}
    if isinstance(node, plan.All):
        return all_of([match(c) for c in node.children])
    if isinstance(node, plan.Any):
        return any_of([match(c) for c in node.children])
    if isinstance(node, plan.Without):
        return and_not(match(node.positive), match(node.negative))
    if isinstance(node, plan.Exclude):
        return none_of(match(node.child))
    if isinstance(node, plan.Everything):
        return MATCH_ALL
    if isinstance(node, plan.Nothing):
        return MATCH_NONE
    if isinstance(node, plan.Near):
        return _near(node)
    raise TypeError(f"unknown query node {node!r}")


def _phrase(node: plan.Phrase) -> dict:
    name = field(node.field)
    positions = node.positions
    if len(node.words) == 1:
        return {"term": {name: node.words[0]}}
    if list(positions) == list(range(positions[0], positions[0] + len(positions))):
        return {"match_phrase": {name: {"query": " ".join(node.words), "analyzer": "whitespace"}}}
    return _span_phrase(name, node.words, positions)


def _span_phrase(name: str, words, positions) -> dict:
    """Words at exact relative positions: terms and gaps, in order, with no slop."""
    clauses = []
    for i, (word, position) in enumerate(zip(words, positions)):
        if i and position - positions[i - 1] > 1:
            clauses.append({"span_gap": {name: position - positions[i - 1] - 1}})
        clauses.append({"span_term": {name: word}})
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True}}


def _span_part(part) -> tuple[dict, int]:
    """A part of a Near as a span query, and its length in positions."""
    if isinstance(part, plan.Term):
        return {"span_term": {field(part.field): part.text}}, 1
    if isinstance(part, plan.Phrase):
        positions = part.positions
        return _span_phrase(field(part.field), part.words, positions), positions[-1] - positions[0] + 1
    raise TypeError(f"a Near part must be a term or a phrase, not {part!r}")


def _near(node: plan.Near) -> dict:
    (anchor, anchor_length), others = _span_part(node.parts[0]), [_span_part(p) for p in node.parts[1:]]
    if not others:
        return {"span_near": {"clauses": [anchor], "slop": 0, "in_order": True}}
    result = anchor
    for other, other_length in others:
        orders = []
        if node.window - anchor_length >= 0:
            orders.append({"span_near": {"clauses": [anchor, other], "slop": node.window - anchor_length,
                                         "in_order": True}})
        if node.window - other_length >= 0:
            orders.append({"span_near": {"clauses": [other, anchor], "slop": node.window - other_length,
                                         "in_order": True}})
        if not orders:
            return MATCH_NONE
        big = orders[0] if len(orders) == 1 else {"span_or": {"clauses": orders}}
        result = {"span_within": {"little": result, "big": big}}
    return result


# --- scoring -------------------------------------------------------------------
class ScoreCompiler:
    """Scored queries of nodes with the statistics of one search (idf per term, mean field lengths)."""

    def __init__(self, statistics: bm25.Statistics):
        self.statistics = statistics

    def score(self, node) -> dict | None:
        """The scoring query of a node: it matches the paragraphs the node is present in and
        scores them as ``bm25.scores`` does; None: "always present, scores nothing"."""
        if isinstance(node, plan.Term):
            return self._term(node)
        if isinstance(node, plan.Phrase):
            children = [self._term(plan.Term(node.field, w)) for w in node.words]
            return _boosted({"bool": {"must": children}}, node.boost)
        if isinstance(node, plan.Prefix):
            return {"constant_score": {"filter": {"prefix": {field(node.field): node.text}}, "boost": node.boost}}
        if isinstance(node, plan.All):
            children = [c for c in (self.score(child) for child in node.children) if c is not None]
            if not children:
                return None
            return _boosted({"bool": {"must": children}}, node.boost)
        if isinstance(node, plan.Any):
            scored = [self.score(child) for child in node.children]
            children = [c for c in scored if c is not None]
            always = len(children) < len(scored)
            if not children:
                return None
            body = {"should": children, "minimum_should_match": 1}
            if always:  # a child that is always present makes the whole always present
                body = {"should": children, "must": [{"constant_score": {"filter": MATCH_ALL, "boost": 0}}]}
            return _boosted({"bool": body}, node.boost)
        if isinstance(node, plan.Without):
            found = self.score(node.positive)
            return _boosted(found, node.boost) if found is not None else None
        if isinstance(node, plan.Everything):
            return {"constant_score": {"filter": MATCH_ALL, "boost": node.boost}}
        return None  # Exclude, Nothing, Near

    def _term(self, node: plan.Term) -> dict:
        name = field(node.field)
        if node.field not in bm25.SCORED_FIELDS:  # present: its boost (each value occurs once)
            return {"constant_score": {"filter": {"term": {name: node.text}}, "boost": node.boost}}
        params = {"idf": self.statistics.idf(node.field, node.text), "avg": self.statistics.avg_length(node.field) or 1,
                  "fb": bm25.FIELD_BOOSTS.get(node.field, 1.0), "len": LENGTH_FIELDS[node.field],
                  "k1": bm25.K1, "b": bm25.B}
        return {"script_score": {"query": {"term": {name: node.text}},
                                 "script": {"source": BM25_SCRIPT, "params": params}, "boost": node.boost}}


def _boosted(query: dict, boost: float) -> dict:
    if boost == 1.0:
        return query
    return {"bool": {"must": [query], "boost": boost}}
