"""Agreement of the topic classifier with hand labels: precision / recall / F1, micro and per topic.

    .venv/bin/python scripts/topic_agreement.py [--set team|real|all] [--json] [--errors]

Two label sets:
- **team**: ``tests/data/topic_labels.jsonl``, the team's own labels of the five seed reports
  (seed, text_prefix, section_path, topics, text); written by the engineer who tuned the first
  keywords, so read it as a regression check, not as accuracy.
- **real**: ``../shared/realpages/topics.jsonl``, hand labels of real 法治 report paragraphs
  (file, text, section_path, topics, reason), if that folder is beside the checkout. Here the
  paragraph is classified from its own text and headings; ``../shared/realpages/score topics``
  measures the whole pipeline (``govsearch clean``, which also reads the report's kind and title).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.enrich.topics import assign_topics, topic_names  # noqa: E402

DEFAULT_LABELS = ROOT / "tests" / "data" / "topic_labels.jsonl"
REAL_LABELS = ROOT.parent / "shared" / "realpages" / "topics.jsonl"


def load_labels(path: Path) -> list[dict]:
    """The labelled paragraphs."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn}


def agreement(labels: list[dict], predict=None) -> dict:
    """Micro and per-topic precision/recall/F1, macro F1 and exact-set accuracy.

    ``predict(text, section_path) -> topic ids`` defaults to assign_topics.
    """
    predict = predict or (lambda text, path: assign_topics(text, tuple(path)))
    per: dict[str, dict[str, int]] = {t: {"tp": 0, "fp": 0, "fn": 0} for t in topic_names()}
    exact = 0
    errors = []
    for row in labels:
        gold = set(row["topics"])
        got = set(predict(row["text"], row["section_path"]))
        exact += gold == got
        if gold != got:
            where = row.get("seed") or row.get("file", "")
            errors.append({"where": where, "text_prefix": row.get("text_prefix") or row["text"][:24],
                           "section": (row["section_path"] or [""])[-1][:24],
                           "missing": sorted(gold - got), "extra": sorted(got - gold)})
        for topic in gold | got:
            counts = per.setdefault(topic, {"tp": 0, "fp": 0, "fn": 0})
            if topic in gold and topic in got:
                counts["tp"] += 1
            elif topic in got:
                counts["fp"] += 1
            else:
                counts["fn"] += 1
    totals = {k: sum(c[k] for c in per.values()) for k in ("tp", "fp", "fn")}
    per_topic = {t: _prf(**c) for t, c in per.items() if c["tp"] + c["fp"] + c["fn"]}
    return {
        "paragraphs": len(labels),
        "micro": _prf(**totals),
        "macro_f1": round(sum(v["f1"] for v in per_topic.values()) / max(len(per_topic), 1), 3),
        "exact_match": round(exact / max(len(labels), 1), 3),
        "per_topic": per_topic,
        "errors": errors,
    }


def _speed(labels: list[dict]) -> float:
    start = time.perf_counter()
    for row in labels:
        assign_topics(row["text"], tuple(row["section_path"]))
    return round((time.perf_counter() - start) * 1000 / max(len(labels), 1), 4)


def _print(name: str, result: dict) -> None:
    micro = result["micro"]
    print(f"[{name}] {result['paragraphs']} paragraphs  micro P={micro['precision']:.3f} R={micro['recall']:.3f} "
          f"F1={micro['f1']:.3f}  macro F1={result['macro_f1']:.3f}  exact={result['exact_match']:.3f}"
          + (f"  {result['ms_per_paragraph']} ms/paragraph" if "ms_per_paragraph" in result else ""))
    print(f"{'topic':24} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for topic, v in sorted(result["per_topic"].items()):
        print(f"{topic:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['tp']:4} {v['fp']:4} {v['fn']:4}")
    for error in result.get("errors", ()):
        print(f"  {error['where'][:12]:12} {error['section']:24} {error['text_prefix'][:20]:20}  "
              f"missing={error['missing']} extra={error['extra']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("team", "real", "all"), default="all", help="which labels to score")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="the team's JSONL labels")
    parser.add_argument("--real", type=Path, default=REAL_LABELS, help="the real paragraphs' JSONL labels")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="also list paragraphs where we disagree")
    args = parser.parse_args(argv)
    sets = {}
    if args.set in ("team", "all"):
        sets["team"] = load_labels(args.labels)
    if args.set in ("real", "all"):
        if args.real.exists():
            sets["real"] = load_labels(args.real)
        elif args.set == "real":
            print(f"no real labels at {args.real}", file=sys.stderr)
            return 2
    results = {}
    for name, labels in sets.items():
        result = agreement(labels)
        result["ms_per_paragraph"] = _speed(labels)
        if not args.errors:
            result.pop("errors")
        results[name] = result
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    for name, result in results.items():
        _print(name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
