"""What only a cluster can do wrong: a node dies mid-search, the write queue is full, the
index is swapped while people search. The engine must answer as if nothing happened.

Runs on the cluster at GOVSEARCH_OPENSEARCH_URL (skipped without it). Refusals (429) come
from a loopback proxy in front of the real cluster that refuses the first bulk requests,
as a node with a full write queue does; everything else is the cluster itself.
"""
from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from search.engine import OpenSearchEngine, SearchRequest, WhooshEngine
from search.engine.opensearch import client as client_module
from search.pipeline import reindex
from search.settings import load_settings
from search.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opensearch_support import cluster_manager, kill_node, opensearch, restart, wait_for  # noqa: E402,F401
from test_engine_contract import assert_same_results, comparable  # noqa: E402
from test_search_equivalence import load_corpus  # noqa: E402

pytestmark = pytest.mark.opensearch

QUERIES = ("行政执法", "法治", "复议 OR 诉讼", "行政执法 火星基地", "全年主动公开政府信息多少条")


@pytest.fixture
def small(tmp_path):
    """A store of 25 reports of the fixed corpus, indexed by Whoosh (the reference)."""
    data_dir = tmp_path / "data"
    load_corpus(data_dir)
    with Store.open(data_dir) as store:
        for report_id in store.report_ids()[25:]:
            store.delete(report_id)
    reindex(load_settings({"data_dir": str(data_dir)}, environ={}), run_alerts=False)
    return data_dir


@pytest.fixture
def alias(opensearch):
    name = "govsearch-test-engine-" + uuid.uuid4().hex[:8]
    yield name
    opensearch.request("DELETE", f"/{name}-*", expect=(200, 404))


def engine_on(data_dir, urls: str, alias: str, **extra) -> OpenSearchEngine:
    settings = load_settings({"data_dir": str(data_dir), "engine": "opensearch", "opensearch_url": urls,
                              "opensearch_index": alias, **extra}, environ={})
    return OpenSearchEngine(settings)


def expected_results(data_dir) -> dict:
    whoosh = WhooshEngine(data_dir)
    return {q: whoosh.search(SearchRequest(query=q)) for q in QUERIES}


# ---------------------------------------------------------------- a full write queue
class RefusingProxy:
    """Forwards every request to the cluster, except that the first ``whole`` bulk requests
    are refused outright (429) and, in the next one, the cluster's answer for the first
    ``items`` documents is turned into a 429 (as when some shards' queues are full)."""

    def __init__(self, target: str, whole: int = 1, items: int = 3):
        self.target, self.whole, self.items = target, whole, items
        self.bulk_requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, data, kind = proxy.answer(self.command, self.path, body, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method, path, body, headers):
        if path.startswith("/_bulk"):
            self.bulk_requests += 1
            if self.bulk_requests <= self.whole:
                error = {"root_cause": [{"type": "rejected_execution_exception",
                                         "reason": "rejected execution (queue capacity 10)"}],
                         "type": "rejected_execution_exception", "reason": "rejected execution"}
                return 429, json.dumps({"error": error, "status": 429}).encode(), "application/json"
        headers = {k: v for k, v in headers.items() if k.lower() in ("content-type",)}
        answer = requests.request(method, self.target + path, data=body or None, headers=headers, timeout=120)
        data = answer.content
        if path.startswith("/_bulk") and self.bulk_requests == self.whole + 1 and answer.status_code == 200:
            result = answer.json()
            for item in result["items"][: self.items]:
                item["index"].update(status=429, error={"type": "rejected_execution_exception",
                                                        "reason": "rejected execution (queue capacity 10)"})
            result["errors"] = True
            data = json.dumps(result).encode()
        return answer.status_code, data, answer.headers.get("Content-Type", "application/json")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_bulk_refused_with_429_is_sent_again_until_taken(small, opensearch, alias, monkeypatch):
    monkeypatch.setattr(client_module, "RETRY_PAUSE", 0.05)
    proxy = RefusingProxy(opensearch.url, whole=2, items=3)
    try:
        engine = engine_on(small, proxy.url, alias)
        with Store.open(small) as store:
            paragraphs = sum(len(s.report.paragraphs) for s in store.iter_reports())
            written = engine.rebuild(store)
    finally:
        proxy.close()
    assert written == paragraphs
    assert engine.last_bulk.refusals == 2 + 3 and engine.last_bulk.retried >= 3
    direct = engine_on(small, opensearch.url, alias)
    assert direct.stats()["paragraphs"] == paragraphs
    for query, expected in expected_results(small).items():
        assert_same_results(expected, direct.search(SearchRequest(query=query)), query)


