"""The OpenSearch cluster the engine tests run on is real, replicated and has what the engine needs.

Runs against the cluster at GOVSEARCH_OPENSEARCH_URL (``scripts/opensearch start``; .ci/run
starts one); skipped without it. The last tests check the pieces of scripts/opensearch that
need no cluster: the module table, the Maven tree it reads, the Java it accepts.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opensearch_support import (SCRIPT, cluster_manager, kill_then_restart, managed_by_script, opensearch,  # noqa: E402,F401
                                opensearch_index, wait_for)

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))
import opensearch_cluster  # noqa: E402
import opensearch_dist  # noqa: E402

pytestmark = pytest.mark.opensearch

ENGINE_MODULES = {"analysis-common", "lang-painless", "percolator", "reindex", "transport-netty4",
                  "parent-join", "mapper-extras"}

PARAGRAPHS = [  # pre-tokenised, as the engine will index them: tokens separated by spaces
    {"id": "r1-1", "report_id": "r1", "year": 2022, "tokens": "法治 政府 建设 年度 报告"},
    {"id": "r1-2", "report_id": "r1", "year": 2022, "tokens": "推进 依法 行政 法治 政府"},
    {"id": "r2-1", "report_id": "r2", "year": 2023, "tokens": "政府 信息 公开 工作 年度 报告"},
    {"id": "r2-2", "report_id": "r2", "year": 2023, "tokens": "依申请 公开 法治 宣传"},
    {"id": "r3-1", "report_id": "r3", "year": 2023, "tokens": "行政 复议 诉讼 案件"},
]

PROPERTIES = {"tokens": {"type": "text", "analyzer": "whitespace"},  # the engine's fields, in short
              "report_id": {"type": "keyword"}, "year": {"type": "integer"}}


def make_index(cluster, name: str, extra_properties: dict | None = None) -> None:
    """An index of 1 shard and 1 replica with the engine's kind of fields, green before use."""
    properties = {**PROPERTIES, **(extra_properties or {})}
    cluster.request("PUT", f"/{name}", {
        "settings": {"number_of_shards": 1, "number_of_replicas": 1},
        "mappings": {"properties": properties}})
    health = cluster.health(name, wait_for_status="green", timeout="60s")
    assert health["status"] == "green", health


def bulk_paragraphs(cluster, name: str) -> dict:
    lines = []
    for paragraph in PARAGRAPHS:
        lines.append({"index": {"_index": name, "_id": paragraph["id"]}})
        lines.append({key: value for key, value in paragraph.items() if key != "id"})
    return cluster.request("POST", "/_bulk?refresh=true", ndjson=lines)


def search(cluster, name: str, body: dict, url: str | None = None) -> dict:
    return cluster.request("POST", f"/{name}/_search", body, url=url)


def ids(answer: dict) -> list[str]:
    return [hit["_id"] for hit in answer["hits"]["hits"]]


# ---------------------------------------------------------------- the cluster

def test_two_nodes_on_loopback_green_without_security(opensearch):
    health = opensearch.health()
    assert health["status"] == "green"
    assert health["number_of_nodes"] == 2 and health["number_of_data_nodes"] == 2
    nodes = opensearch.request("GET", "/_nodes/http,transport,plugins")["nodes"].values()
    for node in nodes:
        addresses = node["http"]["bound_address"] + node["transport"]["bound_address"]
        assert all(address.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for address in addresses), \
            addresses
        assert not any("security" in plugin["name"] for plugin in node["plugins"] + node["modules"])


def test_every_node_loads_the_modules_the_engine_needs(opensearch):
    nodes = opensearch.request("GET", "/_nodes/plugins")["nodes"].values()
    for node in nodes:
        loaded = {module["name"] for module in node["modules"]}
        assert ENGINE_MODULES <= loaded, f"{node['name']} lacks {ENGINE_MODULES - loaded}"


