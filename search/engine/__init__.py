"""The search engine seam: one contract, two engines.

Everything above this package imports only what is exported here: the contract
(``Filters``, ``SearchRequest``, ``SearchResult``, ``Hit``, ``Engine``) and
``open_engine``, which picks the engine the settings name (``engine = "whoosh"`` — the
embedded default — or ``"opensearch"``, a cluster).
"""
from __future__ import annotations

from .contract import FACETS, FILTER_FIELDS, SORTS, Engine, Filters, Hit, SearchRequest, SearchResult

__all__ = ["FACETS", "FILTER_FIELDS", "SORTS", "Engine", "Filters", "Hit", "SearchRequest", "SearchResult",
           "open_engine", "OpenSearchEngine", "WhooshEngine"]


def open_engine(settings) -> Engine:
    """The engine the settings name: ``engine = "whoosh"`` (the data folder's index) or
    ``"opensearch"`` (the cluster at ``opensearch_url``, alias ``opensearch_index``)."""
    if settings.engine == "opensearch":
        from .opensearch import OpenSearchEngine

        return OpenSearchEngine(settings)
    from .whoosh import WhooshEngine
    from .whoosh.caches import set_budget

    set_budget(settings.search_cache_mb)
    return WhooshEngine(settings.data_dir)


def __getattr__(name: str):
    # The implementations load on demand: a process using one engine never imports the other.
    if name == "WhooshEngine":
        from .whoosh import WhooshEngine

        return WhooshEngine
    if name == "OpenSearchEngine":
        from .opensearch import OpenSearchEngine

        return OpenSearchEngine
    raise AttributeError(name)
