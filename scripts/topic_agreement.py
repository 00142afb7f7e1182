"""Agreement of assign_topics with the hand labels: precision / recall / F1, micro and per topic.

    .venv/bin/python scripts/topic_agreement.py [--labels tests/data/topic_labels.jsonl] [--json] [--errors]

Labels are one JSON object per line: seed, text_prefix, section_path, topics, and the
paragraph text (text_prefix is kept so a reader can find the paragraph in the seed page).
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


def load_labels(path: Path) -> list[dict]:
    """The labelled paragraphs."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def agreement(labels: list[dict]) -> dict:
    """Micro and per-topic precision/recall/F1, macro F1 and exact-set accuracy."""
    per: dict[str, dict[str, int]] = {t: {"tp": 0, "fp": 0, "fn": 0} for t in topic_names()}
    exact = 0
    errors = []
    for row in labels:
        gold = set(row["topics"])
        got = set(assign_topics(row["text"], tuple(row["section_path"])))
        exact += gold == got
        if gold != got:
            errors.append({"seed": row["seed"], "text_prefix": row["text_prefix"],
                           "missing": sorted(gold - got), "extra": sorted(got - gold)})
        for topic in gold | got:
            counts = per.setdefault(topic, {"tp": 0, "fp": 0, "fn": 0})
            if topic in gold and topic in got:
                counts["tp"] += 1
            elif topic in got:
                counts["fp"] += 1
            else:
                counts["fn"] += 1

    def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                "tp": tp, "fp": fp, "fn": fn}

    totals = {k: sum(c[k] for c in per.values()) for k in ("tp", "fp", "fn")}
    per_topic = {t: prf(**c) for t, c in per.items() if c["tp"] + c["fp"] + c["fn"]}
    return {
        "paragraphs": len(labels),
        "micro": prf(**totals),
        "macro_f1": round(sum(v["f1"] for v in per_topic.values()) / max(len(per_topic), 1), 3),
        "exact_match": round(exact / max(len(labels), 1), 3),
        "per_topic": per_topic,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="JSONL hand labels")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="also list paragraphs where we disagree")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    result = agreement(labels)
    start = time.perf_counter()
    for row in labels:
        assign_topics(row["text"], tuple(row["section_path"]))
    result["ms_per_paragraph"] = round((time.perf_counter() - start) * 1000 / max(len(labels), 1), 4)
    if not args.errors:
        result.pop("errors")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    micro = result["micro"]
    print(f"{result['paragraphs']} paragraphs  micro P={micro['precision']:.3f} R={micro['recall']:.3f} "
          f"F1={micro['f1']:.3f}  macro F1={result['macro_f1']:.3f}  exact={result['exact_match']:.3f}  "
          f"{result['ms_per_paragraph']} ms/paragraph")
    print(f"{'topic':24} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for topic, v in sorted(result["per_topic"].items()):
        print(f"{topic:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['tp']:4} {v['fp']:4} {v['fn']:4}")
    for error in result.get("errors", ()):
        print(f"{error['seed'][:3]} {error['text_prefix'][:20]:20}  missing={error['missing']} extra={error['extra']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
