"""Candidate topic words mined from report text: words that keep company with a topic's seed words.

    .venv/bin/python scripts/mine_topic_vocab.py [PATHS...] [--min-reports 2] [--top 20] [--json]

Reads report pages (default: samples/ and tests/data/cleaner/, the bundled reports), cleans them
with the pipeline, and for every 法治 paragraph marks the topics its *seed* vocabulary
(topics.json keywords of weight ≥ 0.7, plus the deepest heading's) already gives. A word (jieba,
two characters or more) becomes a candidate for a topic when it occurs with that topic's seed
words in paragraphs of at least ``--min-reports`` reports and far more often than its base rate
(smoothed log-odds). Candidates are printed for review; the reviewed ones go by hand into
``search/data/topics_vocab.json`` (the classifier never reads this script's output directly).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from search.clean import clean_page  # noqa: E402
from search.enrich.topic_lexicon import compile_lexicon, load_data, match_form  # noqa: E402
from search.errors import GovsearchError  # noqa: E402
from search.models import DISCLOSURE_REPORT, RawPage  # noqa: E402

DEFAULT_PATHS = [ROOT / "samples", ROOT / "tests" / "data" / "cleaner"]
_SUFFIXES = {".txt", ".html", ".htm"}


def paragraphs(paths: list[Path]):
    """(report file, text, section_path) of every paragraph of every readable non-disclosure report."""
    seen: set[str] = set()
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.suffix in _SUFFIXES)
    for file in files:
        try:
            report = clean_page(RawPage(file.read_bytes(), file.resolve().as_uri()))
        except GovsearchError:
            continue
        if report.report_kind == DISCLOSURE_REPORT:
            continue
        for paragraph in report.paragraphs:
            key = paragraph.text[:60]
            if key in seen:  # the seeds are bundled twice (samples/ and the cleaner's tests)
                continue
            seen.add(key)
            yield file.stem, match_form(paragraph.text), [match_form(h) for h in paragraph.section_path]


def seed_topics(lexicon, text: str, headings: list[str]) -> set[str]:
    """Topics the seed words give a paragraph: weight ≥ 1 in its text, or any in its deepest heading."""
    scores: Counter = Counter()
    for match in lexicon.find(text):
        scores[match.topic] += match.weight
    topics = {t for t, s in scores.items() if s >= 1.0}
    if headings:
        topics |= {m.topic for m in lexicon.find(headings[-1])}
    return topics


def mine(paths: list[Path], min_reports: int = 2, top: int = 20) -> dict[str, list[dict]]:
    """Candidates per topic: word, log-odds, co-occurrences, reports."""
    data, _, _ = load_data()
    seeds = [{"id": t["id"], "keywords": [k for k in t["keywords"] if t.get("keyword_weights", {}).get(k, 1.0) >= 0.7]}
             for t in data["topics"] if not t.get("mandated")]
    known = {match_form(k) for t in data["topics"] for k in t["keywords"]}
    lexicon = compile_lexicon(seeds)
    topic_count: Counter = Counter()
    word_count: Counter = Counter()
    together: Counter = Counter()
    reports: dict[tuple[str, str], set[str]] = defaultdict(set)
    total = 0
    for report, text, headings in paragraphs(paths):
        topics = seed_topics(lexicon, text, headings)
        words = {w for w in jieba.cut(text) if len(w) >= 2 and not w.isdigit() and not any(c.isdigit() for c in w)}
        total += 1
        topic_count.update(topics)
        word_count.update(words)
        for word in words:
            for topic in topics:
                together[(word, topic)] += 1
                reports[(word, topic)].add(report)
    result: dict[str, list[dict]] = {}
    for topic in sorted(topic_count):
        rows = []
        for (word, t), both in together.items():
            if t != topic or word in known or len(reports[(word, t)]) < min_reports or both < 3:
                continue
            # smoothed log-odds of the topic given the word against the topic's base rate
            p_given = (both + 0.5) / (word_count[word] + 1.0)
            p_base = topic_count[topic] / max(total, 1)
            log_odds = math.log(p_given / (1 - p_given + 1e-9)) - math.log(p_base / (1 - p_base + 1e-9))
            if log_odds > 1.0 and p_given >= 0.5:
                rows.append({"word": word, "log_odds": round(log_odds, 2), "together": both,
                             "occurrences": word_count[word], "reports": len(reports[(word, t)])})
        rows.sort(key=lambda r: (-r["log_odds"] * math.log1p(r["together"]), r["word"]))
        result[topic] = rows[:top]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders of report pages")
    parser.add_argument("--min-reports", type=int, default=2, help="a candidate must occur in this many reports")
    parser.add_argument("--top", type=int, default=20, help="candidates per topic")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    jieba.setLogLevel(60)
    result = mine(args.paths or DEFAULT_PATHS, args.min_reports, args.top)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for topic, rows in result.items():
        print(topic + ": " + "  ".join(f"{r['word']}({r['together']}/{r['occurrences']},{r['reports']}r)" for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
