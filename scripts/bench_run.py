"""The benchmark run: corpus, both engines' builds, query sets, serving, incremental update, report.

Fairness, stated once: both full builds read the same store, whose body tokens were
cached at import as ``govsearch import`` caches them (that jieba cost is reported apart),
and both tokenise titles and section headings themselves (the jieba dictionary load is
excluded for both); both answer the same query texts, tokenising them with the same
jieba; both return the top 10 by BM25 with highlights and facet counts (region, year,
topic, kind; paragraphs and reports) over every match. The FTS5 side indexes the word
tokens only; Whoosh also indexes bigrams for substring matches, which is part of what
it costs.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterator

SCRIPTS = Path(__file__).resolve().parent
LOGGER = logging.getLogger("bench")
DEFAULT_ROOT = Path("/tmp/govsearch-bench")
QUERIES_FILE = "queries.json"
RESULT_FILE = "result.json"
ENGINES = ("whoosh", "fts5", "opensearch")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", help="corpus paragraphs: 10k, 100k, 1m or a number (default 10k)")
    parser.add_argument("--data-dir", help="bench data folder (default /tmp/govsearch-bench/<size>)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per class (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="corpus and query seed (default 7)")
    parser.add_argument("--skip-build", action="store_true",
                        help="reuse the built indexes; skip the full and incremental build measurements")
    parser.add_argument("--engines", default="whoosh,fts5",
                        help="comma-separated: whoosh, fts5, opensearch (default whoosh,fts5)")
    parser.add_argument("--engine", action="append", default=[], choices=ENGINES,
                        help="measure this engine too (repeatable): --engine opensearch runs the cluster at "
                             "GOVSEARCH_OPENSEARCH_URL beside Whoosh and FTS5")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.add_argument("--show", action="store_true",
                        help="measure nothing: print the last result saved in the data folder")
    return parser.parse_args(argv)


def run_worker(task: str, data_dir: Path, *extra: str) -> dict:
    """Run one measured task in a fresh process and return its JSON."""
    LOGGER.info("%s …", task)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench_worker.py"), task, str(data_dir), *extra],
                          stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed (exit {done.returncode}); see the messages above")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    LOGGER.info("%s done in %.1f s", task, time.perf_counter() - started)
    return result


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    import bench_corpus

    args = parse_args(argv)
    try:
        bench_corpus.parse_size(args.size)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    engines = _engines(args)
    if not engines or not engines <= set(ENGINES):
        print(f"unknown engines: {args.engines} (whoosh, fts5, opensearch)", file=sys.stderr)
        return 2
    if "opensearch" in engines and not os.environ.get("GOVSEARCH_OPENSEARCH_URL") and not args.show:
        print("--engine opensearch needs a cluster: export GOVSEARCH_OPENSEARCH_URL=$(scripts/opensearch start | "
              "tail -n1)", file=sys.stderr)
        return 2
    if args.show:
        saved = _data_dir(args) / RESULT_FILE
        if not saved.exists():
            print(f"no result in {saved.parent}: run the benchmark first", file=sys.stderr)
            return 1
        result = json.loads(saved.read_text(encoding="utf-8"))
        result["summary"] = summary_rows(result)  # the current table layout over the saved figures
    else:
        try:
            with run_lock(_data_dir(args)):
                result = measure(args)
        except BlockingIOError:
            print(f"another benchmark is running on {_data_dir(args)}: wait for it (or pass another --data-dir)",
                  file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(render_table(result))
    return 0


def measure(args: argparse.Namespace, runner: Callable[..., dict] = run_worker) -> dict:
    """Every figure of one run (also written to <data_dir>/result.json); ``runner`` runs a worker task."""
    import bench_corpus
    import bench_fts5
    from bench_queries import choose_queries

    size = bench_corpus.parse_size(args.size)
    engines = _engines(args)
    data_dir = _data_dir(args)

    def progress(done: int, total: int) -> None:
        LOGGER.info("corpus: %d / %d paragraphs", done, total)

    corpus = bench_corpus.build_store(data_dir, size, args.seed, progress)
    LOGGER.info("corpus: %d paragraphs in %d reports in %s (%s)", corpus["paragraphs"], corpus["reports"], data_dir,
                "reused" if corpus["reused"] else f"built in {corpus['seconds']} s")
    result: dict = {"size": size, "data_dir": str(data_dir), "corpus": corpus, "engines": sorted(engines),
                    "cpus": len(os.sched_getaffinity(0)), "load_average": [round(x, 2) for x in os.getloadavg()],
                    "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "code": _code_version(),
                    "whoosh": {}, "fts5": {}, "opensearch": {}}
    fts5_path = data_dir / "fts5.sqlite"
    whoosh_built = (data_dir / "indexes" / "CURRENT").exists()
    # FTS5's vocabulary picks the query sets, so it is built whichever engines are measured.
    if not args.skip_build or not fts5_path.exists():
        result["fts5"]["build"] = runner("fts5-build", data_dir)
    if "whoosh" in engines and (not args.skip_build or not whoosh_built):
        result["whoosh"]["build"] = runner("whoosh-build", data_dir)
    if "opensearch" in engines and not args.skip_build:
        result["opensearch"]["build"] = runner("opensearch-build", data_dir)

    queries = choose_queries(bench_fts5.document_frequencies(fts5_path),
                             bench_fts5.body_tokens_sample(fts5_path, 4000), corpus["paragraphs"],
                             per_class=args.queries, seed=args.seed)
    queries_path = data_dir / QUERIES_FILE
    queries_path.write_text(json.dumps({k: [q.to_dict() for q in v] for k, v in queries.items()},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    result["queries"] = {k: {"timed": len(v), "distinct": len({q.text for q in v}),
                             "examples": list(dict.fromkeys(q.text for q in v))[:5]} for k, v in queries.items()}

    for engine in ENGINES:
        if engine in engines:
            result[engine]["serve"] = runner(f"{engine}-serve", data_dir, str(queries_path))
    if not args.skip_build:
        for engine in ENGINES:
            if engine in engines:
                result[engine]["incremental"] = runner(f"{engine}-incremental", data_dir)
    if {"whoosh", "fts5"} <= engines:
        result["agreement"] = runner("agreement", data_dir, str(queries_path))
    if "fts5" not in engines:
        result["fts5"].pop("build", None)  # built only to choose the queries
    result["summary"] = summary_rows(result)
    (data_dir / RESULT_FILE).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


@contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """One benchmark per data folder: two at once would share indexes and each other's CPU.
    The lock file sits beside the folder, which a corpus rebuild may delete."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.with_name(data_dir.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError when held
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _engines(args: argparse.Namespace) -> set[str]:
    return {e.strip() for e in args.engines.split(",") if e.strip()} | set(getattr(args, "engine", None) or ())


