"""BM25F as both engines compute it: one formula, one tree walk, the same statistics.

The score of a query node over an array of candidate paragraphs is Whoosh's BM25F
(``idf · tf·(K1+1) / (tf + K1·(1 − B + B·fl/avgfl))`` per term, summed up the tree,
times each node's boost), evaluated here with numpy. An engine supplies only the raw
numbers (``Postings``: each term's weight in each candidate and the candidates' field
lengths; ``Statistics``: idf and mean field length), so the Whoosh engine (from its
postings) and the OpenSearch engine (from the tokens of the paragraphs it fetched) give
bit-identical scores for the same paragraphs.

Statistics count *live* paragraphs only (a deleted paragraph waiting for a merge moves
no score): idf from live document frequencies, the mean field length from the exact
total length over live paragraphs. A paragraph's own field length is quantised as
Whoosh stores it (one byte: ``quantized_length``), so an engine that keeps exact lengths
gets the same numbers.

>>> [int(v) for v in quantized_length(np.array([0, 1, 10, 11, 100, 1000]))]
[0, 1, 10, 12, 101, 1032]
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from .. import schema
from . import plan

K1 = 1.2
B = 0.75
# Weight of one occurrence in each field (a title or heading match says more).
FIELD_BOOSTS = {"title": schema.TITLE_BOOST, "section": schema.SECTION_BOOST}
# Fields scored by BM25; a term of any other field (counts) scores its boost when present.
SCORED_FIELDS = frozenset({"body", "bigram", "title", "section", "about"})

# Whoosh's one-byte field lengths: byte b stands for round((1.033**b − 1)·27); a length is
# stored as the first byte whose value is at least the length.
_LENGTHS = np.array([int(round((pow(1.033, n) - 1) * 27)) for n in range(256)], dtype=np.int64)


def quantized_length(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh stores them (0 stays 0)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    codes = np.minimum(np.searchsorted(_LENGTHS, lengths, side="left"), 255)
    return _LENGTHS[codes]


def length_of_byte(codes: np.ndarray) -> np.ndarray:
    """The length a stored byte stands for."""
    return _LENGTHS[np.asarray(codes, dtype=np.int64)]


def idf(document_frequency: int, documents: int) -> float:
    """Whoosh's idf: log(N / (df + 1)) + 1, over live paragraphs."""
    return math.log(documents / (document_frequency + 1)) + 1


def term_scores(idf_value: float, tf: np.ndarray, fl: np.ndarray, avgfl: float, b: float = B, k1: float = K1):
    """BM25 of one term (Whoosh's ``scoring.bm25``, operation for operation)."""
    return idf_value * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))


class Postings(Protocol):
    """A term's numbers over a fixed array of candidates."""

    def term(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(weight of the term in each candidate — occurrences × the field's boost, 0 where absent;
        presence mask)."""

    def prefix(self, field: str, text: str) -> np.ndarray:
        """Presence of any term starting with ``text``."""

    def lengths(self, field: str) -> np.ndarray:
        """Quantised field length of each candidate (1 where the field is empty)."""


class Statistics(Protocol):
    def idf(self, field: str, text: str) -> float:
        ...

    def avg_length(self, field: str) -> float:
        ...


def scores(node, postings: Postings, statistics: Statistics, size: int) -> np.ndarray:
    """BM25F of a (loose) query node for ``size`` candidates; 0 where it does not match."""
    return _node(node, postings, statistics, size)[0]


def _node(node, postings: Postings, statistics: Statistics, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, matched mask) of a node. Phrases are scored loose: their words anywhere."""
    if isinstance(node, plan.Phrase):
        total, present = _sum([plan.Term(node.field, w) for w in node.words], postings, statistics, size, every=True)
        return total * node.boost, present
    if isinstance(node, plan.Term):
        return _term(node, postings, statistics, size)
    if isinstance(node, plan.Prefix):  # scored as a constant (Whoosh does the same)
        present = postings.prefix(node.field, node.text)
        return np.where(present, node.boost, 0.0), present
    if isinstance(node, plan.Without):
        found, present = _node(node.positive, postings, statistics, size)
        return found * node.boost, present
    if isinstance(node, (plan.All, plan.Any)):
        total, present = _sum(node.children, postings, statistics, size, every=isinstance(node, plan.All))
        return total * node.boost, present
    if isinstance(node, plan.Everything):
        return np.full(size, float(node.boost)), np.ones(size, dtype=bool)
    # Exclusions, Nothing and Near score nothing of their own (and never make a parent fail).
    return np.zeros(size), np.ones(size, dtype=bool)


def _sum(children, postings, statistics, size: int, every: bool):
    total = np.zeros(size, dtype=np.float64)
    present = np.ones(size, dtype=bool) if every else np.zeros(size, dtype=bool)
    for child in children:
        found, mask = _node(child, postings, statistics, size)
        total = total + np.where(mask, found, 0.0)
        present = present & mask if every else present | mask
    return np.where(present, total, 0.0), present


def _term(node: plan.Term, postings: Postings, statistics: Statistics, size: int):
    weights, present = postings.term(node.field, node.text)
    if not present.any():
        return np.zeros(size), present
    if node.field not in SCORED_FIELDS:
        return weights * node.boost, present
    found = term_scores(statistics.idf(node.field, node.text), weights, postings.lengths(node.field),
                        statistics.avg_length(node.field) or 1)
    return np.where(present, found, 0.0) * node.boost, present
