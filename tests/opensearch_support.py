"""The OpenSearch cluster the tests run against: a session fixture and a small REST helper.

The cluster is the one at ``GOVSEARCH_OPENSEARCH_URL`` (``.ci/run`` starts one with
``scripts/opensearch start`` and exports its URL). Without the variable the tests that need it
are skipped with the reason; with it, a cluster that does not answer is a failure, not a skip.

Test modules take the fixtures by importing them::

    from opensearch_support import opensearch, opensearch_index  # noqa: F401
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

URL_VARIABLE = "GOVSEARCH_OPENSEARCH_URL"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "opensearch"
INDEX_PREFIX = "govsearch-test-"


def cluster_url(environ=os.environ) -> str | None:
    """The cluster's URL from the environment, without a trailing slash (None when unset).

    >>> cluster_url({URL_VARIABLE: "http://127.0.0.1:9200/"})
    'http://127.0.0.1:9200'
    >>> cluster_url({}) is None
    True
    """
    url = environ.get(URL_VARIABLE, "").strip()
    return url.rstrip("/") or None


@dataclass(frozen=True)
class Cluster:
    """A running cluster reached over its REST API."""

    url: str
    timeout: float = 60.0

    def request(self, method: str, path: str, body=None, *, url: str | None = None,
                ndjson: list[dict] | None = None, expect=(200, 201)) -> dict:
        """Send one request (JSON body, or NDJSON lines for _bulk); return the decoded answer."""
        headers, data = {}, None
        if ndjson is not None:
            headers["Content-Type"] = "application/x-ndjson"
            data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in ndjson).encode()
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False).encode()
        answer = requests.request(method, f"{url or self.url}{path}", data=data, headers=headers,
                                  timeout=self.timeout)
        if answer.status_code not in expect:
            raise AssertionError(f"{method} {path}: HTTP {answer.status_code}: {answer.text[:500]}")
        return answer.json()

    def health(self, index: str = "", *, url: str | None = None, **query) -> dict:
        """GET /_cluster/health (of one index); ``query`` as wait_for_status="green", timeout="60s"."""
        params = "&".join(f"{key}={value}" for key, value in query.items())
        return self.request("GET", f"/_cluster/health/{index}" + (f"?{params}" if params else ""),
                            url=url, expect=(200, 408))

    def node_urls(self) -> dict[str, str]:
        """Each node's name and HTTP URL (from the nodes' published addresses)."""
        nodes = self.request("GET", "/_nodes/http")["nodes"].values()
        return {node["name"]: "http://" + node["http"]["publish_address"].split("/")[-1]
                for node in nodes}

    def shards(self, index: str) -> list[dict]:
        return self.request("GET", f"/_cat/shards/{index}?format=json")


def managed_by_script(url: str) -> bool:
    """Whether ``scripts/opensearch`` runs the cluster at ``url`` here (so a test may kill a node)."""
    done = subprocess.run([str(SCRIPT), "status", "--json"], capture_output=True, text=True,
                          timeout=60)
    if done.returncode not in (0, 1):
        return False
    return json.loads(done.stdout).get("url") == url


@pytest.fixture(scope="session")
def opensearch() -> Cluster:
    """The cluster at GOVSEARCH_OPENSEARCH_URL, green; the test is skipped when it is unset."""
    url = cluster_url()
    if url is None:
        pytest.skip(f"{URL_VARIABLE} is not set: start a cluster with `scripts/opensearch start` "
                    f"and export its URL (.ci/run does)")
    cluster = Cluster(url)
    try:
        health = cluster.health(wait_for_status="green", timeout="60s")
    except requests.RequestException as error:
        pytest.fail(f"{URL_VARIABLE}={url} does not answer: {error}")
    assert health.get("status") == "green", f"the cluster at {url} is not green: {health}"
    return cluster


@pytest.fixture
def opensearch_index(opensearch):
    """A fresh index name for one test (the index, if the test made it, is deleted afterwards)."""
    name = INDEX_PREFIX + uuid.uuid4().hex[:12]
    yield name
    opensearch.request("DELETE", f"/{name}", expect=(200, 404))


# ---------------------------------------------------------------- a node dies
def cluster_manager(cluster) -> str:
    return cluster.request("GET", "/_cat/cluster_manager?format=json")[0]["node"]


def kill_node(cluster, node: str) -> None:
    """SIGKILL one node with scripts/opensearch (skipped when the cluster is not ours)."""
    if not managed_by_script(cluster.url):
        pytest.skip(f"the cluster at {cluster.url} is not run by scripts/opensearch here: "
                    "its nodes are not ours to kill")
    subprocess.run([str(SCRIPT), "kill-node", node], check=True, timeout=120)


def restart(cluster) -> None:
    """Start the killed node again and wait until both nodes are back and green."""
    restarted = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=600)
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.strip().splitlines()[-1] == cluster.url
    healed = cluster.health(wait_for_status="green", wait_for_nodes="2", timeout="120s")
    assert healed["status"] == "green" and healed["number_of_nodes"] == 2, healed


def kill_then_restart(cluster, node: str):
    """Kill ``node`` with scripts/opensearch; on leaving, start it again and wait for green."""
    class Killed:
        def __enter__(self):
            kill_node(cluster, node)
            return self

        def __exit__(self, *exc):
            restart(cluster)
            return False
    return Killed()


def wait_for(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.5)


