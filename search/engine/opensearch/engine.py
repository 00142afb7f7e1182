"""The OpenSearch engine: the paragraphs in a cluster, searched like the Whoosh index.

The index lives under an alias (``opensearch_index``, default ``govsearch``); each full
rebuild writes ``<alias>-<time>-<random>`` beside the live one and swaps the alias in one
atomic ``_aliases`` call, so searches see the old index or the new one, never a half-built
one. Incremental updates write the new versions of changed reports, delete their stale
paragraphs and the removed reports, then refresh once (the index's refresh interval is
off: searches see a whole update at once). Writes go through ``client.Cluster.bulk``
(batches, retries on 429). One writer at a time: the data folder's writer lock.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ...errors import EngineError, IndexMissing
from ...locking import writer_lock
from ...models import StoredReport
from ...schema import analyzer_fingerprint
from ..contract import SearchRequest, SearchResult
from .client import BulkSummary, Cluster
from .mapping import MAPPING_VERSION, documents, index_body
from .searching import Search

LOGGER = logging.getLogger(__name__)

GREEN_TIMEOUT = "120s"  # a new index's replicas must be allocated before it goes live
KEEP_OLD = 1  # previous indexes kept after a swap (searches still running on them finish)


class OpenSearchEngine:
    """Paragraphs in an OpenSearch cluster; safe to share between threads."""

    def __init__(self, settings, cluster: Cluster | None = None):
        self.settings = settings
        self.cluster = cluster or Cluster.from_settings(settings)
        self.alias = settings.opensearch_index
        self.shards = max(1, int(settings.opensearch_shards))
        self.replicas = int(settings.opensearch_replicas)
        self.data_dir = Path(settings.data_dir)
        self.last_bulk = BulkSummary()

    # --- reading ------------------------------------------------------------
    def exists(self) -> bool:
        return self.cluster.exists(f"/{self.alias}")

    def _require(self) -> None:
        if not self.exists():
            raise IndexMissing(f"no index {self.alias!r} on the cluster: run `govsearch reindex` first")

    def search(self, request: SearchRequest) -> SearchResult:
        self._require()
        return Search(self, request).run()

    def warm(self) -> bool:
        return self.exists()

    def start_warming(self, every_seconds: float = 5.0) -> threading.Event:
        """Nothing to warm (the cluster keeps its own caches): a stopped event."""
        stop = threading.Event()
        stop.set()
        return stop

    def outdated(self) -> bool:
        if not self.exists():
            return False
        mappings = self.cluster.json("GET", f"/{self.alias}/_mapping")
        return any(m.get("mappings", {}).get("_meta", {}).get("govsearch_mapping") != MAPPING_VERSION
                   for m in mappings.values())

    def indexed(self) -> dict[str, str]:
        """report_id → content hash, from the report_key terms (a composite aggregation, in pages)."""
        if not self.exists():
            return {}
        found, after = {}, None
        while True:
            source = {"size": 5000, "sources": [{"key": {"terms": {"field": "report_key"}}}]}
            if after:
                source["after"] = after
            answer = self.cluster.search(self.alias, {"size": 0, "aggs": {"keys": {"composite": source}}})
            buckets = answer["aggregations"]["keys"]["buckets"]
            for bucket in buckets:
                report_id, _, digest = bucket["key"]["key"].partition(":")
                found[report_id] = digest
            after = answer["aggregations"]["keys"].get("after_key")
            if not buckets or not after:
                return found

    def live_index(self) -> str | None:
        """The index the alias points at (None: no alias yet)."""
        answer = self.cluster.request("GET", f"/_alias/{self.alias}", expect=(200, 404))
        if answer.status_code == 404:
            return None
        names = list(answer.json())
        return names[0] if names else None

    def stats(self) -> dict:
        self._require()
        answer = self.cluster.search(self.alias, {"size": 0, "track_total_hits": True, "aggs": {
            "reports": {"cardinality": {"field": "report_id", "precision_threshold": 40000}}}})
        return {"engine": "opensearch", "paragraphs": answer["hits"]["total"]["value"],
                "reports": answer["aggregations"]["reports"]["value"], "index": self.live_index(),
                "alias": self.alias, "cluster": self.cluster.urls[0]}

    # --- writing --------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        with writer_lock(self.data_dir):
            yield

    def apply(self, upserts: Iterable[StoredReport], deletions: Iterable[str]) -> int:
        """New versions of changed reports, their stale paragraphs and removed reports
        deleted, then one refresh: searches see the whole update at once."""
        self._require()
        upserts = list(upserts)
        summary = BulkSummary()
        self.cluster.bulk(self.alias, (doc for stored in upserts for doc in documents(stored)), summary)
        stale = [{"bool": {"filter": [{"term": {"report_id": s.report_id}}],
                           "must_not": [{"term": {"report_key": f"{s.report_id}:{s.content_hash}"}}]}}
                 for s in upserts]
        deletions = list(deletions)
        if deletions:
            stale.append({"terms": {"report_id": deletions}})
        for start in range(0, len(stale), 500):
            self.cluster.json("POST", f"/{self.alias}/_delete_by_query",
                              {"query": {"bool": {"should": stale[start:start + 500], "minimum_should_match": 1}}},
                              params={"conflicts": "proceed", "refresh": "false", "slices": "auto"})
        self.cluster.request("POST", f"/{self.alias}/_refresh")
        self.last_bulk = summary
        return summary.documents

    def rebuild(self, store) -> int:
        """Every report of the store into a new index, then the alias swapped to it."""
        name = f"{self.alias}-{time.strftime('%Y%m%dt%H%M%S')}-{secrets.token_hex(3)}"
        if self.cluster.exists(f"/{self.alias}") and self.live_index() is None:
            raise EngineError(f"{self.alias!r} on the cluster is an index, not an alias: "
                              f"choose another opensearch_index or delete it")
        body = index_body(self.shards, 0)  # replicas once the bulk load is done (faster, same result)
        self.cluster.json("PUT", f"/{name}", body)
        summary = BulkSummary()
        try:
            version = analyzer_fingerprint()
            reports = store.iter_reports(tokens_version=version)
            self.cluster.bulk(name, (doc for stored in reports for doc in documents(stored)), summary)
            self.cluster.json("PUT", f"/{name}/_settings", {"index": {"number_of_replicas": self.replicas}})
            self.cluster.request("POST", f"/{name}/_refresh")
            health = self.cluster.json("GET", f"/_cluster/health/{name}",
                                       params={"wait_for_status": "green", "timeout": GREEN_TIMEOUT},
                                       expect=(200, 408))
            if health.get("status") != "green":
                LOGGER.warning("index %s is %s (replicas not allocated); making it live anyway",
                               name, health.get("status"))
            self._swap(name)
        except BaseException:
            self.cluster.request("DELETE", f"/{name}", expect=(200, 404))
            raise
        self.last_bulk = summary
        return summary.documents

    def _swap(self, name: str) -> None:
        previous = self.live_index()
        actions = [{"add": {"index": name, "alias": self.alias}}]
        if previous:
            actions.insert(0, {"remove": {"index": previous, "alias": self.alias}})
        self.cluster.json("POST", "/_aliases", {"actions": actions})
        answer = self.cluster.json("GET", f"/_cat/indices/{self.alias}-*", params={"format": "json", "h": "index"})
        older = sorted(i["index"] for i in answer if i["index"] not in (name, previous))
        keep = {previous} if KEEP_OLD else set()
        for index in older:
            if index not in keep and _ours(index, self.alias):
                self.cluster.request("DELETE", f"/{index}", expect=(200, 404))


def _ours(index: str, alias: str) -> bool:
    """An index a rebuild of this alias made (<alias>-<time>-<random>)."""
    rest = index[len(alias) + 1:]
    parts = rest.split("-")
    return index.startswith(alias + "-") and len(parts) == 2 and parts[0][:8].isdigit()