def test_the_replica_sits_on_the_other_node(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index)
    shards = opensearch.shards(opensearch_index)
    assert sorted(shard["prirep"] for shard in shards) == ["p", "r"]
    assert all(shard["state"] == "STARTED" for shard in shards)
    assert len({shard["node"] for shard in shards}) == 2, shards


# ---------------------------------------------------------------- what the engine will use

def test_bulk_indexing_then_a_search_finds_whitespace_tokens(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index)
    answer = bulk_paragraphs(opensearch, opensearch_index)
    assert not answer["errors"]
    assert all(item["index"]["_shards"]["successful"] == 2 for item in answer["items"])  # + replica
    found = search(opensearch, opensearch_index, {"query": {"match": {"tokens": "法治"}},
                                                  "sort": [{"_id": "asc"}]})
    assert found["hits"]["total"]["value"] == 3
    assert ids(found) == ["r1-1", "r1-2", "r2-2"]
    # The whitespace analyzer keeps the engine's tokens whole: 公开 matches, 公 does not.
    assert search(opensearch, opensearch_index,
                  {"query": {"match": {"tokens": "公"}}})["hits"]["total"]["value"] == 0
    tokens = opensearch.request("POST", f"/{opensearch_index}/_analyze",
                                {"field": "tokens", "text": "依申请 公开"})["tokens"]
    assert [token["token"] for token in tokens] == ["依申请", "公开"]


def test_facets_as_aggregations_under_a_post_filter(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index)
    bulk_paragraphs(opensearch, opensearch_index)
    answer = search(opensearch, opensearch_index, {
        "query": {"match": {"tokens": "政府"}},
        "post_filter": {"term": {"year": 2023}},
        "aggs": {"year": {"terms": {"field": "year"}}, "report": {"terms": {"field": "report_id"}}},
    })
    assert ids(answer) == ["r2-1"]  # the post filter narrows the hits, not the facet counts
    assert {b["key"]: b["doc_count"] for b in answer["aggregations"]["year"]["buckets"]} == \
        {2022: 2, 2023: 1}
    assert {b["key"]: b["doc_count"] for b in answer["aggregations"]["report"]["buckets"]} == \
        {"r1": 2, "r2": 1}


def test_collapse_groups_paragraphs_by_report_with_highlights(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index)
    bulk_paragraphs(opensearch, opensearch_index)
    answer = search(opensearch, opensearch_index, {
        "query": {"match": {"tokens": "法治"}},
        "collapse": {"field": "report_id", "inner_hits": {"name": "paragraphs", "size": 5}},
        "sort": [{"report_id": "asc"}],
        "highlight": {"fields": {"tokens": {"number_of_fragments": 0}},
                      "pre_tags": ["<mark>"], "post_tags": ["</mark>"]},
    })
    reports = [hit["fields"]["report_id"][0] for hit in answer["hits"]["hits"]]
    assert reports == ["r1", "r2"]
    inner = answer["hits"]["hits"][0]["inner_hits"]["paragraphs"]["hits"]
    assert inner["total"]["value"] == 2
    first = answer["hits"]["hits"][0]
    assert "<mark>法治</mark>" in first["highlight"]["tokens"][0]


def test_percolator_finds_the_stored_queries_a_new_paragraph_matches(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index, {"query": {"type": "percolator"}})
    opensearch.request("PUT", f"/{opensearch_index}/_doc/alert-1?refresh=true",
                       {"query": {"match": {"tokens": "依法"}}})
    opensearch.request("PUT", f"/{opensearch_index}/_doc/alert-2?refresh=true",
                       {"query": {"match": {"tokens": "复议"}}})
    answer = search(opensearch, opensearch_index, {"query": {"percolate": {
        "field": "query", "document": {"tokens": "坚持 依法 行政"}}}})
    assert ids(answer) == ["alert-1"]


