#!/usr/bin/env python3
"""One measured task of the benchmark, run in its own process so its memory is its own.

    bench_worker.py TASK DATA_DIR [QUERIES_JSON]

Tasks: whoosh-build, whoosh-incremental, whoosh-serve, fts5-build, fts5-incremental,
fts5-serve, opensearch-build, opensearch-incremental, opensearch-serve, agreement. Each
prints one JSON object on stdout; peak and current RSS come from /proc/self/status
(VmHWM, VmRSS), so interpreter start-up and imports count the same for every engine.
The OpenSearch tasks run on the cluster at GOVSEARCH_OPENSEARCH_URL (alias
``govsearch-bench-<paragraphs>``) and also report the cluster's nodes: resident memory
(when ``scripts/opensearch`` runs them here) and JVM heap.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import bench_fts5  # noqa: E402
from bench_queries import CLASSES, latency_summary  # noqa: E402

LOGGER = logging.getLogger(__name__)
FTS5_FILE = "fts5.sqlite"


def memory_mb() -> dict:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process, in MB; with worker
    processes (a parallel build), ``peak_rss_mb`` adds the largest worker's peak to this one's."""
    import resource

    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            name, amount = line.split(":", 1)
            values[name] = round(int(amount.split()[0]) / 1024, 1)
    children = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    own = values.get("VmHWM")
    return {"peak_rss_mb": round((own or 0) + children, 1), "own_peak_rss_mb": own,
            "largest_child_peak_rss_mb": children, "rss_mb": values.get("VmRSS")}


def _cpu_seconds() -> float:
    """CPU time of this process and its children (a parallel build may use workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def folder_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def _settings(data_dir: str):
    from search.settings import load_settings

    return load_settings({"data_dir": data_dir}, environ={})


def whoosh_build(data_dir: str) -> dict:
    from search.engine.whoosh import index as idx
    from search.pipeline import reindex
    from search.schema import segmenter

    segmenter()  # jieba's dictionary load is start-up, not indexing (as for FTS5)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    summary = reindex(_settings(data_dir), full=True, run_alerts=False)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    return {"paragraphs": summary.paragraphs_written, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "paragraphs_per_s": round(summary.paragraphs_written / seconds, 1),
            "paragraphs_per_cpu_s": round(summary.paragraphs_written / cpu, 1),
            "index_mb": folder_mb(idx.current_generation(data_dir)), **memory_mb()}


def _extra():
    from bench_corpus import extra_report

    return extra_report()


def _add_and_remove(settings, data_dir: str) -> dict:
    """Add one 30-paragraph report through search.pipeline.reindex, twice (fresh process,
    then warm), removing it after each; seconds of each step."""
    from search.pipeline import reindex
    from search.store import Store

    from bench_corpus import token_cache

    report_id, report = _extra()
    cache = token_cache()
    timings, storing = [], []
    for _ in range(2):
        started = time.perf_counter()
        extra = {}
        if cache is not None:  # as `govsearch import` does: tokens cached beside the report
            extra = {"tokens": [cache[0](p.text) for p in report.paragraphs], "tokens_version": cache[1]()}
        with Store.open(data_dir) as store:
            store.save(report_id, report, report_id, report.source_url, report_id, "2025-01-01T00:00:00+00:00",
                       **extra)
        storing.append(time.perf_counter() - started)
        started = time.perf_counter()
        summary = reindex(settings, full=False, run_alerts=False)
        timings.append(time.perf_counter() - started)
        if summary.added != [report_id] or summary.paragraphs_written != 30:
            raise RuntimeError(f"incremental reindex did not add the report: {summary.to_dict()}")
        with Store.open(data_dir) as store:
            store.delete(report_id)
        started = time.perf_counter()
        removed = reindex(settings, full=False, run_alerts=False)
        timings.append(time.perf_counter() - started)
        if removed.removed != [report_id]:
            raise RuntimeError(f"incremental reindex did not remove the report: {removed.to_dict()}")
    return {"add_seconds": round(timings[0], 3), "add_seconds_warm": round(timings[2], 3),
            "remove_seconds": round(timings[3], 3), "store_seconds": round(storing[0], 3)}


def whoosh_incremental(data_dir: str) -> dict:
    """Add and remove one report through search.pipeline.reindex (see _add_and_remove)."""
    return {**_add_and_remove(_settings(data_dir), data_dir), **memory_mb()}


def fts5_build(data_dir: str) -> dict:
    path = Path(data_dir) / FTS5_FILE
    cpu_started = _cpu_seconds()
    built = bench_fts5.build(data_dir, path)
    cpu = _cpu_seconds() - cpu_started
    seconds = built["seconds"]
    tokenising = built["tokenise_seconds"]
    return {"paragraphs": built["paragraphs"], "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "paragraphs_per_s": round(built["paragraphs"] / seconds, 1),
            "paragraphs_per_cpu_s": round(built["paragraphs"] / cpu, 1),
            "tokenise_share": round(tokenising / seconds, 3),
            "paragraphs_per_s_without_tokenising": round(built["paragraphs"] / max(1e-9, seconds - tokenising), 1),
            "index_mb": round(path.stat().st_size / 2**20, 1), "token_check": bench_fts5.check_tokens(path),
            "cached_body_tokens": built["cached_body_tokens"],
            **memory_mb()}


def fts5_incremental(data_dir: str) -> dict:
    from search.models import StoredReport

    path = Path(data_dir) / FTS5_FILE
    report_id, report = _extra()
    stored = StoredReport(report_id, report, "", (), "", "", "")
    timings = []
    for _ in range(2):  # tokenising included: the FTS5 side has no import step to hide it in
        timings.append(bench_fts5.add_report(path, stored))
        started = time.perf_counter()
        bench_fts5.remove_report(path, report_id)
        timings.append(time.perf_counter() - started)
    return {"add_seconds": round(timings[0], 3), "add_seconds_warm": round(timings[2], 3),
            "remove_seconds": round(timings[3], 3), **memory_mb()}


def _load_queries(path: str) -> dict[str, list[dict]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _serve(run, queries: dict[str, list[dict]], forget=None) -> dict:
    """A warm-up pass over each class's queries, then the timed pass; ``forget`` empties
    the engine's own caches in between, so no timed query finds its own earlier answer
    (only what the other queries of the pass left, as a server's would)."""
    classes = {}
    for kind in CLASSES:
        batch = queries.get(kind, [])
        for query in batch:
            run(query)
        if forget is not None:
            forget()
        seconds, cpu_seconds, totals = [], [], []
        for query in batch:
            started, cpu_started = time.perf_counter(), time.process_time()
            total = run(query)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu_started)
            totals.append(total)
        # CPU time beside wall time: on a shared machine the wall clock also measures the neighbours.
        cpu = latency_summary(cpu_seconds)
        classes[kind] = dict(latency_summary(seconds), cpu_median_ms=cpu["median_ms"], cpu_p95_ms=cpu["p95_ms"],
                             mean_matches=round(sum(totals) / len(totals), 1) if totals else None)
    return {"classes": classes, **memory_mb()}