def test_a_cluster_that_keeps_refusing_fails_the_write_clearly(small, opensearch, alias, monkeypatch):
    from search.errors import EngineError

    monkeypatch.setattr(client_module, "RETRY_PAUSE", 0.01)
    monkeypatch.setattr(client_module, "RETRIES", 3)
    proxy = RefusingProxy(opensearch.url, whole=100)
    try:
        engine = engine_on(small, proxy.url, alias)
        with Store.open(small) as store, pytest.raises(EngineError, match="429"):
            engine.rebuild(store)
        assert not engine.exists()  # the half-built index was dropped; nothing went live
    finally:
        proxy.close()


# ---------------------------------------------------------------- the alias swap
def test_searches_during_full_reindexes_see_the_old_or_the_new_index_whole(small, opensearch, alias):
    engine = engine_on(small, opensearch.url, alias)
    with Store.open(small) as store:
        engine.rebuild(store)
    expected = {q: comparable(r) for q, r in expected_results(small).items()}
    stop, errors, searched = threading.Event(), [], []

    def search_until_stopped():
        while not stop.is_set():
            for query, want in expected.items():
                try:
                    got = comparable(engine.search(SearchRequest(query=query)))
                except Exception as error:  # noqa: BLE001 — collected, asserted below
                    errors.append(repr(error))
                    continue
                searched.append(query)
                if got != want:
                    errors.append(f"{query}: different results during the swap")

    threads = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        before = engine.live_index()
        with Store.open(small) as store:
            for _ in range(2):
                engine.rebuild(store)
        after = engine.live_index()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors[:5]
    assert len(searched) >= 10 and after != before
    kept = opensearch.request("GET", f"/_cat/indices/{alias}-*?format=json&h=index")
    assert len(kept) == 2  # the live index and the one before it (searches still on it finish)


# ---------------------------------------------------------------- a node dies
@pytest.mark.slow
def test_a_node_killed_mid_search_leaves_the_replica_answering(small, opensearch, alias):
    manager = cluster_manager(opensearch)
    urls = opensearch.node_urls()
    other = next(name for name in urls if name != manager)
    # The node to be killed comes first: the engine must also fail over to the next URL.
    engine = engine_on(small, f"{urls[other]},{urls[manager]}", alias, opensearch_shards=1, opensearch_replicas=1)
    with Store.open(small) as store:
        engine.rebuild(store)
    index = engine.live_index()
    primary = [s["node"] for s in opensearch.shards(index) if s["prirep"] == "p"]
    if primary != [other]:  # put the primary on the node that dies: cancel it where it is
        opensearch.request("POST", "/_cluster/reroute", {"commands": [
            {"cancel": {"index": index, "shard": 0, "node": manager, "allow_primary": True}}]})
        wait_for(lambda: [s["node"] for s in opensearch.shards(index) if s["prirep"] == "p"] == [other])
        assert opensearch.health(index, wait_for_status="green", timeout="60s")["status"] == "green"
    expected = {q: comparable(r) for q, r in expected_results(small).items()}
    stop, errors, answered = threading.Event(), [], []

    def search_until_stopped():
        while not stop.is_set():
            for query, want in expected.items():
                try:
                    got = comparable(engine.search(SearchRequest(query=query)))
                except Exception as error:  # noqa: BLE001 — collected, asserted below
                    errors.append(repr(error))
                    continue
                answered.append(time.monotonic())
                if got != want:
                    errors.append(f"{query}: different results")

    threads = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        killed_at = time.monotonic()
        kill_node(opensearch, other)
        wait_for(lambda: sum(1 for t in answered if t > killed_at + 1) >= 10, seconds=120)
        health = requests.get(f"{urls[manager]}/_cluster/health/{index}", timeout=30).json()
        assert health["number_of_nodes"] == 1 and health["active_primary_shards"] == 1
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        restart(opensearch)
    assert not errors, errors[:5]
    assert sum(1 for t in answered if t > killed_at) >= 10