def test_painless_scripts_and_delete_by_query_run(opensearch, opensearch_index):
    make_index(opensearch, opensearch_index)
    bulk_paragraphs(opensearch, opensearch_index)
    answer = search(opensearch, opensearch_index, {
        "query": {"match_all": {}},
        "sort": [{"_script": {"type": "number", "order": "desc",
                              "script": {"source": "doc['year'].value * 10 + "
                                                   "(doc['report_id'].value == 'r3' ? 1 : 0)"}}},
                 {"_id": "asc"}],
        "size": 2})
    assert ids(answer) == ["r3-1", "r2-1"]  # 20231, then 20230 (ties by id)
    deleted = opensearch.request("POST", f"/{opensearch_index}/_delete_by_query?refresh=true",
                                 {"query": {"term": {"report_id": "r1"}}})
    assert deleted["deleted"] == 2
    assert opensearch.request("GET", f"/{opensearch_index}/_count")["count"] == 3


# ---------------------------------------------------------------- a node dies
# Two nodes make one vote: OpenSearch keeps the voting configuration odd, so only the elected
# cluster manager votes. Losing the other node, the manager promotes the replica and carries on;
# losing the manager, the survivor has no manager but still answers searches from its copies
# (the default no_cluster_manager_block is "write") and refuses writes until the node is back.

def index_with_primary_on(cluster, name: str, node: str) -> None:
    """make_index, with the primary placed on ``node`` (and so the replica on the other)."""
    cluster.request("PUT", f"/{name}", {
        "settings": {"number_of_shards": 1, "number_of_replicas": 1,
                     "index.routing.allocation.require._name": node},
        "mappings": {"properties": PROPERTIES}})
    assert cluster.health(name, wait_for_active_shards="1", timeout="60s")["active_primary_shards"] == 1
    cluster.request("PUT", f"/{name}/_settings", {"index.routing.allocation.require._name": None})
    assert cluster.health(name, wait_for_status="green", timeout="60s")["status"] == "green"
    primary = [s["node"] for s in cluster.shards(name) if s["prirep"] == "p"]
    assert primary == [node]


QUERY = {"query": {"match": {"tokens": "政府"}}, "sort": [{"_id": "asc"}]}


@pytest.mark.slow
def test_when_the_primary_node_dies_the_manager_promotes_the_replica(opensearch, opensearch_index):
    manager = cluster_manager(opensearch)
    other = next(name for name in opensearch.node_urls() if name != manager)
    index_with_primary_on(opensearch, opensearch_index, other)
    bulk_paragraphs(opensearch, opensearch_index)
    before = ids(search(opensearch, opensearch_index, QUERY))
    survivor = opensearch.node_urls()[manager]
    with kill_then_restart(opensearch, other):
        health = wait_for(lambda: (h := opensearch.health(opensearch_index, url=survivor))
                          ["number_of_nodes"] == 1 and h["active_primary_shards"] == 1 and h)
        assert health["status"] == "yellow"  # the replica, now primary, has no node for a copy
        after = search(opensearch, opensearch_index, QUERY, url=survivor)
        assert ids(after) == before and after["_shards"]["failed"] == 0
        opensearch.request("PUT", f"/{opensearch_index}/_doc/late?refresh=true",
                           {"tokens": "政府 新增", "report_id": "r9", "year": 2024}, url=survivor)
        assert search(opensearch, opensearch_index, QUERY, url=survivor)["hits"]["total"]["value"] \
            == len(before) + 1


@pytest.mark.slow
def test_when_the_manager_dies_the_other_node_still_answers_searches(opensearch, opensearch_index):
    manager = cluster_manager(opensearch)
    index_with_primary_on(opensearch, opensearch_index, manager)
    bulk_paragraphs(opensearch, opensearch_index)
    before = ids(search(opensearch, opensearch_index, QUERY))
    survivor = next(url for name, url in opensearch.node_urls().items() if name != manager)
    with kill_then_restart(opensearch, manager):
        # cluster_manager_not_discovered_exception: the survivor knows it is alone.
        wait_for(lambda: requests.get(f"{survivor}/_cluster/health?cluster_manager_timeout=1s",
                                      timeout=30).status_code == 503)
        after = search(opensearch, opensearch_index, QUERY, url=survivor)
        assert ids(after) == before and after["_shards"]["failed"] == 0
        refused = requests.put(f"{survivor}/{opensearch_index}/_doc/late?timeout=1s",
                               json={"tokens": "政府"}, timeout=60)
        assert refused.status_code in (500, 503), refused.text  # no manager, no promotion: no writes