def whoosh_serve(data_dir: str, queries_path: str) -> dict:
    from search.engine import SearchRequest, WhooshEngine

    engine = WhooshEngine(data_dir)

    def run(query: dict) -> int:
        result = engine.search(SearchRequest(query=query["text"], per_page=10))
        if (result.total or result.total_partial) and not result.hits:
            raise RuntimeError(f"matches but no hits for {query}")
        return result.total + result.total_partial

    from search.engine.whoosh.caches import clear_all

    return _serve(run, _load_queries(queries_path), forget=clear_all)


def fts5_serve(data_dir: str, queries_path: str) -> dict:
    searcher = bench_fts5.Fts5Searcher(Path(data_dir) / FTS5_FILE)

    def run(query: dict) -> int:
        return searcher.search(query["text"], phrase=query["phrase"], any_word=query.get("any_word", False))["total"]

    try:
        return _serve(run, _load_queries(queries_path))
    finally:
        searcher.close()


def agreement(data_dir: str, queries_path: str, limit: int = 40) -> dict:
    """Do both engines find the same paragraphs for the same body tokens (one word, and a phrase)?"""
    from whoosh import query as wq

    from search.engine.whoosh import index as idx

    queries = _load_queries(queries_path)
    searcher = bench_fts5.Fts5Searcher(Path(data_dir) / FTS5_FILE)
    checked = same = 0
    differences = []
    with idx.open_current(data_dir).searcher() as whoosh:
        for kind, count in (("rare", limit), ("phrase", limit), ("and", 0), ("common", 2)):
            for query in list({q["text"]: q for q in queries.get(kind, [])}.values())[:count]:
                tokens = bench_fts5.tokens(query["text"])
                node = wq.Term("body", tokens[0]) if len(tokens) == 1 else wq.Phrase("body", tokens)
                found = {whoosh.stored_fields(d)["paragraph_id"] for d in node.docs(whoosh)}
                baseline = searcher.body_matches(tokens)
                checked += 1
                if found == baseline:
                    same += 1
                elif len(differences) < 5:
                    differences.append({"query": query["text"], "whoosh": len(found), "fts5": len(baseline)})
    searcher.close()
    return {"checked": checked, "same": same, "differences": differences}