def _data_dir(args: argparse.Namespace) -> Path:
    import bench_corpus

    size = bench_corpus.parse_size(args.size)
    label = args.size.lower() if args.size.lower() in bench_corpus.SIZES else str(size)
    data_dir = Path(args.data_dir) if args.data_dir else DEFAULT_ROOT / label
    if args.seed != bench_corpus.DEFAULT_SEED and not args.data_dir:
        data_dir = data_dir.with_name(f"{label}-seed{args.seed}")
    return data_dir


def _code_version() -> str:
    """The commit measured, marked +dirty when search/ has uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=SCRIPTS.parent, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "search") else "")


def _get(data: dict, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def summary_rows(result: dict) -> list[dict]:
    """Each figure beside its FTS5 figure and the ratio whoosh / fts5."""
    rows = [
        ("full index from the store, paragraphs/s", ("build", "paragraphs_per_s")),
        ("  same, per CPU-second", ("build", "paragraphs_per_cpu_s")),
        ("full index, seconds", ("build", "seconds")),
        ("full index, peak RSS MB", ("build", "peak_rss_mb")),
        ("index size MB", ("build", "index_mb")),
        ("incremental add of 1 report (30 par.), s", ("incremental", "add_seconds")),
        ("  same, second add in the process, s", ("incremental", "add_seconds_warm")),
        ("incremental removal of it, s", ("incremental", "remove_seconds")),
    ]
    for kind in ("rare", "common", "and", "phrase", "question"):
        rows += [(f"{kind}: median ms", ("serve", "classes", kind, "median_ms")),
                 (f"{kind}: p95 ms", ("serve", "classes", kind, "p95_ms")),
                 (f"{kind}: CPU p95 ms", ("serve", "classes", kind, "cpu_p95_ms")),
                 (f"{kind}: mean matches", ("serve", "classes", kind, "mean_matches"))]
    rows += [("serving RSS MB (after all queries)", ("serve", "rss_mb")),
             ("serving peak RSS MB", ("serve", "peak_rss_mb"))]
    rows += [("cluster nodes' RSS MB (after all queries)", ("serve", "cluster_rss_mb")),
             ("cluster JVM heap in use MB", ("serve", "cluster_heap_used_mb")),
             ("index size with replicas MB", ("build", "index_mb_with_replicas"))]
    summary = []
    for name, path in rows:
        whoosh, fts5 = _get(result["whoosh"], *path), _get(result["fts5"], *path)
        opensearch = _get(result.get("opensearch") or {}, *path)
        if name.startswith(("cluster", "index size with")) and opensearch is None:
            continue  # figures of the cluster alone
        ratio = round(whoosh / fts5, 2) if isinstance(whoosh, (int, float)) and isinstance(fts5, (int, float)) \
            and fts5 else None
        summary.append({"figure": name, "whoosh": whoosh, "fts5": fts5, "opensearch": opensearch, "ratio": ratio})
    return summary


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_table(result: dict) -> str:
    """The table for people."""
    corpus = result["corpus"]
    lines = [f"govsearch benchmark: {corpus['paragraphs']:,} paragraphs in {corpus['reports']:,} reports "
             f"(seed {corpus['seed']}), code {result.get('code')}, {result['cpus']} CPUs "
             f"(load {result['load_average'][0]} at start), {result['data_dir']}",
             ""]
    width = max(len(r["figure"]) for r in result["summary"])
    cluster = any(r.get("opensearch") is not None for r in result["summary"])
    extra = f"  {'opensearch':>10}" if cluster else ""
    lines.append(f"{'':{width}}  {'whoosh':>10}  {'fts5':>10}{extra}  {'whoosh/fts5':>11}")
    for row in result["summary"]:
        cell = f"  {_cell(row.get('opensearch')):>10}" if cluster else ""
        lines.append(f"{row['figure']:{width}}  {_cell(row['whoosh']):>10}  {_cell(row['fts5']):>10}{cell}  "
                     f"{_cell(row['ratio']):>11}")
    lines.append("")
    if corpus.get("cached_tokens"):
        rate = f"{corpus['paragraphs'] / corpus['tokenise_seconds']:,.0f} paragraphs/s" \
            if corpus.get("tokenise_seconds") else "reused corpus"
        lines.append(f"Body tokens are cached in the store at import, as `govsearch import` does (jieba at import: {rate});"
                     " both full builds use them and tokenise only titles and section headings.")
        store_seconds = _get(result, "whoosh", "incremental", "store_seconds")
        if store_seconds is not None:
            lines.append(f"Before the incremental reindex, importing that report into the store (jieba + save) took "
                         f"{store_seconds:.2f} s; FTS5's incremental figure includes its jieba.")
    build = _get(result, "fts5", "build")
    if build:
        lines.append(f"FTS5 build: jieba is {build['tokenise_share']:.0%} of it; without tokenising "
                     f"{build['paragraphs_per_s_without_tokenising']:,.0f} paragraphs/s; token check "
                     f"{build['token_check']['mismatched']} of {build['token_check']['rows']} rows split differently")
    agreement = result.get("agreement")
    if agreement:
        lines.append(f"Same paragraphs for the same body word/phrase: {agreement['same']} of {agreement['checked']} "
                     f"queries" + (f" (differences: {agreement['differences']})" if agreement["differences"] else ""))
    for kind, info in result.get("queries", {}).items():
        lines.append(f"{kind} queries: {info['timed']} timed, {info['distinct']} distinct, e.g. "
                     + ", ".join(info["examples"][:3]))
    lines.append("Timed after one untimed pass over the same queries, govsearch's query and postings caches emptied between the passes; each returns top 10 + highlights + facets.")
    lines.append("ratio = whoosh / fts5. CPU figures are this process's CPU time: robust when the machine is shared.")
    return "\n".join(lines)