def test_status_reports_the_cluster_and_prints_its_url_last(opensearch):
    if not managed_by_script(opensearch.url):
        pytest.skip(f"the cluster at {opensearch.url} is not run by scripts/opensearch here")
    done = subprocess.run([str(SCRIPT), "status"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("cluster govsearch-test: green, 2 nodes")
    assert lines[-1] == opensearch.url
    assert all("MB resident" in line for line in lines[1:3])


# ---------------------------------------------------------------- scripts/opensearch itself

def test_every_module_in_the_table_is_fetched_by_the_pom():
    pom = opensearch_dist.POM.read_text(encoding="utf-8")
    modules = opensearch_dist.load_modules()
    assert {module.name for module in modules} == ENGINE_MODULES - {"transport-netty4"}
    for module in modules:
        group, artifact = module.artifact.split(":")
        assert f"<groupId>{group}</groupId>\n      <artifactId>{artifact}</artifactId>" in pom
        assert all(parent in {m.name for m in modules} for parent in module.extends)


def test_a_module_descriptor_has_the_fields_opensearch_reads():
    module = next(m for m in opensearch_dist.load_modules() if m.name == "analysis-common")
    fields = dict(line.split("=", 1) for line in
                  opensearch_dist.descriptor(module, "2.19.6").splitlines())
    assert fields["classname"] == "org.opensearch.analysis.common.CommonAnalysisPlugin"
    assert fields["extended.plugins"] == "lang-painless"
    assert fields["opensearch.version"] == fields["version"] == "2.19.6"
    assert fields["name"] == "analysis-common" and fields["java.version"]


def test_a_module_gets_its_own_libraries_but_not_the_servers():
    tree = opensearch_dist.parse_tgf(
        "1 govsearch:opensearch-node:pom:1\n"
        "2 org.opensearch.plugin:reindex-client:jar:2.19.6:compile\n"
        "3 org.opensearch.client:opensearch-rest-client:jar:2.19.6:compile\n"
        "4 org.apache.httpcomponents:httpclient:jar:4.5.14:compile\n"
        "5 org.apache.lucene:lucene-core:jar:9.12.3:compile\n"
        "#\n1 2 compile\n2 3 compile\n3 4 compile\n2 5 compile\n")
    root = next(a for a in tree if a.artifact == "reindex-client")
    names = [a.artifact for a in opensearch_dist.closure(root, tree)]
    assert names == ["reindex-client", "opensearch-rest-client", "httpclient", "lucene-core"]
    assert root.path_in(Path("/repo")) == Path(
        "/repo/org/opensearch/plugin/reindex-client/2.19.6/reindex-client-2.19.6.jar")
    assert opensearch_dist.artifact_name("lucene-core-9.12.3.jar") == "lucene-core"


def test_java_24_and_later_are_refused(tmp_path):
    homes = {}
    for major in (25, 17):
        home = tmp_path / f"jdk-{major}"
        home.mkdir()
        (home / "release").write_text(f'JAVA_VERSION="{major}.0.1"\n')
        homes[major] = home
    # Java 24 removed the security manager OpenSearch 2.x installs: 25 is passed over for 17.
    chosen = opensearch_cluster.find_java({"OPENSEARCH_JAVA_HOME": str(homes[25]),
                                           "JAVA_HOME": str(homes[17])})
    assert chosen == homes[17]
    assert opensearch_cluster.java_major(homes[25]) == 25


def test_the_scripts_examples_hold():
    import doctest

    for module in (opensearch_dist, opensearch_cluster):
        assert doctest.testmod(module).failed == 0
