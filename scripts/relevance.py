#!/usr/bin/env python3
"""Print recall@10, MRR and full recall of the judged queries in tests/data/relevance.json.

Builds a throwaway index of the bundled samples (or uses --data-dir) and scores each query.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from search.engine import WhooshEngine  # noqa: E402
from search.evaluation import evaluate, load_judgments, summary  # noqa: E402
from search.pipeline import import_paths, reindex  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import Store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="use this indexed data folder instead of building one from samples/")
    parser.add_argument("--judgments", default=str(REPO / "tests" / "data" / "relevance.json"))
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir
        if not data_dir:
            data_dir = str(Path(scratch) / "data")
            settings = load_settings({"data_dir": data_dir}, environ={})
            import_paths(settings, [REPO / "samples"])
            reindex(settings, run_alerts=False)
        with Store.open(data_dir) as store:
            scores = evaluate(WhooshEngine(data_dir), store, load_judgments(args.judgments))
    totals = summary(scores)
    if args.json:
        print(json.dumps({"summary": totals, "queries": [s.__dict__ for s in scores]}, ensure_ascii=False))
        return 0
    print(f"{'query':<24} {'relevant':>8} {'R@10':>6} {'RR':>6} {'recall':>7}")
    for s in scores:
        print(f"{s.query:<24} {s.relevant:>8} {s.recall_at_10:>6.2f} {s.reciprocal_rank:>6.2f} {s.recall_all:>7.2f}")
    print(f"\n{totals['queries']} queries: recall@10 {totals['recall_at_10']:.3f}  MRR {totals['mrr']:.3f}  "
          f"full recall {totals['recall_all']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