# --- OpenSearch ------------------------------------------------------------------
def _opensearch_settings(data_dir: str):
    import os

    from search.settings import load_settings

    url = os.environ.get("GOVSEARCH_OPENSEARCH_URL")
    if not url:
        raise RuntimeError("set GOVSEARCH_OPENSEARCH_URL (scripts/opensearch start prints one) to measure OpenSearch")
    paragraphs = json.loads((Path(data_dir) / "corpus.json").read_text(encoding="utf-8"))["paragraphs"] \
        if (Path(data_dir) / "corpus.json").exists() else 0
    return load_settings({"data_dir": data_dir, "engine": "opensearch", "opensearch_url": url,
                          "opensearch_index": f"govsearch-bench-{paragraphs or Path(data_dir).name}"}, environ={})


def cluster_memory(engine) -> dict:
    """The nodes' resident memory (when their processes are on this machine) and JVM heap in use, MB."""
    stats = engine.cluster.json("GET", "/_nodes/stats/jvm")["nodes"]
    info = engine.cluster.json("GET", "/_nodes/process")["nodes"]
    heap = round(sum(n["jvm"]["mem"]["heap_used_in_bytes"] for n in stats.values()) / 2**20, 1)
    rss = []
    for node in info.values():
        try:
            status = Path(f"/proc/{node['process']['id']}/status").read_text()
            rss.append(int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024)
        except (OSError, StopIteration, KeyError, ValueError):
            pass
    return {"cluster_nodes": len(stats), "cluster_heap_used_mb": heap,
            "cluster_rss_mb": round(sum(rss), 1) if len(rss) == len(stats) else None}


def opensearch_build(data_dir: str) -> dict:
    from search.engine import OpenSearchEngine
    from search.pipeline import reindex
    from search.schema import segmenter

    segmenter()
    settings = _opensearch_settings(data_dir)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    summary = reindex(settings, full=True, run_alerts=False)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    engine = OpenSearchEngine(settings)
    index = engine.live_index()
    sizes = engine.cluster.json("GET", f"/_cat/indices/{index}", params={"format": "json", "bytes": "b"})[0]
    return {"paragraphs": summary.paragraphs_written, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "paragraphs_per_s": round(summary.paragraphs_written / seconds, 1),
            "paragraphs_per_cpu_s": round(summary.paragraphs_written / cpu, 1),
            "index_mb": round(int(sizes["pri.store.size"]) / 2**20, 1),
            "index_mb_with_replicas": round(int(sizes["store.size"]) / 2**20, 1),
            "shards": int(sizes["pri"]), "replicas": int(sizes["rep"]),
            "bulk_requests": engine.last_bulk.requests if engine.last_bulk.documents else None,
            **memory_mb(), **cluster_memory(engine)}


def opensearch_incremental(data_dir: str) -> dict:
    """As whoosh-incremental, on the cluster."""
    from search.engine import OpenSearchEngine

    settings = _opensearch_settings(data_dir)
    timings = _add_and_remove(settings, data_dir)
    timings.pop("store_seconds")
    return {**timings, **memory_mb(), **cluster_memory(OpenSearchEngine(settings))}


def opensearch_serve(data_dir: str, queries_path: str) -> dict:
    from search.engine import OpenSearchEngine, SearchRequest

    engine = OpenSearchEngine(_opensearch_settings(data_dir))

    def run(query: dict) -> int:
        result = engine.search(SearchRequest(query=query["text"], per_page=10))
        if (result.total or result.total_partial) and not result.hits:
            raise RuntimeError(f"matches but no hits for {query}")
        return result.total + result.total_partial

    served = _serve(run, _load_queries(queries_path))
    return {**served, **cluster_memory(engine)}


TASKS = {"whoosh-build": whoosh_build, "whoosh-incremental": whoosh_incremental, "whoosh-serve": whoosh_serve,
         "fts5-build": fts5_build, "fts5-incremental": fts5_incremental, "fts5-serve": fts5_serve,
         "opensearch-build": opensearch_build, "opensearch-incremental": opensearch_incremental,
         "opensearch-serve": opensearch_serve, "agreement": agreement}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if len(argv) < 2 or argv[0] not in TASKS:
        print(f"usage: bench_worker.py {{{','.join(TASKS)}}} DATA_DIR [QUERIES_JSON]", file=sys.stderr)
        return 2
    result = TASKS[argv[0]](*argv[1:])
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
