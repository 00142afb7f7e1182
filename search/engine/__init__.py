"""The search engine seam: one contract, two engines.

Everything above this package imports only what is exported here: the contract
(``Filters``, ``SearchRequest``, ``SearchResult``, ``Hit``, ``Engine``) and
``open_engine``, which picks the engine the settings name (``engine = "whoosh"`` — the
embedded default — or ``"opensearch"``, a cluster).
"""
from __future__ import annotations

from .contract import FACETS, FILTER_FIELDS, SORTS, Engine, Filters, Hit, SearchRequest, SearchResult

__all__ = ["FACETS", "FILTER_FIELDS", "SORTS", "Engine", "Filters", "Hit", "SearchRequest", "SearchResult",
           "WhooshEngine", "page_order"]


def __getattr__(name: str):
    # The implementations load on demand: a process using one engine never imports the other.
    if name in ("WhooshEngine", "page_order"):
        from . import whoosh

        return getattr(whoosh, name)
    raise AttributeError(name)
